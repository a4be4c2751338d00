package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.RescaleCheck;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A job restored with another parallelism keeps every key's history: generated changelogs of six
 * keys (out of order within and beyond the horizon, redeliveries, deletes and re-inserts, ties),
 * run on some subtasks, snapshotted, split or merged by key group onto another number of subtasks
 * and run on, give each key the output of an uninterrupted run at parallelism 1 (see {@link
 * RescaleCheck}). Scaling out and in alternate by seed (2 → 3, 3 → 1, 1 → 2, 4 → 2).
 *
 * <p>Default build: 12 sequences on heap with 3 sampled cut points, 2 on RocksDB (restoring on heap
 * for one, RocksDB for the other) and 2 long histories (sealed chunks) with 3. Under {@code
 * -Psoak}: 200 on heap with 6 cut points, 40 on RocksDB, 40 long histories. The long histories on
 * the heap run once more under Flink's changelog state backend.
 */
class Scd2RescaleTest {

  private static final List<Scd2Variant> VARIANTS = Scd2Variant.spread();
  private static final int[][] RESCALES = {{2, 3}, {3, 1}, {1, 2}, {4, 2}};

  static List<Long> heapSeeds() {
    return Soak.seeds(12, 200);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(2, 40);
  }

  static List<Long> longHistorySeeds() {
    return Soak.seeds(2, 40);
  }

  @ParameterizedTest
  @MethodSource("heapSeeds")
  void rescale_onHeap_keepsEveryKeysHistory(long seed) {
    check(seed, generated(seed, 6, 40), StateBackendKind.HEAP, StateBackendKind.HEAP);
  }

  @ParameterizedTest
  @MethodSource("rocksDbSeeds")
  void rescale_onRocksDb_keepsEveryKeysHistory(long seed) {
    StateBackendKind restoreOn = seed % 2 == 0 ? StateBackendKind.HEAP : StateBackendKind.ROCKSDB;
    check(seed, generated(seed, 6, 40), StateBackendKind.ROCKSDB, restoreOn);
  }

  /**
   * Three keys with 60 changes each and a 300 ms horizon (on the heap, which seals chunks of 32
   * instead of 8, four times as many changes and as long a horizon): sealed chunks move between
   * subtasks.
   */
  @ParameterizedTest
  @MethodSource("longHistorySeeds")
  void rescale_longHistories_keepsEveryKeysHistory(long seed) throws Exception {
    StateBackendKind backend = seed % 2 == 0 ? StateBackendKind.ROCKSDB : StateBackendKind.HEAP;
    int scale = Scd2Harnesses.longHistoryScale(backend);
    Scd2Variant variant = VARIANTS.get((int) (seed % VARIANTS.size())).withHorizon(300L * scale);
    List<Change<Account>> delivered =
        Scd2Generator.messy()
            .withKeys(3)
            .withLength(180 * scale)
            .withDeleteRate(0.03)
            .withShuffleWindow(1 + (int) (seed % 9))
            .generate(seed);
    KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>> harness =
        Scd2Harnesses.of(variant.step(), Change.typeInfo(Account.TYPE)).harness().on(backend);
    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h = harness.open()) {
      h.run(Scd2Generator.script(delivered));
      assertThat(Scd2Harnesses.stateKeys(h, "chunks")).as("keys with sealed chunks").isPositive();
    }
    check(variant, seed, delivered, backend, backend, false);
    if (backend == StateBackendKind.HEAP) {
      // the changelog backend keeps heap objects and logs every write: restores replay the writes
      check(variant, seed, delivered, backend, backend, true);
    }
  }

  private static List<Change<Account>> generated(long seed, int keys, int length) {
    return Scd2Generator.messy()
        .withKeys(keys)
        .withLength(length)
        .withShuffleWindow(1 + (int) (seed % 7))
        .generate(seed);
  }

  private static void check(
      long seed,
      List<Change<Account>> delivered,
      StateBackendKind backend,
      StateBackendKind restoreOn) {
    check(VARIANTS.get((int) (seed % VARIANTS.size())), seed, delivered, backend, restoreOn, false);
  }

  private static void check(
      Scd2Variant variant,
      long seed,
      List<Change<Account>> delivered,
      StateBackendKind backend,
      StateBackendKind restoreOn,
      boolean stateChangelog) {
    HarnessInput<Change<Account>> script = Scd2Generator.script(delivered);
    KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>> harness =
        Scd2Harnesses.of(variant.step(), Change.typeInfo(Account.TYPE)).harness().on(backend);
    if (stateChangelog) {
      harness = harness.withStateChangelog();
    }
    int[] rescale = RESCALES[(int) (seed % RESCALES.length)];
    RescaleCheck.of(harness, script)
        .rescaling(rescale[0], rescale[1])
        .restoringOn(restoreOn)
        .withSampledCutPoints(Soak.isEnabled() ? 6 : 3, seed)
        .verify();
  }
}
