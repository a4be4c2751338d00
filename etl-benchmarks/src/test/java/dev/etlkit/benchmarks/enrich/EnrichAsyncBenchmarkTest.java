package dev.etlkit.benchmarks.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Smoke test: every impl of both enrichment benchmarks sets up, runs two invocations and tears
 * down, called directly rather than through JMH. Proves the benchmark code works and that every
 * record comes out, not how fast it is.
 */
@Timeout(60)
class EnrichAsyncBenchmarkTest {

  @ParameterizedTest
  @CsvSource({
    "ETLKIT, 0.0, ORDERED, true",
    "ETLKIT, 0.5, UNORDERED, false",
    "LIMIT, 0.5, ORDERED, true",
  })
  void asyncImpls_runAndEmitEveryRecord(
      EnrichAsyncImpl impl, double hitRatio, String order, boolean singleFlight) throws Exception {
    EnrichAsyncBenchmark benchmark = new EnrichAsyncBenchmark();
    benchmark.impl = impl;
    benchmark.latencyMs = 1;
    benchmark.capacity = 10;
    benchmark.hitRatio = hitRatio;
    benchmark.order = order;
    benchmark.singleFlight = singleFlight;
    benchmark.hotKeys = 200;

    benchmark.setUpTrial();
    try {
      long preloaded = benchmark.outputs();
      benchmark.enrich();
      benchmark.enrich();
      // all but the records still in flight came out
      assertThat(benchmark.outputs() - preloaded)
          .isBetween(2L * EnrichAsyncBenchmarkBase.BATCH - 10, 2L * EnrichAsyncBenchmarkBase.BATCH);
      assertThat(benchmark.lookupCalls()).isPositive();
    } finally {
      benchmark.tearDownTrial();
    }
  }

  @ParameterizedTest
  @CsvSource({"ETLKIT", "SYNC_MAP", "SYNC_CACHE", "LIMIT"})
  void cachedImpls_answerEveryRecordWithoutALookupCall(EnrichAsyncImpl impl) throws Exception {
    EnrichAsyncCachedBenchmark benchmark = new EnrichAsyncCachedBenchmark();
    benchmark.impl = impl;
    benchmark.order = "ORDERED";
    benchmark.hotKeys = 200;

    benchmark.setUpTrial();
    try {
      long preloaded = benchmark.outputs();
      long callsBefore = benchmark.lookupCalls();
      benchmark.enrich();
      benchmark.enrich();
      assertThat(benchmark.outputs() - preloaded)
          .isBetween(
              2L * EnrichAsyncBenchmarkBase.BATCH - 100, 2L * EnrichAsyncBenchmarkBase.BATCH);
      assertThat(benchmark.lookupCalls()).isEqualTo(callsBefore);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  @Test
  void keys_haveTheRequestedShareOfHotKeys() {
    Long[] keys = EnrichAsyncBenchmarkBase.keys(0.9, EnrichAsyncBenchmarkBase.HOT_KEYS);
    long hot = 0;
    for (Long k : keys) {
      if (k < EnrichAsyncBenchmarkBase.HOT_KEYS) {
        hot++;
      }
    }
    assertThat((double) hot / keys.length).isBetween(0.89, 0.91);
  }
}
