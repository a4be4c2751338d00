package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeyDistribution;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Found by a review on 2026-11-24 (failing before that day's fix), on {@link
 * DedupKeepFirstBenchmark}: its Javadoc says fresh keys "are renumbered every time the input wraps
 * around, so they stay fresh" ("never seen twice"). The input has 2^21 records and a batch 1000,
 * which does not divide it, so one batch per pass straddles the wrap; {@code beforeBatch} renumbers
 * only when a batch <em>starts</em> in the next pass, after the first 848 records of that pass were
 * already fed with the previous pass's keys. Their fresh-key records then meet keys already in
 * state: duplicates, nothing emitted, no state write.
 */
class DedupKeepFirstWrapTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  @Test
  void freshKeys_inTheBatchThatStraddlesTheWrap_areFresh() throws Exception {
    DedupKeepFirstBenchmark benchmark = new DedupKeepFirstBenchmark();
    benchmark.impl = DedupImpl.LIMIT;
    benchmark.backend = Backend.HEAP;
    benchmark.keyCount = 1000;
    benchmark.distribution = KeyDistribution.UNIFORM;
    benchmark.bundleSize = HarnessBenchmarkBase.BATCH;
    benchmark.valueSize = 1;
    benchmark.dupRatio = 0.9;
    benchmark.setUpTrial();
    try {
      int length = HarnessBenchmarkBase.SEQUENCE_LENGTH;
      int batches = length / HarnessBenchmarkBase.BATCH + 1; // into the second pass
      int intoSecondPass = batches * HarnessBenchmarkBase.BATCH - length; // 848
      long freshInSecondPass = 0;
      for (int i = 0; i < intoSecondPass; i++) {
        if (((BenchRow) benchmark.inputs()[i]).key == DedupKeepFirstBenchmark.FRESH_KEYS + i) {
          freshInSecondPass++;
        }
      }
      assertThat(freshInSecondPass).isPositive();

      long preload = benchmark.emitted();
      for (int b = 0; b < batches; b++) {
        benchmark.keepFirst(BLACKHOLE);
      }

      assertThat(benchmark.emitted() - preload)
          .as(
              "records emitted (one per fresh key) over one pass plus the %d records of the next"
                  + " pass in the straddling batch",
              intoSecondPass)
          .isEqualTo(benchmark.freshRecords() + freshInSecondPass);
    } finally {
      benchmark.tearDownTrial();
    }
  }
}
