package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.enrich.PartialLookupException;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * What the {@link LookupEngine} makes of the end of a {@link LookupCall}, and of a record's step
 * timeout: a reply answers the records waiting for the call's flights (and fills the cache), or
 * retries a flight after a backoff when the retry condition asks for it; a batch's {@link
 * PartialLookupException} answers its keys from what was found and fails each failed key alone, as
 * a failed attempt of its own; a failed or timed-out attempt is retried, or its records get the
 * key's stale entry, the fallback or a dead letter; an {@link Error} rejects them, which fails the
 * task. The engine owns the flights and the records: they are claimed, unregistered and their
 * retries started through it.
 *
 * <p>Threads: replies come on the lookup's threads, attempt timeouts and retries on the {@link
 * Timers} thread, step timeouts on the task thread; the engine says how they share state.
 *
 * @param <K> key type
 * @param <V> value type
 */
@Internal
final class CallOutcomes<K, V> {
  private final LookupEngine<K, V> engine;
  private final Timers timers;
  private final LookupMetrics metrics;
  private final LookupRetry<V> retry;
  private final LookupFallback<V> fallback;
  private final Backoff backoff;
  private final long timeoutMillis;
  private final long attemptTimeoutNanos;
  @Nullable private final CacheStore<K, V> cache;
  private final AttemptTimeouts attemptTimeouts;

  /** Whether a call ended by its attempt timeout cancels the lookup's future (see the engine). */
  private final boolean cancelsTimedOutCalls;

  @SuppressWarnings("unchecked")
  CallOutcomes(
      LookupEngine<K, V> engine,
      LookupSettings settings,
      Timers timers,
      Random random,
      LookupMetrics metrics,
      @Nullable CacheStore<K, V> cache,
      AttemptTimeouts attemptTimeouts,
      long timeoutMillis,
      long attemptTimeoutNanos,
      boolean cancelsTimedOutCalls) {
    this.engine = engine;
    this.timers = timers;
    this.metrics = metrics;
    this.retry = (LookupRetry<V>) settings.retry();
    this.fallback = (LookupFallback<V>) settings.fallback();
    this.backoff =
        new Backoff(
            retry.initialBackoff().toNanos(), retry.maxBackoff().toNanos(), retry.jitter(), random);
    this.timeoutMillis = timeoutMillis;
    this.attemptTimeoutNanos = attemptTimeoutNanos;
    this.cache = cache;
    this.attemptTimeouts = attemptTimeouts;
    this.cancelsTimedOutCalls = cancelsTimedOutCalls;
  }

  /**
   * The step timeout of {@code waiter} passed and the caller claimed it: answers it with a stale
   * entry or the fallback.
   */
  void stepTimedOut(Waiter<V> waiter) {
    metrics.timeouts.inc();
    resolveFailure(
        waiter,
        new TimeoutException("no answer within the step timeout of " + timeoutMillis + " ms"),
        true);
  }

  /**
   * The lookup threw {@code error} when {@code call} was made, or completed the call's future with
   * it: ends its flights and rejects their records with it, which fails the task; no retry, stale
   * entry or fallback stands in.
   */
  void onCallError(LookupCall<K, V> call, Error error) {
    attemptTimeouts.disarm(call);
    rejectWaiting(call, error);
  }

  /**
   * Ends the flights of {@code call} and rejects their unanswered records with {@code error}; if no
   * record is left to carry it, {@linkplain LookupEngine#report reports} it. A retry of an ended
   * flight is dropped before it is made ({@link LookupCall#prune}); one made already answers no
   * record.
   */
  private void rejectWaiting(LookupCall<K, V> call, Error error) {
    boolean carried = false;
    for (int i = 0; i < call.size(); i++) {
      carried |= failWithError(call.flight(i), error);
    }
    if (!carried) {
      engine.report(error); // a refresh nobody waits for, or records already answered
    }
  }

  /**
   * Ends {@code flight} and rejects its unanswered records with {@code error}, which fails the task
   * when the first one's output is made; returns whether any record carries it.
   */
  private boolean failWithError(Flight<K, V> flight, Error error) {
    int waiters = flight.abort();
    engine.unregister(flight);
    int attempts = flight.attempts();
    boolean carried = false;
    for (int w = 0; w < waiters; w++) {
      Waiter<V> waiter = flight.waiter(w);
      if (engine.claim(waiter)) {
        waiter.reject(error, attempts);
        carried = true;
      }
    }
    return carried;
  }

