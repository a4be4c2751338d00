package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.internal.DeleteDeadlines;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimerService;

/**
 * The delete retention of a {@link DedupOperator} (keep-last with an ordering on a changelog, with
 * {@code withDeleteRetention}): removes a deleted key's tombstone once the retention has passed
 * since it was last written, in processing time, as Kafka's {@code delete.retention.ms} does.
 *
 * <p>Each tombstone write computes the key's deadline, rounded up to a whole second so that the
 * tombstone of a key deleted again and again moves its timer at most once a second, and keeps it in
 * {@link DedupConfig#DELETE_DEADLINE_STATE} beside a processing-time timer of {@link
 * DedupConfig#DELETE_TIMERS} (the previous deadline's timer is deleted: one timer per key). A timer
 * removes the key's entry only when it is still a tombstone and the stored deadline is the timer's
 * own: a row written since (the key live again) is left alone, and a tombstone written since has a
 * later deadline. A live row's write does not touch the deadline: its timer fires, finds the row
 * and clears the deadline, so the default path of live rows costs nothing more.
 *
 * <p>One per operator instance, made in {@code open()} only when the option is set: without it the
 * operator registers neither the state nor the timer service, and its state is that of a step
 * without the option.
 *
 * @param <T> row type
 */
final class DeleteRetention<T> {

  private final long retentionMillis;
  private final ValueState<DedupEntry<T>> state;
  private final ValueState<Long> deadlines;
  private final InternalTimerService<VoidNamespace> timers;
  private final Counter removed;

  /**
   * @param operator the operator: its keyed state and its timers (it is their {@code Triggerable})
   * @param state the key's entry, which a due tombstone is cleared from
   * @param removed the counter of removed tombstones
   */
  DeleteRetention(
      DedupOperator<?, ?, T, ?> operator,
      long retentionMillis,
      ValueState<DedupEntry<T>> state,
      Counter removed) {
    this.retentionMillis = retentionMillis;
    this.state = state;
    this.removed = removed;
    // No TTL: the timer always comes and clears it, also after the tombstone expired.
    deadlines =
        operator
            .getRuntimeContext()
            .getState(new ValueStateDescriptor<>(DedupConfig.DELETE_DEADLINE_STATE, Types.LONG));
    timers =
        operator.getInternalTimerService(
            DedupConfig.DELETE_TIMERS, VoidNamespaceSerializer.INSTANCE, operator);
  }

  /** The current key's tombstone was written just now: it is removed after the retention. */
  void tombstoneWritten() throws Exception {
    long deadline = DeleteDeadlines.of(timers.currentProcessingTime(), retentionMillis);
    Long previous = deadlines.value();
    if (previous != null) {
      if (previous == deadline) {
        return; // the same second: the timer is there
      }
      timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, previous);
    }
    deadlines.update(deadline);
    timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, deadline);
  }

  /**
   * The pass after a restore ({@link DeleteDeadlinePass}): gives every tombstone of {@code
   * descriptor}'s state (the step's own, TTL included) the deadline the pass says, reading every
   * key once.
   *
   * @return how many tombstones got a deadline or another one
   */
  <K> long giveRestoredDeadlines(
      KeyedStateBackend<K> backend,
      ValueStateDescriptor<DedupEntry<T>> descriptor,
      DeleteDeadlinePass pass)
      throws Exception {
    return pass.giveDeadlines(
        backend,
        descriptor,
        entry -> !entry.live,
        deadlines,
        timers,
        timers.currentProcessingTime());
  }

  /** The current key's timer at {@code time} fired: removes its tombstone if still due. */
  void onTimer(long time) throws Exception {
    Long deadline = deadlines.value();
    if (deadline == null || deadline != time) {
      return; // not this key's pending removal (none should be left over: kept for safety)
    }
    deadlines.clear();
    DedupEntry<T> entry = state.value();
    if (entry != null && !entry.live) {
      state.clear();
      removed.inc();
    }
  }
}
