package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Collects the keys of attempts into one {@code lookupAll} call: a batch is sent when it holds
 * {@code maxKeys} distinct keys, or {@code maxDelay} after its first key arrived, whichever comes
 * first. Without single-flight two attempts of one key can share a batch: the key is asked once and
 * counts once towards {@code maxKeys}.
 */
@Internal
final class MicroBatcher<K, V> implements Runnable {
  private final LookupEngine<K, V> engine;
  private final CallOutcomes<K, V> outcomes;
  private final Timers timers;
  private final int maxKeys;
  private final long maxDelayNanos;

  private List<Flight<K, V>> pending;

  /**
   * The distinct keys of {@code pending}; only kept when a key can come twice (no single-flight).
   */
  @Nullable private final Set<K> keys;

  @Nullable private Timers.Cancellable flushTimer;

  /** When {@code pending} is due to be sent, on the timers' clock; set with its flush timer. */
  private long flushDueNanos;

  /**
   * @param distinctKeysNeeded whether two flights of one key can be pending at once (single-flight
   *     off): the batch then counts its distinct keys
   */
  MicroBatcher(
      LookupEngine<K, V> engine,
      CallOutcomes<K, V> outcomes,
      Timers timers,
      int maxKeys,
      long maxDelayNanos,
      boolean distinctKeysNeeded) {
    this.engine = engine;
    this.outcomes = outcomes;
    this.timers = timers;
    this.maxKeys = maxKeys;
    this.maxDelayNanos = maxDelayNanos;
    this.pending = new ArrayList<>(Math.min(maxKeys, 64));
    this.keys = distinctKeysNeeded ? new HashSet<>() : null;
  }

  /**
   * Adds the next attempt of {@code flight} to the pending batch.
   *
   * @throws RuntimeException what the key's {@code equals} threw when the distinct keys (no
   *     single-flight) compared it with a pending key of its hash; then nothing was added
   */
  void add(Flight<K, V> flight) {
    List<Flight<K, V>> full = null;
    synchronized (this) {
      if (keys != null) {
        keys.add(flight.key); // first: an equals that throws leaves the batch as it was
      }
      pending.add(flight);
      int distinct = keys != null ? keys.size() : pending.size();
      if (distinct >= maxKeys) {
        full = take();
      } else if (pending.size() == 1) {
        flushDueNanos = timers.nanoTime() + maxDelayNanos;
        flushTimer = timers.schedule(this, maxDelayNanos);
      }
    }
    if (full != null) {
      engine.submit(LookupCall.batch(outcomes, full));
    }
  }

  /**
   * The delay of the oldest key passed. A flush timer that had already started when a full batch
   * cancelled it (cancelling does not stop a running task) finds the batch it was set for gone: the
   * batch pending now, if any, is not due yet and keeps its own timer.
   */
  @Override
  public void run() {
    List<Flight<K, V>> due;
    synchronized (this) {
      if (pending.isEmpty() || timers.nanoTime() - flushDueNanos < 0) {
        return;
      }
      due = take();
    }
    engine.submit(LookupCall.batch(outcomes, due));
  }

  private List<Flight<K, V>> take() {
    List<Flight<K, V>> taken = pending;
    pending = new ArrayList<>(Math.min(maxKeys, 64));
    if (keys != null) {
      keys.clear();
    }
    if (flushTimer != null) {
      flushTimer.cancel();
      flushTimer = null;
    }
    return taken;
  }
}