  /**
   * A reply that came after {@code call} had ended (its attempt timeout fired first) is dropped,
   * unless it is an {@link Error}, thrown by the lookup (which blocked past the attempt timeout) or
   * completing the future: then the records still waiting for the call's flights (for a backoff or
   * a later attempt) are rejected with it, as by {@link #onCallError}, and only when none waits any
   * more (a retry, the last failure or the step timeout answered them) is it {@linkplain
   * LookupEngine#report reported}. So is an {@link Error} among the failures of a batch's late
   * {@link PartialLookupException}, for the flights of its key. The attempt timeout's handling of
   * the call may still be running on the timers thread: whichever of the two claims a record
   * answers it.
   */
  void onLateReply(LookupCall<K, V> call, Throwable error) {
    Throwable failure = unwrap(error);
    if (failure instanceof Error) {
      rejectWaiting(call, (Error) failure);
    } else if (failure instanceof PartialLookupException && call.isBatch()) {
      rejectWaitingForErrors(call, ((PartialLookupException) failure).failures());
    }
  }

  /** Rejects the records waiting for the flights whose key failed with an Error in {@code keys}. */
  private void rejectWaitingForErrors(LookupCall<K, V> call, Map<?, ? extends Throwable> keys) {
    Error uncarried = null;
    for (int i = 0; i < call.size(); i++) {
      Flight<K, V> f = call.flight(i);
      Throwable keyFailure;
      try {
        keyFailure = unwrap(keys.get(f.key));
      } catch (RuntimeException e) {
        continue; // the key's equals or hashCode threw: its late failure cannot be found
      }
      if (keyFailure instanceof Error && !failWithError(f, (Error) keyFailure)) {
        uncarried = (Error) keyFailure;
      }
    }
    if (uncarried != null) {
      engine.report(uncarried);
    }
  }

  void onCallReplied(LookupCall<K, V> call, @Nullable Object reply, @Nullable Throwable error) {
    Throwable failure = unwrap(error);
    if (failure instanceof Error) {
      onCallError(call, (Error) failure); // no failed attempt: the task fails
      return;
    }
    attemptTimeouts.disarm(call);
    int answered = call.size();
    long now = timers.nanoTime();
    metrics.loadLatency.update((now - call.startNanos) / 1_000L);
    if (failure == null && reply == null) {
      failure = new NullPointerException("the lookup completed its future with null");
    }
    Map<?, ? extends Throwable> keyFailures = null;
    if (failure instanceof PartialLookupException && call.isBatch()) {
      // Some keys of the batch failed, each for itself: the others are answered.
      PartialLookupException partial = (PartialLookupException) failure;
      reply = partial.found();
      keyFailures = partial.failures();
      failure = null;
    }
    if (failure != null) {
      metrics.loadFailures.inc(call.keysAsked);
      onCallFailed(call, failure, false);
      return;
    }
    for (int i = 0; i < answered; i++) {
      Flight<K, V> f = call.flight(i);
      try {
        Throwable keyFailure = keyFailures == null ? null : unwrap(keyFailures.get(f.key));
        if (keyFailure instanceof Error) {
          abort(f, keyFailure); // fails the task, as an Error completing the call does
        } else if (keyFailure != null) {
          if (call.firstFailureOfKey(f)) {
            metrics.loadFailures.inc();
          }
          onAttemptFailed(f, keyFailure);
        } else {
          onAnswer(f, answerOf(call, reply, f), now);
        }
      } catch (Throwable t) {
        // A retry condition that threw, a reply of the wrong type: the answer is not used.
        if (call.firstFailureOfKey(f)) {
          metrics.loadFailures.inc();
        }
        abortUnusable(f, t);
      }
    }
  }

  /**
   * The attempt timeout ended {@code call}: its future is cancelled first if the lookup supports
   * it, which frees what the request holds before a retry is made; then the attempt fails. The
   * cancellation completing the future is a late reply ({@link #onLateReply}), dropped.
   */
  void onCallTimedOut(LookupCall<K, V> call) {
    if (cancelsTimedOutCalls) {
      engine.cancelReply(call);
    }
    metrics.loadTimeouts.inc(call.keysAsked);
    onCallFailed(
        call,
        new TimeoutException(
            "lookup call got no reply within the attempt timeout of "
                + attemptTimeoutNanos / 1_000_000L
                + " ms"),
        true);
  }

