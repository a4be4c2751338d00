package dev.etlkit.operators.internal;

import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.internal.DeleteDeadlines;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimerService;

/**
 * The deleted keys' markers of a step with {@code withDeleteRetention} (dedup, upsert normalize,
 * the dimension joins) after a restore: a marker gets its removal deadline when it is written with
 * the option on, so markers restored from a snapshot taken without it (the usual reason to add the
 * option: a job that piled them up) would have none until their key is written again, which for a
 * key deleted for good is never. The same for a retention shortened at a restore: a pending removal
 * would keep the old, later deadline, and a lengthened one would leave deadlines set with two
 * retentions, which a later shortening could not tell apart (it would take a deadline set with the
 * shorter one for one set with the recorded, longer one, and remove the marker early).
 *
 * <p>As SCD2 does for its TTL, two union list states of one entry per subtask say how the
 * snapshot's markers stand: whether every marker has its deadline (written {@code true} by a step
 * with the option) and the retention (milliseconds) the deadlines were set with. Restored with the
 * option where a snapshot has no such flag (taken without the option, or by an etlkit before this
 * state), says not every marker has one, or another retention, the step reads every marker once
 * ({@link #due}) and gives each one the deadline {@link #deadline} says: afterwards every pending
 * deadline is one the retention at hand gives, as the recorded retention says. Without the option
 * the states are registered only where the snapshot holds them, to clear them: Flink carries
 * restored operator state on unasked, and the markers that run writes have no deadline.
 */
@Internal
public final class DeleteDeadlinePass {

  @Nullable private final ListState<Boolean> complete;
  @Nullable private final ListState<Long> retentions;
  private final long retention;
  private final long previous;
  private final boolean due;

  private DeleteDeadlinePass(
      @Nullable ListState<Boolean> complete,
      @Nullable ListState<Long> retentions,
      long retention,
      long previous,
      boolean due) {
    this.complete = complete;
    this.retentions = retentions;
    this.retention = retention;
    this.previous = previous;
    this.due = due;
  }

  /**
   * Registers the operator states (with the option), or clears them where a snapshot taken with it
   * holds them (without it).
   *
   * @param completeName the flag's state name, one {@code boolean} per subtask
   * @param retentionName the retention's state name, one {@code long} (ms) per subtask
   * @param retentionMillis the step's retention, 0 without the option
   */
  public static DeleteDeadlinePass register(
      StateInitializationContext context,
      String completeName,
      String retentionName,
      long retentionMillis)
      throws Exception {
    ListStateDescriptor<Boolean> completeState =
        new ListStateDescriptor<>(completeName, Types.BOOLEAN);
    ListStateDescriptor<Long> retentionState = new ListStateDescriptor<>(retentionName, Types.LONG);
    if (retentionMillis <= 0) {
      // Restored from a run with the option, Flink carries the states on unasked: cleared, they
      // say that the markers this run writes get no deadline.
      Set<String> restored = context.getOperatorStateStore().getRegisteredStateNames();
      if (restored.contains(completeName)) {
        context.getOperatorStateStore().getUnionListState(completeState).clear();
      }
      if (restored.contains(retentionName)) {
        context.getOperatorStateStore().getUnionListState(retentionState).clear();
      }
      return new DeleteDeadlinePass(null, null, 0L, -1L, false);
    }
    ListState<Boolean> complete = context.getOperatorStateStore().getUnionListState(completeState);
    ListState<Long> retentions = context.getOperatorStateStore().getUnionListState(retentionState);
    boolean allHaveDeadlines = false;
    long previous = -1L; // unknown
    if (context.isRestored()) {
      for (Boolean flag : complete.get()) {
        allHaveDeadlines |= flag;
      }
      for (Long millis : retentions.get()) {
        previous = Math.max(previous, millis);
      }
    }
    boolean due =
        context.isRestored() && (!allHaveDeadlines || previous <= 0 || previous != retentionMillis);
    return new DeleteDeadlinePass(
        complete, retentions, retentionMillis, allHaveDeadlines ? previous : -1L, due);
  }

