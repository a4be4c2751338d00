package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.util.Collector;
import org.apache.flink.util.StateMigrationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KeyedHarnessTest {

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void processElement_twoKeys_countsPerKey(StateBackendKind backend) throws Exception {
    // tag::harness[]
    KeyedHarness<String, Change<String>, String> counter =
        KeyedHarness.forFunction(
            SampleCounter::new, SampleCounter::keyOf, Types.STRING, Types.STRING);

    try (OperatorHarness<Change<String>, String> harness = counter.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      harness.processElement(Change.insert("k2#v1"), 11);
      harness.processElement(Change.updateAfter("k1#v2"), 12);

      assertThat(harness.output())
          .containsExactly(
              "k1 n=1 last=+I[k1#v1] kinds={+I=1}",
              "k2 n=1 last=+I[k2#v1] kinds={+I=1}",
              "k1 n=2 last=+U[k1#v2] kinds={+I=1, +U=1}");
    }
    // end::harness[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void emitted_mainAndSideOutput_keepEmissionOrder(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, String> harness =
        SampleCounter.harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      harness.processWatermark(5);
      harness.processElement(Change.updateAfter("k1#v0"), 8);
      harness.processElement(Change.insert("k2#v1"), 9);

      assertThat(harness.emitted())
          .containsExactly(
              Emitted.main("k1 n=1 last=+I[k1#v1] kinds={+I=1}", 10L),
              Emitted.side("stale", Change.updateAfter("k1#v0"), 8L),
              Emitted.main("k2 n=1 last=+I[k2#v1] kinds={+I=1}", 9L));
      assertThat(harness.sideOutput(SampleCounter.STALE))
          .containsExactly(Change.updateAfter("k1#v0"));
      assertThat(harness.watermarks()).containsExactly(5L);
      assertThat(harness.unwrap().getSideOutput(SampleCounter.STALE)).hasSize(1);
      assertThat(harness.unwrap().extractOutputValues()).hasSize(2);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void watermarkAndProcessingTime_fireTimers(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, String> harness =
        SampleCounter.harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      harness.clearOutput();

      harness.processWatermark(110);
      harness.advanceProcessingTime(1_000);

      assertThat(harness.output())
          .containsExactly("k1 event-timer@110 n=1", "k1 processing-timer@1000 n=1");
      assertThat(harness.processingTime()).isEqualTo(1_000);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void run_script_returnsWhatItEmitted(StateBackendKind backend) throws Exception {
    // tag::script[]
    HarnessInput<Change<String>> input =
        HarnessInput.<Change<String>>builder()
            .element(Change.insert("k1#v1"), 10)
            .watermark(10)
            .element(Change.updateAfter("k1#v0"), 5) // older than k1's last change: stale
            .advanceProcessingTime(1_000)
            .build();

    try (OperatorHarness<Change<String>, String> harness =
        SampleCounter.harness().on(backend).open()) {
      List<Emitted> emitted = harness.run(input);

      assertThat(emitted)
          .containsExactly(
              Emitted.main("k1 n=1 last=+I[k1#v1] kinds={+I=1}", 10L),
              Emitted.side("stale", Change.updateAfter("k1#v0"), 5L),
              Emitted.main("k1 processing-timer@1000 n=1", null));
    }
    // end::script[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_snapshotIntoFreshHarness_continuesFromState(StateBackendKind backend)
      throws Exception {
    KeyedHarness<String, Change<String>, String> counter = SampleCounter.harness().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Change<String>, String> harness = counter.open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      state = harness.snapshot();
    }

    try (OperatorHarness<Change<String>, String> restored = counter.restore(state)) {
      restored.processElement(Change.updateAfter("k1#v2"), 20);

      assertThat(restored.output()).containsExactly("k1 n=2 last=+U[k1#v2] kinds={+I=1, +U=1}");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_savepointOnOtherBackend_continuesFromState(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Change<String>, String> harness =
        SampleCounter.harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      savepoint = harness.savepoint();
    }

    try (OperatorHarness<Change<String>, String> restored =
        SampleCounter.harness().on(backend.other()).restore(savepoint)) {
      restored.processWatermark(200);
      restored.processElement(Change.delete("k1#v1"), 300);

      assertThat(restored.output())
          .containsExactly("k1 event-timer@110 n=1", "k1 n=2 last=-D[k1#v1] kinds={+I=1, -D=1}");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void stateTtl_followsProcessingTime(StateBackendKind backend) throws Exception {
    KeyedHarness<String, String, String> remember =
        KeyedHarness.forFunction(RememberForOneSecond::new, s -> s, Types.STRING, Types.STRING)
            .on(backend);
    try (OperatorHarness<String, String> harness = remember.open()) {
      harness.processElement("a", 1);
      harness.advanceProcessingTime(999);
      harness.processElement("a", 2);
      harness.advanceProcessingTime(1_000);
      harness.processElement("a", 3);

      assertThat(harness.output()).containsExactly("a new", "a seen", "a new");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void genericStateType_failsTheTest(StateBackendKind backend) throws Exception {
    KeyedHarness<String, String, String> kryo =
        KeyedHarness.forFunction(OpaqueState::new, s -> s, Types.STRING, Types.STRING).on(backend);

    assertThatThrownBy(
            () -> {
              try (OperatorHarness<String, String> harness = kryo.open()) {
                harness.processElement("a", 1);
              }
            })
        .hasStackTraceContaining("Generic types have been disabled")
        .hasStackTraceContaining(Opaque.class.getName());
  }

  @Test
  void genericOutputType_failsAtOpen() {
    TypeInformation<Opaque> opaque = TypeInformation.of(Opaque.class);
    KeyedHarness<String, String, Opaque> kryo =
        KeyedHarness.forFunction(EmitsOpaque::new, s -> s, Types.STRING, opaque);

    assertThatThrownBy(kryo::open)
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("Generic types have been disabled");
  }

  @Test
  void genericKeyType_failsAtOpen() {
    KeyedHarness<Opaque, String, String> kryo =
        KeyedHarness.forFunction(
            KeyedByOpaque::new, s -> new Opaque(1), TypeInformation.of(Opaque.class), Types.STRING);

    assertThatThrownBy(kryo::open)
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("Generic types have been disabled");
  }

  @Test
  void rocksDb_workingDirectory_isUnderTmpdirAndDeletedOnClose() throws Exception {
    Set<Path> before = rocksDbDirectories();
    Set<Path> during;
    try (OperatorHarness<Change<String>, String> harness =
        SampleCounter.harness().on(StateBackendKind.ROCKSDB).open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      during = rocksDbDirectories();
    }
    during.removeAll(before);

    assertThat(during).hasSize(1);
    assertThat(during.iterator().next()).doesNotExist();
  }

  @Test
  void createBackend_makesTheNamedKind() {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    assertThat(StateBackendKind.HEAP.createBackend(dir)).isInstanceOf(HashMapStateBackend.class);
    assertThat(StateBackendKind.ROCKSDB.createBackend(dir))
        .isInstanceOf(EmbeddedRocksDBStateBackend.class);
    assertThat(StateBackendKind.HEAP.other()).isEqualTo(StateBackendKind.ROCKSDB);
  }

  @Test
  void withStateChangelog_keptByTheOtherOptions_andRunsFlinksChangelogBackend() throws Exception {
    KeyedHarness<String, Change<String>, String> recipe =
        SampleCounter.harness()
            .withStateChangelog()
            .on(StateBackendKind.ROCKSDB)
            .withMaxParallelism(64);

    assertThat(recipe.stateChangelog()).isTrue();
    assertThat(SampleCounter.harness().stateChangelog()).isFalse();
    assertThat(recipe.backend()).isEqualTo(StateBackendKind.ROCKSDB);
    assertThat(recipe)
        .hasToString("KeyedHarness{backend=ROCKSDB, stateChangelog, maxParallelism=64}");
    try (OperatorHarness<Change<String>, String> h = recipe.open()) {
      h.processElement(Change.insert("k1#v1"), 10);
      assertThat(h.unwrap().getOperator().getKeyedStateBackend().getClass().getName())
          .isEqualTo("org.apache.flink.state.changelog.ChangelogKeyedStateBackend");
    }
  }

  @Test
  void withObjectReuse_keptByTheOtherOptions_andTurnsObjectReuseOnForTheOperator()
      throws Exception {
    KeyedHarness<String, String, String> plain =
        KeyedHarness.forFunction(ReportsObjectReuse::new, v -> v, Types.STRING, Types.STRING);
    KeyedHarness<String, String, String> reusing =
        plain.withObjectReuse().on(StateBackendKind.ROCKSDB).withMaxParallelism(64);

    assertThat(plain.objectReuse()).isFalse();
    assertThat(reusing.objectReuse()).isTrue();
    assertThat(reusing)
        .hasToString("KeyedHarness{backend=ROCKSDB, objectReuse, maxParallelism=64}");
    for (KeyedHarness<String, String, String> recipe : List.of(plain, reusing)) {
      OperatorSubtaskState state;
      try (OperatorHarness<String, String> h = recipe.open()) {
        h.processElement("k1");
        state = h.snapshot();
      }
      try (OperatorHarness<String, String> h = recipe.restore(state)) {
        h.processElement("k2");
        String reuse = String.valueOf(recipe.objectReuse());
        assertThat(h.output()).as("%s", recipe).containsExactly("k2 objectReuse=" + reuse);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoreSubtask_twoSubtasksRestoredOnThree_eachKeyContinuesFromItsState(
      StateBackendKind backend) throws Exception {
    KeyedHarness<String, Change<String>, String> counter = SampleCounter.harness().on(backend);
    List<String> keys = List.of("k1", "k2", "k3", "k4", "k5", "k6");
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      try (OperatorHarness<Change<String>, String> subtask = counter.openSubtask(2, s)) {
        for (String key : keys) {
          Change<String> first = Change.insert(key + "#v1");
          if (counter.subtaskOf(first, 2) == s) {
            subtask.processElement(first, 10);
          }
        }
        snapshots.add(subtask.snapshot());
      }
    }

    List<String> output = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      try (OperatorHarness<Change<String>, String> subtask =
          counter.restoreSubtask(snapshots, 3, s)) {
        for (String key : keys) {
          Change<String> second = Change.updateAfter(key + "#v2");
          if (counter.subtaskOf(second, 3) == s) {
            subtask.processElement(second, 20);
          }
        }
        output.addAll(subtask.output());
      }
    }

    assertThat(output)
        .hasSize(keys.size())
        .allSatisfy(line -> assertThat(line).contains("n=2", "kinds={+I=1, +U=1}"));
  }

  @Test
  void openSubtask_outOfRange_isRejected() {
    KeyedHarness<String, Change<String>, String> counter = SampleCounter.harness();
    assertThatThrownBy(() -> counter.openSubtask(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parallelism must be in 1..128, was 0");
    assertThatThrownBy(() -> counter.openSubtask(2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("subtaskIndex must be in 0..1, was 2");
    assertThatThrownBy(() -> counter.restoreSubtask(List.of(), 2, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshots must hold one snapshot per former subtask");
  }

  @Test
  void withMaxParallelism_outOfRange_isRejected() {
    assertThatThrownBy(() -> SampleCounter.harness().withMaxParallelism(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxParallelism must be in 1..32768, was 0");
  }

  @Test
  void withUserCodeClassLoader_null_isRejected() {
    assertThatThrownBy(() -> SampleCounter.harness().withUserCodeClassLoader(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("classLoader");
  }

  @Test
  void withUserCodeClassLoader_isKeptByTheOtherOptions_andLeavesTheRecipeUnchanged() {
    ClassLoader loader = new TagCopyLoader();
    KeyedHarness<String, Change<String>, String> plain = SampleCounter.harness();
    KeyedHarness<String, Change<String>, String> custom =
        plain.withUserCodeClassLoader(loader).on(StateBackendKind.ROCKSDB).withMaxParallelism(64);

    assertThat(plain.userCodeClassLoader()).isEmpty();
    assertThat(custom.userCodeClassLoader()).containsSame(loader);
    assertThat(custom.backend()).isEqualTo(StateBackendKind.ROCKSDB);
    assertThat(custom.maxParallelism()).isEqualTo(64);
  }

  /**
   * State of a class that only the user code class loader has (a copy of {@link SampleTag}: the
   * same name, another class) restores with that loader; the default one resolves the name to the
   * test class path's class, which the restored state's serializer does not accept.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void withUserCodeClassLoader_restoresStateOfAClassOnlyItHas(StateBackendKind backend)
      throws Exception {
    TagCopyLoader loader = new TagCopyLoader();
    Class<?> tagCopy = loader.loadClass(SampleTag.class.getName());
    assertThat(tagCopy).isNotEqualTo(SampleTag.class);
    KeyedHarness<String, String, String> recipe =
        KeyedHarness.forFunction(
                () -> new RememberTag(tagCopy), s -> "k", Types.STRING, Types.STRING)
            .on(backend);
    KeyedHarness<String, String, String> withLoader = recipe.withUserCodeClassLoader(loader);

    OperatorSubtaskState savepoint;
    try (OperatorHarness<String, String> harness = withLoader.open()) {
      assertThat(harness.unwrap().getEnvironment().getUserCodeClassLoader().asClassLoader())
          .isSameAs(loader);
      harness.processElement("a", 1);
      savepoint = harness.savepoint();
    }
    try (OperatorHarness<String, String> harness =
        withLoader.on(backend.other()).restore(savepoint)) {
      harness.processElement("b", 2);

      assertThat(harness.output()).containsExactly("was a");
    }
    assertThatThrownBy(() -> recipe.restore(savepoint).close())
        .hasRootCauseInstanceOf(StateMigrationException.class)
        .hasStackTraceContaining("must not be incompatible");
  }

  @Test
  void setProcessingTime_backwards_isRejected() throws Exception {
    try (OperatorHarness<Change<String>, String> harness = SampleCounter.harness().open()) {
      harness.setProcessingTime(100);
      assertThatThrownBy(() -> harness.setProcessingTime(99))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("processing time must not go back: now 100, was 99");
    }
  }

  private static Set<Path> rocksDbDirectories() throws Exception {
    try (Stream<Path> paths = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return paths
          .filter(p -> p.getFileName().toString().startsWith("etlkit-rocksdb-"))
          .collect(Collectors.toCollection(HashSet::new));
    }
  }

  /** Not a POJO (no default constructor): Flink would serialize it with Kryo. */
  static final class Opaque {
    final int id;

    Opaque(int id) {
      this.id = id;
    }
  }

  static final class OpaqueState extends KeyedProcessFunction<String, String, String> {
    private transient ValueState<Opaque> state;

    @Override
    public void open(OpenContext openContext) {
      state = getRuntimeContext().getState(new ValueStateDescriptor<>("opaque", Opaque.class));
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      state.update(new Opaque(1));
      out.collect(value);
    }
  }

  static final class ReportsObjectReuse extends KeyedProcessFunction<String, String, String> {
    @Override
    public void processElement(String value, Context ctx, Collector<String> out) {
      out.collect(value + " objectReuse=" + getRuntimeContext().isObjectReuseEnabled());
    }
  }

  static final class EmitsOpaque extends KeyedProcessFunction<String, String, Opaque> {
    @Override
    public void processElement(String value, Context ctx, Collector<Opaque> out) {
      out.collect(new Opaque(1));
    }
  }

  static final class KeyedByOpaque extends KeyedProcessFunction<Opaque, String, String> {
    @Override
    public void processElement(String value, Context ctx, Collector<String> out) {
      out.collect(value);
    }
  }

  /** Loads its own copy of {@link SampleTag} from the test class path; everything else as usual. */
  static final class TagCopyLoader extends ClassLoader {
    TagCopyLoader() {
      super(KeyedHarnessTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.equals(SampleTag.class.getName())) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> loaded = findLoadedClass(name);
        if (loaded == null) {
          String resource = name.replace('.', '/') + ".class";
          try (InputStream in = getParent().getResourceAsStream(resource)) {
            byte[] bytes = in.readAllBytes();
            loaded = defineClass(name, bytes, 0, bytes.length);
          } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
          }
        }
        return loaded;
      }
    }
  }

  /**
   * Keeps the last value of its key in a {@code tag} POJO of the given class (known only as a
   * {@code Class}); emits what was there before.
   */
  static final class RememberTag extends KeyedProcessFunction<String, String, String> {
    private final Class<?> tagClass;
    private transient ValueState<Object> last;

    RememberTag(Class<?> tagClass) {
      this.tagClass = tagClass;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void open(OpenContext openContext) {
      TypeInformation<Object> type = (TypeInformation<Object>) TypeInformation.of(tagClass);
      last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", type));
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      Object before = last.value();
      if (before != null) {
        out.collect("was " + tagClass.getField("tag").get(before));
      }
      Object tag = tagClass.getConstructor().newInstance();
      tagClass.getField("tag").set(tag, value);
      last.update(tag);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void close_whenFinishThrows_stillClosesTheOperatorAndItsStateBackend(StateBackendKind backend)
      throws Exception {
    // Flink's harness stops at a finish() that throws and never closes the operator, so its state
    // backend (a RocksDB instance with native memory) stayed open; a task closes it in that case.
    OperatorHarness<String, String> harness =
        KeyedHarness.<String, String, String>forOperator(
                FinishFails::new, value -> value, Types.STRING, Types.STRING)
            .on(backend)
            .open();
    harness.processElement("a", 1);
    FinishFails operator = (FinishFails) harness.unwrap().getOperator();

    assertThatThrownBy(harness::close)
        .isInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("finish failed");
    assertThat(operator.closed).isTrue();
  }

  /** Counts in keyed state; its finish() throws. */
  static final class FinishFails extends KeyedProcessOperator<String, String, String> {
    boolean closed;

    FinishFails() {
      super(new RememberForOneSecond());
    }

    @Override
    public void finish() throws Exception {
      throw new IllegalStateException("finish failed");
    }

    @Override
    public void close() throws Exception {
      closed = true;
      super.close();
    }
  }

  /** Says whether it saw the key within the last second (state TTL on processing time). */
  static final class RememberForOneSecond extends KeyedProcessFunction<String, String, String> {
    private transient ValueState<Boolean> seen;

    @Override
    public void open(OpenContext openContext) {
      ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>("seen", Types.BOOLEAN);
      descriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofSeconds(1)).build());
      seen = getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      out.collect(value + (seen.value() == null ? " new" : " seen"));
      seen.update(true);
    }
  }
}
