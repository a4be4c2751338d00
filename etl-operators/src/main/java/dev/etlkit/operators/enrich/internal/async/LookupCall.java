package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BiConsumer;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * One round trip to the lookup: {@code lookup(key)} for one flight, or {@code lookupAll(keys)} for
 * a micro-batch of flights. It ends exactly once, by the lookup's reply ({@link #accept}), by the
 * attempt timeout ({@link #run}) or by an {@link Error} the lookup threw ({@link #fail}), whichever
 * comes first; the loser is ignored, so a late reply never produces a second answer. An {@link
 * Error} that comes late still goes to the engine ({@link CallOutcomes#onLateReply}): the records
 * still waiting for the call's flights (for a retry) carry it, else the task fails at the next
 * record, at the end of the input or at a checkpoint ({@link LookupEngine#report}).
 *
 * <p>A single call holds its flight in a field (no list); while armed, it is also a node of the
 * engine's {@link AttemptTimeouts} list (the links below, guarded by that list's lock).
 *
 * <p>For a lookup that {@linkplain dev.etlkit.operators.enrich.Lookup#supportsCancellation supports
 * cancellation}, the call also holds the future the lookup returned ({@link #holdReply}), and a
 * call ended by its attempt timeout, or by the step timeout of its last record ({@link
 * #endIfAbandoned}), has it cancelled ({@link #takeReplyToCancel}): whichever of the two comes
 * second cancels, so the future is cancelled exactly once, also when the lookup returned it only
 * after the call ended. The cancellation then completing the future is a late reply, which is
 * dropped.
 */
@Internal
final class LookupCall<K, V> implements Runnable, BiConsumer<Object, Throwable> {
  private static final AtomicIntegerFieldUpdater<LookupCall> STATE =
      AtomicIntegerFieldUpdater.newUpdater(LookupCall.class, "ended");

  @SuppressWarnings("rawtypes")
  private static final AtomicReferenceFieldUpdater<LookupCall, Object> REPLY =
      AtomicReferenceFieldUpdater.newUpdater(LookupCall.class, Object.class, "reply");

  /** In {@link #reply} once a timeout ended the call: the future is cancelled. */
  private static final Object CANCELLED = new Object();

  private final CallOutcomes<K, V> outcomes;

  /** The flight of a single call; null for a batch, or once pruned. */
  @Nullable private Flight<K, V> single;

  /** The flights of a batch; null for a single call. */
  @Nullable private final List<Flight<K, V>> batch;

  /** Whether its flights may have lost every waiter before the call is made (see prune). */
  private final boolean mayBeAbandoned;

  private volatile int ended;

  /**
   * The future of a cancellable lookup ({@link #holdReply}), or {@link #CANCELLED}; null before
   * either.
   */
  @Nullable private volatile Object reply;

  /** When the call was made: set before {@link AttemptTimeouts#arm} or by it. */
  long startNanos = AttemptTimeouts.READ_CLOCK;

  /** The distinct keys the call asked for, set when it is made: the unit of the load metrics. */
  int keysAsked;

  /**
   * The keys of a batch whose outcome was counted as unusable (see {@link #firstFailureOfKey});
   * made on the first such failure, by the one thread that ended the call.
   */
  @Nullable private Set<K> failedKeys;

  // Attempt timeout: the deadline and the links of AttemptTimeouts' list, guarded by its lock.
  long deadlineNanos;
  @Nullable LookupCall<?, ?> prevTimeout;
  @Nullable LookupCall<?, ?> nextTimeout;
  boolean timeoutArmed;

  private LookupCall(
      CallOutcomes<K, V> outcomes,
      @Nullable Flight<K, V> single,
      @Nullable List<Flight<K, V>> batch,
      boolean mayBeAbandoned) {
    this.outcomes = outcomes;
    this.single = single;
    this.batch = batch;
    this.mayBeAbandoned = mayBeAbandoned;
  }

  /**
   * A call for one flight; {@code mayBeAbandoned} is false only when the caller knows a record
   * still waits for it (the engine then skips {@link #prune} unless the call waits for a permit).
   */
  static <K, V> LookupCall<K, V> single(
      CallOutcomes<K, V> outcomes, Flight<K, V> flight, boolean mayBeAbandoned) {
    return new LookupCall<>(outcomes, flight, null, mayBeAbandoned);
  }

  static <K, V> LookupCall<K, V> batch(CallOutcomes<K, V> outcomes, List<Flight<K, V>> flights) {
    return new LookupCall<>(outcomes, null, flights, true);
  }

  boolean mayBeAbandoned() {
    return mayBeAbandoned;
  }

  boolean isBatch() {
    return batch != null;
  }

  /** The flights of this call. */
  int size() {
    return batch != null ? batch.size() : single == null ? 0 : 1;
  }

  /** Flight number {@code i} of this call, {@code 0 <= i < size()}. */
  Flight<K, V> flight(int i) {
    if (batch != null) {
      return batch.get(i);
    }
    if (i != 0 || single == null) {
      throw new IndexOutOfBoundsException(i);
    }
    return single;
  }

  /**
   * The distinct keys of a batch, in arrival order. A key whose {@code equals} throws meeting
   * another of its hash here (with single-flight the keys of a batch are distinct, but a retry may
   * come after a key that joined later than its own) leaves the keys as they are: a key twice is
   * asked twice, which costs less than a batch that never goes out.
   */
  Collection<K> keys() {
    LinkedHashSet<K> keys = new LinkedHashSet<>();
    try {
      for (int i = 0; i < size(); i++) {
        keys.add(flight(i).key);
      }
    } catch (RuntimeException e) {
      List<K> all = new ArrayList<>(size());
      for (int i = 0; i < size(); i++) {
        all.add(flight(i).key);
      }
      return all;
    }
    return keys;
  }

  /**
   * Drops the flights nobody waits for any more, before the call is made; returns them (finished)
   * so the engine can unregister them. The call is not made when none is left.
   */
  List<Flight<K, V>> prune() {
    if (batch == null) {
      Flight<K, V> f = single;
      if (f != null && f.finishIfAbandoned()) {
        single = null;
        return List.of(f);
      }
      return List.of();
    }
    List<Flight<K, V>> dropped = null;
    for (int i = batch.size() - 1; i >= 0; i--) {
      Flight<K, V> f = batch.get(i);
      if (f.finishIfAbandoned()) {
        if (dropped == null) {
          dropped = new ArrayList<>(2);
        }
        dropped.add(f);
        batch.remove(i);
      }
    }
    return dropped == null ? List.of() : dropped;
  }

  boolean isEmpty() {
    return size() == 0;
  }

  /**
   * Whether {@code flight} is the first of its key in this call whose outcome could not be used:
   * without single-flight a batch may hold a key twice, which was asked, and counts, once.
   */
  boolean firstFailureOfKey(Flight<K, V> flight) {
    if (batch == null) {
      return true;
    }
    if (failedKeys == null) {
      failedKeys = new HashSet<>();
    }
    return failedKeys.add(flight.key);
  }

  /**
   * Keeps the future the lookup returned for this call, so that a timeout can cancel it; returns
   * false when a timeout ended the call already (the lookup returned it late): then the caller
   * cancels it.
   */
  boolean holdReply(Future<?> future) {
    return REPLY.compareAndSet(this, null, future);
  }

  /**
   * The attempt timeout ended the call, or {@link #endIfAbandoned} did: returns the future to
   * cancel, or null when the lookup has not returned it yet ({@link #holdReply} then says so to its
   * caller). Called once.
   */
  @Nullable
  Future<?> takeReplyToCancel() {
    Object held = REPLY.getAndSet(this, CANCELLED);
    return held instanceof Future ? (Future<?>) held : null;
  }

  /**
   * Ends the call if it is still in flight and none of its flights has a record waiting any more
   * (the step timeout answered them all; a refresh is never abandoned), finishing its flights so
   * that no record joins a call about to be cancelled; returns whether it did. A call some record
   * still waits for, for any of the keys of a batch, is left alone. Called on the task thread,
   * where records join flights: none joins between the two passes below, but the reply or the
   * attempt timeout may end the call first.
   */
  boolean endIfAbandoned() {
    if (ended != 0) {
      return false;
    }
    int n = size();
    for (int i = 0; i < n; i++) {
      if (!flight(i).isAbandoned()) {
        return false;
      }
    }
    for (int i = 0; i < n; i++) {
      if (!flight(i).finishIfAbandoned()) {
        return false; // a record joined after all: the call goes on
      }
    }
    return STATE.compareAndSet(this, 0, 1);
  }

  /** The attempt timeout fired. */
  @Override
  public void run() {
    if (STATE.compareAndSet(this, 0, 1)) {
      outcomes.onCallTimedOut(this);
    }
  }

  /**
   * The lookup threw {@code error} instead of returning a future: the task must fail, also when the
   * attempt timeout ended the call first (the lookup blocked past it).
   */
  void fail(Error error) {
    if (STATE.compareAndSet(this, 0, 1)) {
      outcomes.onCallError(this, error);
    } else {
      outcomes.onLateReply(this, error); // the attempt timeout ended the call first
    }
  }

  /**
   * The lookup replied: an {@code Optional<V>} (single) or a {@code Map<K, V>} (batch), or a
   * failure; an {@link Error} among them fails the task, also when it comes late.
   */
  @Override
  public void accept(@Nullable Object reply, @Nullable Throwable error) {
    if (STATE.compareAndSet(this, 0, 1)) {
      outcomes.onCallReplied(this, reply, error);
    } else if (error != null) {
      outcomes.onLateReply(this, error); // the attempt timeout ended the call first
    }
  }
}
