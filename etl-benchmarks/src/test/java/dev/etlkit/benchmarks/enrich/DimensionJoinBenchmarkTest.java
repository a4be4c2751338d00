package dev.etlkit.benchmarks.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import dev.etlkit.benchmarks.KeyDistribution;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Smoke test: every impl and variant sets up, runs two invocations and tears down, on heap, and
 * etlkit on RocksDB too, with new and refilled output records; called directly rather than through
 * JMH. Proves the benchmark code works and emits about one record per fact, not how fast it is.
 */
class DimensionJoinBenchmarkTest {

  static Stream<Arguments> combinations() {
    List<Arguments> combinations = new ArrayList<>();
    for (DimensionJoinBenchmark.Variant variant : DimensionJoinBenchmark.Variant.values()) {
      for (DimensionJoinBenchmark.Impl impl : DimensionJoinBenchmark.Impl.values()) {
        for (DimensionJoinBenchmark.Output output : DimensionJoinBenchmark.Output.values()) {
          combinations.add(Arguments.of(impl, variant, output, Backend.HEAP));
        }
      }
      combinations.add(
          Arguments.of(
              DimensionJoinBenchmark.Impl.ETLKIT,
              variant,
              DimensionJoinBenchmark.Output.NEW,
              Backend.ROCKSDB));
    }
    return combinations.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} on {3}")
  @MethodSource("combinations")
  void join_twoInvocations_run(
      DimensionJoinBenchmark.Impl impl,
      DimensionJoinBenchmark.Variant variant,
      DimensionJoinBenchmark.Output output,
      Backend backend)
      throws Exception {
    DimensionJoinBenchmark benchmark = configured(impl, variant, output, backend);

    long emitted;
    benchmark.setUpTrial();
    try {
      benchmark.join();
      benchmark.join();
      emitted = benchmark.emitted();
    } finally {
      benchmark.tearDownTrial();
    }
    // about 90 % of the 2 × 1000 records are facts, each joined once (AS_OF: up to the last
    // watermark); the preloaded dimension rows emit nothing
    assertThat(emitted).isBetween(1_500L, 2L * HarnessBenchmarkBase.BATCH);
  }

  /** The benchmark with the given params and the tests' small defaults (10^3 keys). */
  static DimensionJoinBenchmark configured(
      DimensionJoinBenchmark.Impl impl,
      DimensionJoinBenchmark.Variant variant,
      DimensionJoinBenchmark.Output output,
      Backend backend) {
    DimensionJoinBenchmark benchmark = new DimensionJoinBenchmark();
    benchmark.impl = impl;
    benchmark.variant = variant;
    benchmark.output = output;
    benchmark.backend = backend;
    benchmark.keyCount = 1_000;
    benchmark.distribution = KeyDistribution.UNIFORM;
    benchmark.dimensionShare = 0.1;
    benchmark.valueSize = 32;
    return benchmark;
  }
}
