package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.scd.Scd2Benchmark;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link Scd2Benchmark} through JMH itself (in this JVM, one short iteration per backend) with
 * {@link ChangelogProfiler}: the changelog figures land in the results as secondary metrics on
 * {@code HEAP_CHANGELOG} and are absent on the plain heap.
 */
class ChangelogProfilerTest {

  @Test
  void heapChangelog_reportsBytesAndChangesPerRecord_plainHeapReportsNothing() throws Exception {
    Options options =
        new OptionsBuilder()
            .include(Scd2Benchmark.class.getName() + ".scd2")
            .param("impl", "ETLKIT")
            .param("backend", "HEAP_CHANGELOG", "HEAP")
            .param("keyCount", "100")
            .param("versionsPerKey", "10")
            .param("changeRatio", "1.0")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(300))
            .addProfiler(ChangelogProfiler.class)
            .build();

    Map<String, Map<String, Result>> secondaryByBackend =
        new Runner(options)
            .run().stream()
                .collect(
                    Collectors.toMap(
                        r -> r.getParams().getParam("backend"),
                        r -> r.getAggregatedResult().getSecondaryResults()));

    Map<String, Result> changelog = secondaryByBackend.get("HEAP_CHANGELOG");
    assertThat(changelog).containsKeys(ChangelogProfiler.BYTES, ChangelogProfiler.CHANGES);
    // every record changes its key: the cursor (current row, latest change, open chunk) is
    // logged once or more per record, hundreds of bytes each time
    assertThat(changelog.get(ChangelogProfiler.BYTES).getScore()).isGreaterThan(100.0);
    assertThat(changelog.get(ChangelogProfiler.CHANGES).getScore()).isBetween(1.0, 10.0);
    assertThat(changelog.get(ChangelogProfiler.BYTES).getScoreUnit()).isEqualTo("B/op");
    assertThat(secondaryByBackend.get("HEAP"))
        .doesNotContainKeys(ChangelogProfiler.BYTES, ChangelogProfiler.CHANGES);
  }
}
