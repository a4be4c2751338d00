package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Review of the 2026-11-24 fix "an Error thrown by a lookup fails the task". docs/enrichment.md
 * ("Failures, retries and timeouts"): an {@code Error} thrown by {@code lookup} is no failed
 * attempt, it fails the task. docs/concepts.md: what a user function throws must be an {@code
 * Exception} to count as a bad record; an {@code Error} fails the task whatever the error policy.
 */
class ReviewLookupErrorTest {

  static final OutOfMemoryError ERROR = new OutOfMemoryError("lookup buffers");

  /** Answers call 1 with a value, throws {@link #ERROR} from every later call (refreshes). */
  static final class RefreshThrowsLookup implements Lookup<String, String> {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      if (calls.incrementAndGet() == 1) {
        return CompletableFuture.completedFuture(Optional.of("name"));
      }
      throw ERROR;
    }
  }

  /**
   * Runs {@code beforeThrowing} (time passes while the call blocks), then throws {@link #ERROR}.
   */
  static final class SlowThenErrorLookup implements Lookup<String, String> {
    final AtomicInteger calls = new AtomicInteger();
    Consumer<Duration> clock;

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      calls.incrementAndGet();
      clock.accept(Duration.ofMillis(200)); // the call blocks past the attempt timeout
      throw ERROR;
    }
  }

  /**
   * A refresh-ahead call whose lookup throws an Error has no record waiting for it:
   * LookupEngine.onCallThrewError rejects no waiter, so the Error is dropped and the task runs on
   * (each later read of the entry starts another refresh that throws again, unseen).
   */
  @Test
  void refreshAheadCallThrowsAnError_failsTheTask() throws Exception {
    RefreshThrowsLookup lookup = new RefreshThrowsLookup();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> order.substring(order.indexOf(':') + 1),
                        lookup,
                        (String order, String customer, LookupStatus status) ->
                            order + "=" + customer + "/" + status,
                        Types.STRING)
                    .withRetry(LookupRetry.none())
                    .withCache(
                        LookupCache.maxEntries(100)
                            .withExpireAfterWrite(Duration.ofMinutes(10))
                            .withRefreshAfterWrite(Duration.ofMinutes(1))),
                StringSerializer.INSTANCE)
            .open();
    try {
      h.process("o1:c-1");
      assertThat(h.outputs()).containsExactly("o1:c-1=name/LOADED");
      h.advance(Duration.ofMinutes(2)); // due for refresh, still fresh

      Throwable thrown =
          catchThrowable(
              () -> {
                h.process("o2:c-1"); // a hit that starts the refresh: the lookup throws
                h.process("o3:c-1");
                h.advance(Duration.ofSeconds(1));
              });

      assertThat(lookup.calls.get()).as("refresh calls made").isGreaterThanOrEqualTo(2);
      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
    } finally {
      h.release();
    }
  }

  /**
   * An Error thrown by a user's retry condition is not an exception of a bad record: it must fail
   * the task whatever the fallback. With the dead-letter fallback it does (the Error reaches
   * output()), but with pass-through (or a stale entry) LookupEngine.abort resolves it like an
   * exception and the record goes on as FAILED.
   */
  @Test
  void retryConditionThrowsAnError_withPassThroughFallback_failsTheTask() throws Exception {
    AssertionError conditionBug = new AssertionError("bug in the retry condition");
    AtomicInteger calls = new AtomicInteger();
    Lookup<String, String> failing =
        key -> {
          calls.incrementAndGet();
          return CompletableFuture.failedFuture(new IOException("connection refused"));
        };
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> order.substring(order.indexOf(':') + 1),
                        failing,
                        (String order, String customer, LookupStatus status) ->
                            order + "/" + status,
                        Types.STRING)
                    .withRetry(
                        LookupRetry.<String>attempts(3)
                            .withRetryOn(
                                e -> {
                                  throw conditionBug;
                                }))
                    .withFallback(LookupFallback.passThrough()),
                StringSerializer.INSTANCE)
            .open();
    try {
      Throwable thrown = catchThrowable(() -> h.process("o1:c-1"));

      assertThat(thrown).as("what the task fails with").isSameAs(conditionBug);
      assertThat(h.outputs()).as("outputs").isEmpty();
    } finally {
      h.release();
    }
  }

  /**
   * A lookup that blocks past its attempt timeout and then throws an Error: the attempt timeout
   * (timers thread) ends the call first, so LookupCall.fail loses its CAS and the Error is dropped
   * without a trace; the record gets the fallback and the task runs on.
   */
  @Test
  void lookupThrowsAnErrorAfterItsAttemptTimeoutFired_failsTheTask() throws Exception {
    SlowThenErrorLookup lookup = new SlowThenErrorLookup();
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
            Enrich.lookup(
                    "customer",
                    (String order) -> order.substring(order.indexOf(':') + 1),
                    lookup,
                    (String order, String customer, LookupStatus status) -> order + "/" + status,
                    Types.STRING)
                .withRetry(LookupRetry.<String>none().withAttemptTimeout(Duration.ofMillis(100)))
                .withFallback(LookupFallback.passThrough()),
            StringSerializer.INSTANCE);
    lookup.clock = h.timers::advance;
    h.open();
    try {
      Throwable thrown = catchThrowable(() -> h.process("o1:c-1"));

      assertThat(lookup.calls).hasValue(1);
      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      assertThat(h.outputs()).as("outputs").isEmpty();
    } finally {
      h.release();
    }
  }
}
