package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.NormalizeCutPointTest.Mode;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.RescaleCheck;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A job restored with another parallelism normalizes as before: each key's last row (or projected
 * key and version) reaches the subtask that owns the key afterwards, so each key's output equals an
 * uninterrupted run's (see {@link RescaleCheck}), in every mode (plain, versioned, versioned with
 * projected state).
 *
 * <p>Scripts concatenate generated changelogs as {@link NormalizeCutPointTest} does (redeliveries,
 * out-of-order and late records, deletes, key-only tombstones). By default: one batch of 20
 * sequences per mode on heap and one of 6 on RocksDB (restored on heap), rescaled 2 → 3, 3 → 1 and
 * 4 → 2 at sampled cut points. Under {@code -Psoak}: 100 sequences per mode on heap and 20 on
 * RocksDB, more cut points.
 */
class NormalizeRescaleTest {

  static Stream<Arguments> batches() {
    List<Arguments> batches = new ArrayList<>();
    int heap = Soak.count(20, 100);
    int rocksDb = Soak.count(6, 20);
    for (Mode mode : Mode.values()) {
      int m = mode.ordinal();
      batches.add(Arguments.of(StateBackendKind.HEAP, mode, seeds(100 * m, heap), 2 + m % 2));
      batches.add(Arguments.of(StateBackendKind.ROCKSDB, mode, seeds(1_000 + 100 * m, rocksDb), 4));
    }
    return batches.stream();
  }

  @ParameterizedTest(name = "{0} {1} seeds from {2}")
  @MethodSource("batches")
  void rescaled_sameOutputPerKeyAsUninterrupted(
      StateBackendKind backend, Mode mode, List<Long> seeds, int from) {
    HarnessInput<Change<String>> input =
        NormalizeCutPointTest.concatenated(seeds, new ArrayList<>(), new ArrayList<>());
    int to = from == 2 ? 3 : from == 3 ? 1 : 2;
    RescaleCheck.of(NormalizeCutPointTest.recipe(mode).on(backend), input)
        .rescaling(from, to)
        .restoringOn(StateBackendKind.HEAP)
        .withSampledCutPoints(Soak.isEnabled() ? 12 : 4, seeds.get(0))
        .verify();
  }

  private static List<Long> seeds(long first, int count) {
    List<Long> seeds = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      seeds.add(first + i);
    }
    return seeds;
  }
}
