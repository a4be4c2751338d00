package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.RescaleCheck;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A job restored with another parallelism joins as before: the dimension rows, versions and waiting
 * facts of each key (and their timers) reach the subtask that owns the key afterwards, so each
 * key's output equals an uninterrupted run's (see {@link RescaleCheck}). Scaling out and in
 * alternate (2 → 3, 3 → 1, 1 → 2, 4 → 2).
 *
 * <p>By default: the scripted latest and point-in-time inputs on heap at every cut point and on
 * RocksDB (restoring on heap) at {@value DimensionJoinCutPointTest#SAMPLED_CUTS} sampled ones; 10
 * generated scripts on heap and one on RocksDB at sampled cut points. Under {@code -Psoak}: 200
 * generated scripts on heap and 20 on RocksDB.
 */
class DimensionJoinRescaleTest {

  private static final int[][] RESCALES = {{2, 3}, {3, 1}, {1, 2}, {4, 2}};

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_rescaledAtEveryCutPoint_sameOutputPerKey(StateBackendKind backend) {
    scripted(
        DimensionJoinCutPointTest.LATEST_MODE,
        withK0AsK2(DimensionJoinCutPointTest.LATEST),
        backend,
        0);
    scripted(DimensionJoinCutPointTest.LATEST_MODE, DimensionJoinCutPointTest.LATEST, backend, 1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_rescaledAtEveryCutPoint_sameOutputPerKey(StateBackendKind backend) {
    scripted(
        DimensionJoinCutPointTest.AS_OF_MODE,
        withK0AsK2(DimensionJoinCutPointTest.AS_OF),
        backend,
        0);
    scripted(DimensionJoinCutPointTest.AS_OF_MODE, DimensionJoinCutPointTest.AS_OF, backend, 1);
  }

  /**
   * The script with each fact and dimension row of key k2 repeated right after it for key k0. From
   * 2 to 3 subtasks the keys of the scripts (k1 to k3) all stay on their subtasks, so no key's
   * state would move (and RescaleCheck refuses that); k0 moves from subtask 1 to 2, with k2's
   * story.
   */
  private static HarnessInput<Either<String, Change<String>>> withK0AsK2(
      HarnessInput<Either<String, Change<String>>> script) {
    HarnessInput.Builder<Either<String, Change<String>>> withK0 = HarnessInput.builder();
    for (HarnessInput.Step<Either<String, Change<String>>> step : script.steps()) {
      withK0.step(step);
      if (step instanceof HarnessInput.Element<Either<String, Change<String>>> element) {
        Either<String, Change<String>> value = element.value();
        String row = value.isLeft() ? value.left() : value.right().value();
        if (row.startsWith("k2#")) {
          String k0 = "k0#" + row.substring(3);
          withK0.step(
              new HarnessInput.Element<>(
                  value.isLeft()
                      ? JoinInput.fact(k0)
                      : JoinInput.dimension(value.right().withValue(k0)),
                  element.timestamp()));
        }
      }
    }
    return withK0.build();
  }

  static List<Long> heapSeeds() {
    return Soak.seeds(10, 200);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(1, 20);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("heapSeeds")
  void generatedScript_onHeap_rescaledAnywhere_sameOutputPerKey(long seed) {
    generated(seed, StateBackendKind.HEAP, StateBackendKind.HEAP);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("rocksDbSeeds")
  void generatedScript_onRocksDb_rescaledAnywhere_sameOutputPerKey(long seed) {
    generated(seed, StateBackendKind.ROCKSDB, StateBackendKind.ROCKSDB);
    generated(seed + 1_000_000, StateBackendKind.ROCKSDB, StateBackendKind.HEAP);
  }

  private static void scripted(
      JoinMode mode,
      HarnessInput<Either<String, Change<String>>> script,
      StateBackendKind backend,
      int rescale) {
    KeyedHarness<Object, Either<String, Change<String>>, String> harness =
        mode.harness().on(backend);
    RescaleCheck<Either<String, Change<String>>, String> check =
        RescaleCheck.of(harness, script).rescaling(RESCALES[rescale][0], RESCALES[rescale][1]);
    if (backend == StateBackendKind.ROCKSDB) {
      check =
          check
              .restoringOn(StateBackendKind.HEAP)
              .withSampledCutPoints(DimensionJoinCutPointTest.SAMPLED_CUTS, 11L + rescale);
    }
    check.verify();
  }

  private static void generated(long seed, StateBackendKind backend, StateBackendKind restoreOn) {
    int[] rescale = RESCALES[(int) (seed % RESCALES.length)];
    RescaleCheck.of(
            DimensionJoinModelTest.mode(seed).harness().on(backend),
            DimensionJoinModelTest.script(seed))
        .rescaling(rescale[0], rescale[1])
        .restoringOn(restoreOn)
        .withSampledCutPoints(Soak.isEnabled() ? 8 : DimensionJoinCutPointTest.SAMPLED_CUTS, seed)
        .verify();
  }
}