  /** The inventory's entries of the two operator states (steps with the option only). */
  public static List<StateDeclaration> declarations(String completeName, String retentionName) {
    return List.of(
        StateDeclaration.list(completeName, Types.BOOLEAN)
            .withUnionDistribution()
            .withGrowth(
                "one boolean per subtask: whether every delete marker has its removal deadline"
                    + " (operator state, not keyed)"),
        StateDeclaration.list(retentionName, Types.LONG)
            .withUnionDistribution()
            .withGrowth(
                "one long per subtask: the delete retention the deadlines were set with"
                    + " (operator state, not keyed)"));
  }

  /** Whether the step must read its markers once, in {@code open()}. */
  public boolean due() {
    return due;
  }

  /**
   * The deadline of a marker that has {@code current} ({@code null}: none) after a restore at
   * {@code now}: one retention after the restore for a marker without; for one set with another
   * retention, known, the deadline the retention at hand gives from its last write ({@code current}
   * less the old retention, which is at or up to a second after the write, as deadlines are rounded
   * up: never earlier than a retention after it; past: its timer fires at the next tick). Where the
   * old retention is unknown (the flag was missing: a snapshot of a run without the option, whose
   * markers may have been written again after the deadline they keep), one retention after the
   * restore, also for a marker that has a deadline: later than needed for some, never early.
   */
  public long deadline(@Nullable Long current, long now) {
    if (current != null && previous > 0 && current != Long.MAX_VALUE) {
      return DeleteDeadlines.of(current - previous, retention);
    }
    return DeleteDeadlines.of(now, retention);
  }

  /**
   * The pass for the current key's marker: moves its deadline (in {@code deadlines}) and its timer
   * (in {@code timers}, in place of the one at its old deadline) to {@link #deadline}. A deadline
   * that stays gets its timer again (one still set stays one): it may have fired while the option
   * was off, leaving the deadline behind.
   *
   * @return whether the marker got a deadline or another one
   */
  public boolean giveDeadline(
      ValueState<Long> deadlines, InternalTimerService<VoidNamespace> timers, long now)
      throws Exception {
    Long current = deadlines.value();
    long due = deadline(current, now);
    boolean moved = current == null || current != due;
    if (current != null && moved) {
      timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, current);
    }
    if (moved) {
      deadlines.update(due);
    }
    timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, due);
    return moved;
  }

  /**
   * The pass: reads every key of {@code descriptor} (the step's own state of its rows or markers,
   * TTL included, so an entry its TTL expired reads {@code null} and is skipped) and gives each
   * entry {@code isMarker} takes for a marker its deadline ({@link #giveDeadline}).
   *
   * @param deadlines the markers' deadline state
   * @param timers the removals' timer service
   * @return how many markers got a deadline or another one
   */
  public <K, V> long giveDeadlines(
      KeyedStateBackend<K> backend,
      ValueStateDescriptor<V> descriptor,
      Predicate<V> isMarker,
      ValueState<Long> deadlines,
      InternalTimerService<VoidNamespace> timers,
      long now)
      throws Exception {
    long[] given = {0};
    backend.applyToAllKeys(
        VoidNamespace.INSTANCE,
        VoidNamespaceSerializer.INSTANCE,
        descriptor,
        (key, state) -> {
          V entry = state.value(); // null: expired by the TTL
          if (entry != null && isMarker.test(entry) && giveDeadline(deadlines, timers, now)) {
            given[0]++;
          }
        });
    return given[0];
  }

  /** Records that every marker has its deadline, set with this retention (with the option). */
  public void snapshot() throws Exception {
    if (complete != null) {
      complete.update(List.of(true));
      retentions.update(List.of(retention));
    }
  }
}
