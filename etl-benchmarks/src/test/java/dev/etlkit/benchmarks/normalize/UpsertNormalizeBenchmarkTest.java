package dev.etlkit.benchmarks.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeyDistribution;
import dev.etlkit.benchmarks.normalize.UpsertNormalizeBenchmark.Impl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Smoke test: every impl sets up (preloading one pass over the input), runs two invocations and
 * tears down (ETLKIT, FLINK_SQL and LIMIT on both backends, the others on one), called directly
 * rather than through JMH; and etlkit emits exactly as many records as Flink SQL's
 * ChangelogNormalize and the hand-written limit on the same input. Proves the benchmark code works
 * and compares like with like, not how fast it is.
 */
class UpsertNormalizeBenchmarkTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  private static final int RECORDS = 2 * HarnessBenchmarkBase.BATCH;

  static UpsertNormalizeBenchmark benchmark(Impl impl, Backend backend) {
    UpsertNormalizeBenchmark benchmark = new UpsertNormalizeBenchmark();
    benchmark.impl = impl;
    benchmark.backend = backend;
    benchmark.keyCount = 100;
    benchmark.distribution = KeyDistribution.UNIFORM;
    benchmark.duplicateRatio = 0.5;
    benchmark.bundleSize = 100;
    benchmark.countOutputs = true;
    return benchmark;
  }

  /** Setup, two invocations, teardown. */
  private static UpsertNormalizeBenchmark run(Impl impl, Backend backend) throws Exception {
    UpsertNormalizeBenchmark benchmark = benchmark(impl, backend);
    benchmark.setUpTrial();
    try {
      benchmark.normalize(BLACKHOLE);
      benchmark.normalize(BLACKHOLE);
    } finally {
      benchmark.tearDownTrial();
    }
    return benchmark;
  }

  @ParameterizedTest
  @CsvSource({"HEAP", "ROCKSDB"})
  void etlkitAndFlinkSql_sameInput_emitTheSameNumberOfRecords(Backend backend) throws Exception {
    UpsertNormalizeBenchmark etlkit = run(Impl.ETLKIT, backend);
    UpsertNormalizeBenchmark flinkSql = run(Impl.FLINK_SQL, backend);

    // About half of the records of live keys are redeliveries: dropped by both.
    assertThat(etlkit.etlkitDeduplicated()).isBetween(RECORDS / 4L, RECORDS * 3 / 4L);
    assertThat(flinkSql.rowsReceived()).isEqualTo(RECORDS);
    assertThat(etlkit.etlkitEmitted()).isPositive().isEqualTo(flinkSql.flinkSqlEmitted());
  }

  @ParameterizedTest
  @CsvSource({"HEAP", "ROCKSDB"})
  void etlkitAndLimit_sameInput_emitTheSameRecordCount(Backend backend) throws Exception {
    UpsertNormalizeBenchmark etlkit = run(Impl.ETLKIT, backend);
    UpsertNormalizeBenchmark limit = run(Impl.LIMIT, backend);

    // The hand-written limit does the step's work: the same output, record for record in count,
    // in the preload pass and in what is measured after it.
    assertThat(limit.emitted()).isPositive().isEqualTo(etlkit.emitted());
    assertThat(limit.measuredEmitted()).isPositive().isEqualTo(etlkit.measuredEmitted());
    assertThat(etlkit.measuredEmitted()).isEqualTo(etlkit.etlkitEmitted());
  }

  @ParameterizedTest
  @CsvSource({"ETLKIT_VERSIONED, ROCKSDB", "FLINK_SQL_MINIBATCH, ROCKSDB", "GET_PUT, HEAP"})
  void otherImpls_run(Impl impl, Backend backend) throws Exception {
    UpsertNormalizeBenchmark benchmark = run(impl, backend);

    switch (impl) {
      case ETLKIT_VERSIONED ->
          assertThat(benchmark.etlkitDeduplicated()).isBetween(RECORDS / 4L, RECORDS * 3 / 4L);
      case FLINK_SQL_MINIBATCH -> assertThat(benchmark.rowsReceived()).isEqualTo(RECORDS);
      default -> {
        assertThat(benchmark.getPutHits()).isPositive();
        assertThat(benchmark.emitted()).isZero();
      }
    }
  }

  /**
   * Every key meets, from the first measured record, the state a pass over the input leaves. At
   * 10^6 keys, where a key occurs about twice per pass, a pass from empty state has about 27 % of
   * its records redeliveries at {@code duplicateRatio} 0.5 (its first 10^5 records 2.3 %); every
   * later pass about 48 % (docs/benchmarks.md, "Steady state"). Within such a pass the share grows
   * from about 35 % in its first 10^5 records (a key's first record in the input is its first
   * version, which repeats the row the pass before left only if the key had no other version) to
   * over 50 % at its end. A RocksDB trial at 10^6 keys measures within one pass.
   */
  @ParameterizedTest
  @CsvSource({"HEAP", "ROCKSDB"})
  void millionKeys_firstRecords_meetTheStateOfALaterPass(Backend backend) throws Exception {
    UpsertNormalizeBenchmark benchmark = benchmark(Impl.ETLKIT, backend);
    benchmark.keyCount = 1_000_000;
    benchmark.setUpTrial();
    try {
      int invocations = 100;
      for (int i = 0; i < invocations; i++) {
        benchmark.normalize(BLACKHOLE);
      }
      long records = (long) invocations * HarnessBenchmarkBase.BATCH;
      assertThat(benchmark.etlkitDeduplicated()).isBetween(records * 30 / 100, records * 40 / 100);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  /** The first measured pass over the input at 10^6 keys is at the later passes' share. */
  @Test
  void millionKeys_firstMeasuredPass_isAtTheDuplicateRatio() throws Exception {
    UpsertNormalizeBenchmark benchmark = benchmark(Impl.ETLKIT, Backend.HEAP);
    benchmark.keyCount = 1_000_000;
    benchmark.setUpTrial();
    try {
      int invocations = HarnessBenchmarkBase.SEQUENCE_LENGTH / HarnessBenchmarkBase.BATCH;
      for (int i = 0; i < invocations; i++) {
        benchmark.normalize(BLACKHOLE);
      }
      long records = (long) invocations * HarnessBenchmarkBase.BATCH;
      assertThat(benchmark.etlkitDeduplicated()).isBetween(records * 45 / 100, records / 2);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  /**
   * The versioned step meets replays of the preloaded input with a later sequence (its pass), so it
   * drops only redeliveries and emits what the step without a sequence emits.
   */
  @Test
  void versionedAndUnversioned_afterThePreload_emitTheSameRecordCount() throws Exception {
    UpsertNormalizeBenchmark etlkit = run(Impl.ETLKIT, Backend.HEAP);
    UpsertNormalizeBenchmark versioned = run(Impl.ETLKIT_VERSIONED, Backend.HEAP);

    assertThat(versioned.etlkitDeduplicated()).isEqualTo(etlkit.etlkitDeduplicated());
    assertThat(versioned.measuredEmitted()).isPositive().isEqualTo(etlkit.measuredEmitted());
    assertThat(versioned.emitted()).isEqualTo(etlkit.emitted());
  }

  @Test
  void benchmarkList_listsUpsertNormalizeBenchmark() throws IOException {
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("dev.etlkit.benchmarks.normalize.UpsertNormalizeBenchmark");
    }
  }
}
