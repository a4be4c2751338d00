package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.DeleteDeadlines;
import dev.etlkit.scd.Scd2Output;

/**
 * State TTL and delete retention of a {@link KeyHistory}'s keys: when a key is forgotten, and its
 * cleanup timer. A key is forgotten once its state was not written for the TTL, or once its latest
 * change is a delete (nothing live in force) that was not written for the delete retention, at the
 * next whole second; with append output its closed versions not emitted yet are emitted first.
 * Every write of a cursor restarts the clock ({@link #written}); the timer, when it fires ({@link
 * #onCleanupTimer}), forgets the key or moves itself to when that will be. A change that finds the
 * key due before its timer ran (as right after a restore) forgets it first. Plain Java, one per
 * history, on the history's reused kept changes and key state.
 */
final class KeyCleanup<T> {
  private final Scd2Output output;

  /** State TTL: a key whose state was not written for this long is forgotten (0: never). */
  private final long ttl;

  /**
   * Delete retention: a key whose latest change is a delete (no live version in force) is forgotten
   * once it was not written for this long, at the next whole second (0: never).
   */
  private final long deleteRetention;

  private final KeptReplays<T> replays;
  private final KeptChanges<T> kept;
  private final KeyState<T> view;

  KeyCleanup(
      Scd2Output output,
      long ttlMillis,
      long deleteRetentionMillis,
      KeptReplays<T> replays,
      KeptChanges<T> kept,
      KeyState<T> view) {
    this.output = output;
    this.ttl = ttlMillis;
    this.deleteRetention = deleteRetentionMillis;
    this.replays = replays;
    this.kept = kept;
    this.view = view;
  }

  /**
   * The key's cleanup timer fired: forgets the key if its state was not written for the TTL, or if
   * its latest change is a delete and its delete retention has passed (with append output, after
   * emitting its closed versions not emitted yet: nothing can change them any more), else sets the
   * timer again for the earlier of when those will be, or drops it when neither applies (TTL was
   * switched off, the deleted key is live again). Returns true when the key was forgotten.
   */
  boolean onCleanupTimer(
      HistoryStore<T> store, long now, KeyHistory.CleanupTimers timers, VersionSink<T> sink)
      throws Exception {
    KeyCursor<T> cursor = store.cursor();
    if (cursor == null) {
      return false;
    }
    if (ttl > 0 && expiry(cursor.lastWrite, ttl) <= now) {
      forget(store, cursor, sink);
      return true;
    }
    if (isDeleteDue(cursor, now)) {
      forgetDeleted(store, cursor, sink, timers);
      return true;
    }
    if (ttl <= 0 && !hasDeleteDeadline(cursor)) {
      // TTL was switched off since the timer was set, or the deleted key is live again
      cursor.cleanupAt = 0;
      store.updateCursor(cursor);
      return false;
    }
    cursor.cleanupAt = cleanupTime(cursor);
    timers.register(cursor.cleanupAt);
    store.updateCursor(cursor);
    return false;
  }

  /** True if the key has a TTL clock and was not written for the TTL by {@code now}. */
  boolean isExpired(KeyCursor<T> cursor, long now) {
    return ttl > 0 && cursor.cleanupAt != 0 && expiry(cursor.lastWrite, ttl) <= now;
  }

  /**
   * True if the delete retention applies to the key: its latest change is a delete (nothing live is
   * in force: a closed version, a delete marker, or a delete of a key never live).
   */
  private boolean hasDeleteDeadline(KeyCursor<T> cursor) {
    return deleteRetention > 0 && cursor.status != KeyCursor.LIVE;
  }

  /** True if the retention of the key's delete has passed at {@code time}. */
  boolean isDeleteDue(KeyCursor<T> cursor, long time) {
    return hasDeleteDeadline(cursor)
        && DeleteDeadlines.of(cursor.lastWrite, deleteRetention) <= time;
  }

  /**
   * When the key's cleanup timer is due, its state last written at {@link KeyCursor#lastWrite}: at
   * its TTL, or its delete deadline if that is earlier.
   */
  private long cleanupTime(KeyCursor<T> cursor) {
    long at = ttl > 0 ? expiry(cursor.lastWrite, ttl) : Long.MAX_VALUE;
    if (hasDeleteDeadline(cursor)) {
      at = Math.min(at, DeleteDeadlines.of(cursor.lastWrite, deleteRetention));
    }
    return at;
  }

  /** Forgets a deleted key whose retention has passed, as {@link #forget}, and counts it. */
  void forgetDeleted(
      HistoryStore<T> store,
      KeyCursor<T> cursor,
      VersionSink<T> sink,
      KeyHistory.CleanupTimers timers)
      throws Exception {
    forget(store, cursor, sink);
    timers.deletedKeyForgotten();
  }

  /**
   * Forgets the key (its TTL or its delete retention has passed); with append output its closed
   * versions not emitted yet are emitted first: once the key is forgotten no change can alter them.
   */
  void forget(HistoryStore<T> store, KeyCursor<T> cursor, VersionSink<T> sink) throws Exception {
    if (output == Scd2Output.APPEND && cursor.pendingFinal != Long.MAX_VALUE) {
      sink.forgetting(cursor.latest);
      try {
        replays.emitClosed(view.start(store, cursor), cursor, sink);
      } finally {
        kept.clear();
        view.end();
      }
    }
    store.clear();
  }

  /**
   * When state last written at {@code written} expires after {@code ttl}: their sum, or {@code
   * Long.MAX_VALUE} (never) where the sum would overflow, as Flink's own state TTL does.
   */
  static long expiry(long written, long ttl) {
    return written > Long.MAX_VALUE - ttl ? Long.MAX_VALUE : written + ttl;
  }

  /**
   * The key's cursor is about to be written at {@code now}: restarts its TTL clock (and, for a key
   * whose latest change is a delete, its delete retention's) and moves its cleanup timer where it
   * must be. Without either the clock still runs while a cleanup timer of an earlier run is pending
   * ({@code cleanupAt != 0}): when TTL is back, that timer must see this write, not the one it was
   * set for. A live key without TTL keeps no clock and sets no timer.
   */
  void written(KeyCursor<T> cursor, long now, KeyHistory.CleanupTimers timers) throws Exception {
    if (ttl > 0 || hasDeleteDeadline(cursor)) {
      cursor.lastWrite = now;
      long at = cleanupTime(cursor);
      // none, lost while TTL was off, or set with a longer TTL (or for a later deadline)
      if (cursor.cleanupAt == 0 || cursor.cleanupAt < now || cursor.cleanupAt > at) {
        if (deleteRetention > 0 && cursor.cleanupAt > now && cursor.cleanupAt > at) {
          // a delete moves the pending TTL timer earlier: the key keeps one timer
          timers.delete(cursor.cleanupAt);
        }
        cursor.cleanupAt = at;
        timers.register(cursor.cleanupAt);
      }
    } else if (cursor.cleanupAt != 0) {
      cursor.lastWrite = timers.currentTime();
    }
  }
}
