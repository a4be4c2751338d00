package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
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
      // tag::two-input-watermarks[]
      harness.processElement(Either.Right("k1#v1"), 10);
      harness.processElement(Either.Left("k1#o1"), 20);
      harness.processWatermark1(30); // the second input (the dimension) holds it back

      assertThat(harness.output()).isEmpty();
      assertThat(harness.watermarks()).isEmpty();

      harness.processWatermark2(25); // the operator's watermark: min(30, 25)

      assertThat(harness.output()).containsExactly("k1#o1 with k1#v1 @20");
      assertThat(harness.watermarks()).containsExactly(25L);
      // end::two-input-watermarks[]

      harness.processWatermark2(40);

      assertThat(harness.watermarks()).containsExactly(25L, 30L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void setIdle_second_letsTheFirstInputAloneDriveTheWatermark(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, String>, String> harness = waiting().on(backend).open()) {
      harness.processElement(Either.Left("k1#o1"), 20);
      harness.processWatermark1(30);
      harness.setIdle(2, true);

      assertThat(harness.output()).containsExactly("k1#o1 with none @20");
      assertThat(harness.watermarks()).containsExactly(30L);
      assertThatThrownBy(() -> harness.processWatermark2(40))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("input 2 is idle");

      harness.setIdle(2, false); // back with its watermark Long.MIN_VALUE: the 30 stays
      harness.processElement(Either.Left("k1#o2"), 40);
      harness.processWatermark1(50);
      harness.processWatermark2(45);

      assertThat(harness.output()).containsExactly("k1#o1 with none @20", "k1#o2 with none @40");
      assertThat(harness.watermarks()).containsExactly(30L, 45L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_startsBothInputsAtLongMinValue_asFlinkKeepsNoWatermarkInASnapshot(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Either<String, String>, String> recipe = waiting().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Either<String, String>, String> harness = recipe.open()) {
      harness.processWatermark1(10);
      harness.processWatermark2(10);
      harness.processElement(Either.Left("k1#o1"), 20);
      state = harness.snapshot();
    }

    try (OperatorHarness<Either<String, String>, String> restored = recipe.restore(state)) {
      restored.processWatermark1(30);

      assertThat(restored.output()).isEmpty();

      restored.processWatermark2(30);

      assertThat(restored.output()).containsExactly("k1#o1 with none @20");
    }
  }

  @Test
  void script_inputWatermarksAndIdleness_replayAtEveryCutPoint() {
    HarnessInput<Either<String, String>> script =
        HarnessInput.<Either<String, String>>builder()
            .element(Either.Right("k1#v1"), 10)
            .element(Either.Left("k1#o1"), 20)
            .watermark2(25)
            .watermark1(30)
            .element(Either.Left("k2#o1"), 40)
            .idle(2)
            .active(2)
            .build();

    assertThat(script.slice(2, 7).toString())
        .isEqualTo(
            "[watermark2(25), watermark1(30), element(Left(k2#o1) @40), idle(2), active(2)]");
    CutPointCheck.of(waiting(), script).restoringOn(StateBackendKind.ROCKSDB).verify();
  }

  @Test
  void inputSteps_ofAThirdInput_areRefused() {
    assertThatThrownBy(() -> HarnessInput.<String>builder().idle(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("input must be 1 or 2, was 3");
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
