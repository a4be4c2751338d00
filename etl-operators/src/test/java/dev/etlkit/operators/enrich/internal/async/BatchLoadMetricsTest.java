package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Edges of the load metrics of micro-batches found by a review on 2026-11-24, each failing before
 * that day's fixes: without single-flight a key twice in one micro-batch is asked once and counts
 * once in {@code loads} (docs/enrichment.md), but before, a failed or timed-out batch counted it
 * twice in {@code loadFailures} / {@code loadTimeouts}, and so did a batch whose answer a retry
 * condition threw on: more failures than keys asked, a failure ratio above 100%. All three now
 * count keys asked.
 */
class BatchLoadMetricsTest {

  private static EngineFixture batchedWithoutSingleFlight(FakeLookup lookup) {
    return batchedWithoutSingleFlight(
        lookup, LookupRetry.<String>none().withAttemptTimeout(Duration.ofMillis(100)));
  }

  private static EngineFixture batchedWithoutSingleFlight(
      FakeLookup lookup, LookupRetry<String> retry) {
    return new EngineFixture(
        lookup,
        s -> {
          s.batchKeys = 2;
          s.batchDelay = Duration.ofMillis(50);
          s.singleFlight = false;
          s.retry = retry;
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

  @Test
  void batchAnswerARetryConditionThrowsOn_withAKeyTwice_countsEachKeyAskedOnceInLoadFailures() {
    FakeLookup lookup = FakeLookup.manualBatch();
    EngineFixture f =
        batchedWithoutSingleFlight(
            lookup,
            LookupRetry.<String>attempts(2)
                .withRetryOnResult(
                    found -> {
                      throw new IllegalArgumentException("not a pending row");
                    }));

    RecordingWaiter o1 = f.request("o1", "c-1");
    RecordingWaiter o2 = f.request("o2", "c-1");
    RecordingWaiter o3 = f.request("o3", "c-2");
    assertThat(lookup.call(0).keys).containsExactly("c-1", "c-2");
    lookup.call(0).reply("name");

    assertThat(List.of(o1.answer(), o2.answer(), o3.answer()))
        .containsOnly("dead-letter/IllegalStateException");
    assertThat(f.count(LookupMetrics.LOADS)).as("keys asked").isEqualTo(2);
    assertThat(f.count(LookupMetrics.LOAD_FAILURES))
        .as("keys whose answer was unusable")
        .isEqualTo(2);
  }
}
