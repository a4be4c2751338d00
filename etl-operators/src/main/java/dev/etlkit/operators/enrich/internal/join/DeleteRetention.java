package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.internal.DeleteDeadlines;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import java.util.function.Predicate;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.InternalTimerService;

/**
 * The pending removal of the current key's delete marker, for a join with a delete retention: the
 * deadline (processing time) in a {@code ValueState} and one processing-time timer at it. A delete
 * written sets the deadline (moving the timer: one per key), a live row written cancels it, and a
 * timer removes the marker only if it is the key's current deadline, so a timer never removes a
 * marker written after the one it was set for, nor a live row. Deadlines are rounded up to a whole
 * second, so that the deletes of a key within one second share one timer move.
 *
 * <p>The deadline state has no TTL: its timer fires and clears it, also where the row's TTL removed
 * the marker first (a retention so long that the deadline is {@code Long.MAX_VALUE} keeps both, as
 * the marker would be kept without the option).
 */
final class DeleteRetention {

  private final long retention;
  private final ValueState<Long> deadline;
  private final InternalTimerService<VoidNamespace> timers;

  /**
   * @param retention the retention in milliseconds, positive
   * @param timers where the removals' processing-time timers go
   */
  DeleteRetention(
      RuntimeContext context, long retention, InternalTimerService<VoidNamespace> timers) {
    this.retention = retention;
    this.deadline =
        context.getState(new ValueStateDescriptor<>(JoinConfig.DELETE_DEADLINE_STATE, Types.LONG));
    this.timers = timers;
  }

  /** A delete was written at {@code now}: the clock (re)starts, moving the key's timer. */
  void deleteWritten(long now) throws Exception {
    long due = DeleteDeadlines.of(now, retention);
    Long previous = deadline.value();
    if (previous != null) {
      if (previous == due) {
        return;
      }
      timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, previous);
    }
    deadline.update(due);
    timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, due);
  }

  /**
   * The key was written and its marker is still the delete written before (a point-in-time join's
   * late version older than it): the clock keeps running, or starts at {@code now} for a marker
   * without a deadline (restored from a savepoint taken without the retention). A deadline that has
   * passed gets its timer again (fired at the next tick; one still set stays one): its own may be
   * gone, fired while the option was off at an earlier restore.
   */
  void deleteKept(long now) throws Exception {
    if (deadline.value() == null) {
      deleteWritten(now);
    } else {
      retryIfPassed(now);
    }
  }

  /**
   * The pass after a restore ({@link DeleteDeadlinePass#giveDeadlines}) over {@code descriptor},
   * the join's own state of rows or histories (TTL included), whose entries {@code isMarker} takes
   * for delete markers.
   *
   * @return how many markers got a deadline or another one
   */
  <K, V> long giveRestoredDeadlines(
      KeyedStateBackend<K> backend,
      ValueStateDescriptor<V> descriptor,
      Predicate<V> isMarker,
      DeleteDeadlinePass pass,
      long now)
      throws Exception {
    return pass.giveDeadlines(backend, descriptor, isMarker, deadline, timers, now);
  }

  /** A live row replaced the marker: its removal is cancelled. */
  void liveRowWritten() throws Exception {
    Long previous = deadline.value();
    if (previous != null) {
      timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, previous);
      deadline.clear();
    }
  }

  /** Whether a processing-time timer at {@code time} is the key's pending removal. */
  boolean isDue(long time) throws Exception {
    Long due = deadline.value();
    return due != null && due == time;
  }

  /**
   * If the key's deadline has passed at {@code now}, sets its timer again (fired at once, by the
   * next processing-time tick): for a removal its timer found too early.
   */
  void retryIfPassed(long now) throws Exception {
    Long due = deadline.value();
    if (due != null && due <= now) {
      timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, due);
    }
  }

  /** The key's marker is gone (removed, or expired by its TTL): forget its deadline. */
  void clear() {
    deadline.clear();
  }
}
