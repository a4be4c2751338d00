package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * One round trip to the lookup: {@code lookup(key)} for one flight, or {@code lookupAll(keys)} for
 * a micro-batch of flights. It ends exactly once, by the lookup's reply ({@link #accept}) or by the
 * attempt timeout ({@link #run}), whichever comes first; the loser is ignored, so a late reply
 * never produces a second answer.
 */
@Internal
final class LookupCall<K, V> implements Runnable, BiConsumer<Object, Throwable> {
  private static final AtomicIntegerFieldUpdater<LookupCall> STATE =
      AtomicIntegerFieldUpdater.newUpdater(LookupCall.class, "ended");

  private final LookupEngine<K, V> engine;
  private final List<Flight<K, V>> flights;
  private final boolean batch;
  private volatile int ended;
  @Nullable private volatile Timers.Cancellable timeout;
  long startNanos;

  private LookupCall(LookupEngine<K, V> engine, List<Flight<K, V>> flights, boolean batch) {
    this.engine = engine;
    this.flights = flights;
    this.batch = batch;
  }

  static <K, V> LookupCall<K, V> single(LookupEngine<K, V> engine, Flight<K, V> flight) {
    List<Flight<K, V>> one = new ArrayList<>(1);
    one.add(flight);
    return new LookupCall<>(engine, one, false);
  }

  static <K, V> LookupCall<K, V> batch(LookupEngine<K, V> engine, List<Flight<K, V>> flights) {
    return new LookupCall<>(engine, flights, true);
  }

  boolean isBatch() {
    return batch;
  }

  List<Flight<K, V>> flights() {
    return flights;
  }

  /** The distinct keys of a batch, in arrival order. */
  Collection<K> keys() {
    LinkedHashSet<K> keys = new LinkedHashSet<>();
    for (int i = 0; i < flights.size(); i++) {
      keys.add(flights.get(i).key);
    }
    return keys;
  }

  /**
   * Drops the flights nobody waits for any more, before the call is made; returns them (finished)
   * so the engine can unregister them. The call is not made when none is left.
   */
  List<Flight<K, V>> prune() {
    List<Flight<K, V>> dropped = null;
    for (int i = flights.size() - 1; i >= 0; i--) {
      Flight<K, V> f = flights.get(i);
      if (f.finishIfAbandoned()) {
        if (dropped == null) {
          dropped = new ArrayList<>(2);
        }
        dropped.add(f);
        flights.remove(i);
      }
    }
    return dropped == null ? List.of() : dropped;
  }

  boolean isEmpty() {
    return flights.isEmpty();
  }

  void armTimeout(Timers timers, long timeoutNanos) {
    this.timeout = timers.schedule(this, timeoutNanos);
  }

  /** The attempt timeout fired. */
  @Override
  public void run() {
    if (STATE.compareAndSet(this, 0, 1)) {
      engine.onCallTimedOut(this);
    }
  }

  /** The lookup replied: an {@code Optional<V>} (single) or a {@code Map<K, V>} (batch). */
  @Override
  public void accept(@Nullable Object reply, @Nullable Throwable error) {
    if (STATE.compareAndSet(this, 0, 1)) {
      Timers.Cancellable t = timeout;
      if (t != null) {
        t.cancel();
      }
      engine.onCallReplied(this, reply, error);
    }
  }
}
