package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Edges of the mark a key's state keeps once the key pruned, found by a review on 2026-11-24, each
 * failing before that day's fix: a change before the prune point of a key whose only pruned changes
 * were deletes that found nothing in force, and that kept a change at its new prune point, after a
 * restore with a longer lateness horizon. Whether a key pruned was told from its base and its kept
 * changes: such a key's base is the start of the history and a change is kept at its prune point,
 * as for a key that never pruned, so the change was spliced onto the base as if the pruned delete
 * had not happened (the delete at d1 would have closed the spliced version there, not at d3). Now
 * the key's state says that it pruned, and the change is late: routed and counted as a change older
 * than the horizon, the history left alone. A key that never pruned still splices a change before
 * its first one ({@code Scd2LongerHorizonRestoreTest}).
 */
class Scd2PruneMarkTest {

  private static final Scd2Harnesses.Recipe<Change<Customer>, Customer> SHORT =
      Scd2Harnesses.of(
          Scd2Test.customers().withLatenessHorizon(Duration.ofDays(2)), Scd2Test.CHANGES);

  private static Customer at(String segment, Duration afterDay1) {
    return new Customer("c1", segment, "555", day(1).plus(afterDay1));
  }

  /**
   * Under a two-day horizon: a delete of nothing at d1, then b at d3 (where the history stood
   * before it, the start, becomes the candidate base), c at d4 12:00 and d at d6 01:00, which
   * prunes to the candidate at d3: the delete at d1 is removed, the base is the start of the
   * history, and the change at d3 is kept at the prune point.
   */
  private static OperatorSubtaskState prunedOnlyADeleteOfNothing(StateBackendKind backend)
      throws Exception {
    try (var h = SHORT.open(backend)) {
      h.processElement(Change.delete(customer("c1", "a", "555", 1)));
      h.processElement(Change.insert(customer("c1", "b", "555", 3)));
      h.processElement(Change.updateAfter(at("c", Duration.ofHours(84))));
      h.processElement(Change.updateAfter(at("d", Duration.ofHours(121))));
      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d3,) current b/555",
              "-U c1 v1 [d3,) current b/555",
              "+U c1 v1 [d3,2024-01-04T12:00:00Z) b/555",
              "+I c1 v2 [2024-01-04T12:00:00Z,) current c/555",
              "-U c1 v2 [2024-01-04T12:00:00Z,) current c/555",
              "+U c1 v2 [2024-01-04T12:00:00Z,2024-01-06T01:00:00Z) c/555",
              "+I c1 v3 [2024-01-06T01:00:00Z,) current d/555");
      return h.snapshot();
    }
  }

  /** Within the new 30-day horizon, before the pruned delete at d1. */
  private static final Change<Customer> BEFORE_THE_DELETE =
      Change.insert(at("x", Duration.ofHours(-12)));

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changeBeforeThePrunePoint_ofAKeyThatPrunedOnlyADeleteOfNothing_isLate(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state = prunedOnlyADeleteOfNothing(backend);
    var longer =
        Scd2Harnesses.of(
            Scd2Test.customers().withLatenessHorizon(Duration.ofDays(30)), Scd2Test.CHANGES);
    try (var h = longer.harness().on(backend).restore(state)) {
      h.processElement(BEFORE_THE_DELETE);

      // Before, "+I c1 v1 [2023-12-31T12:00:00Z,d3) x/555" and b, c, d renumbered v2 to v4.
      assertThat(h.output()).as("the pruned history cannot be spliced").isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(Scd2Test.CHANGES)))
          .containsExactly(BEFORE_THE_DELETE);
      assertThat(longer.function().lateCount()).isEqualTo(1);
      assertThat(longer.function().stepMetrics().filteredCount()).isEqualTo(1);
      assertThat(longer.function().stepMetrics().deadLetteredCount()).isZero();

      // the key's history goes on from where it stood
      h.processElement(Change.updateAfter(customer("c1", "e", "555", 7)));
      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v3 [2024-01-06T01:00:00Z,) current d/555",
              "+U c1 v3 [2024-01-06T01:00:00Z,d7) d/555",
              "+I c1 v4 [d7,) current e/555");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void
      changeBeforeThePrunePoint_ofAKeyThatPrunedOnlyADeleteOfNothing_toTheDeadLetters_namesThePrunePoint(
          StateBackendKind backend) throws Exception {
    OperatorSubtaskState state = prunedOnlyADeleteOfNothing(backend);
    var longer =
        Scd2Harnesses.of(
            Scd2Test.customers()
                .withLatenessHorizon(Duration.ofDays(30))
                .withLateChanges(LateChanges.DEAD_LETTER),
            Scd2Test.CHANGES);
    try (var h = longer.harness().on(backend).restore(state)) {
      h.processElement(BEFORE_THE_DELETE);

      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .extracting(DeadLetter::errorClass, DeadLetter::errorMessage)
          .containsExactly(
              tuple(
                  LateChangeException.class.getName(),
                  "change is late: its effective time 2023-12-31T12:00:00Z is before the key's"
                      + " prune point 2024-01-03T00:00:00Z, the start of the history it kept"
                      + " (pruned under a shorter lateness horizon than PT720H)"));
      assertThat(longer.function().lateCount()).isEqualTo(1);
      assertThat(longer.function().stepMetrics().deadLetteredCount()).isEqualTo(1);
    }
  }
}
