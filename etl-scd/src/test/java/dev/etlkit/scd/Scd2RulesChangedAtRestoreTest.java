package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Instant;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pins a limit docs/operations.md states (the upgrade table, "change an SCD2 step's rules"): the
 * step's rules (here its change detection) are not state, so a job restores with other ones, and a
 * late change after the restore replays the key's kept changes from before it under the new rules.
 * The difference it emits is between two histories of the new rules, not from what was emitted: a
 * retract changelog then retracts a row the sink does not hold. Found by a review on 2026-11-24.
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

  /**
   * RETRACT, then APPEND (10-day horizon): the first prune after the restore emits every closed
   * version its key still keeps the changes of, also one that was final before the restore and that
   * the retract changelog had emitted closed ({@code v1 [d1,d2)}): it comes again, as {@code +I}.
   * The versions that become final after the restore come once. The state does not tell which
   * versions the old mode emitted (append output after a restore with a shorter horizon has the
   * same state, and must emit them), so the step emits them.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void retractThenAppend_emitsAgainTheFinalVersionsTheKeyStillKeeps(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state;
    try (var h = output(Scd2Output.RETRACT).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 2)));
      h.processElement(Change.updateAfter(customer("c1", "c", "555", 15))); // v1 final
      assertThat(brief(h.output())).contains("+U c1 v1 [d1,d2) a/555");
      state = h.snapshot();
    }
    try (var h = output(Scd2Output.APPEND).harness().on(backend).restore(state)) {
      h.processElement(Change.updateAfter(customer("c1", "d", "555", 16)));
      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d2) a/555"); // again
      h.processElement(Change.updateAfter(customer("c1", "e", "555", 27)));
      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,d2) a/555", "+I c1 v2 [d2,d15) b/555", "+I c1 v3 [d15,d16) c/555");
    }
  }

  /**
   * APPEND, RETRACT, APPEND: a version that closed in the first append run, within the horizon (not
   * emitted yet), and that the retract run pruned past (its changes summarized in the base) is
   * never emitted: neither the retract run (it emits a version when it changes, and this one did
   * not) nor the second append run (its changes are gone).
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void appendRetractAppend_aVersionPendingAtTheFirstSwitchIsNeverEmitted(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state;
    try (var h = output(Scd2Output.APPEND).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 2))); // v1 closes
      assertThat(h.output()).isEmpty();
      state = h.snapshot();
    }
    try (var h = output(Scd2Output.RETRACT).harness().on(backend).restore(state)) {
      h.processElement(Change.updateAfter(customer("c1", "c", "555", 25))); // prunes past d2
      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v2 [d2,) current b/555",
              "+U c1 v2 [d2,d25) b/555",
              "+I c1 v3 [d25,) current c/555");
      state = h.snapshot();
    }
    try (var h = output(Scd2Output.APPEND).harness().on(backend).restore(state)) {
      h.processElement(
          Change.updateAfter(
              new Customer("c1", "d", "555", Instant.parse("2024-02-05T00:00:00Z"))));
      assertThat(brief(h.output())).containsExactly("+I c1 v2 [d2,d25) b/555"); // no v1, ever
    }
  }
}
