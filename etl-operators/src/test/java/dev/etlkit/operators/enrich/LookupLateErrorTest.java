package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Edges of Errors that come late or that no record carries, found by a second review on 2026-11-24
 * of that day's "an Error completing the lookup's future fails the task", each failing before its
 * fix: an Error that came after the attempt timeout had ended its call was only kept for the next
 * record, also while the call's record still waited for a retry, which then answered it (a retry
 * stood in for the Error); and an Error no record carried was thrown only by the next record, so a
 * bounded input that ended after it finished successfully. docs/enrichment.md (failures): the
 * records still waiting for a retry of the key carry a late Error; one no record waits for fails
 * the task at the next record, when the step finishes, or at the next checkpoint.
 */
class LookupLateErrorTest {

  static final OutOfMemoryError ERROR = new OutOfMemoryError("lookup client buffers");

  /** Records are {@code orderId:customerId}; outputs {@code record=value/STATUS}. */
  private static Enrich.LookupStep<String, String, String, String> step(
      Lookup<String, String> lookup) {
    return Enrich.lookup(
        "customer",
        (String order) -> order.substring(order.indexOf(':') + 1),
        lookup,
        (String order, String customer, LookupStatus status) ->
            order + "=" + customer + "/" + status,
        Types.STRING);
  }

  private static AsyncStepHarness<String, String> open(
      Enrich.LookupStep<String, String, String, String> step) throws Exception {
    return new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();
  }

  /** Three attempts of 100 ms each, {@code backoff} apart, then pass-through. */
  private static Enrich.LookupStep<String, String, String, String> retrying(
      Lookup<String, String> lookup, Duration backoff) {
    return step(lookup)
        .withRetry(
            LookupRetry.<String>attempts(3)
                .withAttemptTimeout(Duration.ofMillis(100))
                .withBackoff(backoff, backoff)
                .withJitter(0))
        .withFallback(LookupFallback.passThrough());
  }

  /** A cache whose entries are due for refresh-ahead after a minute. */
  private static Enrich.LookupStep<String, String, String, String> refreshing(
      Lookup<String, String> lookup) {
    return step(lookup)
        .withRetry(LookupRetry.none())
        .withCache(
            LookupCache.maxEntries(100)
                .withExpireAfterWrite(Duration.ofMinutes(10))
                .withRefreshAfterWrite(Duration.ofMinutes(1)));
  }

