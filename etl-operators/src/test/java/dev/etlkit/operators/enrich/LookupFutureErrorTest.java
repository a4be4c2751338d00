package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Edges of errors a lookup completes its future with, found by a review on 2026-11-24, each failing
 * before that day's fix: an {@link Error} delivered through the future ({@code
 * CompletableFuture.failedFuture(new AssertionError())}, a client library completing it with a
 * {@code NoClassDefFoundError}) was a failed attempt: retried, counted in {@code loadFailures},
 * served stale, and then answered by the fallback (it failed the task only under {@code
 * deadLetter()}, after the retries). docs/enrichment.md: an {@code Error} fails the task whatever
 * the error policy; now one in the future does so as one thrown by {@code lookup} does ({@link
 * LookupErrorTest}, {@link LookupErrorUnreportedTest}): single calls, batches and refresh-ahead
 * calls, unwrapped from a {@link CompletionException} or {@link ExecutionException}, at once or,
 * when no record carries it, at the next record, the end of the input or the next checkpoint
 * ({@link LookupLateErrorTest}).
 */
class LookupFutureErrorTest {

  static final AssertionError ERROR = new AssertionError("bug in the lookup");

  /** Records are {@code orderId:customerId}; outputs {@code record=value/STATUS}. */
  private static Enrich.LookupStep<String, String, String, String> step(
      Lookup<String, String> lookup) {
    return Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            lookup,
            (String order, String customer, LookupStatus status) ->
                order + "=" + customer + "/" + status,
            Types.STRING)
        .withRetry(
            LookupRetry.<String>attempts(3)
                .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                .withJitter(0));
  }

  private static AsyncStepHarness<String, String> open(
      Enrich.LookupStep<String, String, String, String> step) throws Exception {
    return new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();
  }

  /** Completes every call's future with {@code failure}, before returning it. */
  private static final class FailedFutureLookup implements Lookup<String, String> {
    final Throwable failure;
    final AtomicInteger calls = new AtomicInteger();

    FailedFutureLookup(Throwable failure) {
      this.failure = failure;
    }

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(failure);
    }
  }

  static Stream<Arguments> fallbacks() {
    return Stream.of(
        Arguments.of("deadLetter", LookupFallback.<String>deadLetter()),
        Arguments.of("passThrough", LookupFallback.<String>passThrough()),
        Arguments.of("useDefault", LookupFallback.useDefault("unknown")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fallbacks")
  void futureFailedWithAnError_failsTheTaskAtOnce_notRetriedNorAnsweredByTheFallback(
      String name, LookupFallback<String> fallback) throws Exception {
    FailedFutureLookup lookup = new FailedFutureLookup(ERROR);
    AsyncStepHarness<String, String> h = open(step(lookup).withFallback(fallback));
    try {
      Throwable thrown = catchThrowable(() -> h.process("o1:c-1"));

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      h.advance(Duration.ofSeconds(1));
      assertThat(lookup.calls).as("calls: no retry").hasValue(1);
      assertThat(h.metric(LookupMetrics.LOADS)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isZero();
    } finally {
      h.release();
    }
  }

  static Stream<Arguments> wrappedErrors() {
    return Stream.of(
        Arguments.of("CompletionException", new CompletionException(ERROR)),
        Arguments.of("ExecutionException", new ExecutionException(ERROR)));
  }

  /**
   * {@code supplyAsync} completes its future with a {@link CompletionException} around an Error.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("wrappedErrors")
  void futureFailedWithAWrappedError_failsTheTaskWithTheErrorItself(String name, Exception wrapped)
      throws Exception {
    FailedFutureLookup lookup = new FailedFutureLookup(wrapped);
    AsyncStepHarness<String, String> h =
        open(step(lookup).withFallback(LookupFallback.passThrough()));
    try {
      Throwable thrown = catchThrowable(() -> h.process("o1:c-1"));

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      h.advance(Duration.ofSeconds(1));
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      assertThat(lookup.calls).as("calls: no retry").hasValue(1);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
    } finally {
      h.release();
    }
  }

  /**
   * A reload that fails with an Error on the lookup's thread is not answered by the stale entry.
   */
  @Test
  void reloadFailsWithAnErrorLater_isNotServedStale_failsTheTask() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withCache(
                    LookupCache.maxEntries(100)
                        .withExpireAfterWrite(Duration.ofMinutes(1))
                        .withStaleOnError(Duration.ofHours(1))));
    try {
      h.process("o1:c-1");
      lookup.call(0).reply("Anna");
      h.drain();
      h.advance(Duration.ofMinutes(2)); // expired, still servable stale
      h.process("o2:c-1"); // reloads
      assertThat(lookup.openCalls()).extracting(FakeLookup.Call::key).containsExactly("c-1");

      lookup.call(1).fail(ERROR); // on the lookup's thread, after the call returned
      Throwable thrown = catchThrowable(h::drain);

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      h.advance(Duration.ofSeconds(1));
      assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED");
      assertThat(h.deadLetters()).isEmpty();
      assertThat(lookup.callCount()).as("calls: no retry").isEqualTo(2);
      assertThat(h.metric(LookupMetrics.STALE_SERVED)).isZero();
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
    } finally {
      h.release();
    }
  }

  /**
   * Every record of a micro-batch whose {@code lookupAll} future fails with an Error carries it.
   */
  @Test
  void batchFutureFailsWithAnError_failsTheTask_withEveryRecordOfTheBatch() throws Exception {
    NoClassDefFoundError missingClass = new NoClassDefFoundError("a class of the client");
    FakeLookup lookup = FakeLookup.manualBatch();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withMicroBatch(2, Duration.ofMillis(10))
                .withFallback(LookupFallback.passThrough()));
    try {
      h.process("o1:c-1");
      h.process("o2:c-2"); // the batch is full: lookupAll(c-1, c-2)
      assertThat(lookup.calls()).singleElement().satisfies(c -> assertThat(c.isBatch).isTrue());

      lookup.call(0).fail(missingClass);
      Throwable first = catchThrowable(h::drain);
      Throwable second = catchThrowable(h::drain);

      assertThat(first).as("o1's output fails the task").isSameAs(missingClass);
      assertThat(second).as("o2's output fails the task").isSameAs(missingClass);
      h.advance(Duration.ofSeconds(1));
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      assertThat(lookup.callCount()).as("calls: no retry").isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOADS)).isEqualTo(2);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isZero();
    } finally {
      h.release();
    }
  }

  /** No record waits for a refresh-ahead call: its Error fails the task at the next record. */
  @Test
  void refreshFutureFailsWithAnError_notRetried_failsTheTaskAtTheNextRecord() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withCache(
                    LookupCache.maxEntries(100)
                        .withExpireAfterWrite(Duration.ofMinutes(10))
                        .withRefreshAfterWrite(Duration.ofMinutes(1))));
    try {
      h.process("o1:c-1");
      lookup.call(0).reply("Anna");
      h.drain();
      h.advance(Duration.ofMinutes(2)); // due for refresh, still fresh
      h.process("o2:c-1"); // a hit that starts the refresh
      assertThat(h.outputs()).containsExactly("o1:c-1=Anna/LOADED", "o2:c-1=Anna/HIT");

      lookup.call(1).fail(ERROR);
      h.advance(Duration.ofSeconds(1));
      Throwable thrown = catchThrowable(() -> h.process("o3:c-1"));

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      assertThat(h.outputs()).hasSize(2);
      assertThat(lookup.callCount()).as("calls: no retry of the refresh").isEqualTo(2);
      assertThat(h.metric(LookupMetrics.REFRESHES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
      assertThat(h.metric(LookupMetrics.RETRIES)).isZero();
    } finally {
      h.release();
    }
  }

  /**
   * The attempt timeout answered the record first (pass-through: {@code FAILED}); the Error that
   * completes the future afterwards has no record to carry it and fails the task at the next one.
   */
  @Test
  void futureFailsWithAnErrorAfterItsAttemptTimeout_failsTheTaskAtTheNextRecord() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    AsyncStepHarness<String, String> h =
        open(
            step(lookup)
                .withRetry(LookupRetry.<String>none().withAttemptTimeout(Duration.ofMillis(100)))
                .withFallback(LookupFallback.passThrough()));
    try {
      h.process("o1:c-1");
      h.advance(Duration.ofMillis(100));
      assertThat(h.outputs())
          .as("answered by its attempt timeout")
          .containsExactly("o1:c-1=null/FAILED");

      lookup.call(0).fail(ERROR);
      Throwable thrown = catchThrowable(() -> h.process("o2:c-2"));

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      assertThat(lookup.callCount()).as("no call for the next record").isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
    } finally {
      h.release();
    }
  }
}
