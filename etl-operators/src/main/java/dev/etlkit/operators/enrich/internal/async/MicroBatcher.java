package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Collects the keys of attempts into one {@code lookupAll} call: a batch is sent when it holds
 * {@code maxKeys} keys, or {@code maxDelay} after its first key arrived, whichever comes first.
 */
@Internal
final class MicroBatcher<K, V> implements Runnable {
  private final LookupEngine<K, V> engine;
  private final Timers timers;
  private final int maxKeys;
  private final long maxDelayNanos;

  private List<Flight<K, V>> pending;
  @Nullable private Timers.Cancellable flushTimer;

  MicroBatcher(LookupEngine<K, V> engine, Timers timers, int maxKeys, long maxDelayNanos) {
    this.engine = engine;
    this.timers = timers;
    this.maxKeys = maxKeys;
    this.maxDelayNanos = maxDelayNanos;
    this.pending = new ArrayList<>(Math.min(maxKeys, 64));
  }

  void add(Flight<K, V> flight) {
    List<Flight<K, V>> full = null;
    synchronized (this) {
      pending.add(flight);
      if (pending.size() >= maxKeys) {
        full = take();
      } else if (pending.size() == 1) {
        flushTimer = timers.schedule(this, maxDelayNanos);
      }
    }
    if (full != null) {
      engine.submit(LookupCall.batch(engine, full));
    }
  }

  /** The delay of the oldest key passed. */
  @Override
  public void run() {
    List<Flight<K, V>> due;
    synchronized (this) {
      flushTimer = null;
      if (pending.isEmpty()) {
        return;
      }
      due = take();
    }
    engine.submit(LookupCall.batch(engine, due));
  }

  private List<Flight<K, V>> take() {
    List<Flight<K, V>> taken = pending;
    pending = new ArrayList<>(Math.min(maxKeys, 64));
    if (flushTimer != null) {
      flushTimer.cancel();
      flushTimer = null;
    }
    return taken;
  }
}
