package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SavepointCompatibilityTest {

  /** The input that built the committed sample-counter snapshots (format version 1). */
  private static final HarnessInput<Change<String>> STATE =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .advanceProcessingTime(100)
          .element(Change.insert("k2#v1"), 20)
          .element(Change.updateAfter("k1#v2"), 30)
          .element(Change.delete("k2#v1"), 40)
          .build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_committedSnapshot_sampleCounterContinuesFromIt(StateBackendKind backend)
      throws Exception {
    // tag::snapshot-files[]
    // Regenerate (new operator or format version only):
    // ./mvnw -pl etl-testkit test -Dtest=SavepointCompatibilityTest -Detlkit.snapshots.write=true
    SavepointCompatibility snapshots =
        SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

    try (OperatorHarness<Change<String>, String> harness =
        snapshots.restore("sample-counter", 1, SampleCounter.harness().on(backend), STATE)) {
      harness.processElement(Change.updateAfter("k1#v3"), 50);
      harness.processElement(Change.updateAfter("k1#v0"), 5); // stale
      harness.processWatermark(200); // fires the restored event-time timers
      harness.advanceProcessingTime(1_100); // and the restored processing-time timers

      assertThat(harness.emitted())
          .containsExactly(
              Emitted.main("k1 n=3 last=+U[k1#v3] kinds={+I=1, +U=2}", 50L),
              Emitted.side("stale", Change.updateAfter("k1#v0"), 5L),
              Emitted.main("k1 event-timer@110 n=3", 110L),
              Emitted.main("k2 event-timer@120 n=2", 120L),
              Emitted.main("k1 event-timer@130 n=3", 130L),
              Emitted.main("k2 event-timer@140 n=2", 140L),
              Emitted.main("k1 event-timer@150 n=3", 150L),
              Emitted.main("k1 processing-timer@1000 n=3", null),
              Emitted.main("k2 processing-timer@1100 n=2", null));
    }
    // end::snapshot-files[]
  }

  @Test
  void restore_missingFile_failsSayingHowToCreateIt(@TempDir Path directory) {
    assumeFalse(SavepointCompatibility.isWriting()); // writing creates the file instead
    SavepointCompatibility snapshots = SavepointCompatibility.in(directory);

    // The build of the module whose test runs (Surefire's working directory), named by its pom:
    // "-pl <directory name>" fails in a user's own project ("Could not find the selected project
    // in the reactor") and wherever a module's directory is not its path from the root.
    assertThatThrownBy(() -> snapshots.restore("sample-counter", 1, SampleCounter.harness(), STATE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "No snapshot file " + directory.resolve("sample-counter-v1-heap.snapshot"))
        .hasMessageContaining(
            "mvn -f "
                + Path.of("pom.xml").toAbsolutePath()
                + " test -Dtest=SavepointCompatibilityTest -Detlkit.snapshots.write=true");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_writeMode_createsFileAndRestoresFromIt(StateBackendKind backend, @TempDir Path dir)
      throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    KeyedHarness<String, Change<String>, String> counter = SampleCounter.harness().on(backend);

    String writing = System.setProperty(SavepointCompatibility.WRITE_PROPERTY, "true");
    try (OperatorHarness<Change<String>, String> harness =
        snapshots.restore("sample-counter", 1, counter, STATE)) {
      harness.processElement(Change.updateAfter("k2#v2"), 60);
      assertThat(harness.output())
          .containsExactly("k2 n=3 last=+U[k2#v2] kinds={+I=1, +U=1, -D=1}");
    } finally {
      if (writing == null) {
        System.clearProperty(SavepointCompatibility.WRITE_PROPERTY);
      } else {
        System.setProperty(SavepointCompatibility.WRITE_PROPERTY, writing);
      }
    }

    assertThat(snapshots.file("sample-counter", 1, backend)).isRegularFile();
    try (OperatorHarness<Change<String>, String> reread =
        snapshots.restore("sample-counter", 1, counter, STATE)) {
      reread.processElement(Change.updateAfter("k2#v2"), 60);
      assertThat(reread.output()).containsExactly("k2 n=3 last=+U[k2#v2] kinds={+I=1, +U=1, -D=1}");
    }
  }

  @Test
  void restore_writeMode_neverOverwritesAnExistingFile(@TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    KeyedHarness<String, Change<String>, String> counter = SampleCounter.harness();
    HarnessInput<Change<String>> otherState =
        HarnessInput.<Change<String>>builder().element(Change.insert("k9#v1"), 5).build();
    Path file = snapshots.file("sample-counter", 1, counter.backend());
    String writing = System.setProperty(SavepointCompatibility.WRITE_PROPERTY, "true");
    try {
      snapshots.restore("sample-counter", 1, counter, STATE).close(); // creates the file
      byte[] committed = Files.readAllBytes(file);

      try (OperatorHarness<Change<String>, String> harness =
          snapshots.restore("sample-counter", 1, counter, otherState)) {
        harness.processElement(Change.updateAfter("k2#v2"), 60); // k2 is in STATE, not otherState
        assertThat(harness.output())
            .containsExactly("k2 n=3 last=+U[k2#v2] kinds={+I=1, +U=1, -D=1}");
      }
      assertThat(file).hasBinaryContent(committed);
    } finally {
      if (writing == null) {
        System.clearProperty(SavepointCompatibility.WRITE_PROPERTY);
      } else {
        System.setProperty(SavepointCompatibility.WRITE_PROPERTY, writing);
      }
    }
  }

  @Test
  void restore_writeMode_savepointTheOperatorCannotRestore_failsSayingSoAndKeepsNoFile(
      @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    KeyedHarness<String, Change<String>, String> broken =
        KeyedHarness.forOperator(NoRestore::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
    Path file = snapshots.file("no-restore", 1, broken.backend());

    String writing = System.setProperty(SavepointCompatibility.WRITE_PROPERTY, "true");
    try {
      // Before: "its state layout changed incompatibly ... (keeping this file and its test)", and
      // the file that cannot be restored stayed, to be committed and fail every later build so.
      assertThatThrownBy(() -> snapshots.restore("no-restore", 1, broken, STATE))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("does not restore the savepoint it has just written")
          .hasMessageNotContaining("changed incompatibly")
          .hasStackTraceContaining("cannot restore");
      assertThat(file).doesNotExist();
    } finally {
      if (writing == null) {
        System.clearProperty(SavepointCompatibility.WRITE_PROPERTY);
      } else {
        System.setProperty(SavepointCompatibility.WRITE_PROPERTY, writing);
      }
    }
  }

  /** An operator with keyed state whose restore fails, as one with a broken serializer's does. */
  static final class NoRestore extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<Change<String>, String> {
    private transient ValueState<String> last;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      if (context.isRestored()) {
        throw new IllegalStateException("cannot restore");
      }
    }

    @Override
    public void open() throws Exception {
      super.open();
      last = getPartitionedState(new ValueStateDescriptor<>("last", Types.STRING));
    }

    @Override
    public void processElement(StreamRecord<Change<String>> element) throws Exception {
      last.update(element.getValue().value());
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_stateTypeChanged_failsNamingTheFile(StateBackendKind backend) {
    // In write mode this would overwrite the committed file with the changed operator's state.
    assumeFalse(SavepointCompatibility.isWriting());
    KeyedHarness<String, Change<String>, String> changed =
        KeyedHarness.forFunction(
                CountAsString::new, SampleCounter::keyOf, Types.STRING, Types.STRING)
            .on(backend);
    SavepointCompatibility snapshots =
        SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

    assertThatThrownBy(() -> snapshots.restore("sample-counter", 1, changed, STATE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Could not restore " + snapshots.file("sample-counter", 1, backend))
        .hasMessageContaining("state layout changed incompatibly")
        .hasStackTraceContaining("count");
  }

  @Test
  void file_namesOperatorVersionAndBackend() {
    SavepointCompatibility snapshots = SavepointCompatibility.in(Path.of("snapshots"));

    assertThat(snapshots.file("dedup-keep-first", 2, StateBackendKind.ROCKSDB))
        .isEqualTo(Path.of("snapshots", "dedup-keep-first-v2-rocksdb.snapshot"));
    assertThatThrownBy(() -> snapshots.file("Dedup First", 1, StateBackendKind.HEAP))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("operatorName must match [a-z0-9][a-z0-9._-]*, was 'Dedup First'");
    assertThatThrownBy(() -> snapshots.file("dedup", 0, StateBackendKind.HEAP))
        .hasMessage("formatVersion must be >= 1, was 0");
  }

  @Test
  void snapshotFiles_writeThenRead_restoresTheSameState(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("nested/counter.snapshot");
    try (OperatorHarness<Change<String>, String> harness = SampleCounter.harness().open()) {
      harness.run(STATE);
      SnapshotFiles.write(file, harness.savepoint());
    }

    OperatorSubtaskState state = SnapshotFiles.read(file);
    try (OperatorHarness<Change<String>, String> restored =
        SampleCounter.harness().on(StateBackendKind.ROCKSDB).restore(state)) {
      restored.processElement(Change.insert("k2#v2"), 60);
      assertThat(restored.output()).containsExactly("k2 n=3 last=+I[k2#v2] kinds={+I=2, -D=1}");
    }
    assertThatThrownBy(() -> SnapshotFiles.read(dir.resolve("missing.snapshot")))
        .isInstanceOf(FileNotFoundException.class);
  }

  /** The sample counter's "count" state with another type: an incompatible layout change. */
  static final class CountAsString extends KeyedProcessFunction<String, Change<String>, String> {
    private transient ValueState<String> count;

    @Override
    public void open(OpenContext openContext) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.STRING));
    }

    @Override
    public void processElement(Change<String> change, Context ctx, Collector<String> out)
        throws Exception {
      out.collect(String.valueOf(count.value()));
    }
  }
}
