package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeyDistribution;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Found by a review on 2026-11-24 (failing before that day's fix), on {@link
 * DedupBenchmarkBase#runBatch()}: for {@code FLINK_SQL} it feeds the batch itself through {@code
 * process(...)} instead of {@code processBatch()}, so {@code HarnessBenchmarkBase}'s batch count
 * never moves and {@link HarnessBenchmarkBase#changelogBytesPerRecord()} ("bytes the changelog
 * state backend appended per record fed after afterOpen(); NaN on other backends or before a
 * batch") stays NaN on {@code HEAP_CHANGELOG} however many batches ran, while every other impl
 * reports its figure.
 */
class DedupFlinkSqlChangelogFigureTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  @Test
  void flinkSql_onHeapChangelog_afterBatches_reportsChangelogBytesPerRecord() throws Exception {
    DedupKeepFirstBenchmark benchmark = new DedupKeepFirstBenchmark();
    benchmark.impl = DedupImpl.FLINK_SQL;
    benchmark.backend = Backend.HEAP_CHANGELOG;
    benchmark.keyCount = 1000;
    benchmark.distribution = KeyDistribution.UNIFORM;
    benchmark.bundleSize = HarnessBenchmarkBase.BATCH;
    benchmark.valueSize = 1;
    benchmark.dupRatio = 0.9;
    benchmark.setUpTrial();
    try {
      benchmark.keepFirst(BLACKHOLE);
      benchmark.keepFirst(BLACKHOLE);

      // about 10% fresh keys, each a state write logged to the changelog
      assertThat(benchmark.changelogBytesPerRecord()).isFinite().isPositive();
    } finally {
      benchmark.tearDownTrial();
    }
  }
}
