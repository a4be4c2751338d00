package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.enrich.EnrichAsyncBenchmark;
import dev.etlkit.benchmarks.scd.Scd2Benchmark;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs benchmarks through JMH itself (in this JVM, one short iteration per combination) with {@link
 * FiguresProfiler}: the figures land in the results as secondary metrics where the benchmark has
 * them and are absent where it has not.
 */
class FiguresProfilerTest {

  @Test
  void scd2_heapChangelog_reportsBytesAndChangesPerRecord_plainHeapReportsNothing()
      throws Exception {
    Map<String, Map<String, Result>> secondaryByBackend =
        secondaryResults(
            Scd2Benchmark.class.getName() + ".scd2",
            "backend",
            options ->
                options
                    .param("impl", "ETLKIT")
                    .param("backend", "HEAP_CHANGELOG", "HEAP")
                    .param("keyCount", "100")
                    .param("versionsPerKey", "10")
                    .param("changeRatio", "1.0"));

    Map<String, Result> changelog = secondaryByBackend.get("HEAP_CHANGELOG");
    assertThat(changelog)
        .containsKeys(FiguresProfiler.CHANGELOG_BYTES, FiguresProfiler.CHANGELOG_CHANGES);
    // every record changes its key: the cursor (current row, latest change, open chunk) is
    // logged once or more per record, hundreds of bytes each time
    assertThat(changelog.get(FiguresProfiler.CHANGELOG_BYTES).getScore()).isGreaterThan(100.0);
    assertThat(changelog.get(FiguresProfiler.CHANGELOG_BYTES).getScoreUnit()).isEqualTo("B/op");
    assertThat(changelog.get(FiguresProfiler.CHANGELOG_CHANGES).getScore()).isBetween(1.0, 10.0);
    assertThat(secondaryByBackend.get("HEAP"))
        .doesNotContainKeys(FiguresProfiler.CHANGELOG_BYTES, FiguresProfiler.CHANGELOG_CHANGES);
  }

  @Test
  void enrichAsync_reportsTheLookupsLatencyAndCallsPerRecord() throws Exception {
    Map<String, Map<String, Result>> secondaryByHitRatio =
        secondaryResults(
            EnrichAsyncBenchmark.class.getName() + ".enrich",
            "hitRatio",
            options ->
                options
                    .param("impl", "ETLKIT")
                    .param("latencyMs", "1")
                    .param("capacity", "100")
                    .param("hitRatio", "0", "0.9")
                    .param("order", "UNORDERED"));

    Map<String, Result> misses = secondaryByHitRatio.get("0");
    // what the simulated 1 ms took: its scheduler aims at the configured latency on average
    assertThat(misses.get(FiguresProfiler.LOOKUP_LATENCY).getScore()).isBetween(900.0, 5_000.0);
    assertThat(misses.get(FiguresProfiler.LOOKUP_LATENCY).getScoreUnit()).isEqualTo("µs");
    // no key is cached at a hit ratio of 0 (cold keys have no value, misses are not cached)
    assertThat(misses.get(FiguresProfiler.LOOKUP_CALLS).getScore()).isBetween(0.95, 1.0);
    // at 0.9 only the cold tenth calls the lookup
    assertThat(secondaryByHitRatio.get("0.9").get(FiguresProfiler.LOOKUP_CALLS).getScore())
        .isBetween(0.05, 0.15);
  }

  /** The secondary results of one short in-process run per combination, by one param's value. */
  private static Map<String, Map<String, Result>> secondaryResults(
      String benchmark,
      String byParam,
      Function<ChainedOptionsBuilder, ChainedOptionsBuilder> params)
      throws RunnerException {
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(benchmark)
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(300))
            .addProfiler(FiguresProfiler.class);
    return new Runner(params.apply(options).build())
        .run().stream()
            .collect(
                Collectors.toMap(
                    (RunResult r) -> r.getParams().getParam(byParam),
                    r -> r.getAggregatedResult().getSecondaryResults()));
  }
}
