package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.internal.async.AttemptTimeoutCancelTest.CancelRecordingLookup;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A call in flight whose every record was answered by the step timeout (nobody needs its answer any
 * more) has its future cancelled when the lookup {@linkplain Lookup#supportsCancellation supports
 * cancellation}, as one ended by its attempt timeout does; a call some record still waits for is
 * never cancelled. Found by a review: before, such a call ran on until its attempt timeout, so a
 * hung HTTP request kept its place under {@code maxConcurrentRequests} (later calls failed as
 * "overloaded") and a queued JDBC call still ran its query.
 *
 * <p>The step timeout is fired directly, as Flink's async operator does at a record's deadline. A
 * call made after its record came (a retry, a wait for a batch or a permit) is still within its own
 * attempt timeout then.
 */
class StepTimeoutCancelTest {

  private static final LookupRetry<String> RETRY_AFTER_1S =
      LookupRetry.<String>attempts(2).withJitter(0).withBackoff(ms(1_000), ms(1_000));

  @Test
  void stepTimeout_ofTheOnlyRecordOfARetry_cancelsItsCallOnce_andTheNextRecordLoadsAgain() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = RETRY_AFTER_1S);

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).completeExceptionally(new IllegalStateException("down"));
    f.advanceMillis(1_000); // attempt 2, within its attempt timeout until 6 s
    f.advanceMillis(4_000);
    assertThat(f.stepTimeout(order)).isTrue();

    assertThat(order.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(lookup.call(1).cancels.get()).isEqualTo(1);
    assertThat(f.engine.flightsInProgress()).isZero();
    assertThat(f.engine.attemptTimeoutsArmed()).isZero();
    f.advanceMillis(2_000); // past the attempt timeout: nothing more happens
    assertThat(lookup.call(1).cancels.get()).isEqualTo(1);
    assertThat(lookup.callCount()).isEqualTo(2);
    assertThat(f.count(LookupMetrics.LOADS)).isEqualTo(2);
    assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).isZero();
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.RETRIES)).isEqualTo(1);

    RecordingWaiter next = f.request("o2", "c-1"); // joins no cancelled call
    assertThat(lookup.callCount()).isEqualTo(3);
    lookup.call(2).complete(Optional.of("Anna"));
    assertThat(next.answers()).containsExactly("Anna/LOADED");
    assertThat(f.engine.recordsWaiting()).isZero();
  }

  @Test
  void stepTimeout_ofOneOfTwoRecordsOfAKey_doesNotCancel_andTheOtherGetsTheAnswer() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
    EngineFixture f = new EngineFixture(lookup, s -> {});

    RecordingWaiter first = f.request("o1", "c-1");
    f.advanceMillis(1_000);
    RecordingWaiter second = f.request("o2", "c-1"); // joins the load in flight
    f.stepTimeout(first);

    assertThat(lookup.call(0).cancels.get()).isZero();
    lookup.call(0).complete(Optional.of("Anna"));
    assertThat(first.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(second.answers()).containsExactly("Anna/LOADED");
    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(f.engine.flightsInProgress()).isZero();
  }

  @Test
  void stepTimeout_ofOneKeyOfAMicroBatch_doesNotCancel_andTheOtherKeyGetsItsAnswer() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, true);
    EngineFixture f = new EngineFixture(lookup, StepTimeoutCancelTest::batchesOfTwo);

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-2");
    assertThat(lookup.callCount()).as("one batch").isEqualTo(1);
    f.stepTimeout(a);

    assertThat(lookup.call(0).cancels.get()).isZero();
    lookup.call(0).complete(Map.of("c-1", "Anna", "c-2", "Bert"));
    assertThat(a.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(b.answers()).containsExactly("Bert/LOADED");
    assertThat(f.engine.flightsInProgress()).isZero();
  }

  @Test
  void stepTimeout_ofEveryKeyOfAMicroBatch_cancelsItsOneFutureOnce() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(true, true);
    EngineFixture f = new EngineFixture(lookup, StepTimeoutCancelTest::batchesOfTwo);

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-2");
    f.stepTimeout(a);
    assertThat(lookup.call(0).cancels.get()).as("c-2 still waits").isZero();
    f.stepTimeout(b);

    assertThat(lookup.call(0).cancels.get()).isEqualTo(1);
    assertThat(a.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(b.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(f.engine.flightsInProgress()).isZero();
    assertThat(f.engine.attemptTimeoutsArmed()).isZero();
    assertThat(f.count(LookupMetrics.LOADS)).isEqualTo(2);
    assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).isZero();
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isZero();
  }

  @Test
  void stepTimeout_lookupWithoutCancellation_isNeverCancelled_andItsLateReplyIsDropped() {
    CancelRecordingLookup lookup = new CancelRecordingLookup(false, false);
    EngineFixture f = new EngineFixture(lookup, s -> {});

    RecordingWaiter order = f.request("o1", "c-1");
    f.stepTimeout(order);
    assertThat(lookup.call(0).cancels.get()).isZero();
    lookup.call(0).complete(Optional.of("late"));

    assertThat(order.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(lookup.call(0).cancels.get()).isZero();
    assertThat(f.engine.flightsInProgress()).isZero();
    assertThat(f.engine.attemptTimeoutsArmed()).isZero();
  }

  @Test
  void stepTimeoutRacingTheReply_answersOnce_cancelsAtMostOnce_andLeavesNothingBehind()
      throws Exception {
    for (int round = 0; round < 300; round++) {
      CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
      EngineFixture f = new EngineFixture(lookup, s -> {});
      RecordingWaiter order = f.request("o1", "c-1");
      CountDownLatch start = new CountDownLatch(1);
      Thread replier =
          new Thread(
              () -> {
                awaitQuietly(start);
                lookup.call(0).complete(Optional.of("Anna"));
              });
      replier.start();
      start.countDown();
      boolean timedOut = f.stepTimeout(order); // on the task thread, while the reply comes
      replier.join();

      assertThat(order.answers())
          .containsExactly(timedOut ? "dead-letter/TimeoutException" : "Anna/LOADED");
      assertThat(lookup.call(0).cancels.get()).isLessThanOrEqualTo(timedOut ? 1 : 0);
      assertThat(f.engine.flightsInProgress()).isZero();
      assertThat(f.engine.attemptTimeoutsArmed()).isZero();
      assertThat(f.engine.recordsWaiting()).isZero();
      assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isZero();
    }
  }

  @Test
  void stepTimeoutRacingTheAttemptTimeout_cancelsExactlyOnce_andAnswersOnce() throws Exception {
    for (int round = 0; round < 300; round++) {
      CancelRecordingLookup lookup = new CancelRecordingLookup(true, false);
      EngineFixture f = new EngineFixture(lookup, s -> {});
      RecordingWaiter order = f.request("o1", "c-1");
      f.timers.moveTo(f.timers.nanoTime() + Duration.ofSeconds(5).toNanos());
      CountDownLatch start = new CountDownLatch(1);
      Thread timer =
          new Thread(
              () -> {
                awaitQuietly(start);
                f.timers.runDue(); // the attempt timeout, due with the step timeout
              });
      timer.start();
      start.countDown();
      f.stepTimeout(order);
      timer.join();

      assertThat(order.answers()).containsExactly("dead-letter/TimeoutException");
      assertThat(lookup.call(0).cancels.get()).isEqualTo(1);
      assertThat(f.engine.flightsInProgress()).isZero();
      assertThat(f.engine.attemptTimeoutsArmed()).isZero();
      assertThat(f.engine.recordsWaiting()).isZero();
      assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).isLessThanOrEqualTo(1);
    }
  }

  private static void batchesOfTwo(LookupSettings.Builder s) {
    s.batchKeys = 2;
    s.batchDelay = ms(10);
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
}