  /**
   * @param timedOut the attempt timed out: counted in loadTimeouts only, so a retry condition that
   *     throws on it is counted in loadFailures here (a failed reply is counted there already)
   */
  private void onCallFailed(LookupCall<K, V> call, Throwable failure, boolean timedOut) {
    int failed = call.size();
    for (int i = 0; i < failed; i++) {
      Flight<K, V> f = call.flight(i);
      try {
        onAttemptFailed(f, failure);
      } catch (Throwable t) {
        if (timedOut && call.firstFailureOfKey(f)) {
          metrics.loadFailures.inc(); // the attempt's outcome could not be used
        }
        abortUnusable(f, t); // a retry condition that threw, a retry the timers refused
      }
    }
  }

  /**
   * {@link #abort}s {@code flight} after its attempt's outcome could not be used (a retry condition
   * threw on it): it failed for good, so a refresh pauses its key's refreshes first, as one whose
   * last attempt failed does ({@link #pauseRefresh}), or every read of the entry would start
   * another at once while the condition keeps throwing.
   */
  private void abortUnusable(Flight<K, V> flight, Throwable error) {
    if (flight.refresh && !(error instanceof Error)) {
      pauseRefresh(flight, error);
    }
    abort(flight, error);
  }

  @SuppressWarnings("unchecked")
  private Optional<V> answerOf(LookupCall<K, V> call, Object reply, Flight<K, V> flight) {
    if (call.isBatch()) {
      return Optional.ofNullable(((Map<K, V>) reply).get(flight.key));
    }
    return (Optional<V>) reply;
  }

  private void onAnswer(Flight<K, V> flight, Optional<V> answer, long now) {
    // After the last attempt the answer is used whatever it is: the condition is not asked (one
    // that throws would turn a usable answer into a failure).
    if (flight.attempts() < retry.maxAttempts()
        && retry.retries(answer)
        && scheduleRetry(flight, 0L)) {
      return;
    }
    V value = answer.orElse(null);
    if (cache != null) {
      cache.store(flight.key, value, now);
    }
    int waiters = finish(flight);
    LookupStatus status = statusOf(value, LookupStatus.LOADED);
    int attempts = flight.attempts();
    for (int i = 0; i < waiters; i++) {
      Waiter<V> w = flight.waiter(i);
      if (engine.claim(w)) {
        w.deliver(value, status, attempts);
      }
    }
  }

  private void onAttemptFailed(Flight<K, V> flight, Throwable failure) {
    // After the last attempt the failure is final: the condition is not asked.
    if (flight.attempts() < retry.maxAttempts()
        && retry.retries(failure)
        && scheduleRetry(flight, flight.refresh ? 0L : Backoff.retryAfterNanos(failure))) {
      return;
    }
    if (flight.refresh) {
      pauseRefresh(flight, failure);
    }
    answerFailure(flight, finish(flight), failure);
  }

  /**
   * After a refresh-ahead failed for good, the key's entry is not refreshed again before the wait a
   * next retry would have had, or what the source asked for ({@code Retry-After}) if longer: else
   * every read of a hot key would start another refresh at once. Set before the flight ends, so the
   * next read sees it.
   */
  private void pauseRefresh(Flight<K, V> flight, Throwable failure) {
    if (cache == null) {
      return;
    }
    long pause = Math.max(backoff.delayNanos(flight.attempts()), Backoff.retryAfterNanos(failure));
    try {
      cache.pauseRefresh(flight.key, timers.nanoTime() + pause);
    } catch (RuntimeException e) {
      // The key's hashCode or equals threw in the cache: no pause; the entry answers reads as is.
    }
  }

  /**
   * Ends {@code flight} after {@code error} interrupted the handling of its reply or attempt
   * timeout: unregisters it, so that the next record of its key loads it again, and answers the
   * records still waiting for it as a failure. Answering them cannot be left to the step timeout,
   * nor the flight to a retry: whatever threw would throw again.
   */
  void abort(Flight<K, V> flight, Throwable error) {
    if (error instanceof Error) { // a retry condition's: fails the task, as the lookup's does
      if (!failWithError(flight, (Error) error)) {
        engine.report((Error) error);
      }
      return;
    }
    int waiters = flight.abort();
    engine.unregister(flight);
    answerFailure(flight, waiters, error);
  }

