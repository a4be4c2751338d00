package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The step counters as a metric reporter sees them, on a local cluster: a step whose two operators
 * both count reports each record once, whether Flink chains the operators into one task (where they
 * share the step's accumulators) or not.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StepMetricsITCase {

  private static final String PIPELINE = "numbers";
  private static final String STEP = "evens";

  /** Keeps the metrics of finished jobs until the cluster shuts down after the last test. */
  private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @ParameterizedTest(name = "chaining={0}")
  @ValueSource(booleans = {true, false})
  void twoOperatorsOfOneStep_reporterSumsEachRecordOnce(boolean chaining) throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    if (!chaining) {
      env.disableOperatorChaining();
    }
    DataStream<Integer> numbers = env.fromData(Types.INT, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

    Etl.from(numbers, PIPELINE)
        .apply(new DropOddThenPass())
        .toDataStream()
        .sinkTo(new DiscardingSink<>());
    String job = chaining ? "chained" : "unchained";
    JobExecutionResult result = env.execute(job);

    RecordAccounting.StepCounts accounting = RecordAccounting.of(result).step(PIPELINE, STEP);
    assertThat(accounting.in()).isEqualTo(10);
    assertThat(accounting.isBalanced()).isTrue();
    // What a reporter that sums a step's counters over its operators and subtasks shows.
    assertThat(reported(job, StepMetrics.RECORDS_IN)).isEqualTo(10);
    assertThat(reported(job, StepMetrics.RECORDS_FILTERED)).isEqualTo(5);
    assertThat(reported(job, StepMetrics.RECORDS_OUT)).isEqualTo(5);
    assertThat(reported(job, StepMetrics.RECORDS_EMITTED)).isEqualTo(5);
  }

  /** The sum of one counter of the step over every operator group that registered it. */
  private static long reported(String job, String counter) {
    long sum = 0;
    for (Map.Entry<MetricGroup, Map<String, Metric>> group :
        REPORTER.getMetricsByGroup().entrySet()) {
      List<String> scope = List.of(group.getKey().getScopeComponents());
      int etlkit = scope.indexOf(StepMetrics.GROUP);
      if (etlkit < 0
          || !scope.contains(job)
          || !scope.subList(etlkit, scope.size()).equals(List.of("etlkit", PIPELINE, "step", STEP))
          || !group.getValue().containsKey(counter)) {
        continue;
      }
      sum += ((Counter) group.getValue().get(counter)).getCount();
    }
    return sum;
  }

  /**
   * A step of two operators, the way etlkit's key checks count: the first finishes the odd numbers
   * (in, filtered), the second counts the rest (in, out).
   */
  static final class DropOddThenPass implements EtlStep<Integer, Integer> {
    @Override
    public String name() {
      return STEP;
    }

    @Override
    public DataStream<Integer> expand(DataStream<Integer> input, StepContext context) {
      DataStream<Integer> evens =
          context.named(input.process(new Counting(context.identity(), true), Types.INT), "odd");
      return context.named(evens.process(new Counting(context.identity(), false), Types.INT));
    }
  }

  /**
   * One operator of the step: the first ({@code dropsOdd}) finishes the odd numbers and passes the
   * rest on uncounted, the second counts what reaches it.
   */
  static final class Counting extends ProcessFunction<Integer, Integer> {
    private final StepIdentity step;
    private final boolean dropsOdd;
    private transient StepMetrics metrics;

    Counting(StepIdentity step, boolean dropsOdd) {
      this.step = step;
      this.dropsOdd = dropsOdd;
    }

    @Override
    public void open(OpenContext openContext) {
      metrics = StepMetrics.register(getRuntimeContext(), step);
    }

    @Override
    public void processElement(Integer n, Context ctx, Collector<Integer> out) {
      if (!dropsOdd) {
        metrics.in();
        out.collect(n);
        metrics.out();
      } else if (n % 2 != 0) {
        metrics.in();
        metrics.filtered();
      } else {
        out.collect(n);
      }
    }
  }
}
