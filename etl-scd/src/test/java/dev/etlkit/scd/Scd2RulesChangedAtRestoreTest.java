package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.util.SortedSet;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pins a limit docs/operations.md states (the upgrade table, "change an SCD2 step's rules"): the
 * step's rules (here its change detection) are not state, so a job restores with other ones, and a
 * late change after the restore replays the key's kept changes from before it under the new rules.
 * The difference it emits is between two histories of the new rules, not from what was emitted: a
 * retract changelog then retracts a row the sink does not hold. Found by a review on 2026-11-24.
 *
 * <p>The output mode is the exception: its class (APPEND, or a changelog: RETRACT or UPSERT) is
 * recorded in the cursor state's serializer snapshot, and a restore that switches between APPEND
 * and a changelog fails (as a dedup output-mode change does), as SavepointCheck predicts. RETRACT
 * and UPSERT keep the same state and restore into each other.
 */
class Scd2RulesChangedAtRestoreTest {

  /** Tracks segment and phone. */
  private static final Scd2Harnesses.Recipe<Change<Customer>, Customer> ALL =
      Scd2Harnesses.of(Scd2Test.customers(), Scd2Test.CHANGES);

  /** Tracks segment only. */
  private static final Scd2Harnesses.Recipe<Change<Customer>, Customer> SEGMENT =
      Scd2Harnesses.of(
          Scd2Test.customers().withChangeDetection(ChangeDetection.only("segment")),
          Scd2Test.CHANGES);

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void lateChangeAfterTheTrackedColumnsChanged_retractsARowTheSinkDoesNotHold(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state;
    try (var h = ALL.open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "a", "666", 3))); // phone: a version
      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current a/555",
              "-U c1 v1 [d1,) current a/555",
              "+U c1 v1 [d1,d3) a/555",
              "+I c1 v2 [d3,) current a/666");
      state = h.snapshot();
    }
    try (var h = SEGMENT.harness().on(backend).restore(state)) {
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 2))); // late, within 10 days

      // The sink holds v1 [d1,d3) and v2 [d3,): the -U retracts "v1 [d1,) current", which it does
      // not hold, and the +I opens a second row at d3.
      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v1 [d1,) current a/555",
              "+U c1 v1 [d1,d2) a/555",
              "+I c1 v2 [d2,d3) b/555",
              "+I c1 v3 [d3,) current a/666");
    }
  }

  private static Scd2Harnesses.Recipe<Change<Customer>, Customer> output(Scd2Output output) {
    return Scd2Harnesses.of(Scd2Test.customers().withOutput(output), Scd2Test.CHANGES);
  }

  /** A state of c1 with v1 final, v2 closed within the horizon and v3 current. */
  private static OperatorSubtaskState stateOf(Scd2Output output, StateBackendKind backend)
      throws Exception {
    try (var h = output(output).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 2)));
      h.processElement(Change.updateAfter(customer("c1", "c", "555", 15))); // v1 final
      return h.snapshot();
    }
  }

  /**
   * RETRACT (or UPSERT), then APPEND: refused. Append output would emit again as {@code +I} the
   * closed versions the changelog already emitted, and the state cannot tell them apart, so the
   * restore fails, naming the step, both modes and the remedies. SavepointCheck finds it before.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changelogThenAppend_failsTheRestore_namingTheModes(StateBackendKind backend)
      throws Exception {
    for (Scd2Output changelog : new Scd2Output[] {Scd2Output.RETRACT, Scd2Output.UPSERT}) {
      OperatorSubtaskState state = stateOf(changelog, backend);
      var append = output(Scd2Output.APPEND).harness().on(backend);

      assertThatThrownBy(() -> append.restore(state).close())
          .as("%s, then APPEND", changelog)
          .hasStackTraceContaining(
              "SCD2 step 'test/scd2' cannot restore its state with output APPEND: it was written"
                  + " with output RETRACT or UPSERT")
          .hasStackTraceContaining("restore with output RETRACT or UPSERT")
          .hasStackTraceContaining("give the step a new name and rebuild its history");
      assertPredictedIncompatible(state, Scd2Output.APPEND);
    }
  }

  /**
   * APPEND, then RETRACT or UPSERT: refused. The versions append output held back (closed within
   * the horizon, not final yet) would never be written, and the changelog would retract a current
   * version append output never emitted.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void appendThenChangelog_failsTheRestore_namingTheModes(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state = stateOf(Scd2Output.APPEND, backend);
    for (Scd2Output changelog : new Scd2Output[] {Scd2Output.RETRACT, Scd2Output.UPSERT}) {
      var restored = output(changelog).harness().on(backend);

      assertThatThrownBy(() -> restored.restore(state).close())
          .as("APPEND, then %s", changelog)
          .hasStackTraceContaining(
              "SCD2 step 'test/scd2' cannot restore its state with output "
                  + changelog
                  + ": it was written with output APPEND")
          .hasStackTraceContaining("restore with output APPEND")
          .hasStackTraceContaining("give the step a new name and rebuild its history");
      assertPredictedIncompatible(state, changelog);
    }
  }

  /**
   * RETRACT to UPSERT and back restores: both keep the same state and emit the same rows, upsert
   * output without the {@code -U} records, which an upsert sink ignores anyway.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void retractAndUpsert_restoreIntoEachOther(StateBackendKind backend) throws Exception {
    OperatorSubtaskState retract = stateOf(Scd2Output.RETRACT, backend);
    OperatorSubtaskState upsert;
    try (var h = output(Scd2Output.UPSERT).harness().on(backend).restore(retract)) {
      h.processElement(Change.updateAfter(customer("c1", "x", "555", 10))); // late: splits v2
      assertThat(brief(h.output()))
          .containsExactly(
              "+U c1 v2 [d2,d10) b/555",
              "+U c1 v4 [d15,) current c/555",
              "+I c1 v3 [d10,d15) x/555");
      upsert = h.snapshot();
    }
    try (var h = output(Scd2Output.RETRACT).harness().on(backend).restore(upsert)) {
      h.processElement(Change.updateAfter(customer("c1", "d", "555", 16)));
      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v4 [d15,) current c/555",
              "+U c1 v4 [d15,d16) c/555",
              "+I c1 v5 [d16,) current d/555");
    }
    assertThat(typeMismatches(retract, Scd2Output.UPSERT)).isEmpty();
    assertThat(typeMismatches(upsert, Scd2Output.RETRACT)).isEmpty();
  }

  /** What SavepointCheck finds for {@code state} restored into a step with {@code output}. */
  private static SortedSet<String> typeMismatches(OperatorSubtaskState state, Scd2Output output)
      throws IOException {
    StateInventory inventory =
        Scd2Harnesses.expanded(Scd2Test.customers().withOutput(output), Scd2Test.CHANGES, null)
            .inventory();
    return SnapshotStates.typeMismatches(state, inventory, inventory.entries().get(0).uid());
  }

  private static void assertPredictedIncompatible(OperatorSubtaskState state, Scd2Output output)
      throws IOException {
    assertThat(typeMismatches(state, output))
        .anySatisfy(m -> assertThat(m).startsWith("cursor").contains("INCOMPATIBLE"));
  }
}
