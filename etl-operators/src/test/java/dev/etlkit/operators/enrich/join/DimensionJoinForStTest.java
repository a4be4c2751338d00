package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.operators.ForStTtlSwitch;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * The dimension join, latest and point in time, on Flink's ForSt state backend
 * (docs/operations.md#the-forst-state-backend): the output of RocksDB, record for record; restores
 * from ForSt's snapshots and from canonical savepoints of RocksDB (ForSt with its timers on the
 * heap), including a committed savepoint file; and the check that refuses a switch between the
 * variants, which reads the restored state's keys, works on ForSt too.
 */
class DimensionJoinForStTest {

  /** ForSt with its timers on the heap, as it needs to restore canonical savepoints. */
  private static final Configuration HEAP_TIMERS = new Configuration();

  static {
    HEAP_TIMERS.setString("state.backend.forst.timer-service.factory", "HEAP");
  }

  private static final KeyedHarness<Object, Either<String, Change<String>>, String> LATEST =
      DimensionJoinCutPointTest.LATEST_MODE.harness();
  private static final KeyedHarness<Object, Either<String, Change<String>>, String> AS_OF =
      DimensionJoinCutPointTest.AS_OF_MODE.harness();

  @Test
  void latestAndAsOf_onForSt_emitWhatRocksDbEmits() throws Exception {
    assertThat(run(LATEST.onForSt(new Configuration()), DimensionJoinCutPointTest.LATEST))
        .isEqualTo(run(LATEST.on(StateBackendKind.ROCKSDB), DimensionJoinCutPointTest.LATEST))
        .isNotEmpty();
    assertThat(run(AS_OF.onForSt(new Configuration()), DimensionJoinCutPointTest.AS_OF))
        .isEqualTo(run(AS_OF.on(StateBackendKind.ROCKSDB), DimensionJoinCutPointTest.AS_OF))
        .isNotEmpty();
  }

  @Test
  void asOf_restoredFromForStSnapshots_sameOutput() {
    CutPointCheck.of(AS_OF.onForSt(new Configuration()), DimensionJoinCutPointTest.AS_OF)
        .withPerKeyOrder()
        .withSampledCutPoints(3, 5L)
        .verify();
  }

  @Test
  void asOf_restoredOnForStFromRocksDbSavepoints_sameOutput() {
    CutPointCheck.of(AS_OF.on(StateBackendKind.ROCKSDB), DimensionJoinCutPointTest.AS_OF)
        .restoringOnForSt(HEAP_TIMERS)
        .withPerKeyOrder()
        .withSampledCutPoints(3, 7L)
        .verify();
  }

  /** Flink's state TTL switched on or off fails the restore on ForSt, both ways, either variant. */
  @Test
  void ttlSwitched_failsTheRestore() throws Exception {
    Duration ttl = Duration.ofHours(1);
    ForStTtlSwitch.assertRefusedBothWays(
        JoinHarness.expand(JoinHarness.latest()).harness(),
        JoinHarness.expand(JoinHarness.latest().withStateTtl(ttl)).harness(),
        DimensionJoinCutPointTest.LATEST);
    ForStTtlSwitch.assertRefusedBothWays(
        JoinHarness.expand(JoinHarness.asOf()).harness(),
        JoinHarness.expand(JoinHarness.asOf().withStateTtl(ttl)).harness(),
        DimensionJoinCutPointTest.AS_OF);
  }

  /** The newest committed RocksDB savepoint of each variant: ForSt carries on as RocksDB does. */
  @Test
  void committedRocksDbSavepoints_restoredOnForSt_continueAsOnRocksDb() throws Exception {
    HarnessInput<Either<String, Change<String>>> after =
        HarnessInput.<Either<String, Change<String>>>builder()
            .element(JoinInput.fact("k1#o3"), 40)
            .element(JoinInput.dimension(Change.insert("k3#v1")), 41)
            .element(JoinInput.fact("k2#o4"), 42)
            .advanceProcessingTime(200)
            .watermark(100)
            .build();
    for (String file :
        List.of(
            DimensionJoinSavepointCompatibilityTest.LATEST_FILE,
            DimensionJoinSavepointCompatibilityTest.AS_OF_FILE)) {
      KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
          (file.equals(DimensionJoinSavepointCompatibilityTest.LATEST_FILE)
                  ? DimensionJoinSavepointCompatibilityTest.LATEST
                  : DimensionJoinSavepointCompatibilityTest.AS_OF)
              .harness();
      OperatorSubtaskState state =
          SnapshotFiles.read(
              DimensionJoinSavepointCompatibilityTest.SNAPSHOTS.file(
                  file, 2, StateBackendKind.ROCKSDB));

      List<Emitted> onRocksDb;
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          recipe.on(StateBackendKind.ROCKSDB).restore(state)) {
        onRocksDb = h.run(after);
      }
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          recipe.onForSt(HEAP_TIMERS).restore(state)) {
        assertThat(h.run(after)).as(file).isEqualTo(onRocksDb).isNotEmpty();
      }
    }
  }

  /**
   * The variant check reads the keys of the restored state of the other variant (Flink's {@code
   * getKeysAndNamespaces}): on ForSt a latest join still refuses the point-in-time join's versions
   * from a ForSt snapshot, and a point-in-time join the latest join's rows from a RocksDB
   * savepoint.
   */
  @Test
  void variantSwitch_onForSt_isRefused_fromAForStSnapshotAndFromARocksDbSavepoint() {
    assertThatThrownBy(() -> switched(AS_OF, LATEST, DimensionJoinCutPointTest.AS_OF, false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("written by a point-in-time join (DimensionJoin.asOf)")
        .hasMessageContaining("holds its state 'join-versions'");
    assertThatThrownBy(() -> switched(LATEST, AS_OF, DimensionJoinCutPointTest.LATEST, true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("written by a latest join (DimensionJoin.latest)")
        .hasMessageContaining("holds its state 'join-row'");
  }

  /** The state of {@code from} after {@code script}, restored into {@code to} on ForSt. */
  private static void switched(
      KeyedHarness<Object, Either<String, Change<String>>, String> from,
      KeyedHarness<Object, Either<String, Change<String>>, String> to,
      HarnessInput<Either<String, Change<String>>> script,
      boolean fromRocksDbSavepoint)
      throws Exception {
    OperatorSubtaskState state;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        (fromRocksDbSavepoint
                ? from.on(StateBackendKind.ROCKSDB)
                : from.onForSt(new Configuration()))
            .open()) {
      h.run(script);
      state = fromRocksDbSavepoint ? h.savepoint() : h.snapshot();
    }
    to.onForSt(fromRocksDbSavepoint ? HEAP_TIMERS : new Configuration()).restore(state).close();
  }

  private static <I, O> List<Emitted> run(KeyedHarness<?, I, O> recipe, HarnessInput<I> input)
      throws Exception {
    try (OperatorHarness<I, O> h = recipe.open()) {
      return h.run(input);
    }
  }
}
