package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Edges of errors thrown by a lookup found by a review on 2026-11-24, each failing before that
 * day's fixes. docs/concepts.md: what your function throws must be an {@code Exception} to count as
 * a bad record; a {@link java.lang.Error} fails the task whatever the error policy. Before, the
 * step caught every {@code Throwable} a lookup threw and treated an {@code Error} as a failed
 * attempt: retried, then answered by the fallback or dead-lettered. Now the records waiting for the
 * call fail the task with it when their output is made, whatever the retry and the fallback.
 */
class LookupErrorTest {

  /** Throws an {@link OutOfMemoryError} on call number {@code errorOnCall}, fails the others. */
  static final class ErrorThrowingLookup implements Lookup<String, String> {
    static final OutOfMemoryError ERROR = new OutOfMemoryError("lookup buffers");
    final int errorOnCall;
    final AtomicInteger calls = new AtomicInteger();

    ErrorThrowingLookup(int errorOnCall) {
      this.errorOnCall = errorOnCall;
    }

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      if (calls.incrementAndGet() == errorOnCall) {
        throw ERROR;
      }
      return CompletableFuture.failedFuture(new IOException("connection refused"));
    }
  }

  private static AsyncStepHarness<String, String> harness(ErrorThrowingLookup lookup)
      throws Exception {
    return new AsyncStepHarness<>(
            Enrich.lookup(
                    "customer",
                    (String order) -> order.substring(order.indexOf(':') + 1),
                    lookup,
                    (String order, String customer, LookupStatus status) -> order + "/" + status,
                    Types.STRING)
                .withRetry(
                    LookupRetry.<String>attempts(3)
                        .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                        .withJitter(0))
                .withFallback(LookupFallback.passThrough()),
            StringSerializer.INSTANCE)
        .open();
  }

  @Test
  void lookupThrowsAnError_failsTheTask_notRetriedNorAnsweredByTheFallback() throws Exception {
    ErrorThrowingLookup lookup = new ErrorThrowingLookup(1);
    AsyncStepHarness<String, String> h = harness(lookup);
    try {
      Throwable thrown = catchThrowable(() -> h.process("o1:c-1"));

      assertThat(thrown).isSameAs(ErrorThrowingLookup.ERROR);
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      h.advance(Duration.ofSeconds(1));
      assertThat(lookup.calls).as("calls: no retry").hasValue(1);
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isZero();
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
    } finally {
      h.release();
    }
  }

  @Test
  void retryOnTheTimerThreadThrowsAnError_failsTheTask() throws Exception {
    ErrorThrowingLookup lookup = new ErrorThrowingLookup(2);
    AsyncStepHarness<String, String> h = harness(lookup);
    try {
      h.process("o1:c-1"); // the first call fails: a retry is scheduled in 10 ms
      assertThat(h.results()).isEmpty();

      Throwable thrown = catchThrowable(() -> h.advance(Duration.ofMillis(10)));

      assertThat(thrown).isSameAs(ErrorThrowingLookup.ERROR);
      assertThat(h.results()).as("outputs and dead letters").isEmpty();
      assertThat(lookup.calls).hasValue(2);
      assertThat(h.metric(LookupMetrics.RETRIES)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.FALLBACKS)).isZero();
    } finally {
      h.release();
    }
  }
}
