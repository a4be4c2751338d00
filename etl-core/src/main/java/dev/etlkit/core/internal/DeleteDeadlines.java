package dev.etlkit.core.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.checkpoint.CheckpointType;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateBackend;

/**
 * When a deleted key's marker is due for removal under {@code withDeleteRetention} (dedup, upsert
 * normalize, the dimension join, SCD2): the marker's write time plus the retention, rounded up to a
 * whole second so that a key's deletes within one second share one timer.
 */
@Internal
public final class DeleteDeadlines {

  /** Deadlines are whole seconds of processing time. */
  public static final long GRANULARITY_MILLIS = 1_000L;

  private DeleteDeadlines() {}

  /**
   * {@code now + retentionMillis} rounded up to a whole second, or {@code Long.MAX_VALUE} where
   * that would overflow (a timer then that never fires in a streaming job).
   */
  public static long of(long now, long retentionMillis) {
    if (now > Long.MAX_VALUE - retentionMillis) {
      return Long.MAX_VALUE;
    }
    long due = now + retentionMillis;
    long rest = Math.floorMod(due, GRANULARITY_MILLIS);
    if (rest == 0) {
      return due;
    }
    long gap = GRANULARITY_MILLIS - rest;
    return due > Long.MAX_VALUE - gap ? Long.MAX_VALUE : due + gap;
  }

  /**
   * Whether a step restored without {@code withDeleteRetention} must still open the timer service
   * of its removals: where a checkpoint writes the timers into raw keyed state (RocksDB or ForSt
   * with {@code timer-service.factory: HEAP}), Flink restores every timer service of the snapshot,
   * asked for or not, and fails the next checkpoint on one that nobody started (a {@code
   * NullPointerException} in {@code InternalTimersSnapshot}). Opened, its removals that were
   * pending fire and do nothing. Elsewhere a timer service is state like any other and is carried
   * on unopened.
   *
   * @param backend the operator's keyed state backend
   * @param restored whether the operator was restored
   */
  public static boolean mustOpenRestoredTimers(KeyedStateBackend<?> backend, boolean restored) {
    // Flink's own test for snapshotting timers into raw keyed state (StreamOperatorStateHandler)
    return restored
        && backend instanceof AbstractKeyedStateBackend
        && ((AbstractKeyedStateBackend<?>) backend)
            .requiresLegacySynchronousTimerSnapshots(CheckpointType.CHECKPOINT);
  }
}
