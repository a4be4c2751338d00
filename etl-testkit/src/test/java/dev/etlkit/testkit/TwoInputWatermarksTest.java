package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each input of a two-input recipe advanced on its own: the operator's watermark is the minimum of
 * its inputs' watermarks (an idle input left out), as Flink's {@code AbstractStreamOperator}
 * combines them.
 */
class TwoInputWatermarksTest {

  /** Only builds job graphs (never executes). */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private static synchronized DataStream<String> records(String name) {
    return ENV.fromSequence(0, 0).map(new Never(), Types.STRING).name(name);
  }

  /** Facts ({@code k1#o1}, first input) wait for the event time of their timestamp. */
  private static KeyedHarness<Object, Either<String, String>, String> waiting() {
    DataStream<String> joined =
        records("facts")
            .keyBy(ChangelogGenerator::stringKey, Types.STRING)
            .connect(records("rows").keyBy(ChangelogGenerator::stringKey, Types.STRING))
            .process(new WaitForRow(), Types.STRING)
            .name("wait");
    return KeyedHarness.forTwoInputStream(joined, Types.STRING, Types.STRING);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void processWatermark1_aloneHoldsTimersBack_untilTheSecondInputCatchesUp(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, String>, String> harness = waiting().on(backend).open()) {
      harness.processElement(Either.Right("k1#v1"), 10);
      harness.processElement(Either.Left("k1#o1"), 20);
      harness.processWatermark1(30);

      assertThat(harness.output()).isEmpty();
      assertThat(harness.watermarks()).isEmpty();

      harness.processWatermark2(25);

      assertThat(harness.output()).containsExactly("k1#o1 with k1#v1 @20");
      assertThat(harness.watermarks()).containsExactly(25L);

      harness.processWatermark2(40);

      assertThat(harness.watermarks()).containsExactly(25L, 30L);
    }
  }

  @Test
  void processWatermark1_onAOneInputRecipe_isRefused() throws Exception {
    try (OperatorHarness<?, String> harness = SampleCounter.harness().open()) {
      assertThatThrownBy(() -> harness.processWatermark1(10))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("KeyedHarness.forTwoInputStream");
    }
  }

  /** Keeps the latest row per key; a fact waits for a timer at its timestamp. */
  private static final class WaitForRow
      extends KeyedCoProcessFunction<String, String, String, String> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<String> row;
    private transient ValueState<String> fact;

    @Override
    public void open(OpenContext openContext) {
      row = getRuntimeContext().getState(new ValueStateDescriptor<>("row", Types.STRING));
      fact = getRuntimeContext().getState(new ValueStateDescriptor<>("fact", Types.STRING));
    }

    @Override
    public void processElement1(String value, Context ctx, Collector<String> out) throws Exception {
      fact.update(value);
      ctx.timerService().registerEventTimeTimer(ctx.timestamp());
    }

    @Override
    public void processElement2(String value, Context ctx, Collector<String> out) throws Exception {
      row.update(value);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out)
        throws Exception {
      out.collect(
          fact.value()
              + " with "
              + (row.value() == null ? "none" : row.value())
              + " @"
              + timestamp);
      fact.clear();
    }
  }

  private static final class Never implements MapFunction<Long, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
