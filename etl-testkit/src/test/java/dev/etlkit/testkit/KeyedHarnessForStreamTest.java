package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.asyncprocessing.operators.AsyncKeyedProcessOperator;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.CoMapFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeyedHarnessForStreamTest {

  /** Only builds job graphs (never executes). */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  /** Rows {@code k1#v2}, from a source that is never executed. */
  private static synchronized DataStream<String> rows() {
    return ENV.fromSequence(0, 0).map(new Never(), Types.STRING);
  }

  private static KeyedStream<String, String> keyed() {
    return rows().keyBy(ChangelogGenerator::stringKey, Types.STRING);
  }

  /** The output of a configured counter on the rows keyed by their key. */
  private static DataStream<String> counted(String tag) {
    return keyed().process(new TaggedCounter(tag), Types.STRING).name("count").uid("count-uid");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void forStream_keyedProcess_runsTheConfiguredFunctionPerKey(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> counter =
        KeyedHarness.forStream(counted("seen"), Types.STRING);

    try (OperatorHarness<String, String> harness = counter.on(backend).open()) {
      harness.processElement("k1#v1", 10);
      harness.processElement("k2#v1", 11);
      harness.processElement("k1#v2", 12);

      assertThat(harness.output()).containsExactly("seen k1 n=1", "seen k2 n=1", "seen k1 n=2");
      assertThat(harness.backend()).isEqualTo(backend);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_snapshot_keepsTheKeyedState(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> counter =
        KeyedHarness.forStream(counted("seen"), Types.STRING).on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<String, String> harness = counter.open()) {
      harness.processElement("k1#v1", 10);
      harness.processElement("k2#v1", 11);
      state = harness.snapshot();
    }

    try (OperatorHarness<String, String> restored = counter.restore(state)) {
      restored.processElement("k1#v2", 12);
      restored.processElement("k3#v1", 13);

      assertThat(restored.output()).containsExactly("seen k1 n=2", "seen k3 n=1");
    }
  }

  @Test
  void open_everyHarness_runsAFreshCopyOfTheGraphsOperator() throws Exception {
    DataStream<String> output = counted("seen");
    StreamOperator<?> inGraph =
        ((SimpleOperatorFactory<?>)
                ((OneInputTransformation<?, ?>) output.getTransformation()).getOperatorFactory())
            .getOperator();
    KeyedHarness<Object, String, String> counter = KeyedHarness.forStream(output, Types.STRING);

    try (OperatorHarness<String, String> first = counter.open();
        OperatorHarness<String, String> second = counter.open()) {
      first.processElement("k1#v1", 10);
      second.processElement("k1#v1", 10);

      assertThat(first.unwrap().getOperator())
          .isInstanceOf(KeyedProcessOperator.class)
          .isNotSameAs(inGraph)
          .isNotSameAs(second.unwrap().getOperator());
      assertThat(first.output()).containsExactly("seen k1 n=1");
      assertThat(second.output()).containsExactly("seen k1 n=1");
    }
  }

  @Test
  void withUserCodeClassLoader_copiesTheOperatorWithThatLoader() throws Exception {
    RecordingLoader loader = new RecordingLoader(getClass().getClassLoader());
    KeyedHarness<Object, String, String> counter =
        KeyedHarness.forStream(counted("seen"), Types.STRING).withUserCodeClassLoader(loader);

    try (OperatorHarness<String, String> harness = counter.open()) {
      harness.processElement("k1#v1", 10);

      assertThat(harness.output()).containsExactly("seen k1 n=1");
      assertThat(loader.asked).contains(TaggedCounter.class.getName());
    }
  }

  @Test
  void forStream_sourceStream_isRefused() {
    assertThatThrownBy(() -> KeyedHarness.forStream(ENV.fromSequence(0, 0), Types.LONG))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one-input operator on a keyed stream")
        .hasMessageContaining("SourceTransformation");
  }

  @Test
  void forStream_keyByAlone_isRefused() {
    assertThatThrownBy(() -> KeyedHarness.forStream(keyed(), Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PartitionTransformation");
  }

  @Test
  void forStream_operatorOnAStreamThatIsNotKeyed_isRefused() {
    DataStream<String> mapped = rows().map(new Upper(), Types.STRING).name("upper");

    assertThatThrownBy(() -> KeyedHarness.forStream(mapped, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OneInputTransformation 'upper'")
        .hasMessageContaining("is not keyed");
  }

  @Test
  void forStream_twoInputOperator_isRefused() {
    DataStream<String> joined = rows().connect(rows()).map(new Either(), Types.STRING).name("co");

    assertThatThrownBy(() -> KeyedHarness.forStream(joined, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TwoInputTransformation 'co'")
        .hasMessageContaining("two-input operator");
  }

  @Test
  void forStream_union_isRefused() {
    DataStream<String> union = counted("a").union(counted("b"));

    assertThatThrownBy(() -> KeyedHarness.forStream(union, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UnionTransformation");
  }

  @Test
  void forStream_operatorFromAnotherFactory_isRefused() {
    DataStream<String> custom = keyed().transform("custom", Types.STRING, new CustomFactory());

    assertThatThrownBy(() -> KeyedHarness.forStream(custom, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'custom'")
        .hasMessageContaining("SimpleOperatorFactory")
        .hasMessageContaining(CustomFactory.class.getName());
  }

  @Test
  void forStream_anotherInputType_isRefused() {
    assertThatThrownBy(() -> KeyedHarness.forStream(counted("seen"), Types.LONG))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'count' (uid count-uid)")
        .hasMessageContaining("reads String, not the given input type Long");
  }

  /** Per key: a count in ValueState, emitted as {@code "<tag> <key> n=<count>"}. */
  private static final class TaggedCounter extends KeyedProcessFunction<String, String, String> {
    private static final long serialVersionUID = 1L;

    private final String tag;
    private transient ValueState<Long> count;

    TaggedCounter(String tag) {
      this.tag = tag;
    }

    @Override
    public void open(OpenContext openContext) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void processElement(String row, Context ctx, Collector<String> out) throws Exception {
      Long before = count.value();
      long n = before == null ? 1 : before + 1;
      count.update(n);
      out.collect(tag + " " + ctx.getCurrentKey() + " n=" + n);
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

  /** An operator factory that is not a {@link SimpleOperatorFactory}; never asked to create. */
  private static final class CustomFactory extends AbstractStreamOperatorFactory<String>
      implements OneInputStreamOperatorFactory<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public <T extends StreamOperator<String>> T createStreamOperator(
        StreamOperatorParameters<String> parameters) {
      throw new UnsupportedOperationException("never created");
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Class<? extends StreamOperator<?>> getStreamOperatorClass(ClassLoader classLoader) {
      return (Class) KeyedProcessOperator.class;
    }
  }

  private static final class Upper implements MapFunction<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String map(String value) {
      return value.toUpperCase(java.util.Locale.ROOT);
    }
  }

  private static final class Either implements CoMapFunction<String, String, String> {
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

  @Test
  void forStream_operatorOnAsyncState_isRefusedSayingSo() {
    DataStream<String> counted =
        keyed().enableAsyncState().process(new AsyncCounter(), Types.STRING).name("async-count");

    assertThatThrownBy(() -> KeyedHarness.forStream(counted, Types.STRING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'async-count'")
        .hasMessageContaining("asynchronous state (enableAsyncState)");
  }

  @Test
  void forOperator_operatorOnAsyncState_failsToOpenSayingSo() {
    KeyedHarness<String, String, String> counter =
        KeyedHarness.forOperator(
            () -> new AsyncKeyedProcessOperator<>(new AsyncCounter()),
            ChangelogGenerator::stringKey,
            Types.STRING,
            Types.STRING);

    assertThatThrownBy(counter::open)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("asynchronous state (enableAsyncState)");
  }

  /** Counts per key in state of Flink's state API V2, read asynchronously. */
  private static final class AsyncCounter extends KeyedProcessFunction<String, String, String> {
    private transient org.apache.flink.api.common.state.v2.ValueState<Long> n;

    @Override
    public void open(OpenContext openContext) {
      n =
          getRuntimeContext()
              .getState(
                  new org.apache.flink.api.common.state.v2.ValueStateDescriptor<>("n", Types.LONG));
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) {
      n.asyncValue()
          .thenAccept(
              count -> {
                long next = count == null ? 1 : count + 1;
                n.asyncUpdate(next);
                out.collect(value + " n=" + next);
              });
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
