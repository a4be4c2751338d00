package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.ForStTtlSwitch;
import dev.etlkit.operators.normalize.NormalizeCutPointTest.Mode;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The upsert normalizer on Flink's ForSt state backend
 * (docs/operations.md#the-forst-state-backend), in each state layout: the output of RocksDB over
 * generated changelogs, record for record; restores from ForSt's snapshots and from canonical
 * savepoints of RocksDB, including a committed savepoint file.
 */
class NormalizeForStTest {

  /** ForSt with its timers on the heap, as it needs to restore canonical savepoints. */
  private static final Configuration HEAP_TIMERS = new Configuration();

  static {
    HEAP_TIMERS.setString("state.backend.forst.timer-service.factory", "HEAP");
  }

  /** Ten generated changelogs (redeliveries, disorder, late records, deletes, tombstones). */
  private static final HarnessInput<Change<String>> INPUT =
      NormalizeCutPointTest.concatenated(
          List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), new ArrayList<>(), new ArrayList<>());

  @ParameterizedTest
  @EnumSource(Mode.class)
  void onForSt_emitsWhatRocksDbEmits(Mode mode) throws Exception {
    KeyedHarness<String, Change<String>, Change<String>> recipe =
        NormalizeCutPointTest.recipe(mode);

    assertThat(run(recipe.onForSt(new Configuration())))
        .isEqualTo(run(recipe.on(StateBackendKind.ROCKSDB)))
        .isNotEmpty();
  }

  @Test
  void versioned_restoredFromForStSnapshots_sameOutput() {
    CutPointCheck.of(
            NormalizeCutPointTest.recipe(Mode.VERSIONED).onForSt(new Configuration()), INPUT)
        .withSampledCutPoints(3, 1L)
        .verify();
  }

  @Test
  void versionedProjected_restoredOnForStFromRocksDbSavepoints_sameOutput() {
    CutPointCheck.of(
            NormalizeCutPointTest.recipe(Mode.VERSIONED_PROJECTED).on(StateBackendKind.ROCKSDB),
            INPUT)
        .restoringOnForSt(HEAP_TIMERS)
        .withSampledCutPoints(3, 2L)
        .verify();
  }

  /** The newest committed RocksDB savepoint of the versioned layout on ForSt, as on RocksDB. */
  @Test
  void committedRocksDbSavepoint_restoredOnForSt_continuesAsOnRocksDb() throws Exception {
    KeyedHarness<String, Change<String>, Change<String>> recipe =
        normalizer(strings().withSequence(ChangeSequence.sourcePosition()), Types.STRING, null)
            .recipe;
    OperatorSubtaskState state =
        SnapshotFiles.read(
            SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY)
                .file("normalize-versioned", 2, StateBackendKind.ROCKSDB));
    HarnessInput<Change<String>> after =
        HarnessInput.<Change<String>>builder()
            .element(Change.updateAfter("k1#v0").withSourcePosition(2), 60) // stale
            .element(Change.updateAfter("k1#v3").withSourcePosition(6), 62)
            .element(Change.insert("k2#v2").withSourcePosition(7), 63)
            .build();

    List<Emitted> onRocksDb;
    try (OperatorHarness<Change<String>, Change<String>> h =
        recipe.on(StateBackendKind.ROCKSDB).restore(state)) {
      onRocksDb = h.run(after);
    }
    try (OperatorHarness<Change<String>, Change<String>> h =
        recipe.onForSt(HEAP_TIMERS).restore(state)) {
      assertThat(h.run(after)).isEqualTo(onRocksDb).hasSize(4);
    }
  }

  /**
   * Flink's state TTL switched on or off fails the restore on ForSt, both ways: the normalizer
   * plain and with a sequence, and the changelog check.
   */
  @Test
  void ttlSwitched_failsTheRestore() throws Exception {
    Duration ttl = Duration.ofHours(1);
    UpsertNormalize<String, String> versioned =
        strings().withSequence(ChangeSequence.sourcePosition());
    ForStTtlSwitch.assertRefusedBothWays(
        normalizer(strings(), Types.STRING, null).recipe,
        normalizer(strings(), Types.STRING, ttl).recipe,
        INPUT);
    ForStTtlSwitch.assertRefusedBothWays(
        normalizer(versioned, Types.STRING, null).recipe,
        normalizer(versioned, Types.STRING, ttl).recipe,
        INPUT);
    ForStTtlSwitch.assertRefusedBothWays(
        checker(stringCheck(), Types.STRING, null).recipe,
        checker(stringCheck(), Types.STRING, ttl).recipe,
        INPUT);
  }

  private static List<Emitted> run(KeyedHarness<String, Change<String>, Change<String>> recipe)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> h = recipe.open()) {
      return h.run(INPUT);
    }
  }
}
