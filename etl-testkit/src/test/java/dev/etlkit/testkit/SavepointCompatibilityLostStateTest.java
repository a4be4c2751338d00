package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A state of the snapshot file that today's operator never registers: Flink restores it, the
 * operator starts the state it registers instead from empty, and every later savepoint carries the
 * old entries along unread. {@link SavepointCompatibility#restore}'s harness fails when it closes.
 */
class SavepointCompatibilityLostStateTest {

  /** The input that built the committed sample-counter snapshots (format version 1). */
  private static final HarnessInput<Change<String>> STATE =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .advanceProcessingTime(100)
          .element(Change.insert("k2#v1"), 20)
          .element(Change.updateAfter("k1#v2"), 30)
          .element(Change.delete("k2#v1"), 40)
          .build();

  private static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_stateRenamed_failsAtCloseNamingTheOldState(StateBackendKind backend)
      throws Exception {
    OperatorHarness<Change<String>, String> harness =
        SNAPSHOTS.restore("sample-counter", 1, Renamed.harness().on(backend), STATE);
    harness.processElement(Change.updateAfter("k1#v3"), 50);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            SNAPSHOTS.file("sample-counter", 1, backend).getFileName()
                + " holds states the operator never registered: [count]")
        .hasMessageContaining("withDroppedStates")
        .hasMessageNotContaining("kinds")
        .hasMessageNotContaining("last");
    assertThat(harness.output()).containsExactly("k1 n=1"); // "count" was 2: lost, silently
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_lazilyRegisteredStateTheTestNeverReaches_failsAtClose(StateBackendKind backend)
      throws Exception {
    OperatorHarness<Change<String>, String> harness =
        SNAPSHOTS.restore("sample-counter", 1, Lazy.harness().on(backend), STATE);
    harness.processWatermark(200); // timers only: "count" is fetched for elements

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds states the operator never registered: [count]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_operatorStateNoLongerRegistered_failsAtCloseNamingIt(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeOperatorStateCounterFile(snapshots, backend);

    OperatorHarness<Change<String>, String> harness =
        snapshots.restore("counter", 1, Renamed.harness().on(backend), STATE);
    harness.processElement(Change.insert("k1#v1"), 10);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds states the operator never registered: [counts]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_lazilyRegisteredStateTheTestFetches_passes(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, String> harness =
        SNAPSHOTS.restore("sample-counter", 1, Lazy.harness().on(backend), STATE)) {
      harness.processElement(Change.updateAfter("k1#v3"), 50); // fetches "count"

      assertThat(harness.output()).containsExactly("k1 n=3");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_stateDroppedAsDeclared_passes(StateBackendKind backend) throws Exception {
    // tag::dropped-states[]
    SavepointCompatibility droppingCount = SNAPSHOTS.withDroppedStates("count");

    try (OperatorHarness<Change<String>, String> harness =
        droppingCount.restore("sample-counter", 1, Renamed.harness().on(backend), STATE)) {
      harness.processElement(Change.updateAfter("k1#v3"), 50);
      assertThat(harness.output()).containsExactly("k1 n=1"); // counts again from 1
    }
    // end::dropped-states[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_stateDeclaredDroppedButRegistered_failsAtClose(StateBackendKind backend)
      throws Exception {
    OperatorHarness<Change<String>, String> harness =
        SNAPSHOTS
            .withDroppedStates("count", "kinds")
            .restore("sample-counter", 1, SampleCounter.harness().on(backend), STATE);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "registered states declared dropped with withDroppedStates: [count, kinds]");
  }

  @Test
  void restore_droppedStateNotInTheFile_fails() {
    SavepointCompatibility dropping = SNAPSHOTS.withDroppedStates("count", "cuont");

    assertThatThrownBy(
            () -> dropping.restore("sample-counter", 1, Renamed.harness(), STATE).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "droppedStates names [cuont], which are no keyed or operator states of "
                + SNAPSHOTS.file("sample-counter", 1, StateBackendKind.HEAP)
                + " (it holds [count, kinds, last])");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_keyedStateMovedToOperatorStateOfTheSameName_failsAtClose(StateBackendKind backend)
      throws Exception {
    OperatorHarness<Change<String>, String> harness =
        SNAPSHOTS.restore("sample-counter", 1, MovedToOperatorState.harness().on(backend), STATE);
    harness.processElement(Change.updateAfter("k1#v3"), 50);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds states the operator never registered: [count]");
    assertThat(harness.output()).containsExactly("k1 n=1"); // the keyed "count" (2) was not read
  }

  @Test
  void withDroppedStates_validatesNames() {
    assertThatThrownBy(() -> SNAPSHOTS.withDroppedStates("count", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("droppedStates must not hold an empty or null name, was [count, ]");
    assertThatThrownBy(() -> SNAPSHOTS.withDroppedStates("count", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("droppedStates must not hold an empty or null name, was [count, null]");
    assertThatThrownBy(() -> SNAPSHOTS.withDroppedStates("count", "count"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("droppedStates names 'count' twice");
    assertThat(SNAPSHOTS.withDroppedStates("last", "count").droppedStates())
        .containsExactly("count", "last");
    assertThat(SNAPSHOTS.withDroppedStates("count").withDroppedStates().droppedStates()).isEmpty();
    assertThat(SNAPSHOTS.droppedStates()).isEmpty();
  }

  @Test
  void restore_stateRenamedUnderTheStateChangelog_failsAtClose() throws Exception {
    OperatorHarness<Change<String>, String> harness =
        SNAPSHOTS.restore("sample-counter", 1, Renamed.harness().withStateChangelog(), STATE);
    harness.processElement(Change.updateAfter("k1#v3"), 50);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds states the operator never registered: [count]");
  }

  /** Writes counter-v1-{@code backend} of {@link OperatorStateCounter}: operator state "counts". */
  static void writeOperatorStateCounterFile(
      SavepointCompatibility snapshots, StateBackendKind backend) throws Exception {
    assumeFalse(SavepointCompatibility.isWriting());
    System.setProperty(SavepointCompatibility.WRITE_PROPERTY, "true");
    try {
      snapshots.restore("counter", 1, OperatorStateCounter.harness().on(backend), STATE).close();
    } finally {
      System.clearProperty(SavepointCompatibility.WRITE_PROPERTY);
    }
  }

  /** The sample counter after an upgrade that renamed its "count" state to "n". */
  static final class Renamed extends KeyedProcessFunction<String, Change<String>, String> {
    private transient ValueState<Change<String>> last;
    private transient ValueState<Long> n;
    private transient MapState<String, Long> kinds;

    static KeyedHarness<String, Change<String>, String> harness() {
      return KeyedHarness.forFunction(
          Renamed::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
    }

    @Override
    public void open(OpenContext openContext) {
      last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", SampleCounter.CHANGE));
      n = getRuntimeContext().getState(new ValueStateDescriptor<>("n", Types.LONG));
      kinds =
          getRuntimeContext()
              .getMapState(new MapStateDescriptor<>("kinds", Types.STRING, Types.LONG));
    }

    @Override
    public void processElement(Change<String> change, Context ctx, Collector<String> out)
        throws Exception {
      long count = n.value() == null ? 1 : n.value() + 1;
      n.update(count);
      kinds.put(change.kind().shortString(), count);
      last.update(change);
      out.collect(ctx.getCurrentKey() + " n=" + count);
    }
  }

  /**
   * The sample counter fetching its "count" state only when an element needs it, on the path its
   * timers do not take.
   */
  static final class Lazy extends KeyedProcessFunction<String, Change<String>, String> {
    private transient ValueState<Change<String>> last;
    private transient MapState<String, Long> kinds;

    static KeyedHarness<String, Change<String>, String> harness() {
      return KeyedHarness.forFunction(Lazy::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
    }

    @Override
    public void open(OpenContext openContext) {
      last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", SampleCounter.CHANGE));
      kinds =
          getRuntimeContext()
              .getMapState(new MapStateDescriptor<>("kinds", Types.STRING, Types.LONG));
    }

    @Override
    public void processElement(Change<String> change, Context ctx, Collector<String> out)
        throws Exception {
      ValueState<Long> count =
          getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
      long n = count.value() == null ? 1 : count.value() + 1;
      count.update(n);
      kinds.put(change.kind().shortString(), n);
      last.update(change);
      out.collect(ctx.getCurrentKey() + " n=" + n);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
      out.collect(ctx.getCurrentKey() + " timer@" + timestamp);
    }
  }

  /**
   * The sample counter after an upgrade that keeps its counts in operator list state under the name
   * of the keyed state "count" it used to have: the keyed "count" of the file is never read.
   */
  static final class MovedToOperatorState
      extends KeyedProcessFunction<String, Change<String>, String> implements CheckpointedFunction {
    private final Map<String, Long> counts = new HashMap<>();
    private transient ValueState<Change<String>> last;
    private transient MapState<String, Long> kinds;

    static KeyedHarness<String, Change<String>, String> harness() {
      return KeyedHarness.forFunction(
          MovedToOperatorState::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      context.getOperatorStateStore().getListState(new ListStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {}

    @Override
    public void open(OpenContext openContext) {
      last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", SampleCounter.CHANGE));
      kinds =
          getRuntimeContext()
              .getMapState(new MapStateDescriptor<>("kinds", Types.STRING, Types.LONG));
    }

    @Override
    public void processElement(Change<String> change, Context ctx, Collector<String> out)
        throws Exception {
      long n = counts.merge(ctx.getCurrentKey(), 1L, Long::sum);
      kinds.put(change.kind().shortString(), n);
      last.update(change);
      out.collect(ctx.getCurrentKey() + " n=" + n);
    }
  }
}
