package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshot and restore at cut points of generated changelogs (in order, shuffled within and beyond
 * the horizon, redeliveries, deletes and re-inserts, ties) never change the step's output, which
 * materializes to the reference and keeps the invariants, on heap and RocksDB.
 *
 * <p>Default build: 100 sequences on heap with 4 sampled cut points each, 3 on RocksDB restoring on
 * heap with 6, and 6 long histories (sealed chunks) with 4, half on RocksDB. Under {@code -Psoak}:
 * 1000 sequences on heap at every cut point, 200 on RocksDB with 6 sampled cut points, 100 long
 * histories with 12 (a RocksDB restore costs about 0.2 s).
 */
class Scd2CutPointTest {

  private static final List<Scd2Variant> VARIANTS = Scd2Variant.spread();

  static List<Long> heapSeeds() {
    return Soak.seeds(100, 1_000);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(3, 200);
  }

  @ParameterizedTest
  @MethodSource("heapSeeds")
  void restore_atCutPoints_onHeap_changesNothing(long seed) throws Exception {
    check(seed, StateBackendKind.HEAP, Soak.isEnabled() ? -1 : 4);
  }

  @ParameterizedTest
  @MethodSource("rocksDbSeeds")
  void restore_atCutPoints_fromRocksDbOnHeap_changesNothing(long seed) throws Exception {
    check(seed, StateBackendKind.ROCKSDB, 6);
  }

  static List<Long> longHistorySeeds() {
    return Soak.seeds(6, 100);
  }

  /**
   * Long histories (one key, 80 changes, a 300 ms horizon: 15 to 45 kept changes, chunks of 8; on
   * the heap, which seals chunks of 32, four times as many changes and as long a horizon): keys
   * keep sealed chunks of kept changes (state format 3), late changes splice into them, prunes cut
   * them, and snapshots are taken with chunks open and sealed; on RocksDB, on heap, and restoring
   * from one on the other.
   */
  @ParameterizedTest
  @MethodSource("longHistorySeeds")
  void restore_atCutPoints_longHistories_changesNothing(long seed) throws Exception {
    StateBackendKind backend = seed % 2 == 0 ? StateBackendKind.ROCKSDB : StateBackendKind.HEAP;
    int scale = Scd2Harnesses.longHistoryScale(backend);
    Scd2Variant shape = VARIANTS.get((int) (seed % VARIANTS.size()));
    Scd2Variant variant = shape.withHorizon(300L * scale);
    List<Change<Account>> delivered =
        Scd2Generator.messy()
            .withKeys(1)
            .withLength(80 * scale)
            .withDeleteRate(0.03)
            .withShuffleWindow(1 + (int) (seed % 9))
            .generate(seed);
    check(variant, delivered, seed, backend, Soak.isEnabled() ? 12 : 4, true);
  }

  private static void check(long seed, StateBackendKind backend, int cutPoints) throws Exception {
    Scd2Variant variant = VARIANTS.get((int) (seed % VARIANTS.size()));
    List<Change<Account>> delivered =
        Scd2Generator.messy().withShuffleWindow(1 + (int) (seed % 7)).generate(seed);
    check(variant, delivered, seed, backend, cutPoints, false);
  }

  private static void check(
      Scd2Variant variant,
      List<Change<Account>> delivered,
      long seed,
      StateBackendKind backend,
      int cutPoints,
      boolean sealsChunks)
      throws Exception {
    HarnessInput<Change<Account>> script = Scd2Generator.script(delivered);
    KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>> harness =
        Scd2Harnesses.of(variant.step(), Change.typeInfo(Account.TYPE)).harness().on(backend);

    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h = harness.open()) {
      h.run(script);
      Map<String, Scd2Row<Account>> actual = Scd2Invariants.materialize(h.output());
      Scd2Reference.Result<Account> expected = variant.expected(delivered);
      assertThat(actual).as("seed %d, %s", seed, variant).isEqualTo(expected.byVersion());
      variant.invariants().check(actual.values());
      if (sealsChunks) {
        assertThat(Scd2Harnesses.stateKeys(h, "chunks")).as("a sealed chunk").isEqualTo(1);
      }
    }

    CutPointCheck<Change<Account>, Change<Scd2Row<Account>>> check =
        CutPointCheck.of(harness, script).withEndOfInput();
    if (backend == StateBackendKind.ROCKSDB) {
      check = check.restoringOn(StateBackendKind.HEAP);
    } else if (seed % 4 == 1) {
      check = check.restoringOn(StateBackendKind.ROCKSDB);
    }
    if (cutPoints > 0) {
      check = check.withSampledCutPoints(cutPoints, seed);
    }
    check.verify();
  }
}
