package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.DedupModel.Mode;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.RescaleCheck;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A job restored with another parallelism deduplicates as before: each key's kept row, held rows
 * and timers reach the subtask that owns the key afterwards, and the watermark kept in union
 * operator state still finds late rows late, so each key's output equals an uninterrupted run's
 * (see {@link RescaleCheck}). Scaling out and in alternate (2 → 3, 3 → 1, 1 → 2, 4 → 2).
 *
 * <p>By default: the scripted inputs at every cut point on heap and at {@value
 * DedupCutPointTest#SAMPLED_CUTS} sampled ones on RocksDB (restoring on heap); 16 generated inputs
 * (every mode) on heap and one on RocksDB at sampled cut points. Under {@code -Psoak}: 200 on heap
 * and 20 on RocksDB.
 */
class DedupRescaleTest {

  private static final int[][] RESCALES = {{2, 3}, {3, 1}, {1, 2}, {4, 2}};

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstAppendInEventTime_rescaled_sameOutputPerKey(StateBackendKind backend) {
    KeyedHarness<Object, String, String> harness =
        DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder()).harness().on(backend);

    scripted(harness, withK0AsK2(DedupCutPointTest.HELD_ROWS), backend, 0);
    scripted(harness, DedupCutPointTest.HELD_ROWS, backend, 1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastRetractOnChangelog_rescaled_sameOutputPerKey(StateBackendKind backend) {
    KeyedHarness<Object, Change<String>, Change<String>> harness =
        DedupCutPointTest.keepLastRetractByVersion().on(backend);

    scripted(harness, DedupCutPointTest.CHANGES, backend, 2);
    scripted(harness, DedupCutPointTest.CHANGES, backend, 3);
  }

  /**
   * The script with each row of key k2 repeated right after it for key k0. From 2 to 3 subtasks the
   * keys of HELD_ROWS (k1 to k4) all stay on their subtasks, so no key's state would move (and
   * RescaleCheck refuses that); k0 moves from subtask 1 to 2, with k2's story.
   */
  private static HarnessInput<String> withK0AsK2(HarnessInput<String> script) {
    HarnessInput.Builder<String> withK0 = HarnessInput.builder();
    for (HarnessInput.Step<String> step : script.steps()) {
      withK0.step(step);
      if (step instanceof HarnessInput.Element<String> row && row.value().startsWith("k2#")) {
        withK0.step(new HarnessInput.Element<>("k0#" + row.value().substring(3), row.timestamp()));
      }
    }
    return withK0.build();
  }

  static List<Long> heapSeeds() {
    return Soak.seeds(16, 200);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(1, 20);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("heapSeeds")
  void generatedInput_onHeap_rescaledAnywhere_sameOutputPerKey(long seed) {
    generated(seed, StateBackendKind.HEAP, StateBackendKind.HEAP);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("rocksDbSeeds")
  void generatedInput_onRocksDb_rescaledAnywhere_sameOutputPerKey(long seed) {
    generated(seed, StateBackendKind.ROCKSDB, StateBackendKind.ROCKSDB);
    generated(seed + 1_000_000, StateBackendKind.ROCKSDB, StateBackendKind.HEAP);
  }

  private static <I, O> void scripted(
      KeyedHarness<Object, I, O> harness,
      HarnessInput<I> script,
      StateBackendKind backend,
      int rescale) {
    RescaleCheck<I, O> check =
        RescaleCheck.of(harness, script).rescaling(RESCALES[rescale][0], RESCALES[rescale][1]);
    if (backend == StateBackendKind.ROCKSDB) {
      check =
          check
              .restoringOn(StateBackendKind.HEAP)
              .withSampledCutPoints(DedupCutPointTest.SAMPLED_CUTS, 13L + rescale);
    }
    check.verify();
  }

  private static void generated(long seed, StateBackendKind backend, StateBackendKind restoreOn) {
    Mode mode = DedupModelTest.MODES.get((int) (seed % DedupModelTest.MODES.size()));
    GeneratedChangelog<String> input = DedupModelTest.generator(mode).generate(seed);
    generated(mode.harness(false), mode.input(input.input()), seed, backend, restoreOn);
  }

  private static <I, O> void generated(
      KeyedHarness<Object, I, O> harness,
      HarnessInput<I> input,
      long seed,
      StateBackendKind backend,
      StateBackendKind restoreOn) {
    int[] rescale = RESCALES[(int) (seed % RESCALES.length)];
    RescaleCheck.of(harness.on(backend), input)
        .rescaling(rescale[0], rescale[1])
        .restoringOn(restoreOn)
        .withSampledCutPoints(Soak.isEnabled() ? 8 : DedupCutPointTest.SAMPLED_CUTS, seed)
        .verify();
  }
}
