package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.CoMapFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeyedHarnessForTwoInputStreamTest {

  /** Only builds job graphs (never executes). */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private static final OutputTag<String> UNKEYED = new OutputTag<>("unkeyed", Types.STRING);

  /** Records {@code k1#o2} or {@code k1#v2}, from a source that is never executed. */
  private static synchronized DataStream<String> records(String name) {
    return ENV.fromSequence(0, 0).map(new Never(), Types.STRING).name(name);
  }

  /** Orders enriched with the latest row of their key: the operator under test. */
  private static SingleOutputStreamOperator<String> enriched() {
    return records("orders")
        .keyBy(ChangelogGenerator::stringKey, Types.STRING)
        .connect(records("rows").keyBy(ChangelogGenerator::stringKey, Types.STRING))
        .process(new Enrich(), Types.STRING)
        .name("enrich")
        .uid("enrich-uid");
  }

  private static KeyedHarness<Object, Either<String, String>, String> enrich() {
    return KeyedHarness.forTwoInputStream(enriched(), Types.STRING, Types.STRING);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void forTwoInputStream_leftAndRight_goToTheirInputsPerKey(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, String>, String> harness = enrich().on(backend).open()) {
      harness.processElement(Either.Left("k1#o1"), 10);
      harness.processElement(Either.Right("k1#v1"), 11);
      harness.processElement(Either.Left("k1#o2"), 12);
      harness.processElement(Either.Left("k2#o1"), 13);

      assertThat(harness.output())
          .containsExactly("k1#o1 with none", "k1#o2 with k1#v1", "k2#o1 with none");
      assertThat(harness.unwrap().getOperator()).isInstanceOf(KeyedCoProcessOperator.class);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_snapshot_keepsTheStateOfTheSecondInput(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Either<String, String>, String> enrich = enrich().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Either<String, String>, String> harness = enrich.open()) {
      harness.processElement(Either.Right("k1#v1"), 10);
      harness.processElement(Either.Right("k2#v1"), 11);
      state = harness.snapshot();
    }

    try (OperatorHarness<Either<String, String>, String> restored = enrich.restore(state)) {
      restored.processElement(Either.Left("k1#o1"), 12);
      restored.processElement(Either.Right("k2#v2"), 13);
      restored.processElement(Either.Left("k2#o1"), 14);

      assertThat(restored.output()).containsExactly("k1#o1 with k1#v1", "k2#o1 with k2#v2");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void snapshot_restoresIntoFlinksTwoInputHarness(StateBackendKind backend, @TempDir Path dir)
      throws Exception {
    OperatorSubtaskState state;
    try (OperatorHarness<Either<String, String>, String> harness = enrich().on(backend).open()) {
      harness.processElement(Either.Right("k1#v1"), 10);
      state = harness.snapshot();
    }

    KeySelector<String, String> key = ChangelogGenerator::stringKey;
    try (var twoInput =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new Enrich()), key, key, Types.STRING, 128, 1, 0)) {
      twoInput.setStateBackend(backend.createBackend(dir));
      twoInput.setup();
      twoInput.initializeState(state);
      twoInput.open();
      twoInput.processElement1("k1#o1", 11);

      assertThat(twoInput.extractOutputValues()).containsExactly("k1#o1 with k1#v1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void watermark_goesToBothInputs_firesTimersOnceAndIsForwardedOnce(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, String>, String> harness = enrich().on(backend).open()) {
      harness.processElement(Either.Left("k1#o1"), 10);
      harness.processElement(Either.Right("k2#v1"), 20);
      harness.processWatermark(15);
      harness.processWatermark(15);
      harness.processWatermark(30);

      assertThat(harness.output())
          .containsExactly("k1#o1 with none", "timer k1 @10", "timer k2 @20");
      assertThat(harness.watermarks()).containsExactly(15L, 30L);
    }
  }

  @Test
  void cutPoints_matchUninterruptedRun() {
    HarnessInput<Either<String, String>> script =
        HarnessInput.<Either<String, String>>builder()
            .element(Either.Right("k1#v1"), 10)
            .element(Either.Left("k1#o1"), 11)
            .watermark(12)
            .element(Either.Right("k1#v2"), 13)
            .element(Either.Left("k2#o1"), 14)
            .element(Either.Left("k1#o2"), 15)
            .watermark(20)
            .build();

    CutPointCheck.of(enrich(), script).restoringOn(StateBackendKind.ROCKSDB).verify();
  }

  @Test
  void open_everyHarness_runsAFreshCopyWithTheUserCodeClassLoader() throws Exception {
    RecordingLoader loader = new RecordingLoader(getClass().getClassLoader());
    KeyedHarness<Object, Either<String, String>, String> enrich =
        enrich().withUserCodeClassLoader(loader);

    try (OperatorHarness<Either<String, String>, String> first = enrich.open();
        OperatorHarness<Either<String, String>, String> second = enrich.open()) {
      first.processElement(Either.Right("k1#v1"), 10);
      second.processElement(Either.Left("k1#o1"), 11);

      assertThat(first.unwrap().getOperator()).isNotSameAs(second.unwrap().getOperator());
      assertThat(second.output()).containsExactly("k1#o1 with none");
      assertThat(loader.asked).contains(Enrich.class.getName());
    }
  }

  @Test
  void withInputType_either_handsOverCopies() throws Exception {
    KeyedHarness<Object, Either<String, String>, String> enrich =
        enrich().withInputType(Types.EITHER(Types.STRING, Types.STRING));

    try (OperatorHarness<Either<String, String>, String> harness = enrich.open()) {
      harness.processElement(Either.Left("k1#o1"), 10);

      assertThat(harness.output()).containsExactly("k1#o1 with none");
    }
  }

  @Test
  void forTwoInputStream_unionWithAnotherPath_findsTheJoin() throws Exception {
    SingleOutputStreamOperator<String> checked =
        records("orders").process(new SplitUnkeyed(), Types.STRING).name("check");
    DataStream<String> stepOutput = enriched().union(checked.getSideOutput(UNKEYED));

    KeyedHarness<Object, Either<String, String>, String> enrich =
        KeyedHarness.forTwoInputStream(stepOutput, Types.STRING, Types.STRING);

    try (OperatorHarness<Either<String, String>, String> harness = enrich.open()) {
      harness.processElement(Either.Left("k1#o1"), 10);

      assertThat(harness.output()).containsExactly("k1#o1 with none");
    }
  }

  @Test
  void forTwoInputStream_unionOfTwoJoins_isRefusedAsAmbiguous() {
    DataStream<String> union = enriched().union(enriched());

    assertThatThrownBy(() -> KeyedHarness.forTwoInputStream(union, Types.STRING, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reaches 2 keyed two-input operators")
        .hasMessageContaining("ambiguous")
        .hasMessageContaining("TwoInputTransformation 'enrich' (uid enrich-uid)");
  }

  @Test
  void forTwoInputStream_sourceStream_isRefused() {
    assertThatThrownBy(
            () -> KeyedHarness.forTwoInputStream(records("src"), Types.LONG, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two-input operator on two keyed streams")
        .hasMessageContaining("OneInputTransformation 'src'");
  }

  @Test
  void forTwoInputStream_keyedOneInputOperator_isRefusedPointingToForStream() {
    DataStream<String> counted =
        records("rows")
            .keyBy(ChangelogGenerator::stringKey, Types.STRING)
            .process(new PassOn(), Types.STRING)
            .name("pass");

    assertThatThrownBy(() -> KeyedHarness.forTwoInputStream(counted, Types.STRING, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OneInputTransformation 'pass' (a one-input operator on a keyed")
        .hasMessageContaining("KeyedHarness.forStream");
  }

  @Test
  void forTwoInputStream_unionWithoutJoin_isRefusedNamingWhatItReaches() {
    DataStream<String> union = records("a").union(records("b"));

    assertThatThrownBy(() -> KeyedHarness.forTwoInputStream(union, Types.STRING, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UnionTransformation")
        .hasMessageContaining(
            "reaches only OneInputTransformation 'a', OneInputTransformation 'b'");
  }

  @Test
  void forTwoInputStream_twoInputOperatorNotKeyed_isRefused() {
    DataStream<String> joined =
        records("a").connect(records("b")).map(new Both(), Types.STRING).name("co");

    assertThatThrownBy(() -> KeyedHarness.forTwoInputStream(joined, Types.STRING, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TwoInputTransformation 'co' (a two-input operator not keyed");
  }

  @Test
  void forTwoInputStream_anotherFirstInputType_isRefused() {
    assertThatThrownBy(() -> KeyedHarness.forTwoInputStream(enriched(), Types.LONG, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "the first input of TwoInputTransformation 'enrich' (uid enrich-uid) reads String,"
                + " not the given first input type Long");
  }

  @Test
  void forTwoInputStream_anotherSecondInputType_isRefused() {
    assertThatThrownBy(() -> KeyedHarness.forTwoInputStream(enriched(), Types.STRING, Types.INT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("second input")
        .hasMessageContaining("reads String, not the given second input type Integer");
  }

  @Test
  void forTwoInputStream_sideOutputOfAnotherType_isRefused() {
    DataStream<Long> late = enriched().getSideOutput(new OutputTag<>("late", Types.LONG));

    assertThatThrownBy(() -> KeyedHarness.forTwoInputStream(late, Types.STRING, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'enrich' (uid enrich-uid) emits String, not the stream's type Long");
  }

  @Test
  void forStream_twoInputOperator_pointsToForTwoInputStream() {
    assertThatThrownBy(() -> KeyedHarness.forStream(enriched(), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KeyedHarness.forTwoInputStream");
  }

  /**
   * First input: orders {@code k1#o1}, emitted as {@code "k1#o1 with <latest row or none>"}, each
   * registering an event-time timer at its timestamp. Second input: rows {@code k1#v1}, kept per
   * key, each registering a timer too. A timer emits {@code "timer <key> @<time>"}.
   */
  private static final class Enrich extends KeyedCoProcessFunction<String, String, String, String> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<String> latest;

    @Override
    public void open(OpenContext openContext) {
      latest = getRuntimeContext().getState(new ValueStateDescriptor<>("latest", Types.STRING));
    }

    @Override
    public void processElement1(String order, Context ctx, Collector<String> out) throws Exception {
      String row = latest.value();
      out.collect(order + " with " + (row == null ? "none" : row));
      ctx.timerService().registerEventTimeTimer(ctx.timestamp());
    }

    @Override
    public void processElement2(String row, Context ctx, Collector<String> out) throws Exception {
      latest.update(row);
      ctx.timerService().registerEventTimeTimer(ctx.timestamp());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
      out.collect("timer " + ctx.getCurrentKey() + " @" + timestamp);
    }
  }

  /** Sends every record to {@link #UNKEYED}: the other path of a step's union. */
  private static final class SplitUnkeyed
      extends org.apache.flink.streaming.api.functions.ProcessFunction<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) {
      ctx.output(UNKEYED, value);
    }
  }

  private static final class PassOn extends KeyedProcessFunction<String, String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) {
      out.collect(value);
    }
  }

  /** Records the names of the classes it is asked for, then asks its parent. */
  private static final class RecordingLoader extends ClassLoader {
    final List<String> asked = new ArrayList<>();

    RecordingLoader(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected synchronized Class<?> loadClass(String name, boolean resolve)
        throws ClassNotFoundException {
      asked.add(name);
      return super.loadClass(name, resolve);
    }
  }

  private static final class Both implements CoMapFunction<String, String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String map1(String value) {
      return value;
    }

    @Override
    public String map2(String value) {
      return value;
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
