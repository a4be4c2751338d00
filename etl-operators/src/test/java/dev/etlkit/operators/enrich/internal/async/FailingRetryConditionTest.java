package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A retry condition that throws, or anything else that throws while the engine handles a reply or
 * an attempt timeout, fails the load at once: its records get the fallback, and the key is loaded
 * again by the next record instead of joining a load that never finishes.
 */
class FailingRetryConditionTest {

  /** The lookup's own exception, which a careless condition assumes every failure is. */
  static final class ServiceException extends RuntimeException {
    final boolean retryable;

    ServiceException(boolean retryable) {
      super("service unavailable");
      this.retryable = retryable;
    }
  }

  /**
   * A condition that throws ClassCastException on any other failure (an IOException, a timeout).
   */
  private static final LookupRetry<String> CASTING_RETRY_ON =
      LookupRetry.<String>attempts(3).withRetryOn(e -> ((ServiceException) e).retryable);

  @Test
  void retryOnConditionThrows_failedCallIsFinalAtOnce_andTheKeyIsLoadedAgainLater() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = passingThrough(lookup, CASTING_RETRY_ON);

    RecordingWaiter first = f.request("o1", "c-1");
    lookup.call(0).fail(new IOException("connection reset"));

    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.FALLBACKS)).isEqualTo(1);
    assertFailedAtOnce_thenLoadedAgain(f, lookup, first);
  }

  @Test
  void retryOnResultConditionThrowsOnAMiss_loadFailsAtOnce_andTheKeyIsLoadedAgainLater() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        passingThrough(
            lookup,
            LookupRetry.<String>attempts(3)
                .withRetryOnResult(found -> found.get().startsWith("pending")));

    RecordingWaiter first = f.request("o1", "c-1");
    lookup.call(0).reply(null); // a miss: found.get() throws

    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
    assertFailedAtOnce_thenLoadedAgain(f, lookup, first);
  }

  @Test
  void retryOnConditionThrowsOnAnAttemptTimeout_loadFailsAtOnce_andTheKeyIsLoadedAgainLater() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        passingThrough(lookup, CASTING_RETRY_ON.withAttemptTimeout(Duration.ofMillis(100)));

    RecordingWaiter first = f.request("o1", "c-1");
    f.advanceMillis(100); // the attempt times out: the condition casts a TimeoutException

    assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
    assertThat(f.engine.attemptTimeoutsArmed()).isZero();
    assertFailedAtOnce_thenLoadedAgain(f, lookup, first);
  }

  @Test
  void retryConditionThrows_deadLetterNamesTheConditionButNotTheKey() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.retry = CASTING_RETRY_ON);

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(new IOException("connection reset for c-1"));

    assertThat(order.answer()).isEqualTo("dead-letter/IllegalStateException");
    assertThat(order.error)
        .hasMessage("the LookupRetry.withRetryOn condition threw java.lang.ClassCastException")
        .hasCauseInstanceOf(ClassCastException.class);
    assertThat(order.attempts).isEqualTo(1);
  }

  @Test
  void replyOfTheWrongType_loadFailsAtOnce_andTheKeyIsLoadedAgainLater() {
    // A lookup written against raw types: its future holds a String, not an Optional.
    @SuppressWarnings({"unchecked", "rawtypes"})
    Lookup<String, String> untyped =
        key -> (CompletableFuture) CompletableFuture.completedFuture("Anna");
    EngineFixture f = passingThrough(untyped, LookupRetry.none());

    assertThat(f.request("o1", "c-1").answer()).isEqualTo("null/FAILED");
    assertThat(f.engine.flightsInProgress()).isZero();
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("null/FAILED");
    assertThat(f.count(LookupMetrics.LOADS)).as("loaded again").isEqualTo(2);
  }

  /**
   * A refresh-ahead whose retry condition throws fails for good at once, as a load does; like every
   * refresh that failed for good it pauses the key's refreshes for the wait a next retry would have
   * had. It did not: the next read, at once, started another refresh, so every read of a hot key
   * called the lookup while the condition kept throwing.
   */
  @Test
  void refreshWhoseRetryConditionThrows_noReadRefreshesTheKeyAgainBeforeTheBackoff() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.cache =
                  LookupCache.maxEntries(100)
                      .withExpireAfterWrite(Duration.ofMinutes(10))
                      .withRefreshAfterWrite(Duration.ofMinutes(8));
              s.retry =
                  LookupRetry.<String>attempts(3)
                      .withBackoff(Duration.ofMillis(100), Duration.ofMillis(100))
                      .withJitter(0.0)
                      .withRetryOn(e -> ((ServiceException) e).retryable)
                      .withRetryOnResult(found -> found.get().startsWith("pending"));
            });
    f.request("o1", "c-1");
    lookup.call(0).replyFromTable();
    f.advanceMillis(Duration.ofMinutes(8).toMillis());
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT"); // refresh: call 1

    lookup.call(1).fail(new IOException("connection reset")); // the condition throws on it
    assertThat(f.request("o3", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).as("no refresh at once after a failure").isEqualTo(2);
    f.advanceMillis(100);
    assertThat(f.request("o4", "c-1").answer()).isEqualTo("Anna/HIT"); // refresh: call 2

    lookup.call(2).reply(null); // a miss: the result condition throws on it
    assertThat(f.request("o5", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).as("no refresh at once after an unusable answer").isEqualTo(3);
    f.advanceMillis(100);
    assertThat(f.request("o6", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(4);
  }

  /**
   * {@code first} (key c-1, the lookup's only call so far) got the pass-through fallback at once,
   * its load is no longer registered, the key is not retried, and the next record of the key calls
   * the lookup again and gets its value.
   */
  private static void assertFailedAtOnce_thenLoadedAgain(
      EngineFixture f, FakeLookup lookup, RecordingWaiter first) {
    assertThat(first.answer()).isEqualTo("null/FAILED");
    assertThat(f.engine.flightsInProgress()).isZero();
    f.advanceMillis(10_000);
    assertThat(lookup.callCount()).as("calls after 10 s: not retried").isEqualTo(1);

    RecordingWaiter later = f.request("o2", "c-1");
    lookup.call(1).reply("Anna");
    assertThat(later.answer()).isEqualTo("Anna/LOADED");
  }

  private static EngineFixture passingThrough(Lookup<String, String> lookup, LookupRetry<?> retry) {
    return new EngineFixture(
        lookup,
        s -> {
          s.fallback = LookupFallback.passThrough();
          s.retry = retry;
        });
  }
}
