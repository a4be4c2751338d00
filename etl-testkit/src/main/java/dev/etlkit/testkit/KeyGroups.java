package dev.etlkit.testkit;

import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/**
 * The key groups of a {@link KeyedHarness} recipe's subtasks and snapshots: which subtasks its max
 * parallelism allows, which snapshots restore into it, and the share of the state of a job before
 * that one subtask restores.
 */
final class KeyGroups {

  private KeyGroups() {}

  static void checkSubtask(int maxParallelism, int parallelism, int subtaskIndex) {
    if (parallelism < 1 || parallelism > maxParallelism) {
      throw new IllegalArgumentException(
          "parallelism must be in 1.." + maxParallelism + ", was " + parallelism);
    }
    if (subtaskIndex < 0 || subtaskIndex >= parallelism) {
      throw new IllegalArgumentException(
          "subtaskIndex must be in 0.." + (parallelism - 1) + ", was " + subtaskIndex);
    }
  }

  /**
   * The share of subtask {@code subtaskIndex} of {@code parallelism} in the snapshots of all
   * subtasks of the job before (in subtask order), as Flink gives it: its key groups' keyed state,
   * and operator state as each state's redistribution mode says.
   *
   * @throws IllegalArgumentException if there are no snapshots, or one of them holds keyed state of
   *     another number of key groups ({@link #checkSnapshot})
   */
  static OperatorSubtaskState shareOf(
      List<OperatorSubtaskState> snapshots, int maxParallelism, int parallelism, int subtaskIndex)
      throws Exception {
    if (snapshots.isEmpty()) {
      throw new IllegalArgumentException("snapshots must hold one snapshot per former subtask");
    }
    for (OperatorSubtaskState snapshot : snapshots) {
      checkSnapshot(snapshot, maxParallelism);
    }
    OperatorSubtaskState merged =
        AbstractStreamOperatorTestHarness.repackageState(
            snapshots.toArray(new OperatorSubtaskState[0]));
    return AbstractStreamOperatorTestHarness.repartitionOperatorState(
        merged, maxParallelism, snapshots.size(), parallelism, subtaskIndex);
  }

  /**
   * Refuses keyed state of another number of key groups than {@code maxParallelism}: a snapshot a
   * harness took with another max parallelism, or one holding key groups beyond it. Restored into
   * another number, a key's state lands in another key group than its lookups compute.
   */
  static void checkSnapshot(OperatorSubtaskState state, int maxParallelism) {
    int lastKeyGroup = -1;
    for (KeyedStateHandle handle : state.getManagedKeyedState()) {
      lastKeyGroup = Math.max(lastKeyGroup, handle.getKeyGroupRange().getEndKeyGroup());
    }
    for (KeyedStateHandle handle : state.getRawKeyedState()) {
      lastKeyGroup = Math.max(lastKeyGroup, handle.getKeyGroupRange().getEndKeyGroup());
    }
    if (lastKeyGroup < 0) {
      return; // no keyed state
    }
    String why =
        ": keyed state restores only into the number of key groups it was taken with (Flink"
            + " refuses to restore a job whose max parallelism changed); restore it with"
            + " withMaxParallelism of the recipe that took it";
    Integer taken = OperatorHarness.keyGroupsOf(state);
    if (taken != null && taken != maxParallelism) {
      throw new IllegalArgumentException(
          "the snapshot was taken with maxParallelism "
              + taken
              + ", but this recipe has maxParallelism "
              + maxParallelism
              + why);
    }
    if (lastKeyGroup >= maxParallelism) {
      throw new IllegalArgumentException(
          "the snapshot holds key groups up to "
              + lastKeyGroup
              + ", so it was taken with a maxParallelism above "
              + lastKeyGroup
              + ", but this recipe has maxParallelism "
              + maxParallelism
              + why);
    }
  }
}
