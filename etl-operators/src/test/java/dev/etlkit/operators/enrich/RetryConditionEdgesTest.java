package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Retry conditions at the edges, found by {@link LookupIndependentReferenceTest}: after the last
 * attempt the condition is not asked (LookupRetry#withRetryOnResult: "The last attempt's answer is
 * used whatever it is"; seed 79 turned the final miss into a dead letter), and a {@code
 * withRetryOn} condition that throws on an attempt timeout fails the load, "and loadFailures and
 * fallbacks count it" (docs/enrichment.md, "A retry condition that throws"; it was counted in
 * loadTimeouts only).
 */
class RetryConditionEdgesTest {

  /** A lookup step answering {@code <input>:<status>}, with a one-second step timeout. */
  private static Enrich.LookupStep<String, String, String, String> step(FakeLookup lookup) {
    return Enrich.lookup(
            "customer",
            (String s) -> s,
            lookup,
            (String in, String value, LookupStatus status) -> in + ":" + status,
            Types.STRING)
        .withTimeout(Duration.ofSeconds(1));
  }

  @Test
  void retryOnResult_lastAttemptAnswersMiss_conditionNotAskedAndMissUsed() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    Enrich.LookupStep<String, String, String, String> step =
        step(lookup)
            .withRetry(
                LookupRetry.<String>attempts(2)
                    .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                    .withJitter(0.0)
                    .withRetryOnResult(found -> found.get().startsWith("pending")));
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();

    h.process("c1");
    lookup.call(0).reply("pending"); // retried
    h.drain();
    h.advance(Duration.ofMillis(10));
    lookup.call(1).reply(null); // the last attempt: a miss, whatever the condition says
    h.drain();

    assertThat(lookup.callCount()).isEqualTo(2);
    assertThat(h.deadLetters()).isEmpty();
    assertThat(h.outputs()).containsExactly("c1:MISS");
  }

  @Test
  void retryOnThrowingOnAnAttemptTimeout_countsTheTimeoutAndTheFailedLoad() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    Enrich.LookupStep<String, String, String, String> step =
        step(lookup)
            .withRetry(
                LookupRetry.<String>attempts(3)
                    .withAttemptTimeout(Duration.ofMillis(50))
                    // a TimeoutException is no RuntimeException: the cast throws
                    .withRetryOn(e -> !(((RuntimeException) e) instanceof SecurityException)))
            .withFallback(LookupFallback.passThrough());
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(step, StringSerializer.INSTANCE).open();

    h.process("c1");
    h.advance(Duration.ofMillis(50));

    assertThat(h.outputs()).containsExactly("c1:FAILED");
    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(h.metric(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
    assertThat(h.metric(LookupMetrics.FALLBACKS)).isEqualTo(1);
    assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isEqualTo(1);
  }
}
