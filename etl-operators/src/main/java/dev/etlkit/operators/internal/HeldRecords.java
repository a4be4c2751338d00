package dev.etlkit.operators.internal;

import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.KeyContext;

/**
 * The records a keyed step holds in its state (rows waiting for the watermark, facts waiting for
 * their dimension row), counted per key group, so that the attempt that restores them from a
 * checkpoint or savepoint counts them in ({@link StepMetrics#restored}): record accounting begins
 * at zero on every (re)start, and the restored records leave this attempt as out, deduplicated or
 * dead-lettered, so the identity {@code in == out + filtered + deduplicated + dead-lettered} holds
 * again once the step holds nothing (docs/concepts.md#record-accounting).
 *
 * <p>Per key group, not per subtask: Flink hands keyed state to the subtasks by key group when a
 * job is restored with another parallelism, and the counts go with it, so each subtask counts in
 * exactly the records it restored and its own counters balance too. A per-subtask count could not
 * be split that way. The counts are a union list state of {@code (key group, records)} entries, one
 * per key group that holds records; each subtask keeps those of its own key groups.
 *
 * <p>A snapshot without this state (written before the step kept it) restores with no counts. Then
 * a record that leaves a key group whose count is zero was restored uncounted: it counts in as it
 * leaves. So such a restore balances too, once its records have left.
 *
 * <p>Cost: one {@code long} per key group of the subtask; per held or released record one key group
 * computation of the current key; in checkpoints, 12 bytes per key group holding records. The calls
 * that change counts need the key context of the record's key set.
 */
@Internal
public final class HeldRecords {

  /** The type of the entries of the operator state. */
  public static final TypeInformation<Tuple2<Integer, Long>> ENTRY_TYPE =
      Types.TUPLE(Types.INT, Types.LONG);

  private final String stateName;
  private final KeyContext keys;

  private ListState<Tuple2<Integer, Long>> state;
  private int maxParallelism;
  private int firstKeyGroup;
  private long[] counts;
  private long restored;
  private StepMetrics metrics;

  /**
   * @param stateName the name of the operator state: part of the savepoint layout, never renamed
   * @param keys the operator, for the key of the record held or released
   */
  public HeldRecords(String stateName, KeyContext keys) {
    this.stateName = Objects.requireNonNull(stateName, "stateName");
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  /** The state inventory's entry for the counts of a step. */
  public static StateDeclaration declaration(String stateName, String what) {
    return StateDeclaration.of(stateName, StateDeclaration.Kind.LIST, "Tuple2<Integer, Long>")
        .withStateType(ENTRY_TYPE)
        .withUnionDistribution()
        .withGrowth(
            "the number of "
                + what
                + " per key group, for the record accounting after a restore"
                + " (operator state, not keyed)");
  }

  /** Restores the counts of this subtask's key groups; call from {@code initializeState}. */
  public void initializeState(StateInitializationContext context, TaskInfo task) throws Exception {
    maxParallelism = task.getMaxNumberOfParallelSubtasks();
    KeyGroupRange range =
        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
            maxParallelism, task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
    firstKeyGroup = range.getStartKeyGroup();
    counts = new long[range.getNumberOfKeyGroups()];
    state =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>(stateName, ENTRY_TYPE));
    restored = 0L;
    if (context.isRestored()) {
      for (Tuple2<Integer, Long> entry : state.get()) {
        if (range.contains(entry.f0)) {
          counts[entry.f0 - firstKeyGroup] += entry.f1;
          restored += entry.f1;
        }
      }
    }
  }

  /** Counts the restored records in; call from {@code open()} once the step's metrics exist. */
  public void open(StepMetrics stepMetrics) {
    metrics = Objects.requireNonNull(stepMetrics, "stepMetrics");
    metrics.restored(restored);
  }

  /** The current key's state took on one record (already counted in). */
  public void held() {
    counts[keyGroup()]++;
  }

  /**
   * {@code records} left the current key's state (and are counted out, deduplicated or
   * dead-lettered by the caller); those the restore did not count are counted in now.
   */
  public void released(int records) {
    int i = keyGroup();
    long counted = Math.min(counts[i], records);
    counts[i] -= counted;
    if (counted < records) {
      metrics.restored(records - counted);
    }
  }

  /** Writes the counts; call from {@code snapshotState}. */
  public void snapshotState() throws Exception {
    List<Tuple2<Integer, Long>> entries = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 0L) {
        entries.add(Tuple2.of(firstKeyGroup + i, counts[i]));
      }
    }
    state.update(entries);
  }

  private int keyGroup() {
    return KeyGroupRangeAssignment.assignToKeyGroup(keys.getCurrentKey(), maxParallelism)
        - firstKeyGroup;
  }
}
