package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.StateBackendKind;
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
}
