package dev.etlkit.benchmarks.scd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeyDistribution;
import dev.etlkit.benchmarks.scd.Scd2Benchmark.Impl;
import dev.etlkit.core.StepMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Smoke test: every impl sets up (preloading its history), runs two invocations and tears down
 * (ETLKIT on both backends and at 1, 10 and 100 versions per key, the baselines once each), called
 * directly rather than through JMH; and every impl did the job it is meant to do on the same input
 * (no late changes, redeliveries recognised, preloaded state found). Proves the benchmark code
 * works and compares like with like, not how fast it is.
 */
class Scd2BenchmarkTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  private static final int KEYS = 100;
  private static final int MEASURED = 2 * HarnessBenchmarkBase.BATCH;

  private static Scd2Benchmark benchmark(Impl impl, Backend backend, int versionsPerKey) {
    Scd2Benchmark benchmark = new Scd2Benchmark();
    benchmark.impl = impl;
    benchmark.backend = backend;
    benchmark.keyCount = KEYS;
    benchmark.distribution = KeyDistribution.UNIFORM;
    benchmark.versionsPerKey = versionsPerKey;
    benchmark.changeRatio = 0.5;
    return benchmark;
  }

  /** Setup, two invocations, teardown. */
  private static Scd2Benchmark run(Impl impl, Backend backend, int versionsPerKey)
      throws Exception {
    return run(benchmark(impl, backend, versionsPerKey));
  }

  private static Scd2Benchmark run(Scd2Benchmark benchmark) throws Exception {
    benchmark.setUpTrial();
    try {
      benchmark.scd2(BLACKHOLE);
      benchmark.scd2(BLACKHOLE);
    } finally {
      benchmark.tearDownTrial();
    }
    return benchmark;
  }

  @ParameterizedTest(name = "{0} versions per key on {1}")
  @CsvSource({"10, HEAP", "1, ROCKSDB", "100, ROCKSDB", "10, HEAP_CHANGELOG"})
  void etlkit_inOrderInput_opensAVersionPerChangeAndNeverSeesALateChange(
      int versionsPerKey, Backend backend) throws Exception {
    Scd2Benchmark benchmark = run(Impl.ETLKIT, backend, versionsPerKey);

    StepMetrics metrics = benchmark.etlkitMetrics();
    long records = benchmark.preloaded() + MEASURED;
    assertThat(benchmark.preloaded())
        .isBetween(KEYS * versionsPerKey, Scd2Benchmark.KEPT_HORIZONS * KEYS * versionsPerKey);
    assertThat(benchmark.etlkitLate()).isZero();
    assertThat(metrics.inCount()).isEqualTo(records);
    assertThat(metrics.outCount() + metrics.deduplicatedCount()).isEqualTo(records);
    // Half the records change the key's attributes; the first of every key opens version 1.
    assertThat(metrics.deduplicatedCount()).isBetween(records * 35 / 100, records * 65 / 100);
    // A change closes a version (-U, +U) and opens one (+I); a key's first version is one +I.
    assertThat(metrics.emittedCount()).isEqualTo(3 * metrics.outCount() - 2 * KEYS);
  }

  @Test
  void heapChangelog_countsTheBytesEveryChangeLogs() throws Exception {
    // the cursor (current row, latest change, open chunk) is logged with every record
    assertThat(run(Impl.ETLKIT, Backend.HEAP_CHANGELOG, 10).changelogBytesPerRecord())
        .isGreaterThan(100.0);
    assertThat(run(Impl.ETLKIT, Backend.HEAP, 10).changelogBytesPerRecord()).isNaN();
  }

  @Test
  void limit_findsEveryKeysPreloadedRow() throws Exception {
    Scd2Benchmark benchmark = run(Impl.LIMIT, Backend.HEAP, 10);

    // Every record but the first of each key (preloaded) finds a current row.
    assertThat(benchmark.limitHits()).isEqualTo(benchmark.preloaded() - KEYS + MEASURED);
  }

  @ParameterizedTest(name = "on {0}")
  @CsvSource({"HEAP", "ROCKSDB"})
  void limitEmit_sameInput_emitsWhatTheStepEmits(Backend backend) throws Exception {
    Scd2Benchmark etlkit = run(Impl.ETLKIT, backend, 10);
    Scd2Benchmark limit = run(Impl.LIMIT_EMIT, backend, 10);

    // The hand-written limit detects the same changes and emits the same changelog, in count:
    // -U, +U and +I per change, +I for a key's first version, preload included.
    assertThat(limit.emitLimitVersionsOpened()).isEqualTo(etlkit.etlkitMetrics().outCount());
    assertThat(limit.emitted()).isPositive().isEqualTo(etlkit.emitted());
    assertThat(etlkit.emitted()).isEqualTo(etlkit.etlkitMetrics().emittedCount());
  }

  @Test
  void freshInput_eachRecordANewEqualCopy_sameJobDone() throws Exception {
    Scd2Benchmark preloaded = run(Impl.ETLKIT, Backend.HEAP, 10);
    Scd2Benchmark fresh = benchmark(Impl.ETLKIT, Backend.HEAP, 10);
    fresh.input = Scd2Benchmark.Input.FRESH;
    run(fresh);

    Customer customer = new Customer("k", "n", "s", 7);
    Customer copy = fresh.arriving(customer);
    assertThat(copy).isNotSameAs(customer).usingRecursiveComparison().isEqualTo(customer);
    assertThat(copy.name).isNotSameAs(customer.name);
    assertThat(preloaded.arriving(customer)).isSameAs(customer);
    assertThat(fresh.etlkitMetrics().outCount()).isEqualTo(preloaded.etlkitMetrics().outCount());
    assertThat(fresh.emitted()).isEqualTo(preloaded.emitted());
  }

  @Test
  void naive_opensAVersionForAboutHalfTheRecords() throws Exception {
    Scd2Benchmark benchmark = run(Impl.NAIVE, Backend.ROCKSDB, 10);

    assertThat(benchmark.naiveVersionsOpened())
        .isBetween(MEASURED * 35L / 100, MEASURED * 65L / 100);
  }

  @Test
  void setUp_stateTooLargeForTheHeap_failsNamingTheWayOut() {
    Scd2Benchmark benchmark = benchmark(Impl.ETLKIT, Backend.HEAP, 100);
    benchmark.keyCount = 1_000_000;

    assertThatThrownBy(benchmark::setUpTrial)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyCount × versionsPerKey must be <= 1000000")
        .hasMessageContaining("-p keyCount=10000");
  }

  @Test
  void effectiveClock_afterStart_addsOneSpanPerPass() {
    EffectiveClock clock = new EffectiveClock(4, 100);
    Customer customer = new Customer("k", "n", "s", 7);

    assertThat(clock.of(customer).toEpochMilli()).isEqualTo(7); // preloading: as is
    clock.start();
    long[] times = new long[9];
    for (int i = 0; i < times.length; i++) {
      times[i] = clock.of(customer).toEpochMilli();
    }
    assertThat(times).containsExactly(7, 7, 7, 7, 107, 107, 107, 107, 207);
  }

  @Test
  void benchmarkList_listsScd2Benchmark() throws IOException {
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("dev.etlkit.benchmarks.scd.Scd2Benchmark");
    }
  }
}
