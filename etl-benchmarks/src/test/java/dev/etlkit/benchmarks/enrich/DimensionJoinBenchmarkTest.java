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
 * etlkit on RocksDB too; called directly rather than through JMH. Proves the benchmark code works,
 * not how fast it is.
 */
class DimensionJoinBenchmarkTest {

  static Stream<Arguments> combinations() {
    List<Arguments> combinations = new ArrayList<>();
    for (DimensionJoinBenchmark.Variant variant : DimensionJoinBenchmark.Variant.values()) {
      for (DimensionJoinBenchmark.Impl impl : DimensionJoinBenchmark.Impl.values()) {
        combinations.add(Arguments.of(impl, variant, Backend.HEAP));
      }
      combinations.add(Arguments.of(DimensionJoinBenchmark.Impl.ETLKIT, variant, Backend.ROCKSDB));
    }
    return combinations.stream();
  }

  @ParameterizedTest(name = "{0} {1} on {2}")
  @MethodSource("combinations")
  void join_twoInvocations_run(
      DimensionJoinBenchmark.Impl impl, DimensionJoinBenchmark.Variant variant, Backend backend)
      throws Exception {
    DimensionJoinBenchmark benchmark = new DimensionJoinBenchmark();
    benchmark.impl = impl;
    benchmark.variant = variant;
    benchmark.backend = backend;
    benchmark.keyCount = 1_000;
    benchmark.distribution = KeyDistribution.UNIFORM;
    benchmark.dimensionShare = 0.1;
    benchmark.valueSize = 32;

    benchmark.setUpTrial();
    try {
      benchmark.join();
      benchmark.join();
    } finally {
      benchmark.tearDownTrial();
    }
    assertThat(HarnessBenchmarkBase.BATCH).isEqualTo(1000);
  }
}
