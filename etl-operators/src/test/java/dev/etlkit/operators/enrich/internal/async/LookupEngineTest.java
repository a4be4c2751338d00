package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The lookup engine on a manual clock: loads, single-flight, retries, timeouts and fallbacks. */
class LookupEngineTest {

  private static final IOException DOWN = new IOException("connection refused");

  @Test
  void load_lookupAnswers_recordIsLoadedOnce() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> {});

    RecordingWaiter order = f.request("o1", "c-1");
    assertThat(order.answer()).isNull();
    lookup.call(0).reply("Anna");

    assertThat(order.answer()).isEqualTo("Anna/LOADED");
    assertThat(order.attempts).isEqualTo(1);
    assertThat(f.count(LookupMetrics.LOADS)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.LOAD_LATENCY)).isEqualTo(1);
    assertThat(f.engine.flightsInProgress()).isZero();
  }

  @Test
  void load_lookupHasNoValue_recordIsAMiss() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable();
    EngineFixture f = new EngineFixture(lookup, s -> {});

    assertThat(f.request("o1", "c-404").answer()).isEqualTo("null/MISS");
  }

  @Test
  void load_lookupThrowsInsteadOfReturningAFuture_deadLetters() {
    Lookup<String, String> throwing =
        key -> {
          throw new IllegalStateException("pool closed");
        };
    EngineFixture f = new EngineFixture(throwing, s -> {});

    RecordingWaiter order = f.request("o1", "c-1");

    assertThat(order.answer()).isEqualTo("dead-letter/IllegalStateException");
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.FALLBACKS)).isEqualTo(1);
  }

  @Test
  void load_lookupReturnsNoFuture_deadLettersWithNullPointerException() {
    Lookup<String, String> broken = key -> null;
    EngineFixture f = new EngineFixture(broken, s -> {});

    assertThat(f.request("o1", "c-1").answer()).isEqualTo("dead-letter/NullPointerException");
  }

  @Test
  void singleFlight_recordsOfOneKeyInFlight_shareOneCall() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> {});

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-1");
    RecordingWaiter c = f.request("o3", "c-1");
    RecordingWaiter other = f.request("o4", "c-2");
    assertThat(lookup.callsFor("c-1")).isEqualTo(1);
    lookup.call(0).reply("Anna");

    assertThat(a.answer()).isEqualTo("Anna/LOADED");
    assertThat(b.answer()).isEqualTo("Anna/LOADED");
    assertThat(c.answer()).isEqualTo("Anna/LOADED");
    assertThat(other.answer()).isNull();
    assertThat(f.count(LookupMetrics.SHARED_LOADS)).isEqualTo(2);
  }

  @Test
  void singleFlight_afterTheLoadFinishedWithoutCache_nextRecordLoadsAgain() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    EngineFixture f = new EngineFixture(lookup, s -> {});

    f.request("o1", "c-1");
    f.request("o2", "c-1");

    assertThat(lookup.callsFor("c-1")).isEqualTo(2);
  }

  @Test
  void singleFlightOff_recordsOfOneKey_callEach() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.singleFlight = false);

    RecordingWaiter a = f.request("o1", "c-1");
    RecordingWaiter b = f.request("o2", "c-1");
    lookup.call(1).reply("Anna (newer)");
    lookup.call(0).reply("Anna");

    assertThat(lookup.callsFor("c-1")).isEqualTo(2);
    assertThat(a.answer()).isEqualTo("Anna/LOADED");
    assertThat(b.answer()).isEqualTo("Anna (newer)/LOADED");
  }

  @Test
  void singleFlight_recordArrivingWhileTheKeyWaitsToRetry_joinsTheRetry() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        retrying(lookup, LookupRetry.attempts(3).withJitter(0).withBackoff(ms(100), ms(100)));

    RecordingWaiter first = f.request("o1", "c-1");
    lookup.call(0).fail(DOWN);
    RecordingWaiter second = f.request("o2", "c-1"); // during the 100 ms backoff
    f.advanceMillis(100);
    lookup.call(1).reply("Anna");

    assertThat(lookup.callsFor("c-1")).isEqualTo(2);
    assertThat(first.answer()).isEqualTo("Anna/LOADED");
    assertThat(second.answer()).isEqualTo("Anna/LOADED");
    assertThat(first.attempts).isEqualTo(2);
  }

  @Test
  void retry_failures_waitExponentiallyLongerWithoutJitter() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        retrying(lookup, LookupRetry.attempts(4).withJitter(0).withBackoff(ms(100), ms(1000)));

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(DOWN);
    f.advanceMillis(99);
    assertThat(lookup.callCount()).isEqualTo(1);
    f.advanceMillis(1);
    assertThat(lookup.callCount()).isEqualTo(2); // retry 1 after 100 ms
    lookup.call(1).fail(DOWN);
    f.advanceMillis(199);
    assertThat(lookup.callCount()).isEqualTo(2);
    f.advanceMillis(1);
    assertThat(lookup.callCount()).isEqualTo(3); // retry 2 after 200 ms
    lookup.call(2).fail(DOWN);
    f.advanceMillis(400);
    assertThat(lookup.callCount()).isEqualTo(4); // retry 3 after 400 ms
    lookup.call(3).reply("Anna");

    assertThat(order.answer()).isEqualTo("Anna/LOADED");
    assertThat(order.attempts).isEqualTo(4);
    assertThat(f.count(LookupMetrics.RETRIES)).isEqualTo(3);
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isEqualTo(3);
  }

  @Test
  void retry_attemptsUsedUp_deadLettersTheLastFailureWithTheAttemptCount() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup, LookupRetry.attempts(3).withJitter(0));

    RecordingWaiter order = f.request("o1", "c-1");
    for (int i = 0; i < 3; i++) {
      lookup.lastCall().fail(new IOException("attempt " + (i + 1)));
      f.advanceMillis(1_000);
    }

    assertThat(lookup.callCount()).isEqualTo(3);
    assertThat(order.answer()).isEqualTo("dead-letter/IOException");
    assertThat(order.error).hasMessage("attempt 3");
    assertThat(order.attempts).isEqualTo(3);
  }

  @Test
  void retry_failureTheConditionRejects_isFinalAtOnce() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        retrying(
            lookup, LookupRetry.attempts(5).withRetryOn(e -> !(e instanceof SecurityException)));

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(new SecurityException("forbidden"));
    f.advanceMillis(10_000);

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(order.answer()).isEqualTo("dead-letter/SecurityException");
  }

  @Test
  void retryOnMiss_keyAppearsLater_isLoaded() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup, LookupRetry.attempts(3).withRetryOnMiss());

    RecordingWaiter order = f.request("o1", "c-new");
    lookup.call(0).reply(null);
    f.advanceMillis(1_000);
    lookup.call(1).reply("Bea");

    assertThat(order.answer()).isEqualTo("Bea/LOADED");
  }

  @Test
  void retryOnMiss_stillMissingAfterTheLastAttempt_isAMiss() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable();
    EngineFixture f = retrying(lookup, LookupRetry.attempts(3).withRetryOnMiss());

    RecordingWaiter order = f.request("o1", "c-new");
    f.advanceMillis(10_000);

    assertThat(lookup.callCount()).isEqualTo(3);
    assertThat(order.answer()).isEqualTo("null/MISS");
  }

  @Test
  void retryOnResult_incompleteValue_isRetried() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        retrying(
            lookup,
            LookupRetry.<String>attempts(2)
                .withRetryOnResult(v -> v.map(x -> x.endsWith("?")).orElse(false)));

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).reply("Anna?");
    f.advanceMillis(1_000);
    lookup.call(1).reply("Anna");

    assertThat(order.answer()).isEqualTo("Anna/LOADED");
  }

  @Test
  void attemptTimeout_callHangs_isRetriedAndItsLateReplyIgnored() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        retrying(
            lookup,
            LookupRetry.attempts(3)
                .withJitter(0)
                .withBackoff(ms(50), ms(50))
                .withAttemptTimeout(ms(100)));

    RecordingWaiter order = f.request("o1", "c-1");
    f.advanceMillis(100); // attempt 1 times out
    assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
    f.advanceMillis(50); // backoff, attempt 2 starts
    assertThat(lookup.callCount()).isEqualTo(2);
    lookup.call(0).reply("late and stale");
    assertThat(order.answer()).isNull();
    lookup.call(1).reply("Anna");

    assertThat(order.answers()).containsExactly("Anna/LOADED");
  }

  @Test
  void attemptTimeout_callsMadeAtDifferentTimes_eachTimesOutAtItsOwnDeadline() {
    // One timer serves every call's attempt timeout: it must still fire each call on time, also
    // when the call it was set for replied in between.
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup, LookupRetry.attempts(1).withAttemptTimeout(ms(100)));

    RecordingWaiter first = f.request("o1", "c-1");
    f.advanceMillis(30);
    RecordingWaiter second = f.request("o2", "c-2");
    f.advanceMillis(30);
    RecordingWaiter third = f.request("o3", "c-3");
    assertThat(f.engine.attemptTimeoutsArmed()).isEqualTo(3);
    lookup.call(0).reply("Anna"); // the call the timer was set for
    assertThat(f.engine.attemptTimeoutsArmed()).isEqualTo(2);

    f.advanceMillis(69); // 99 ms after c-2's call
    assertThat(second.answer()).isNull();
    f.advanceMillis(1); // 100 ms after c-2's call
    assertThat(second.answer()).isEqualTo("dead-letter/TimeoutException");
    assertThat(third.answer()).isNull();
    f.advanceMillis(29);
    assertThat(third.answer()).isNull();
    f.advanceMillis(1); // 100 ms after c-3's call
    assertThat(third.answer()).isEqualTo("dead-letter/TimeoutException");

    assertThat(first.answers()).containsExactly("Anna/LOADED");
    assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(2);
    assertThat(f.engine.attemptTimeoutsArmed()).isZero();
    assertThat(f.timers.pendingTasks()).isZero();
  }

  @Test
  void attemptTimeout_lastAttemptTimesOut_deadLettersATimeoutException() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = retrying(lookup, LookupRetry.attempts(2).withAttemptTimeout(ms(100)));

    RecordingWaiter order = f.request("o1", "c-1");
    f.advanceMillis(2_000);

    assertThat(order.answer()).isEqualTo("dead-letter/TimeoutException");
    assertThat(order.error).hasMessageContaining("attempt timeout of 100 ms");
    assertThat(order.attempts).isEqualTo(2);
  }

  @Test
  void stepTimeout_beforeTheReply_answersOnceAndTheLateReplyIsDropped() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> s.cache = LookupCache.maxEntries(10).withExpireAfterWrite(Duration.ofMinutes(1)));

    RecordingWaiter order = f.request("o1", "c-1");
    assertThat(f.stepTimeout(order)).isTrue();
    lookup.call(0).reply("Anna");

    assertThat(order.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(order.error).hasMessageContaining("step timeout of 5000 ms");
    assertThat(f.count(LookupMetrics.TIMEOUTS)).isEqualTo(1);
    // the late reply still fills the cache for the next record
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT");
  }

  @Test
  void stepTimeout_afterTheReply_doesNothing() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> {});

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).reply("Anna");

    assertThat(f.stepTimeout(order)).isFalse();
    assertThat(order.answers()).containsExactly("Anna/LOADED");
    assertThat(f.count(LookupMetrics.TIMEOUTS)).isZero();
  }

  @Test
  void stepTimeout_whileTheKeyWaitsToRetry_noFurtherAttemptIsMade() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        retrying(lookup, LookupRetry.attempts(5).withJitter(0).withBackoff(ms(500), ms(500)));

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(DOWN);
    f.stepTimeout(order);
    f.advanceMillis(10_000);

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(order.answers()).containsExactly("dead-letter/TimeoutException");
    assertThat(f.engine.flightsInProgress()).isZero();
  }

  @Test
  void retry_backoffEndingAfterTheStepTimeout_isNotStarted() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.timeout = Duration.ofSeconds(1);
              s.retry = LookupRetry.attempts(5).withJitter(0).withBackoff(ms(2_000), ms(2_000));
            });

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(DOWN);

    assertThat(order.answer()).isEqualTo("dead-letter/IOException");
    assertThat(order.attempts).isEqualTo(1);
  }

  @Test
  void fallbackPassThrough_failureAndStepTimeout_haveTheirStatus() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.fallback = LookupFallback.passThrough());

    RecordingWaiter failed = f.request("o1", "c-1");
    lookup.call(0).fail(DOWN);
    RecordingWaiter late = f.request("o2", "c-2");
    f.stepTimeout(late);

    assertThat(failed.answer()).isEqualTo("null/FAILED");
    assertThat(late.answer()).isEqualTo("null/TIMED_OUT");
    assertThat(f.count(LookupMetrics.FALLBACKS)).isEqualTo(2);
  }

  @Test
  void fallbackDefault_failure_usesTheDefaultValue() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        new EngineFixture(lookup, s -> s.fallback = LookupFallback.useDefault("unknown"));

    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(DOWN);

    assertThat(order.answer()).isEqualTo("unknown/DEFAULT");
  }

  @Test
  void backoff_jitter_staysBetweenTheReducedAndTheFullDelay() {
    Backoff backoff = new Backoff(100, 10_000, 0.5, new Random(7));
    for (int retry = 1; retry <= 10; retry++) {
      long full = Math.min(10_000, 100L << (retry - 1));
      for (int i = 0; i < 50; i++) {
        assertThat(backoff.delayNanos(retry)).isBetween(full / 2, full);
      }
    }
    assertThat(new Backoff(100, 10_000, 0.0, new Random(7)).delayNanos(60)).isEqualTo(10_000);
  }

  @Test
  void probe_withoutCache_findsNothing() {
    EngineFixture f = new EngineFixture(FakeLookup.manual(), s -> {});
    assertThat(f.engine.probe("c-1")).isSameAs(LookupEngine.NO_ENTRY);
    assertThat(f.engine.cacheSize()).isZero();
  }

  @Test
  void lookupCompletingWithAnEmptyOptional_isAMissNotAFailure() {
    Lookup<String, String> empty =
        key -> java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());
    EngineFixture f = new EngineFixture(empty, s -> {});
    assertThat(f.request("o1", "c-1").answer()).isEqualTo("null/MISS");
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).isZero();
  }

  @Test
  void timeoutException_fromTheLookupItself_isAFailure() {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f = new EngineFixture(lookup, s -> s.fallback = LookupFallback.passThrough());
    RecordingWaiter order = f.request("o1", "c-1");
    lookup.call(0).fail(new TimeoutException("driver timeout"));
    assertThat(order.answer()).isEqualTo("null/FAILED");
  }

  private static EngineFixture retrying(FakeLookup lookup, LookupRetry<?> retry) {
    return new EngineFixture(lookup, s -> s.retry = retry);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
