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
 * Errors no record carried, found by a second review on 2026-11-24 of that day's "an Error thrown
 * by a lookup fails the task", each failing before the fix: an Error of a refresh-ahead call, of a
 * user's retry condition under pass-through, and of a call its attempt timeout had already ended.
 * docs/concepts.md: an {@code Error} fails the task whatever the error policy; docs/enrichment.md:
 * one no record can carry fails it at the next record, at the end of the input or at the next
 * checkpoint, whichever comes first ({@link LookupLateErrorTest}).
 */
class LookupErrorUnreportedTest {

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
   * A refresh-ahead call whose lookup throws an Error has no record waiting for it. Before, the
   * Error was dropped and the task ran on (each later read started another refresh that threw).
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
   * An Error thrown by a user's retry condition is not an exception of a bad record: it fails the
   * task whatever the fallback. Before, with pass-through (or a stale entry) the record went on as
   * FAILED.
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
   * ends the call first and the record gets the fallback. Before, the Error was dropped without a
   * trace; now the task fails at the next record.
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
      h.process("o1:c-1");
      assertThat(lookup.calls).hasValue(1);
      assertThat(h.outputs())
          .as("answered by its attempt timeout")
          .containsExactly("o1:c-1/FAILED");

      Throwable thrown = catchThrowable(() -> h.process("o2:c-2"));

      assertThat(thrown).as("what the task fails with").isSameAs(ERROR);
      assertThat(lookup.calls).as("no call for the next record").hasValue(1);
    } finally {
      h.release();
    }
  }
}
