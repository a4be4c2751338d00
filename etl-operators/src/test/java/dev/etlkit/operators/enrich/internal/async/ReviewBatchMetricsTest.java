package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Review: without single-flight a key twice in one micro-batch "is asked once, counts once towards
 * maxKeys and once in loads" (docs/enrichment.md), but a failed or timed-out batch counts it twice
 * in loadFailures / loadTimeouts ("attempts that failed" / "attempts that passed the attempt
 * timeout"): more failed attempts than attempts made, a failure ratio above 100%.
 */
class ReviewBatchMetricsTest {

  private static EngineFixture batchedWithoutSingleFlight(FakeLookup lookup) {
    return new EngineFixture(
        lookup,
        s -> {
          s.batchKeys = 2;
          s.batchDelay = Duration.ofMillis(50);
          s.singleFlight = false;
          s.retry = LookupRetry.<String>none().withAttemptTimeout(Duration.ofMillis(100));
        });
  }

  @Test
  void failedBatch_withAKeyTwice_countsEachKeyAskedOnceInLoadFailures() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f = batchedWithoutSingleFlight(lookup);

    f.request("o1", "c-1");
    f.request("o2", "c-1"); // its own flight, the same key
    f.request("o3", "c-2");
    assertThat(lookup.call(0).keys).containsExactly("c-1", "c-2");
    lookup.call(0).fail(new IOException("down"));

    assertThat(f.count(LookupMetrics.LOADS)).as("keys asked").isEqualTo(2);
    assertThat(f.count(LookupMetrics.LOAD_FAILURES)).as("keys whose call failed").isEqualTo(2);
  }

  @Test
  void timedOutBatch_withAKeyTwice_countsEachKeyAskedOnceInLoadTimeouts() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f = batchedWithoutSingleFlight(lookup);

    f.request("o1", "c-1");
    f.request("o2", "c-1");
    f.request("o3", "c-2");
    f.advanceMillis(100); // the attempt timeout of the batch

    assertThat(f.count(LookupMetrics.LOADS)).as("keys asked").isEqualTo(2);
    assertThat(f.count(LookupMetrics.LOAD_TIMEOUTS)).as("keys whose call timed out").isEqualTo(2);
  }
}
