package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.util.List;
import java.util.SortedSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * State format 5 (the cursor serializer's snapshot records the output mode's class) on every
 * restore path: a restore that switches between APPEND and RETRACT or UPSERT is refused with the
 * step's message from the changelog state backend, ForSt, canonical savepoints and a rescale as
 * from a plain snapshot; a restored state snapshotted again records the class of the mode it ran
 * with, also when it came from a format that recorded none (docs/scd2.md, "Switching the output
 * mode at a restore"). Found by a review of state format 5 on 2026-11-26.
 */
class Scd2OutputModeRestorePathsTest {

  private static final String REFUSED_AS_RETRACT =
      "SCD2 step 'test/scd2' cannot restore its state with output RETRACT: it was written with"
          + " output APPEND";
  private static final String REFUSED_AS_APPEND =
      "SCD2 step 'test/scd2' cannot restore its state with output APPEND: it was written with"
          + " output RETRACT or UPSERT";

  private static final Configuration FORST_HEAP_TIMERS = new Configuration();

  static {
    FORST_HEAP_TIMERS.setString("state.backend.forst.timer-service.factory", "HEAP");
  }

  private static KeyedHarness<String, Change<Customer>, Change<Scd2Row<Customer>>> step(
      Scd2Output output) {
    return Scd2Harnesses.of(Scd2Test.customers().withOutput(output), CHANGES).harness();
  }

  /** c1 with v1 final, v2 closed within the horizon and v3 current, snapshotted by {@code take}. */
  private static OperatorSubtaskState stateOf(
      KeyedHarness<String, Change<Customer>, Change<Scd2Row<Customer>>> harness, boolean savepoint)
      throws Exception {
    try (var h = harness.open()) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 2)));
      h.processElement(Change.updateAfter(customer("c1", "c", "555", 15)));
      return savepoint ? h.savepoint() : h.snapshot();
    }
  }

  private static void assertRefused(
      KeyedHarness<String, Change<Customer>, Change<Scd2Row<Customer>>> restored,
      OperatorSubtaskState state,
      String message) {
    assertThatThrownBy(() -> restored.restore(state).close())
        .as("%s", restored)
        .hasStackTraceContaining(message);
  }

  /** The cursor state's type, as SavepointCheck compares it, for {@code output}. */
  private static SortedSet<String> typeMismatches(OperatorSubtaskState state, Scd2Output output)
      throws IOException {
    StateInventory inventory =
        Scd2Harnesses.expanded(Scd2Test.customers().withOutput(output), CHANGES, null).inventory();
    return SnapshotStates.typeMismatches(state, inventory, inventory.entries().get(0).uid());
  }

  @Test
  void changelogStateBackend_switchedMode_isRefused_retractAndUpsertRestore() throws Exception {
    OperatorSubtaskState append = stateOf(step(Scd2Output.APPEND).withStateChangelog(), false);
    OperatorSubtaskState retract = stateOf(step(Scd2Output.RETRACT).withStateChangelog(), false);

    assertRefused(step(Scd2Output.RETRACT).withStateChangelog(), append, REFUSED_AS_RETRACT);
    assertRefused(step(Scd2Output.APPEND).withStateChangelog(), retract, REFUSED_AS_APPEND);
    try (var h = step(Scd2Output.UPSERT).withStateChangelog().restore(retract)) {
      h.processElement(Change.updateAfter(customer("c1", "d", "555", 16)));
      assertThat(brief(h.output()))
          .containsExactly("+U c1 v3 [d15,d16) c/555", "+I c1 v4 [d16,) current d/555");
    }
  }

  /** ForSt's own (incremental) snapshots, and a canonical RocksDB savepoint restored on ForSt. */
  @Test
  void forSt_switchedMode_isRefusedWithTheStepsMessage() throws Exception {
    OperatorSubtaskState append =
        stateOf(step(Scd2Output.APPEND).onForSt(new Configuration()), false);
    OperatorSubtaskState retract =
        stateOf(step(Scd2Output.RETRACT).onForSt(new Configuration()), false);
    assertRefused(
        step(Scd2Output.RETRACT).onForSt(new Configuration()), append, REFUSED_AS_RETRACT);
    assertRefused(step(Scd2Output.APPEND).onForSt(new Configuration()), retract, REFUSED_AS_APPEND);

    OperatorSubtaskState fromRocksDb =
        stateOf(step(Scd2Output.APPEND).on(StateBackendKind.ROCKSDB), true);
    assertRefused(step(Scd2Output.UPSERT).onForSt(FORST_HEAP_TIMERS), fromRocksDb, "output UPSERT");
    try (var h = step(Scd2Output.APPEND).onForSt(FORST_HEAP_TIMERS).restore(fromRocksDb)) {
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(1);
    }
  }

  /** A canonical savepoint of either backend, restored on the other. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void canonicalSavepoint_switchedMode_isRefusedOnTheOtherBackend(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState append = stateOf(step(Scd2Output.APPEND).on(backend), true);
    OperatorSubtaskState retract = stateOf(step(Scd2Output.RETRACT).on(backend), true);

    assertRefused(step(Scd2Output.RETRACT).on(backend.other()), append, REFUSED_AS_RETRACT);
    assertRefused(step(Scd2Output.APPEND).on(backend.other()), retract, REFUSED_AS_APPEND);
  }

  /** Each new subtask's share of a snapshot, restored at a higher parallelism. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescaled_switchedMode_isRefusedInEverySubtask(StateBackendKind backend) throws Exception {
    OperatorSubtaskState append = stateOf(step(Scd2Output.APPEND).on(backend), false);
    for (int subtask = 0; subtask < 2; subtask++) {
      int index = subtask;
      assertThatThrownBy(
              () ->
                  step(Scd2Output.RETRACT)
                      .on(backend)
                      .restoreSubtask(List.of(append), 2, index)
                      .close())
          .as("subtask %s", subtask)
          .hasStackTraceContaining(REFUSED_AS_RETRACT);
    }
  }

  /** Format 5 restored and snapshotted again (v5 to v5) still records the class. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void format5_restoredAndSnapshottedAgain_stillRecordsTheMode(StateBackendKind backend)
      throws Exception {
    var append = Scd2Harnesses.of(Scd2SavepointCompatibilityTest.append(), CHANGES).harness();
    OperatorSubtaskState again;
    try (var h =
        append
            .on(backend)
            .restore(
                SnapshotFiles.read(
                    Scd2SavepointCompatibilityTest.SNAPSHOTS.file("scd2-append", 5, backend)))) {
      again = h.snapshot();
    }
    var asRetract =
        Scd2Harnesses.of(
                Scd2SavepointCompatibilityTest.append().withOutput(Scd2Output.RETRACT), CHANGES)
            .harness();
    assertRefused(asRetract.on(backend), again, REFUSED_AS_RETRACT);
    try (var h = append.on(backend).restore(again)) {
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isPositive();
    }
  }

  /**
   * A format that recorded no class restores into either mode; snapshotted again, it records the
   * mode it ran with (not the one that wrote it): the next switch is refused. Format 1 holds c1's
   * base in the {@code base} state, which records it too.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void olderFormat_restoredAndSnapshotted_recordsTheModeItRanWith(StateBackendKind backend)
      throws Exception {
    for (int formatVersion : new int[] {1, 4}) {
      OperatorSubtaskState older =
          SnapshotFiles.read(
              Scd2SavepointCompatibilityTest.SNAPSHOTS.file(
                  "scd2-retract", formatVersion, backend));
      // format 1's POJO cursors migrate (COMPATIBLE_AFTER_MIGRATION): nothing is incompatible
      assertThat(typeMismatches(older, Scd2Output.APPEND))
          .as("format %s", formatVersion)
          .noneMatch(m -> m.contains("INCOMPATIBLE"));
      OperatorSubtaskState asAppend;
      try (var h = step(Scd2Output.APPEND).on(backend).restore(older)) {
        asAppend = h.snapshot();
      }

      assertRefused(step(Scd2Output.RETRACT).on(backend), asAppend, REFUSED_AS_RETRACT);
      assertThat(typeMismatches(asAppend, Scd2Output.RETRACT))
          .as("format %s", formatVersion)
          .anySatisfy(m -> assertThat(m).startsWith("cursor").contains("INCOMPATIBLE"))
          .anySatisfy(m -> assertThat(m).startsWith("base").contains("INCOMPATIBLE"));
      assertThat(typeMismatches(asAppend, Scd2Output.APPEND)).isEmpty();
    }
  }

  /** The changelog state backend restored from a format-4 savepoint records the class too. */
  @Test
  void changelogStateBackend_fromAnOlderFormat_recordsTheModeItRanWith() throws Exception {
    OperatorSubtaskState older =
        SnapshotFiles.read(
            Scd2SavepointCompatibilityTest.SNAPSHOTS.file(
                "scd2-retract", 4, StateBackendKind.HEAP));
    OperatorSubtaskState asRetract;
    try (var h = step(Scd2Output.RETRACT).withStateChangelog().restore(older)) {
      h.processElement(Change.updateAfter(customer("c2", "b", "1", 4)));
      asRetract = h.snapshot();
    }
    assertRefused(step(Scd2Output.APPEND).withStateChangelog(), asRetract, REFUSED_AS_APPEND);
  }

  /**
   * Any other refusal passes through as Flink words it: here the attribute type changed (Customer
   * to Account) and the mode did not.
   */
  @Test
  void otherRefusal_sameMode_passesThroughAsFlinkWordsIt() throws Exception {
    var accounts =
        Scd2Harnesses.of(
                Scd2.trackChangelog("customers", Account::id, EffectiveTime.processingTime()),
                Change.typeInfo(Account.TYPE))
            .harness();
    for (KeyedHarness<String, Change<Customer>, Change<Scd2Row<Customer>>> customers :
        List.of(
            step(Scd2Output.RETRACT).on(StateBackendKind.HEAP),
            step(Scd2Output.RETRACT).on(StateBackendKind.ROCKSDB),
            step(Scd2Output.RETRACT).onForSt(new Configuration()))) {
      OperatorSubtaskState state = stateOf(customers, false);
      var restored =
          customers.forSt()
              ? accounts.onForSt(new Configuration())
              : accounts.on(customers.backend());

      assertThatThrownBy(() -> restored.restore(state).close())
          .as("%s", customers)
          .hasStackTraceContaining("must not be incompatible with the old state serializer")
          .hasStackTraceContaining("KeyCursorSerializer(output RETRACT or UPSERT, ")
          .satisfies(
              e ->
                  assertThat(ExceptionUtils.stringifyException(e))
                      .doesNotContain("cannot restore its state with output"));
    }
  }
}
