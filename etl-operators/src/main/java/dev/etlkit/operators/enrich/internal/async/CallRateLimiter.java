package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * A token bucket for lookup calls (a micro-batch is one call): {@code permitsPerSecond} on average,
 * bursts of up to one second's worth after a quiet period. A call without a permit waits in a FIFO
 * queue and is sent by the scheduler when its permit is due. A waiting call whose records all timed
 * out is dropped without using a permit, so an overloaded source does not pile up calls nobody
 * needs.
 *
 * <p>Written here instead of taking Guava's {@code RateLimiter}: it needs a queue that skips
 * abandoned calls and a scheduler instead of a sleeping thread, which Guava's does not offer.
 */
@Internal
final class CallRateLimiter<K, V> implements Runnable {
  private final LookupEngine<K, V> engine;
  private final Timers timers;
  private final long intervalNanos;
  private final long maxStoredNanos;
  private final long maxTickNanos;

  private final ArrayDeque<LookupCall<K, V>> queue = new ArrayDeque<>();
  private long nextFreeNanos;
  private boolean tickScheduled;

  /**
   * @param stepTimeoutNanos the step timeout: the queue is checked for abandoned calls at least
   *     this often, however far apart the permits are
   */
  CallRateLimiter(
      LookupEngine<K, V> engine, Timers timers, double permitsPerSecond, long stepTimeoutNanos) {
    this.engine = engine;
    this.timers = timers;
    this.intervalNanos = Math.max(1L, (long) (1e9 / permitsPerSecond));
    this.maxStoredNanos = Math.max(intervalNanos, 1_000_000_000L);
    this.maxTickNanos = stepTimeoutNanos;
    this.nextFreeNanos = timers.nanoTime();
  }

  /** Sends {@code call} now if a permit is free and nobody queues, else queues it. */
  void submit(LookupCall<K, V> call) {
    synchronized (this) {
      long now = timers.nanoTime();
      if (!queue.isEmpty() || !tryTake(now)) {
        queue.add(call);
        engine.metrics().rateLimited.inc();
        scheduleTick(now);
        return;
      }
    }
    engine.dispatch(call);
  }

  /**
   * A permit is due: sends the calls at the head of the queue that have one. Or a step timeout
   * passed without a permit: drops the calls nobody waits for any more, wherever they queue (a key
   * that keeps getting records keeps the head alive).
   */
  @Override
  public void run() {
    List<LookupCall<K, V>> ready = new ArrayList<>();
    List<Flight<K, V>> abandoned = new ArrayList<>();
    synchronized (this) {
      tickScheduled = false;
      long now = timers.nanoTime();
      while (!queue.isEmpty()) {
        LookupCall<K, V> head = queue.peek();
        abandoned.addAll(head.prune());
        if (head.isEmpty()) {
          queue.poll();
          continue;
        }
        if (!tryTake(now)) {
          if (ready.isEmpty()) {
            pruneAll(abandoned);
          }
          break;
        }
        ready.add(queue.poll());
      }
      if (!queue.isEmpty()) {
        scheduleTick(now);
      }
    }
    for (Flight<K, V> f : abandoned) {
      engine.unregister(f);
    }
    for (LookupCall<K, V> call : ready) {
      engine.dispatch(call);
    }
  }

  private void pruneAll(List<Flight<K, V>> abandoned) {
    for (Iterator<LookupCall<K, V>> calls = queue.iterator(); calls.hasNext(); ) {
      LookupCall<K, V> call = calls.next();
      abandoned.addAll(call.prune());
      if (call.isEmpty()) {
        calls.remove();
      }
    }
  }

  synchronized int queued() {
    return queue.size();
  }

  private boolean tryTake(long now) {
    if (nextFreeNanos - now > 0) {
      return false;
    }
    // At most maxStored worth of permits (one second's, or one) accumulate while idle.
    long earliest = now - maxStoredNanos + intervalNanos;
    nextFreeNanos = (nextFreeNanos - earliest < 0 ? earliest : nextFreeNanos) + intervalNanos;
    return true;
  }

  /**
   * Runs {@link #run} when the next permit is due, or a step timeout from now if that is sooner:
   * with permits further apart than the step timeout (a low rate), the calls queued meanwhile are
   * abandoned long before a permit comes, and are dropped then instead of holding their flights and
   * waiters until it does.
   */
  private void scheduleTick(long now) {
    if (!tickScheduled) {
      tickScheduled = true;
      timers.schedule(this, Math.min(Math.max(0L, nextFreeNanos - now), maxTickNanos));
    }
  }
}