  /** Answers the unanswered ones of the first {@code waiters} records of a failed flight. */
  private void answerFailure(Flight<K, V> flight, int waiters, Throwable failure) {
    long now = timers.nanoTime();
    for (int i = 0; i < waiters; i++) {
      Waiter<V> w = flight.waiter(i);
      if (engine.claim(w)) {
        if (now - w.deadlineNanos >= 0) {
          // The step timeout has passed too (its timer may just not have fired yet): the record
          // times out, whichever timer came first.
          stepTimedOut(w);
        } else {
          resolveFailure(w, failure, false);
        }
      }
    }
  }

  /**
   * Schedules the next attempt if attempts remain and someone still needs the answer then: after
   * the backoff, or after {@code minDelayNanos} (what the source asked for) if that is longer.
   */
  private boolean scheduleRetry(Flight<K, V> flight, long minDelayNanos) {
    int made = flight.attempts();
    if (made >= retry.maxAttempts()) {
      return false;
    }
    long delay = Math.max(backoff.delayNanos(made), minDelayNanos);
    if (!flight.worthRetrying(timers.nanoTime() + delay)) {
      return false;
    }
    timers.schedule(() -> retry(flight), delay);
    return true;
  }

  /**
   * Starts a retry of {@code flight} on the timers thread. Without single-flight its key's {@code
   * equals} may throw meeting a key of its hash in the micro-batch: then the retry cannot be made
   * and the load fails at once, as when a retry condition throws (else its records would wait for
   * their step timeout).
   */
  private void retry(Flight<K, V> flight) {
    try {
      engine.startAttempt(flight, AttemptTimeouts.READ_CLOCK);
    } catch (RuntimeException e) {
      abort(flight, e);
    }
  }

  /** Finishes {@code flight}; returns how many waiters to answer (read with its waiter(i)). */
  private int finish(Flight<K, V> flight) {
    int waiters = flight.finish();
    engine.unregister(flight);
    return waiters;
  }

  /**
   * A record whose load failed (or timed out): the key's stale entry if the cache still holds it
   * now (within its staleness bound, not dropped for idleness), else the fallback. A key whose
   * {@code equals} throws meeting a key of its hash that was cached while it loaded is
   * dead-lettered with what it threw, as on its cache probe: the record is claimed already, so
   * nothing else would answer it.
   */
  private void resolveFailure(Waiter<V> waiter, Throwable failure, boolean stepTimeout) {
    int attempts = waiter.attempts();
    CachedValue<V> stale;
    try {
      stale = standIn(waiter);
    } catch (RuntimeException e) {
      waiter.reject(e, attempts);
      return;
    }
    if (stale != null) {
      metrics.staleServed.inc();
      waiter.deliver(stale.value(), LookupStatus.STALE, attempts);
      return;
    }
    metrics.fallbacks.inc();
    switch (fallback.kind()) {
      case PASS_THROUGH:
        waiter.deliver(null, stepTimeout ? LookupStatus.TIMED_OUT : LookupStatus.FAILED, attempts);
        break;
      case DEFAULT_VALUE:
        waiter.deliver(fallback.defaultValue(), LookupStatus.DEFAULT, attempts);
        break;
      default:
        waiter.reject(failure, attempts);
    }
  }

  /** The entry that may answer a record whose load failed now, or null. */
  @Nullable
  @SuppressWarnings("unchecked")
  private CachedValue<V> standIn(Waiter<V> waiter) {
    CacheStore<K, V> store = cache;
    Flight<?, V> flight = waiter.flight;
    if (store == null || !store.keepsStale() || flight == null) {
      return null;
    }
    CachedValue<V> entry = store.agedQuietly((K) flight.key);
    return entry != null && store.isServableStale(entry, timers.nanoTime()) ? entry : null;
  }

  private static LookupStatus statusOf(@Nullable Object value, LookupStatus found) {
    return value == null ? LookupStatus.MISS : found;
  }

  private static Throwable unwrap(@Nullable Throwable error) {
    return FutureFailures.unwrap(error);
  }
}
