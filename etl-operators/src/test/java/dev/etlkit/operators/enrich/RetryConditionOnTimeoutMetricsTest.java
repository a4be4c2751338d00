package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * docs/enrichment.md ("A retry condition that throws"): a {@code withRetryOn} condition that throws
 * on an attempt timeout fails the load, "and loadFailures and fallbacks count it". Found by {@link
 * LookupIndependentReferenceTest}: the attempt timeout was counted in loadTimeouts only.
 */
class RetryConditionOnTimeoutMetricsTest {

  @Test
  void retryOnThrowingOnAnAttemptTimeout_countsTheTimeoutAndTheFailedLoad() throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    Enrich.LookupStep<String, String, String, String> step =
        Enrich.lookup(
                "customer",
                (String s) -> s,
                lookup,
                (String in, String value, LookupStatus status) -> in + ":" + status,
                Types.STRING)
            .withTimeout(Duration.ofSeconds(1))
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
