package dev.etlkit.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which watermark a subtask restores ({@link StoredWatermark}): its own after a restore with the
 * same parallelism, the smallest of the subtasks whose key groups it takes over after a rescale,
 * the smallest of all from a savepoint of an earlier etlkit; and an earlier etlkit still reads a
 * savepoint of this one. The subtasks here save different watermarks, as they may with unaligned
 * checkpoints (with aligned ones all subtasks behind a {@code keyBy} save the same).
 */
class StoredWatermarkTest {

  private static final String NAME = "test-watermark";
  private static final String RANGES = "test-watermark-ranges";

  /** Subtask 0 of 2 saved watermark 100, subtask 1 saved 50. */
  private static List<OperatorSubtaskState> twoSubtasks(
      KeyedHarness<String, String, Long> recipe, long... watermarks) throws Exception {
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int s = 0; s < watermarks.length; s++) {
      try (OperatorHarness<String, Long> h = recipe.openSubtask(watermarks.length, s)) {
        if (watermarks[s] != Long.MIN_VALUE) {
          h.processWatermark(watermarks[s]);
        }
        snapshots.add(h.snapshot());
      }
    }
    return snapshots;
  }

  /** What each subtask of {@code parallelism} restores from {@code snapshots}. */
  private static List<Long> restored(
      KeyedHarness<String, String, Long> recipe,
      List<OperatorSubtaskState> snapshots,
      int parallelism)
      throws Exception {
    List<Long> restored = new ArrayList<>();
    for (int s = 0; s < parallelism; s++) {
      try (OperatorHarness<String, Long> h = recipe.restoreSubtask(snapshots, parallelism, s)) {
        h.processElement(keyOf(recipe, parallelism, s), 0L);
        restored.addAll(h.output());
      }
    }
    return restored;
  }

  /** A key of the key groups of subtask {@code subtask} of {@code parallelism}. */
  private static String keyOf(
      KeyedHarness<String, String, Long> recipe, int parallelism, int subtask) throws Exception {
    for (int k = 0; ; k++) {
      if (recipe.subtaskOf("k" + k, parallelism) == subtask) {
        return "k" + k;
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void sameParallelism_eachSubtaskRestoresItsOwnWatermark(StateBackendKind backend)
      throws Exception {
    KeyedHarness<String, String, Long> recipe = harness(Keeper::new, backend);

    assertThat(restored(recipe, twoSubtasks(recipe, 100, 50), 2)).containsExactly(100L, 50L);
    assertThat(restored(recipe, twoSubtasks(recipe, 50, 100), 2)).containsExactly(50L, 100L);
  }

  /**
   * From 2 to 3 subtasks (128 key groups: 0–63 and 64–127 become 0–42, 43–85 and 86–127): the first
   * and last take over one subtask's key groups each, the middle one both.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescaled_eachSubtaskRestoresTheSmallestOfTheSubtasksWhoseKeyGroupsItTakesOver(
      StateBackendKind backend) throws Exception {
    KeyedHarness<String, String, Long> recipe = harness(Keeper::new, backend);

    assertThat(restored(recipe, twoSubtasks(recipe, 100, 50), 3)).containsExactly(100L, 50L, 50L);
    assertThat(restored(recipe, twoSubtasks(recipe, 50, 100), 3)).containsExactly(50L, 50L, 100L);
    assertThat(restored(recipe, twoSubtasks(recipe, 100, 50), 1)).containsExactly(50L);
    assertThat(restored(recipe, twoSubtasks(recipe, 70), 2)).containsExactly(70L, 70L);
  }

  /** A subtask that had no watermark yet restores none, not another subtask's. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void subtaskWithoutAWatermark_restoresNone(StateBackendKind backend) throws Exception {
    KeyedHarness<String, String, Long> recipe = harness(Keeper::new, backend);

    assertThat(restored(recipe, twoSubtasks(recipe, Long.MIN_VALUE, 50), 2))
        .containsExactly(Long.MIN_VALUE, 50L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void endOfInput_isNotStored(StateBackendKind backend) throws Exception {
    KeyedHarness<String, String, Long> recipe = harness(Keeper::new, backend);
    OperatorSubtaskState drained;
    try (OperatorHarness<String, Long> h = recipe.open()) {
      h.processWatermark(40);
      h.processWatermark(Long.MAX_VALUE); // flink stop --drain
      drained = h.savepoint();
    }

    assertThat(restored(recipe, List.of(drained), 1)).containsExactly(40L);
  }

  /**
   * A savepoint of an earlier etlkit holds the watermarks only: every subtask takes the smallest.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void savepointOfAnEarlierEtlkit_eachSubtaskRestoresTheSmallest(StateBackendKind backend)
      throws Exception {
    KeyedHarness<String, String, Long> earlier = harness(EarlierEtlkit::new, backend);
    List<OperatorSubtaskState> snapshots = twoSubtasks(earlier, 100, 50);

    assertThat(restored(harness(Keeper::new, backend), snapshots, 2)).containsExactly(50L, 50L);
    // its end-of-input entries, stored before that rule, are ignored
    assertThat(restored(harness(Keeper::new, backend), twoSubtasks(earlier, Long.MAX_VALUE), 1))
        .containsExactly(Long.MIN_VALUE);
  }

  /** An earlier etlkit restores this one's savepoint as it always did: the smallest watermark. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void earlierEtlkit_readsTheWatermarksOfThisOnesSavepoint(StateBackendKind backend)
      throws Exception {
    List<OperatorSubtaskState> snapshots = twoSubtasks(harness(Keeper::new, backend), 100, 50);

    assertThat(restored(harness(EarlierEtlkit::new, backend), snapshots, 2))
        .containsExactly(50L, 50L);
  }

  private static KeyedHarness<String, String, Long> harness(
      Supplier<OneInputStreamOperator<String, Long>> operator, StateBackendKind backend) {
    return KeyedHarness.forOperator(operator, (String s) -> s, Types.STRING, Types.LONG)
        .on(backend);
  }

  /** Keeps its watermark as the event-time steps do; emits the restored one for every record. */
  private static final class Keeper extends AbstractStreamOperator<Long>
      implements OneInputStreamOperator<String, Long> {
    private transient StoredWatermark stored;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      stored = StoredWatermark.register(context, NAME, RANGES, getRuntimeContext().getTaskInfo());
    }

    @Override
    public void processElement(StreamRecord<String> element) {
      output.collect(new StreamRecord<>(stored.restored()));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
      stored.advance(mark.getTimestamp());
      super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
      super.snapshotState(context);
      stored.snapshot();
    }
  }

  /**
   * What etlkit before the key-group state kept and restored: the watermark in a union list state
   * of its own, the smallest of all subtasks' at a restore (also its end-of-input watermark).
   */
  private static final class EarlierEtlkit extends AbstractStreamOperator<Long>
      implements OneInputStreamOperator<String, Long> {
    private transient ListState<Long> state;
    private transient long restored;
    private transient long latest;

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      state =
          context
              .getOperatorStateStore()
              .getUnionListState(new ListStateDescriptor<>(NAME, Types.LONG));
      long smallest = Long.MAX_VALUE;
      for (Long w : state.get()) {
        smallest = Math.min(smallest, w);
      }
      restored = smallest == Long.MAX_VALUE ? Long.MIN_VALUE : smallest;
      latest = restored;
    }

    @Override
    public void processElement(StreamRecord<String> element) {
      output.collect(new StreamRecord<>(restored));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
      latest = Math.max(latest, mark.getTimestamp());
      super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
      super.snapshotState(context);
      state.update(latest == Long.MIN_VALUE ? List.of() : List.of(latest));
    }
  }
}
