package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * SCD2 on Flink's ForSt state backend (docs/operations.md#the-forst-state-backend): generated
 * histories give RocksDB's output record for record and materialize to the reference; restores from
 * ForSt's snapshots and from canonical savepoints of RocksDB (ForSt with its timers on the heap),
 * including a committed savepoint file with sealed chunks; and a TTL switched on at a restore gives
 * idle keys their cleanup timers there too (a pass over all keys, Flink's {@code applyToAllKeys}).
 */
class Scd2ForStTest {

  /** ForSt with its timers on the heap, as it needs to restore canonical savepoints. */
  private static final Configuration HEAP_TIMERS = new Configuration();

  static {
    HEAP_TIMERS.setString("state.backend.forst.timer-service.factory", "HEAP");
  }

  private static final Duration TTL = Duration.ofHours(1);

  @Test
  void generatedHistory_onForSt_emitsWhatRocksDbEmits_andRestoresFromForStSnapshots()
      throws Exception {
    long seed = 1;
    Scd2Variant variant = Scd2Variant.spread().get(1);
    List<Change<Account>> delivered = Scd2Generator.messy().withShuffleWindow(3).generate(seed);
    HarnessInput<Change<Account>> script = Scd2Generator.script(delivered);
    KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>> recipe =
        Scd2Harnesses.of(variant.step(), Change.typeInfo(Account.TYPE)).harness();

    List<Change<Scd2Row<Account>>> onForSt = output(recipe.onForSt(new Configuration()), script);
    assertThat(onForSt).isEqualTo(output(recipe.on(StateBackendKind.ROCKSDB), script));
    assertThat(Scd2Invariants.materialize(onForSt))
        .as("%s", variant)
        .isEqualTo(variant.expected(delivered).byVersion());
    CutPointCheck.of(recipe.onForSt(new Configuration()), script)
        .withSampledCutPoints(3, seed)
        .verify();
  }

  /** A long history (sealed chunks of kept changes) moved from RocksDB to ForSt at cut points. */
  @Test
  void longHistory_restoredOnForStFromRocksDbSavepoints_changesNothing() {
    long seed = 4;
    Scd2Variant variant = Scd2Variant.spread().get(0).withHorizon(300);
    List<Change<Account>> delivered =
        Scd2Generator.messy()
            .withKeys(1)
            .withLength(80)
            .withDeleteRate(0.03)
            .withShuffleWindow(5)
            .generate(seed);
    KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>> recipe =
        Scd2Harnesses.of(variant.step(), Change.typeInfo(Account.TYPE)).harness();

    CutPointCheck.of(recipe.on(StateBackendKind.ROCKSDB), Scd2Generator.script(delivered))
        .restoringOnForSt(HEAP_TIMERS)
        .withSampledCutPoints(3, seed)
        .verify();
  }

  /**
   * TTL switched on at a restore on ForSt, from a ForSt snapshot and from a RocksDB savepoint: the
   * pass over all keys gives both restored keys a cleanup timer, and the idle one is forgotten.
   */
  @Test
  void ttlSwitchedOnAtARestore_onForSt_idleKeysAreForgottenATtlAfterIt() throws Exception {
    var withoutTtl = Scd2Harnesses.of(customers(), CHANGES).harness();
    var withTtl = Scd2Harnesses.of(customers(), CHANGES, TTL).harness();
    for (boolean fromRocksDbSavepoint : List.of(false, true)) {
      OperatorSubtaskState state;
      try (var h =
          (fromRocksDbSavepoint
                  ? withoutTtl.on(StateBackendKind.ROCKSDB)
                  : withoutTtl.onForSt(new Configuration()))
              .open()) {
        h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
        h.processElement(Change.insert(customer("c2", "retail", "555", 1)));
        state = fromRocksDbSavepoint ? h.savepoint() : h.snapshot();
      }
      try (var h =
          withTtl
              .onForSt(fromRocksDbSavepoint ? HEAP_TIMERS : new Configuration())
              .restore(state)) {
        assertThat(((Scd2Operator<?, ?>) h.unwrap().getOperator()).keysGivenCleanupTimers())
            .as("from a RocksDB savepoint: %s", fromRocksDbSavepoint)
            .isEqualTo(2);
        h.setProcessingTime(TTL.toMillis() / 2);
        h.processElement(Change.updateAfter(customer("c2", "vip", "555", 2))); // c2 written
        h.setProcessingTime(TTL.toMillis()); // c1 idle since the restore: forgotten

        assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(1);
      }
    }
  }

  /** The committed RocksDB savepoint of format 3 (sealed chunks): on ForSt as on RocksDB. */
  @Test
  void committedRocksDbSavepoint_restoredOnForSt_continuesAsOnRocksDb() throws Exception {
    var recipe = Scd2Harnesses.of(Scd2SavepointCompatibilityTest.retract(), CHANGES, TTL).harness();
    OperatorSubtaskState state =
        SnapshotFiles.read(
            Scd2SavepointCompatibilityTest.SNAPSHOTS.file(
                "scd2-retract", 3, StateBackendKind.ROCKSDB));
    HarnessInput<Change<Customer>> after = Scd2SavepointCompatibilityTest.C4_AFTER_RESTORE;

    List<String> onRocksDb;
    try (var h = recipe.on(StateBackendKind.ROCKSDB).restore(state)) {
      h.run(after);
      h.setProcessingTime(TTL.toMillis()); // the restored cleanup timers fire
      onRocksDb = brief(h.output());
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
    try (var h = recipe.onForSt(HEAP_TIMERS).restore(state)) {
      assertThat(Scd2Harnesses.stateKeys(h, "chunks")).isEqualTo(1); // c4's sealed chunk
      h.run(after);
      h.setProcessingTime(TTL.toMillis());

      assertThat(brief(h.output())).isNotEmpty().isEqualTo(onRocksDb);
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
  }

  private static <I, O> List<O> output(KeyedHarness<?, I, O> recipe, HarnessInput<I> script)
      throws Exception {
    try (OperatorHarness<I, O> h = recipe.open()) {
      h.run(script);
      return h.output();
    }
  }
}
