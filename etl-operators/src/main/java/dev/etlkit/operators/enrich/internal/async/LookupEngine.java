package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.operators.enrich.Lookup;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The semantics of the lookup step, without Flink: answers records from the cache, loads the other
 * keys (one load per key at a time with single-flight), retries, micro-batches, rate-limits, and
 * resolves failures into stale values or the fallback. Every record given to {@link #load} is
 * answered exactly once, by its load or by {@link #timeout}. Whatever throws while a reply or an
 * attempt timeout is handled (a user's retry condition, a reply of the wrong type) fails the load
 * at once, so that no load is left registered that nothing will finish. An {@link Error} thrown by
 * {@code lookup} or {@code lookupAll}, or completing the future they returned (also inside a {@link
 * CompletionException} or {@link ExecutionException}), is no failed attempt: the records waiting
 * for the call are {@linkplain Waiter#reject rejected} with it at once, without retry, stale entry
 * or fallback, it counts in neither {@code loadFailures} nor the load latency, and the step fails
 * the task with it. So does one that comes after the attempt timeout ended the call, while records
 * still wait for a retry of its flights ({@link CallOutcomes#onLateReply}). One no record carries
 * fails the task at the next record, when the step finishes or at the next checkpoint (see {@link
 * #report}).
 *
 * <p>Calls: the records waiting are at most the step's capacity (Flink's async queue bounds them; a
 * refresh holds no place there), and the loads in progress are at most the records waiting (each
 * load has one at least, until its records time out). A refresh-ahead call starts only while the
 * records waiting and the refreshes in progress are fewer than the capacity, so at most {@code
 * capacity} refreshes are in progress; otherwise the due refresh is skipped (the entry is served as
 * it is, and a later read tries again). Records let in after a refresh started are not held back
 * for it: with refresh-ahead, the calls in progress reach at most twice the capacity.
 *
 * <p>Threads: {@link #probe}, {@link #load} and {@link #timeout} run on the task thread; replies on
 * the lookup's threads; attempt timeouts, backoffs, batch flushes and rate-limit waits on the
 * {@link Timers} thread. So the lookup is called on the task thread (first attempts, when no batch
 * or permit is waited for) and on the timers thread (retries, batches, rate-limited calls),
 * possibly at the same time: {@link Lookup} says so. State shared between them lives in {@link
 * Flight}s (synchronized), the flight map and Caffeine (concurrent), and one-shot CAS guards on
 * {@link Waiter} and {@link LookupCall}.
 *
 * @param <K> key type
 * @param <V> value type
 */
@Internal
public final class LookupEngine<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(LookupEngine.class);

  /** What {@link #probe} returns when the key has no fresh cache entry. */
  public static final Object NO_ENTRY = new Object();

  private final Lookup<K, V> lookup;
  private final Timers timers;
  private final LookupMetrics metrics;
  private final long timeoutNanos;
  private final boolean singleFlight;
  private final int capacity;
  @Nullable private final CacheStore<K, V> cache;
  @Nullable private final MicroBatcher<K, V> batcher;
  @Nullable private final CallRateLimiter<K, V> limiter;
  private final AttemptTimeouts attemptTimeouts;

  /** Replies, failures, attempt and step timeouts: answers, retries, fallbacks. */
  private final CallOutcomes<K, V> outcomes;

  /**
   * Whether a call ended by its attempt timeout, or abandoned by the step timeout of its last
   * record, cancels the lookup's future.
   */
  private final boolean cancelsTimedOutCalls;

  /** Loads by key (single-flight) and refreshes in progress. */
  private final ConcurrentHashMap<K, Flight<K, V>> flights = new ConcurrentHashMap<>();

  /**
   * Records given to {@link #load} and not answered yet; raised on the task thread only, so that a
   * refresh started there never takes the calls in progress past the capacity.
   */
  private final AtomicInteger recordsWaiting = new AtomicInteger();

  /** Refresh flights registered and not unregistered yet; raised on the task thread only. */
  private final AtomicInteger refreshing = new AtomicInteger();

  /** The first Error no record could carry to the task ({@link #report}). */
  private final AtomicReference<Error> unreported = new AtomicReference<>();

  public LookupEngine(
      Lookup<K, V> lookup,
      LookupSettings settings,
      Timers timers,
      Random random,
      LookupMetrics metrics) {
    this.lookup = lookup;
    this.timers = timers;
    this.metrics = metrics;
    // In whole milliseconds, as Flink counts it (1.5 ms waits 1 ms): the records' deadlines here
    // are the ones Flink's timers enforce.
    long timeoutMillis = settings.timeout().toMillis();
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    long attemptTimeoutNanos = Math.min(settings.attemptTimeout().toNanos(), timeoutNanos);
    this.attemptTimeouts = new AttemptTimeouts(timers, attemptTimeoutNanos);
    this.cancelsTimedOutCalls = lookup.supportsCancellation();
    this.singleFlight = settings.singleFlight();
    this.capacity = settings.capacity();
    this.cache = settings.cache() == null ? null : new CacheStore<>(settings.cache(), timers);
    this.outcomes =
        new CallOutcomes<>(
            this,
            settings,
            timers,
            random,
            metrics,
            cache,
            attemptTimeouts,
            timeoutMillis,
            attemptTimeoutNanos,
            cancelsTimedOutCalls);
    this.batcher =
        settings.batchKeys() > 0
            ? new MicroBatcher<>(
                this,
                outcomes,
                timers,
                settings.batchKeys(),
                settings.batchDelay().toNanos(),
                !settings.singleFlight())
            : null;
    this.limiter =
        settings.rateLimit() > 0
            ? new CallRateLimiter<>(this, timers, settings.rateLimit(), timeoutNanos)
            : null;
  }

  LookupMetrics metrics() {
    return metrics;
  }

  /**
   * The value of {@code key}'s fresh cache entry (null for a cached miss), or {@link #NO_ENTRY}
   * when the key must be loaded. An entry due for refresh-ahead is returned and its key reloaded in
   * the background. Allocation-free on a hit.
   */
  @Nullable
  public Object probe(K key) {
    CacheStore<K, V> store = cache;
    if (store == null) {
      return NO_ENTRY;
    }
    Object entry = store.entry(key);
    if (entry == null) {
      return NO_ENTRY;
    }
    if (store.tracksAge()) {
      @SuppressWarnings("unchecked")
      CachedValue<V> aged = (CachedValue<V>) entry;
      long now = timers.nanoTime();
      if (!store.isFresh(aged, now)) {
        return NO_ENTRY;
      }
      if (store.needsRefresh(aged, now)) {
        refresh(key, now);
      }
    }
    metrics.cacheHits.inc();
    return store.value(entry);
  }

  /**
   * Loads {@code key} for {@code waiter} (after {@link #probe} found nothing fresh): joins the load
   * in flight for the key or starts one. The waiter is answered later, on another thread.
   *
   * @throws RuntimeException what the key's {@code equals} threw when single-flight (or, without
   *     it, the micro-batch's distinct keys) compared it with a loading key of its hash; then
   *     nothing holds the waiter, and the caller answers it
   */
  public void load(K key, Waiter<V> waiter) {
    metrics.cacheMisses.inc();
    recordsWaiting.incrementAndGet();
    long now = timers.nanoTime();
    waiter.deadlineNanos = now + timeoutNanos;
    if (!singleFlight) {
      Flight<K, V> own = new Flight<>(key, false, false);
      own.joinFirst(waiter);
      try {
        startAttempt(own, now);
      } catch (RuntimeException e) {
        // The key's equals threw, meeting a key of its hash in the micro-batch: nothing holds
        // the waiter.
        recordsWaiting.decrementAndGet();
        throw e;
      }
      return;
    }
    Flight<K, V> created = null;
    try {
      for (; ; ) {
        Flight<K, V> flight = flights.get(key);
        if (flight == null) {
          created = new Flight<>(key, true, false);
          created.joinFirst(waiter);
          flight = flights.putIfAbsent(key, created);
          if (flight == null) {
            break;
          }
        }
        if (flight.join(waiter)) {
          metrics.sharedLoads.inc();
          return;
        }
        // The flight just finished: help unregister it and look again.
        unregister(flight);
      }
    } catch (RuntimeException e) {
      // The key's equals threw, meeting a flight's key of its hash: nothing holds the waiter.
      recordsWaiting.decrementAndGet();
      throw e;
    }
    startAttempt(created, now);
  }

  /**
   * The step timeout of a record passed (Flink's async operator says so). Answers it with a stale
   * entry or the fallback unless its load answered first; returns whether this call answered it.
   */
  public boolean timeout(Waiter<V> waiter) {
    if (!claim(waiter)) {
      return false;
    }
    outcomes.stepTimedOut(waiter);
    if (cancelsTimedOutCalls) {
      cancelIfAbandoned(waiter);
    }
    return true;
  }

  /**
   * The step timeout answered {@code waiter}: if no record waits for the call in flight for its key
   * any more (for a micro-batch, for any of its keys), the call ends and its future is cancelled,
   * as at its attempt timeout, and its flights are unregistered, so that the next record of the key
   * loads it again instead of joining a cancelled call. The call counted in {@code loads} when it
   * was made; its end counts nowhere else (no attempt failed or timed out, no reply came). A call
   * made just as its last record timed out (on the timers thread: a retry, a batch, a permit) may
   * be missed here; its attempt timeout ends it then.
   */
  @SuppressWarnings("unchecked")
  private void cancelIfAbandoned(Waiter<V> waiter) {
    Flight<K, V> flight = (Flight<K, V>) waiter.flight;
    LookupCall<K, V> call = flight == null ? null : flight.call;
    if (call == null || !call.endIfAbandoned()) {
      return;
    }
    attemptTimeouts.disarm(call);
    for (int i = 0; i < call.size(); i++) {
      unregister(call.flight(i));
    }
    cancelReply(call);
  }

  /** Records given to {@link #load} and not answered yet: the {@code inFlight} gauge. */
  public int recordsWaiting() {
    return recordsWaiting.get();
  }

  /** Keys loading or refreshing now (for tests). */
  int flightsInProgress() {
    return flights.size();
  }

  /** Calls whose attempt timeout is running (for tests). */
  int attemptTimeoutsArmed() {
    return attemptTimeouts.armed();
  }

  /** Estimated entries in the cache, 0 without a cache. */
  public long cacheSize() {
    return cache == null ? 0 : cache.size();
  }

  /** Drops the cache; loads in flight are left to finish or time out. */
  public void close() {
    if (cache != null) {
      cache.clear();
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Attempts

  /**
   * Starts a background reload of {@code key} unless one is in progress, or the calls in progress
   * (one per record waiting at most, and the refreshes) already reach the capacity: then it is
   * skipped, and counted; a later read of the entry tries again. Its key's {@code equals} may throw
   * meeting a loading key of its hash (single-flight) or, without single-flight, a key of its hash
   * in the micro-batch: then the refresh is dropped (not or no longer registered, so a later read
   * tries again) and the entry still answers the record.
   */
  private void refresh(K key, long now) {
    Flight<K, V> flight;
    try {
      if (flights.containsKey(key)) {
        return;
      }
      if (recordsWaiting.get() + refreshing.get() >= capacity) {
        metrics.refreshesSkipped.inc();
        return;
      }
      flight = new Flight<>(key, true, true);
      if (flights.putIfAbsent(key, flight) != null) {
        return;
      }
    } catch (RuntimeException e) {
      // The key's equals threw, meeting a loading key of its hash: nothing was registered, and
      // the fresh entry still answers the record; a later read tries again.
      return;
    }
    refreshing.incrementAndGet();
    metrics.refreshes.inc();
    try {
      startAttempt(flight, now);
    } catch (RuntimeException e) {
      outcomes.abort(flight, e); // no record waits for it: only unregisters it
    }
  }

  /**
   * Starts the next attempt of {@code flight}: into the micro-batch, or to the rate limit, or made
   * at once (it is counted when made, see {@link #dispatch}). {@code now} is the engine's clock
   * read a moment ago on this thread, or {@link AttemptTimeouts#READ_CLOCK}.
   */
  void startAttempt(Flight<K, V> flight, long now) {
    if (batcher != null) {
      batcher.add(flight);
    } else {
      // A first attempt starts on the task thread right after its record joined (or for a
      // refresh, which is never abandoned): nobody can have given up on it yet. Made at once
      // (no rate limit to wait for), it starts at the time just read.
      LookupCall<K, V> call = LookupCall.single(outcomes, flight, flight.attempts() > 0);
      if (limiter == null) {
        call.startNanos = now;
      }
      submit(call);
    }
  }

  /** Sends a call now, or through the rate limit. */
  void submit(LookupCall<K, V> call) {
    if (limiter != null) {
      limiter.submit(call);
    } else {
      dispatch(call);
    }
  }

  /** Makes the call: the lookup's request goes out, the attempt timeout starts. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void dispatch(LookupCall<K, V> call) {
    if (call.mayBeAbandoned()) {
      List<Flight<K, V>> dropped = call.prune();
      for (int i = 0; i < dropped.size(); i++) {
        unregister(dropped.get(i));
      }
    }
    int calling = call.size();
    if (calling == 0) {
      return;
    }
    // An attempt counts when its call is made, not when it starts waiting for a batch or a
    // permit: one dropped there (its records timed out) is no call, so no attempt and no retry.
    for (int i = 0; i < calling; i++) {
      if (call.flight(i).startAttempt() > 1) {
        metrics.retries.inc();
      }
    }
    // loads counts keys asked: a key twice in one batch (no single-flight) is asked once, and
    // counts once in loadFailures or loadTimeouts too
    Collection<K> keys = call.isBatch() ? call.keys() : null;
    call.keysAsked = keys == null ? calling : keys.size();
    metrics.loads.inc(call.keysAsked);
    attemptTimeouts.arm(call); // sets call.startNanos if not set yet
    if (cancelsTimedOutCalls) {
      for (int i = 0; i < calling; i++) {
        call.flight(i).call = call; // for the step timeout of its last record (cancelIfAbandoned)
      }
    }
    CompletableFuture<?> reply;
    try {
      if (keys != null) {
        metrics.batches.inc();
        reply = lookup.lookupAll(keys);
      } else {
        reply = lookup.lookup(call.flight(0).key);
      }
      if (reply == null) {
        throw new NullPointerException("the lookup returned no future");
      }
    } catch (Exception e) {
      call.accept(null, e);
      return;
    } catch (Error e) {
      call.fail(e);
      return;
    }
    if (cancelsTimedOutCalls && !call.holdReply(reply)) {
      cancel(reply); // a timeout ended the call while the lookup was returning it
    }
    ((CompletableFuture) reply).whenComplete(call);
  }

  /**
   * Keeps an {@link Error} of the lookup (or of a user's retry condition) that no record can carry
   * to the task: a refresh-ahead call nobody waits for threw it or failed with it, or the records
   * of the call were answered already (the attempt timeout ended it, and a retry, the last failure
   * or the step timeout answered them). {@link #throwUnreported} throws it on the task thread, so
   * the task fails as it does for any other Error: at the next record, when the step finishes (the
   * end of a bounded input) or when it takes a checkpoint, whichever comes first.
   */
  void report(Error error) {
    unreported.compareAndSet(null, error);
  }

  /** Throws the first {@link #report reported} Error, if any; called on the task thread. */
  public void throwUnreported() {
    Error error = unreported.get();
    if (error != null) {
      throw error;
    }
  }

  /**
   * Cancels the future of {@code call}, which a timeout ended, if the lookup returned it already;
   * else the thread making the call cancels it when it does ({@link LookupCall#holdReply}).
   */
  void cancelReply(LookupCall<K, V> call) {
    Future<?> reply = call.takeReplyToCancel();
    if (reply != null) {
      cancel(reply);
    }
  }

  /**
   * Cancels the future of a timed-out call. A {@code CompletableFuture} runs the actions waiting
   * for it on this thread (the timers thread, the task thread for a call its last record's step
   * timeout abandoned, or the thread that made a call the lookup returned late): the engine's is
   * the dropped late reply, the lookup's must be quick (its {@code supportsCancellation} contract).
   * What a lookup's own future throws from {@code cancel} changes nothing for the call, which ended
   * already: an Error fails the task ({@link #report}), an exception is logged (its class only;
   * messages may quote keys).
   */
  private void cancel(Future<?> reply) {
    try {
      reply.cancel(false);
    } catch (RuntimeException e) {
      LOG.warn("cancelling a timed-out lookup call failed with {}", e.getClass().getName());
    } catch (Error e) {
      report(e);
    }
  }

  /** Removes a registered flight from the flight map; only its first call counts. */
  void unregister(Flight<K, V> flight) {
    if (flight.registered && flights.remove(flight.key, flight) && flight.refresh) {
      refreshing.decrementAndGet();
    }
  }

  /** Claims the right to answer {@code waiter} (see {@link Waiter#tryFinish}). */
  boolean claim(Waiter<V> waiter) {
    if (!waiter.tryFinish()) {
      return false;
    }
    recordsWaiting.decrementAndGet();
    return true;
  }
}
