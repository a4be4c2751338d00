package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * The load of one key: its attempts, one after another, and the records waiting for it. With
 * single-flight the engine registers it by key, so that records of that key arriving meanwhile join
 * it (also while it waits to retry) instead of starting their own. A refresh flight reloads a
 * cached key in the background and may have no waiters at all.
 */
@Internal
final class Flight<K, V> {
  final K key;
  final boolean registered;
  final boolean refresh;

  private final List<Waiter<V>> waiters = new ArrayList<>(2);
  private boolean finished;
  private long latestDeadline = Long.MIN_VALUE;
  private volatile int attempts;

  Flight(K key, boolean registered, boolean refresh) {
    this.key = key;
    this.registered = registered;
    this.refresh = refresh;
  }

  /** Adds a waiter; false when the flight already finished (the caller looks again). */
  synchronized boolean join(Waiter<V> waiter) {
    if (finished) {
      return false;
    }
    waiters.add(waiter);
    waiter.flight = this;
    if (waiters.size() == 1 || waiter.deadlineNanos - latestDeadline > 0) {
      latestDeadline = waiter.deadlineNanos;
    }
    return true;
  }

  /** Counts the start of an attempt; returns its number (1 for the first). */
  int startAttempt() {
    int n = attempts + 1; // attempts of one flight never overlap
    attempts = n;
    return n;
  }

  int attempts() {
    return attempts;
  }

  /**
   * Whether another attempt starting at {@code startNanos} would still serve someone: a refresh
   * always does, a load only while one of its records is unanswered and before its step timeout.
   */
  synchronized boolean worthRetrying(long startNanos) {
    if (refresh) {
      return true;
    }
    return hasLiveWaiter() && latestDeadline - startNanos > 0;
  }

  /**
   * Finishes the flight if nobody waits for it any more (every record timed out); a refresh is
   * never abandoned. Returns whether it did.
   */
  synchronized boolean finishIfAbandoned() {
    if (finished) {
      return true;
    }
    if (refresh || hasLiveWaiter()) {
      return false;
    }
    finished = true;
    return true;
  }

  /** Finishes the flight: no record joins it any more. Returns the records that joined it. */
  synchronized List<Waiter<V>> finish() {
    if (finished) {
      return Collections.emptyList();
    }
    finished = true;
    return waiters;
  }

  private boolean hasLiveWaiter() {
    for (int i = 0; i < waiters.size(); i++) {
      if (!waiters.get(i).isFinished()) {
        return true;
      }
    }
    return false;
  }
}
