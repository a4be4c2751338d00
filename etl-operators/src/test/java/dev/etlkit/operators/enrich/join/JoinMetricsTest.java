package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.internal.join.JoinMetrics;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.OperatorIOMetricGroup;
import org.apache.flink.metrics.groups.OperatorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * Which operator registers which of the join's counters: the {@code fact-keys} operator counts the
 * facts with a {@code null} key (they never reach the join), the join every other status.
 */
class JoinMetricsTest {

  private static final StepIdentity STEP = new StepIdentity("test", "join", "test/join");

  /**
   * Found by a review on 2026-11-25: the join registered {@code factsNullKey} too, a counter that
   * stays 0 there (facts with a {@code null} key are finished before the shuffle), so the join's
   * operator showed a null-key count of 0 beside the key check's real one.
   */
  @Test
  void join_registersEveryCounterButFactsNullKey() {
    RecordingGroup group = new RecordingGroup();

    JoinMetrics.register(context(group), STEP);

    assertThat(group.groups).containsExactly("etlkit", "test", "step", "join");
    assertThat(group.counters)
        .containsExactly(
            "factsFound",
            "factsFoundAfterWait",
            "factsNotFound",
            "factsTimedOut",
            "factsDeleted",
            "factsBufferFull",
            "factsLate",
            "deleteMarkersRemoved");
  }

  @Test
  void factKeys_registersFactsNullKeyOnly() {
    RecordingGroup group = new RecordingGroup();

    JoinMetrics metrics = JoinMetrics.registerNullKeys(context(group), STEP);
    metrics.status(JoinStatus.NULL_KEY);

    assertThat(group.groups).containsExactly("etlkit", "test", "step", "join");
    assertThat(group.counters).containsExactly("factsNullKey");
    assertThat(metrics.count(JoinStatus.NULL_KEY)).isEqualTo(1);
    assertThat(metrics.count(JoinStatus.FOUND)).isZero();
    assertThat(metrics.lateCount()).isZero();
  }

  /** A runtime context of which only the metric group is used. */
  static RuntimeContext context(OperatorMetricGroup group) {
    return (RuntimeContext)
        Proxy.newProxyInstance(
            JoinMetricsTest.class.getClassLoader(),
            new Class<?>[] {RuntimeContext.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getMetricGroup")) {
                return group;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  /** An operator metric group that records the names of its counters and subgroups. */
  static final class RecordingGroup extends UnregisteredMetricsGroup
      implements OperatorMetricGroup {
    final List<String> counters = new ArrayList<>();
    final List<String> groups = new ArrayList<>();

    @Override
    public Counter counter(String name) {
      counters.add(name);
      return super.counter(name);
    }

    @Override
    public MetricGroup addGroup(String name) {
      groups.add(name);
      return this;
    }

    @Override
    public MetricGroup addGroup(String key, String value) {
      groups.add(key);
      groups.add(value);
      return this;
    }

    @Override
    public OperatorIOMetricGroup getIOMetricGroup() {
      return UnregisteredMetricsGroup.createOperatorIOMetricGroup();
    }
  }
}
