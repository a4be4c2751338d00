package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The load of one key: its attempts, one after another, and the records waiting for it. With
 * single-flight the engine registers it by key, so that records of that key arriving meanwhile join
 * it (also while it waits to retry) instead of starting their own. A refresh flight reloads a
 * cached key in the background and may have no waiters at all.
 *
 * <p>Most flights have one waiter: it is held in a field, and a list is made only for the second.
 */
@Internal
final class Flight<K, V> {
  final K key;
  final boolean registered;
  final boolean refresh;

  @Nullable private Waiter<V> first;
  @Nullable private List<Waiter<V>> more;
  private int waiterCount;
  private boolean finished;
  private long latestDeadline = Long.MIN_VALUE;
  private volatile int attempts;

  /**
   * The call of this flight's latest attempt, set when it is made: the one a step timeout cancels
   * once nobody waits for the flight any more ({@link LookupCall#endIfAbandoned}). Set only for a
   * lookup that supports cancellation.
   */
  @Nullable volatile LookupCall<K, V> call;

  Flight(K key, boolean registered, boolean refresh) {
    this.key = key;
    this.registered = registered;
    this.refresh = refresh;
  }

  /**
   * Adds the first waiter of a flight its creator has not shared with any other thread yet (so no
   * lock is needed): publishing the flight afterwards (the flight map, the lookup's future) makes
   * the waiter visible to other threads.
   */
  void joinFirst(Waiter<V> waiter) {
    first = waiter;
    waiterCount = 1;
    waiter.flight = this;
    latestDeadline = waiter.deadlineNanos;
  }

  /** Adds a waiter; false when the flight already finished (the caller looks again). */
  synchronized boolean join(Waiter<V> waiter) {
    if (finished) {
      return false;
    }
    if (waiterCount == 0) {
      first = waiter;
    } else {
      if (more == null) {
        more = new ArrayList<>(2);
      }
      more.add(waiter);
    }
    waiterCount++;
    waiter.flight = this;
    if (waiterCount == 1 || waiter.deadlineNanos - latestDeadline > 0) {
      latestDeadline = waiter.deadlineNanos;
    }
    return true;
  }

  /**
   * Counts an attempt when its call is made (not while it waits for a batch or a permit); returns
   * its number (1 for the first).
   */
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
   * always does, a load only while one of its records is unanswered and if the attempt starts
   * before the latest step timeout of its records. Whether it could also end before then is not
   * asked: an attempt that starts in time may still answer in time.
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

  /**
   * Whether {@link #finishIfAbandoned} would finish the flight (or it finished already), without
   * finishing it.
   */
  synchronized boolean isAbandoned() {
    return finished || (!refresh && !hasLiveWaiter());
  }

  /**
   * Finishes the flight: no record joins it any more. Returns how many records joined it (read them
   * with {@link #waiter}), or 0 if it had finished already.
   */
  synchronized int finish() {
    if (finished) {
      return 0;
    }
    finished = true;
    return waiterCount;
  }

  /**
   * Finishes the flight, also if it had finished already, and returns how many records joined it:
   * for the engine to answer those still waiting after an exception interrupted it, or an {@link
   * Error} of one of its calls came (also late, while it waits to retry), wherever it was. A retry
   * already scheduled then finds it finished and is dropped ({@link #finishIfAbandoned}).
   */
  synchronized int abort() {
    finished = true;
    return waiterCount;
  }

  /**
   * Record number {@code i} that joined this flight, {@code 0 <= i <} the count {@link #finish} or
   * {@link #abort} returned: once finished the waiters no longer change.
   */
  Waiter<V> waiter(int i) {
    return i == 0 ? first : more.get(i - 1);
  }

  private boolean hasLiveWaiter() {
    for (int i = 0; i < waiterCount; i++) {
      if (!waiter(i).isFinished()) {
        return true;
      }
    }
    return false;
  }
}
