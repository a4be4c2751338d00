package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupRetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A call whose attempt timeout fires has its future cancelled when the lookup {@linkplain
 * Lookup#supportsCancellation supports cancellation}, so that the request stops holding what it
 * holds (a place under the lookup's concurrency bound) while the retry is made; the cancellation
 * that completes the future is no second outcome and counts nowhere. Found by a review: before, the
 * late reply was dropped but the request kept running, and the retries of a hung backend failed as
 * "overloaded".
 */
class AttemptTimeoutCancelTest {

  private static final LookupRetry<String> RETRY_ONCE =
      LookupRetry.<String>attempts(2)
          .withJitter(0)
          .withBackoff(ms(50), ms(50))
          .withAttemptTimeout(ms(100));

  @Test
  void attemptTimeout_cancellableLookup_cancelsTheCallOnce_andTheRetryAnswers() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_ONCE);

    RecordingWaiter order = f.request("o1", "c-1");
    f.advanceMillis(100); // attempt 1 times out

    assertThat(lookup.call(0).cancels.get()).isEqualTo(1);
    assertThat(lookup.call(0).isCancelled()).isTrue();
    f.advanceMillis(50); // backoff: attempt 2
    lookup.call(1).complete(Optional.of("Anna"));

    assertThat(order.answers()).containsExactly("Anna/LOADED");
    assertThat(lookup.call(1).cancels.get()).isZero();
    assertCounts(f, 2, 1, 1);
  }

  @Test
  void replyInTime_isNeverCancelled() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_ONCE);

    RecordingWaiter order = f.request("o1", "c-1");
    f.advanceMillis(99);
    lookup.call(0).complete(Optional.of("Anna"));
    f.advanceMillis(1_000);

    assertThat(order.answers()).containsExactly("Anna/LOADED");
    assertThat(lookup.call(0).cancels.get()).isZero();
    assertThat(lookup.callCount()).isEqualTo(1);
    assertCounts(f, 1, 0, 0);
  }

  @Test
  void attemptTimeout_lookupWithoutCancellation_isNeverCancelled() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(false, false);
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_ONCE);

    RecordingWaiter order = f.request("o1", "c-1");
    f.advanceMillis(150); // attempt 1 times out, attempt 2 is made
    lookup.call(1).complete(Optional.of("Anna"));
    lookup.call(0).complete(Optional.of("late"));

    assertThat(order.answers()).containsExactly("Anna/LOADED");
    assertThat(lookup.call(0).cancels.get()).isZero();
    assertThat(lookup.call(1).cancels.get()).isZero();
    assertCounts(f, 2, 1, 1);
  }

  @Test
  void attemptTimeout_ofAMicroBatch_cancelsItsOneFutureOnce_andEveryKeyIsRetried() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, true);
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.retry = RETRY_ONCE;
              s.batchKeys = 3;
              s.batchDelay = ms(10);
            });

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-2");
    RecordingWaiter c = f.request("o3", "c-3");
    assertThat(lookup.callCount()).as("one batch").isEqualTo(1);
    f.advanceMillis(100); // the batch times out

    assertThat(lookup.call(0).cancels.get()).isEqualTo(1);
    f.advanceMillis(50);
    assertThat(lookup.callCount()).isEqualTo(2);
    assertThat(lookup.call(1).keys).containsExactly("c-1", "c-2", "c-3");
    lookup.call(1).complete(Map.of("c-1", "Anna", "c-3", "Cleo"));

    assertThat(a.answers()).containsExactly("Anna/LOADED");
    assertThat(b.answers()).containsExactly("null/MISS");
    assertThat(c.answers()).containsExactly("Cleo/LOADED");
    assertThat(lookup.call(1).cancels.get()).isZero();
    assertCounts(f, 6, 3, 3);
  }

  @Test
  void lookupReturningItsFutureAfterTheAttemptTimeoutFired_hasItCancelledThere() {
    // The lookup blocked past its attempt timeout: the timeout ended the call before the engine
    // held its future, so the engine cancels it when the lookup returns it.
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_ONCE);
    lookup.duringFirstCall = () -> f.advanceMillis(100);

    RecordingWaiter order = f.request("o1", "c-1");

    assertThat(lookup.call(0).cancels.get()).isEqualTo(1);
    f.advanceMillis(50);
    lookup.call(1).complete(Optional.of("Anna"));
    assertThat(order.answers()).containsExactly("Anna/LOADED");
    assertCounts(f, 2, 1, 1);
  }

  @Test
  void futureWhoseCancelThrows_theOtherDueCallsStillTimeOut_andEveryRecordIsRetried() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_ONCE);
    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-2"); // due at the same instant
    lookup.call(0).cancelThrows = new IllegalStateException("broken cancel");

    f.advanceMillis(150); // both time out, both are retried
    lookup.call(2).complete(Optional.of("Anna"));
    lookup.call(3).complete(Optional.of("Bert"));

    assertThat(lookup.call(1).cancels.get()).isEqualTo(1);
    assertThat(a.answers()).containsExactly("Anna/LOADED");
    assertThat(b.answers()).containsExactly("Bert/LOADED");
    assertCounts(f, 4, 2, 2);
  }

  @Test
  void futureWhoseCancelThrowsAnError_failsTheTask_andTheRetryStillAnswers() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_ONCE);
    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).cancelErrs = new LinkageError("cancel");

    f.advanceMillis(150);
    lookup.call(1).complete(Optional.of("Anna"));

    assertThat(order.answers()).containsExactly("Anna/LOADED");
    assertThat(catchThrowable(f.engine::throwUnreported)).isInstanceOf(LinkageError.class);
  }

  @Test
  void replyRacingTheAttemptTimeout_answersOnce_cancelsAtMostOnce_andCountsOneOutcome()
      throws Exception {
    for (int round = 0; round < 300; round++) {
      CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
      EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_ONCE);
      RecordingWaiter order = f.request("o1", "c-1");
      CountDownLatch start = new CountDownLatch(1);
      Thread replier =
          new Thread(
              () -> {
                awaitQuietly(start);
                lookup.call(0).complete(Optional.of("Anna"));
              });
      replier.start();
      f.timers.moveTo(f.timers.nanoTime() + ms(100).toNanos());
      start.countDown();
      f.timers.runDue(); // the attempt timeout, while the reply comes
      replier.join();
      f.advanceMillis(50); // a retry, if the timeout won
      if (lookup.callCount() == 2) {
        lookup.call(1).complete(Optional.of("Bob"));
      }

      CancelRecordingLookup.Call first = lookup.call(0);
      assertThat(order.answers()).hasSize(1);
      assertThat(first.cancels.get()).isLessThanOrEqualTo(1);
      long timedOut = f.count(LookupMetrics.LOAD_TIMEOUTS);
      if (timedOut == 0) {
        assertThat(order.answers()).containsExactly("Anna/LOADED");
        assertThat(first.cancels.get()).isZero();
        assertCounts(f, 1, 0, 0);
      } else {
        assertThat(order.answers()).containsExactly("Bob/LOADED");
        assertThat(first.cancels.get()).isEqualTo(1);
        assertCounts(f, 2, 1, 1);
      }
      assertThat(f.engine.flightsInProgress()).isZero();
      assertThat(f.engine.attemptTimeoutsArmed()).isZero();
    }
  }

  /**
   * Every call ended exactly once: by a reply (one latency sample) or by its attempt timeout; the
   * cancellation that completes a timed-out call's future is no failure.
   */
  private static void assertCounts(EngineFixture f, long loads, long timeouts, long retries) {
    assertThat(f.count(LookupMetrics.LOADS)).as("loads").isEqualTo(loads);
    assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).as("loadTimeouts").isEqualTo(timeouts);
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).as("loadFailures").isZero();
    assertThat(f.count(LookupMetrics.RETRIES)).as("retries").isEqualTo(retries);
    assertThat(f.count(LookupMetrics.FALLBACKS)).as("fallbacks").isZero();
    assertThat(f.engine.recordsWaiting()).as("records waiting").isZero();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** A lookup whose futures count the times they are cancelled. */
  static final class CancelRecordingLookup implements Lookup<String, String> {
    private final boolean cancellable;
    private final boolean batch;
    private final List<Call> calls = new ArrayList<>();
    Runnable duringFirstCall = () -> {};

    CancelRecordingLookup(boolean cancellable, boolean batch) {
      this.cancellable = cancellable;
      this.batch = batch;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public CompletableFuture<Optional<String>> lookup(String key) {
      return (CompletableFuture) made(List.of(key));
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public CompletableFuture<Map<String, String>> lookupAll(Collection<String> keys) {
      return (CompletableFuture) made(new ArrayList<>(keys));
    }

    private Call made(List<String> keys) {
      Call call = new Call(keys);
      boolean first;
      synchronized (this) {
        first = calls.isEmpty();
        calls.add(call);
      }
      if (first) {
        duringFirstCall.run(); // outside the lock: the timers may call back in
      }
      return call;
    }

    @Override
    public boolean supportsBatch() {
      return batch;
    }

    @Override
    public boolean supportsCancellation() {
      return cancellable;
    }

    synchronized Call call(int i) {
      return calls.get(i);
    }

    synchronized int callCount() {
      return calls.size();
    }

    /** One call's future. */
    static final class Call extends CompletableFuture<Object> {
      final List<String> keys;
      final AtomicInteger cancels = new AtomicInteger();
      volatile RuntimeException cancelThrows;
      volatile Error cancelErrs;

      Call(List<String> keys) {
        this.keys = keys;
      }

      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        cancels.incrementAndGet();
        if (cancelThrows != null) {
          throw cancelThrows;
        }
        if (cancelErrs != null) {
          throw cancelErrs;
        }
        return super.cancel(mayInterruptIfRunning);
      }
    }
  }
}
