package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeyDistribution;
import dev.etlkit.operators.dedup.DedupOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Smoke test: every impl sets up, runs invocations (across an input wrap-around) and tears down, on
 * heap, and on RocksDB while checking that all impls emit the same records; called directly rather
 * than through JMH. Proves the benchmark code works and compares like with like, not how fast it
 * is.
 */
class DedupBenchmarksTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  static Stream<Arguments> combinations() {
    List<Arguments> combinations = new ArrayList<>();
    for (DedupImpl impl : DedupImpl.values()) {
      combinations.add(Arguments.of(impl, Backend.HEAP));
    }
    combinations.add(Arguments.of(DedupImpl.ETLKIT, Backend.ROCKSDB));
    return combinations.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("combinations")
  void keepFirst_oneInvocation_runs(DedupImpl impl, Backend backend) throws Exception {
    DedupKeepFirstBenchmark benchmark = new DedupKeepFirstBenchmark();
    configure(benchmark, impl, backend);
    benchmark.dupRatio = 0.9;

    benchmark.setUpTrial();
    try {
      benchmark.keepFirst(BLACKHOLE);
      benchmark.beforeBatch(1L << 21); // a wrap-around renumbers the fresh keys
      benchmark.keepFirst(BLACKHOLE);
      assertThat(benchmark.freshRecords()).isBetween(150_000, 270_000);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("combinations")
  void keepLast_oneInvocation_runs(DedupImpl impl, Backend backend) throws Exception {
    DedupKeepLastBenchmark benchmark = new DedupKeepLastBenchmark();
    configure(benchmark, impl, backend);
    benchmark.dupRatio = 0.5;
    benchmark.output = impl == DedupImpl.ETLKIT ? DedupOutput.UPSERT : DedupOutput.RETRACT;

    benchmark.setUpTrial();
    try {
      benchmark.keepLast(BLACKHOLE);
      benchmark.keepLast(BLACKHOLE);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  /**
   * At 10^6 keys a key occurs about twice per pass over the input, so Flink SQL's keep-last meets
   * rows it stored (and turned into {@code -U}) in the previous pass: past one pass it must still
   * get INSERT rows (it rejects anything else) and keep emitting.
   */
  @Test
  void keepLast_flinkSqlOnTheHeap_millionKeys_runsPastOnePassOverTheInput() throws Exception {
    DedupKeepLastBenchmark benchmark = new DedupKeepLastBenchmark();
    configure(benchmark, DedupImpl.FLINK_SQL, Backend.HEAP);
    benchmark.keyCount = 1_000_000;
    benchmark.dupRatio = 0.5;
    benchmark.output = DedupOutput.RETRACT;
    benchmark.setUpTrial();
    try {
      int onePass = HarnessBenchmarkBase.SEQUENCE_LENGTH / HarnessBenchmarkBase.BATCH;
      for (int i = 0; i < onePass; i++) {
        benchmark.keepLast(BLACKHOLE);
      }
      long firstPass = benchmark.emitted();
      assertThatCode(
              () -> {
                for (int i = 0; i < 20; i++) {
                  benchmark.keepLast(BLACKHOLE);
                }
              })
          .doesNotThrowAnyException();
      assertThat(benchmark.emitted()).isGreaterThan(firstPass);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  /**
   * At 10^6 keys a key occurs about twice per pass over the input, so most measured records of the
   * first pass are a key's first record in the input: they must repeat the preloaded row at {@code
   * dupRatio} as later records do, not all be updates. (A RocksDB trial at 10^6 keys measures
   * within the first pass.)
   */
  @Test
  void keepLast_millionKeys_firstPassRepeatsAtDupRatio() throws Exception {
    DedupKeepLastBenchmark benchmark = new DedupKeepLastBenchmark();
    configure(benchmark, DedupImpl.LIMIT, Backend.HEAP);
    benchmark.keyCount = 1_000_000;
    benchmark.dupRatio = 0.99;
    benchmark.output = DedupOutput.UPSERT;
    benchmark.setUpTrial();
    try {
      long preload = benchmark.emitted();
      int invocations = 100;
      for (int i = 0; i < invocations; i++) {
        benchmark.keepLast(BLACKHOLE);
      }
      long records = (long) invocations * HarnessBenchmarkBase.BATCH;
      // upsert output: one record per update; about 1 % of the records are updates
      assertThat(benchmark.emitted() - preload).isBetween(records / 200, records / 50);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  /** Every impl emits the same records for the same input: the comparison is fair. */
  @Test
  void everyImpl_emitsTheSameRecords() throws Exception {
    Map<DedupImpl, Long> keepFirst = new EnumMap<>(DedupImpl.class);
    Map<DedupImpl, Long> keepLast = new EnumMap<>(DedupImpl.class);
    for (DedupImpl impl : DedupImpl.values()) {
      DedupKeepFirstBenchmark first = new DedupKeepFirstBenchmark();
      configure(first, impl, Backend.ROCKSDB);
      first.dupRatio = 0.9;
      keepFirst.put(impl, emittedInTwoBatches(first, () -> first.keepFirst(BLACKHOLE)));
      DedupKeepLastBenchmark last = new DedupKeepLastBenchmark();
      configure(last, impl, Backend.ROCKSDB);
      last.dupRatio = 0.5;
      last.output = DedupOutput.RETRACT;
      keepLast.put(impl, emittedInTwoBatches(last, () -> last.keepLast(BLACKHOLE)));
    }

    assertThat(keepFirst.values()).containsOnly(keepFirst.get(DedupImpl.LIMIT));
    assertThat(keepFirst.get(DedupImpl.LIMIT)).isBetween(150L, 250L); // ~10% fresh keys
    // Retract output: two records (-U, +U) per update, the hand-written LIMIT's as well.
    assertThat(keepLast.get(DedupImpl.ETLKIT))
        .isEqualTo(keepLast.get(DedupImpl.FLINK_SQL))
        .isEqualTo(keepLast.get(DedupImpl.FLINK_SQL_FROM_POJO))
        .isEqualTo(keepLast.get(DedupImpl.LIMIT))
        .isBetween(2_000L, 3_600L); // about half the records update: -U and +U each
    // Mini-batches emit each key's net change per bundle: fewer records, the same in both.
    assertThat(keepLast.get(DedupImpl.ETLKIT_MINIBATCH))
        .isEqualTo(keepLast.get(DedupImpl.FLINK_SQL_MINIBATCH))
        .isLessThanOrEqualTo(keepLast.get(DedupImpl.ETLKIT));
  }

  /**
   * On the heap Flink SQL's keep-last compares a redelivery with the row object it stored and then
   * turned into {@code +U} (docs/dedup.md), so it re-emits every redelivery after an update: in
   * this benchmark every record, where the step and the LIMIT emit about 1 % of that at dupRatio
   * 0.99. The heap's ETLKIT ÷ FLINK_SQL compares unequal changelogs (docs/benchmarks.md says so).
   */
  @Test
  void keepLastOnTheHeap_flinkSql_reEmitsEveryRedelivery() throws Exception {
    Map<DedupImpl, Long> emitted = new EnumMap<>(DedupImpl.class);
    for (DedupImpl impl : List.of(DedupImpl.ETLKIT, DedupImpl.FLINK_SQL, DedupImpl.LIMIT)) {
      DedupKeepLastBenchmark last = new DedupKeepLastBenchmark();
      configure(last, impl, Backend.HEAP);
      last.keyCount = 100; // a key's first record in the input updates: keep them few
      last.dupRatio = 0.99;
      last.output = DedupOutput.RETRACT;
      emitted.put(impl, emittedInTwoBatches(last, () -> last.keepLast(BLACKHOLE)));
    }

    long records = 2L * HarnessBenchmarkBase.BATCH;
    assertThat(emitted.get(DedupImpl.FLINK_SQL)).isEqualTo(2 * records); // -U and +U per record
    // -U and +U for about 100 first records and 1 % of the others
    assertThat(emitted.get(DedupImpl.ETLKIT))
        .isEqualTo(emitted.get(DedupImpl.LIMIT))
        .isLessThan(records / 5);
  }

  /** In upsert output the step and the hand-written LIMIT emit one record per update. */
  @Test
  void keepLastUpsert_etlkitAndLimit_emitTheSameRecords() throws Exception {
    Map<DedupImpl, Long> emitted = new EnumMap<>(DedupImpl.class);
    for (DedupImpl impl : List.of(DedupImpl.ETLKIT, DedupImpl.LIMIT)) {
      DedupKeepLastBenchmark last = new DedupKeepLastBenchmark();
      configure(last, impl, Backend.HEAP);
      last.dupRatio = 0.5;
      last.output = DedupOutput.UPSERT;
      emitted.put(impl, emittedInTwoBatches(last, () -> last.keepLast(BLACKHOLE)));
    }

    assertThat(emitted.get(DedupImpl.ETLKIT))
        .isEqualTo(emitted.get(DedupImpl.LIMIT))
        .isBetween(1_000L, 1_800L);
  }

  private static long emittedInTwoBatches(DedupBenchmarkBase benchmark, Invocation invocation)
      throws Exception {
    benchmark.setUpTrial();
    try {
      long preload = benchmark.emitted();
      invocation.run();
      invocation.run();
      return benchmark.emitted() - preload;
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private interface Invocation {
    void run() throws Exception;
  }

  @Test
  void benchmarkList_listsTheDedupBenchmarks() throws IOException {
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("dev.etlkit.benchmarks.dedup.DedupKeepFirstBenchmark")
          .contains("dev.etlkit.benchmarks.dedup.DedupKeepLastBenchmark");
    }
  }

  static void configure(DedupBenchmarkBase benchmark, DedupImpl impl, Backend backend) {
    benchmark.impl = impl;
    benchmark.backend = backend;
    benchmark.keyCount = 1000;
    benchmark.distribution = KeyDistribution.UNIFORM;
    benchmark.bundleSize = HarnessBenchmarkBase.BATCH;
    benchmark.valueSize = 64;
  }
}
