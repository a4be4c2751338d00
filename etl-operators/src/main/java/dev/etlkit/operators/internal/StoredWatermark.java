package dev.etlkit.operators.internal;

import dev.etlkit.core.StateDeclaration;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * The watermark an event-time step keeps in operator state, so that lateness is decided the same
 * way after a restore as before it (Flink itself restarts every operator without a watermark).
 *
 * <p>Each subtask stores its watermark with the key groups it owns, in a union list state of {@code
 * (first key group, last key group, watermark)} entries, and every subtask restores all of them. A
 * subtask restores the smallest watermark of the entries whose key groups overlap its own: after a
 * restore with the same parallelism that is its own, after a rescale the smallest of the subtasks
 * whose keys it takes over (never more late than any of them). With aligned checkpoints (Flink's
 * default) all subtasks behind a {@code keyBy} save the same watermark, so this only matters for
 * unaligned ones: there a subtask may have saved a later watermark than another, and the records in
 * flight at the checkpoint, replayed after the restore, are judged by their own subtask's
 * watermark, as in the run that failed.
 *
 * <p>Savepoints of an earlier etlkit hold a union list state of the watermarks only (under the
 * step's first state name); from those a subtask restores the smallest. That state is still
 * written, with this subtask's watermark, so that an earlier etlkit restores a savepoint of this
 * one as it always did.
 *
 * <p>The end-of-input watermark ({@code Long.MAX_VALUE}, which Flink sends when a bounded input
 * ends and when a job is stopped with {@code --drain}) is not event time: it is never stored. The
 * highest watermark below it is, so a job restored from a drained savepoint goes on with the event
 * time it had reached instead of finding every later record late. Entries of {@code Long.MAX_VALUE}
 * in savepoints written before this rule are ignored at restore.
 */
@Internal
public final class StoredWatermark {

  /** The type of the entries of the key-group state: first and last key group, watermark. */
  public static final TypeInformation<Tuple3<Integer, Integer, Long>> RANGE_ENTRY_TYPE =
      Types.TUPLE(Types.INT, Types.INT, Types.LONG);

  private final ListState<Long> watermarks;
  private final ListState<Tuple3<Integer, Integer, Long>> ranges;
  private final KeyGroupRange keyGroups;
  private final long restored;

  /** The highest watermark below the end of input, {@code Long.MIN_VALUE} before any. */
  private long stored;

  private StoredWatermark(
      ListState<Long> watermarks,
      ListState<Tuple3<Integer, Integer, Long>> ranges,
      KeyGroupRange keyGroups,
      long restored) {
    this.watermarks = watermarks;
    this.ranges = ranges;
    this.keyGroups = keyGroups;
    this.restored = restored;
    this.stored = restored;
  }

  /**
   * The state inventory's entries: the watermarks alone ({@code name}, as earlier etlkit versions
   * read them) and the watermarks with their key groups ({@code rangesName}).
   */
  public static List<StateDeclaration> declarations(String name, String rangesName) {
    return List.of(
        StateDeclaration.list(name, Types.LONG)
            .withUnionDistribution()
            .withGrowth(
                "one long per subtask, for a restore by an earlier etlkit"
                    + " (operator state, not keyed)"),
        StateDeclaration.of(
                rangesName, StateDeclaration.Kind.LIST, "Tuple3<Integer, Integer, Long>")
            .withStateType(RANGE_ENTRY_TYPE)
            .withUnionDistribution()
            .withGrowth(
                "one watermark and key-group range per subtask (operator state, not keyed)"));
  }

  /**
   * Registers the union list states {@code name} (the watermarks alone) and {@code rangesName}
   * (with their key groups) and reads what a restore brought back for this subtask.
   */
  public static StoredWatermark register(
      StateInitializationContext context, String name, String rangesName, TaskInfo task)
      throws Exception {
    ListState<Long> watermarks =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(name, Types.LONG));
    ListState<Tuple3<Integer, Integer, Long>> ranges =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(rangesName, RANGE_ENTRY_TYPE));
    KeyGroupRange keyGroups =
        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
            task.getMaxNumberOfParallelSubtasks(),
            task.getNumberOfParallelSubtasks(),
            task.getIndexOfThisSubtask());
    long restored = Long.MIN_VALUE;
    if (context.isRestored()) {
      Long overlapping = smallestOverlapping(ranges.get(), keyGroups);
      restored = overlapping != null ? overlapping : smallest(watermarks.get());
    }
    return new StoredWatermark(watermarks, ranges, keyGroups, restored);
  }

  /** The smallest watermark of the entries overlapping {@code keyGroups}; null if none does. */
  private static Long smallestOverlapping(
      Iterable<Tuple3<Integer, Integer, Long>> entries, KeyGroupRange keyGroups) {
    Long smallest = null;
    for (Tuple3<Integer, Integer, Long> entry : entries) {
      if (entry.f0 <= keyGroups.getEndKeyGroup() && entry.f1 >= keyGroups.getStartKeyGroup()) {
        smallest = smallest == null ? entry.f2 : Math.min(smallest, entry.f2);
      }
    }
    return smallest;
  }

  /** The smallest of an earlier etlkit's watermarks, ignoring its end-of-input entries. */
  private static long smallest(Iterable<Long> entries) {
    long smallest = Long.MAX_VALUE;
    for (Long w : entries) {
      smallest = Math.min(smallest, w);
    }
    return smallest == Long.MAX_VALUE ? Long.MIN_VALUE : smallest;
  }

  /** The watermark to start from: restored, or {@code Long.MIN_VALUE} on a fresh start. */
  public long restored() {
    return restored;
  }

  /** Called with every watermark the step receives. */
  public void advance(long time) {
    if (time > stored && time != Long.MAX_VALUE) {
      stored = time;
    }
  }

  /** Writes the watermark to store into the state (called from {@code snapshotState}). */
  public void snapshot() throws Exception {
    watermarks.update(stored == Long.MIN_VALUE ? List.of() : List.of(stored));
    ranges.update(
        List.of(Tuple3.of(keyGroups.getStartKeyGroup(), keyGroups.getEndKeyGroup(), stored)));
  }
}
