package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.Steps;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * In a job with Flink's object reuse on, a function chained after the SCD2 step gets the very
 * history rows the step emitted and may change their attributes in place: the rows the step keeps
 * in its history must not change with them.
 */
class Scd2ObjectReuseITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(1)
              .build());

  @Test
  @Timeout(120)
  void chainedFunctionChangingTheOutputInPlace_leavesTheHistoryAlone() throws Exception {
    List<String> withoutObjectReuse = run(false);

    assertThat(withoutObjectReuse)
        .containsExactly(
            "+I a1 v1 basic!",
            "-U a1 v1 basic!",
            "+U a1 v1 basic!",
            "+I a1 v2 pro!",
            "-U a1 v2 pro!",
            "+U a1 v2 pro!",
            "+I a1 v3 team!");
    assertThat(run(true)).isEqualTo(withoutObjectReuse);
  }

  /**
   * Three plans of one account (at 1, 2 and 3 s: note {@code t1}..{@code t3}), their history
   * changed in place by a function after the step.
   */
  private static List<String> run(boolean objectReuse) throws Exception {
    Configuration config = new Configuration();
    config.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(1);
    if (objectReuse) {
      env.getConfig().enableObjectReuse();
    }
    List<MutableAccount> plans = new ArrayList<>();
    List<String> names = List.of("basic", "pro", "team");
    for (int i = 0; i < names.size(); i++) {
      plans.add(MutableAccount.of(new Account("a1", names.get(i), "x@mail", "t" + (i + 1))));
    }
    EtlStream<Change<Scd2Row<MutableAccount>>> history =
        Etl.pipeline("p")
            .from(
                env.fromData(plans, MutableAccount.TYPE)
                    .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<MutableAccount>forMonotonousTimestamps()
                            .withTimestampAssigner((a, ts) -> 1_000L * a.note.charAt(1))))
            .apply(
                Scd2.trackRows(
                    "accounts",
                    MutableAccount::id,
                    EffectiveTime.<MutableAccount>recordTimestamp()))
            .apply(
                Steps.map(
                    "append",
                    Scd2ObjectReuseITCase::append,
                    Change.typeInfo(Scd2Row.typeInfo(MutableAccount.TYPE))));
    CloseableIterator<Change<Scd2Row<MutableAccount>>> output =
        history.toDataStream().collectAsync();
    env.execute("scd2-object-reuse-" + objectReuse);
    List<String> emitted = new ArrayList<>();
    output.forEachRemaining(
        c ->
            emitted.add(
                c.kind().shortString()
                    + " "
                    + c.value().key()
                    + " v"
                    + c.value().version()
                    + " "
                    + c.value().value().plan));
    return emitted;
  }

  /** Changes the history row's attributes in place. */
  private static Change<Scd2Row<MutableAccount>> append(Change<Scd2Row<MutableAccount>> change) {
    MutableAccount account = change.value().value();
    account.plan = account.plan + "!";
    return change;
  }
}
