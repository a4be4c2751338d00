package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.DeleteDeadlines;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimerService;

/**
 * The pass over all keys that {@link Scd2Operator} runs once after a restore, when the function is
 * open: gives the keys the cleanup timers the restored state lacks.
 *
 * <p>For the TTL (switched on, or shortened: {@code ttl > 0}): every key whose cursor has no
 * cleanup timer, as a key written while the step had no TTL, one for the TTL after {@code now}, and
 * every key whose timer was set with a longer TTL one at its last write plus this TTL.
 *
 * <p>For the delete retention (the option added, or shortened: {@code retention > 0}): every
 * deleted key (no live version in force) whose timer is not due by its deadline one at its
 * deadline, at once if that is past. A key without a timer has no known last write (the step had
 * neither TTL nor the option): its clock starts at {@code now}, which its cursor records as its
 * last write, so that its timer and a change finding the deadline passed judge it alike.
 */
final class RestoredCleanupTimers {
  private RestoredCleanupTimers() {}

  /**
   * Runs the pass; returns the number of keys given a timer.
   *
   * @param ttl the TTL to give timers for, 0 when the pass is not for the TTL
   * @param retention the delete retention to give timers for, 0 when the pass is not for it
   * @param ttlNow the step's TTL, whether or not it changed (0 without one): a deleted key without
   *     a clock gets the earlier of its deadline and its expiry
   */
  static <T> long register(
      KeyedStateBackend<String> backend,
      InternalTimerService<VoidNamespace> timers,
      ValueStateDescriptor<KeyCursor<T>> cursorDescriptor,
      long now,
      long ttl,
      long retention,
      long ttlNow)
      throws Exception {
    long[] given = {0};
    backend.applyToAllKeys(
        VoidNamespace.INSTANCE,
        VoidNamespaceSerializer.INSTANCE,
        cursorDescriptor,
        (key, state) -> {
          KeyCursor<T> cursor = state.value();
          if (cursor == null) {
            return;
          }
          boolean deleted = retention > 0 && cursor.status != KeyCursor.LIVE;
          long at = Long.MAX_VALUE; // the timer the key needs, if earlier than the one it has
          if (cursor.cleanupAt == 0) {
            if (deleted) {
              // no clock: it starts now, for the retention and (switched on too) the TTL
              at = DeleteDeadlines.of(now, retention);
              if (ttlNow > 0) {
                at = Math.min(at, KeyCleanup.expiry(now, ttlNow));
              }
              cursor.lastWrite = now;
              cursor.cleanupAt = at;
              state.update(cursor);
            } else if (ttl > 0) {
              at = KeyCleanup.expiry(now, ttl);
            }
          } else {
            if (ttl > 0) { // set with a longer TTL: the timer fires at (or past) the new expiry
              at = KeyCleanup.expiry(cursor.lastWrite, ttl);
            }
            if (deleted) { // set with a longer retention, or for the TTL alone
              at = Math.min(at, DeleteDeadlines.of(cursor.lastWrite, retention));
            }
            if (at >= cursor.cleanupAt) {
              return;
            }
          }
          if (at != Long.MAX_VALUE) {
            timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, at);
            given[0]++;
          }
        });
    return given[0];
  }
}