  /**
   * The attempt timeout ends call 0 and schedules a retry; call 0's future fails with an Error
   * during the backoff. Before, LookupEngine.onLateReply only kept the Error for the next record:
   * the retry was made and answered the record (LOADED).
   */
  @Test
  void futureFailsWithAnErrorDuringTheRetryBackoff_failsTheWaitingRecord_noRetryIsMade()
      throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(retrying(lookup, Duration.ofMillis(50)));
    try {
      h.process("o1:c-1");
      h.advance(Duration.ofMillis(100)); // attempt 1 timed out: retry in 50 ms, o1 still waits
      assertThat(h.results()).as("o1 waits for its retry").isEmpty();

      lookup.call(0).fail(ERROR);
      Throwable thrown = catchThrowable(h::drain);

      assertThat(thrown).as("what o1's output fails the task with").isSameAs(ERROR);
      h.advance(Duration.ofSeconds(1)); // past the backoff
      assertThat(lookup.callCount()).as("calls: the retry is dropped").isEqualTo(1);
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      assertThat(h.metric(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isZero();
    } finally {
      h.release();
    }
  }

  /**
   * Same, with the Error coming while the retry call is in flight. Before, the retry's answer was
   * emitted for the record (LOADED).
   */
  @Test
  void futureFailsWithAnErrorWhileTheRetryRuns_failsTheWaitingRecord_retryAnswersNothing()
      throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(retrying(lookup, Duration.ofMillis(10)));
    try {
      h.process("o1:c-1");
      h.advance(Duration.ofMillis(110)); // attempt 1 timed out, attempt 2 made
      assertThat(lookup.callCount()).isEqualTo(2);

      lookup.call(0).fail(ERROR);
      Throwable thrown = catchThrowable(h::drain);

      assertThat(thrown).as("what o1's output fails the task with").isSameAs(ERROR);
      lookup.call(1).reply("Anna");
      h.advance(Duration.ofSeconds(1));
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      assertThat(lookup.callCount()).as("calls").isEqualTo(2);
      assertThat(h.metric(LookupMetrics.RETRIES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isZero();
    } finally {
      h.release();
    }
  }

  /**
   * Every record of a micro-batch whose call timed out carries the Error its future fails with
   * during the backoff. Before, both were answered by the retry batch.
   */
  @Test
  void batchFutureFailsWithAnErrorDuringTheRetryBackoff_failsEveryWaitingRecord() throws Exception {
    FakeLookup lookup = FakeLookup.manualBatch();
    AsyncStepHarness<String, String> h =
        open(retrying(lookup, Duration.ofMillis(50)).withMicroBatch(2, Duration.ofMillis(10)));
    try {
      h.process("o1:c-1");
      h.process("o2:c-2"); // the batch is full: lookupAll(c-1, c-2)
      h.advance(Duration.ofMillis(100)); // the batch timed out: both keys retry in 50 ms
      assertThat(lookup.calls()).singleElement().satisfies(c -> assertThat(c.isBatch).isTrue());

      lookup.call(0).fail(ERROR);
      Throwable first = catchThrowable(h::drain);
      Throwable second = catchThrowable(h::drain);

      assertThat(first).as("o1's output fails the task").isSameAs(ERROR);
      assertThat(second).as("o2's output fails the task").isSameAs(ERROR);
      h.advance(Duration.ofSeconds(1));
      assertThat(lookup.callCount()).as("calls: the retry batch is dropped").isEqualTo(1);
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
    } finally {
      h.release();
    }
  }

  /**
   * Call 1 blocks past its attempt timeout (time passes while it runs), then throws {@link #ERROR};
   * later calls wait for the test.
   */
  static final class SlowThenErrorLookup implements Lookup<String, String> {
    final AtomicInteger calls = new AtomicInteger();
    Consumer<Duration> clock;

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      if (calls.incrementAndGet() == 1) {
        clock.accept(Duration.ofMillis(200)); // the attempt timeout fires: retry in 500 ms
        throw ERROR;
      }
      return new CompletableFuture<>();
    }
  }

  /**
   * {@code lookup} blocks past its attempt timeout, which schedules a retry, and then throws an
   * Error (LookupCall.fail after the call ended). Before, the Error was only kept for the next
   * record and the retry went ahead for the record.
   */
  @Test
  void lookupThrowsAnErrorAfterItsAttemptTimeout_recordWaitsForARetry_failsTheRecord()
      throws Exception {
    SlowThenErrorLookup lookup = new SlowThenErrorLookup();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(retrying(lookup, Duration.ofMillis(500)), StringSerializer.INSTANCE);
    lookup.clock = h.timers::advance;
    h.open();
    try {
      Throwable thrown = catchThrowable(() -> h.process("o1:c-1"));

      assertThat(thrown).as("what o1's output fails the task with").isSameAs(ERROR);
      h.advance(Duration.ofSeconds(1)); // past the backoff
      assertThat(lookup.calls).as("calls: the retry is dropped").hasValue(1);
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      assertThat(h.metric(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
    } finally {
      h.release();
    }
  }

  /** Loads c-1 (Anna), then reads it after a refresh is due: the hit starts the refresh, call 1. */
  private static void startRefresh(FakeLookup lookup, AsyncStepHarness<String, String> h)
      throws Exception {
    h.process("o1:c-1");
    lookup.call(0).reply("Anna");
    h.drain();
    h.advance(Duration.ofMinutes(2));
    h.process("o2:c-1");
    assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-1=Anna/HIT");
    assertThat(lookup.callCount()).as("calls: the refresh made").isEqualTo(2);
  }

  /**
   * A refresh-ahead call's future fails with an Error and no record comes after it: the bounded
   * input ends. Before, the Error was thrown only by a next record: endInput, finish and close
   * passed over it, and the job finished successfully.
   */
  @Test
  void refreshFutureFailsWithAnError_thenTheInputEnds_finishFailsTheTask() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(refreshing(lookup));
    try {
      startRefresh(lookup, h);

      lookup.call(1).fail(ERROR); // no record carries it
      h.drain();
      h.harness.endInput(); // the bounded input ends: what Flink calls then, before finish
      Throwable thrown = catchThrowable(() -> h.harness.getOperator().finish());

      assertThat(thrown).as("what finishing fails the task with").isSameAs(ERROR);
      assertThat(h.outputs()).hasSize(2);
    } finally {
      h.release();
    }
  }

  /**
   * The same Error on an input that stays idle: the next checkpoint fails the task before the
   * step's state is written. Before, the checkpoint succeeded.
   */
  @Test
  void refreshFutureFailsWithAnError_thenACheckpoint_failsTheTask() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h = open(refreshing(lookup));
    try {
      startRefresh(lookup, h);

      lookup.call(1).fail(ERROR);
      h.drain();
      Throwable thrown = catchThrowable(() -> h.snapshot(1L));

      assertThat(thrown).as("what the checkpoint fails the task with").isSameAs(ERROR);
    } finally {
      h.release();
    }
  }
}
