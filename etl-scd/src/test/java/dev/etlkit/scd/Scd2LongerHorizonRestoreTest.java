package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Edges of a restore with a longer lateness horizon found by a review on 2026-11-24, each failing
 * before that day's fixes: a change before the prune point of a key that pruned under the shorter
 * horizon. The horizon is not state, so a job may be restored with a longer one; such a key has
 * removed its changes before its prune point, and the base it replays from summarizes them. Before,
 * a change there, accepted by the longer horizon, was spliced as if the key never pruned: the prune
 * point moved back and the change was replayed after the base, which gave a version ending before
 * it starts (an {@code IllegalArgumentException} that failed the job, again on every replay of the
 * record) or a silently wrong history (overlapping versions, a delete lost). Now it is late: routed
 * and counted as a change older than the horizon, the history left alone. A key that never pruned
 * still splices a change before its first one.
 */
class Scd2LongerHorizonRestoreTest {

  private static final Scd2Harnesses.Recipe<Change<Customer>, Customer> SHORT =
      Scd2Harnesses.of(
          Scd2Test.customers().withLatenessHorizon(Duration.ofDays(2)), Scd2Test.CHANGES);
  private static final Scd2Harnesses.Recipe<Change<Customer>, Customer> LONG =
      Scd2Harnesses.of(
          Scd2Test.customers().withLatenessHorizon(Duration.ofDays(30)), Scd2Test.CHANGES);

  /** A daily change of c1's segment, days 1 to 12, under a two-day horizon: the key prunes. */
  private static OperatorSubtaskState dailyChanges(StateBackendKind backend) throws Exception {
    try (var h = SHORT.open(backend)) {
      String[] segments = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
      for (int d = 1; d <= 12; d++) {
        h.processElement(Change.updateAfter(customer("c1", segments[d - 1], "555", d)));
      }
      assertThat(h.output()).hasSize(34);
      return h.snapshot();
    }
  }

  /** {@code change} went to the late-changes side output, counted, and nothing was emitted. */
  private static void assertLateAlone(
      OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h, Change<Customer> change) {
    assertThat(h.output()).as("the pruned history cannot be spliced").isEmpty();
    assertThat(h.sideOutput(Scd2Harnesses.lateTag(Scd2Test.CHANGES))).containsExactly(change);
    assertThat(LONG.function().lateCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changeBeforeThePrunePoint_afterTheHorizonWasLengthened_doesNotFailTheJob(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state = dailyChanges(backend);
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h =
        LONG.harness().on(backend).restore(state)) {
      Change<Customer> old = Change.updateAfter(customer("c1", "zz", "555", 5));

      assertThatCode(() -> h.processElement(old))
          .as("a change the step can no longer splice must not fail the job")
          .doesNotThrowAnyException();
      assertLateAlone(h, old);
      StepMetrics metrics = LONG.function().stepMetrics();
      assertThat(metrics.filteredCount()).isEqualTo(1);
      assertThat(metrics.deadLetteredCount()).isZero();

      // the key's history goes on from where it stood
      h.processElement(Change.updateAfter(customer("c1", "m", "555", 13)));
      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v12 [d12,) current l/555",
              "+U c1 v12 [d12,d13) l/555",
              "+I c1 v13 [d13,) current m/555");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changeBeforeThePrunePoint_afterTheHorizonWasLengthened_leavesTheHistoryAlone(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state;
    try (var h = SHORT.open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 2)));
      h.processElement(Change.delete(customer("c1", "b", "555", 3)));
      h.processElement(Change.insert(customer("c1", "c", "555", 10))); // prunes d1..d3
      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current a/555",
              "-U c1 v1 [d1,) current a/555",
              "+U c1 v1 [d1,d2) a/555",
              "+I c1 v2 [d2,) current b/555",
              "-U c1 v2 [d2,) current b/555",
              "+U c1 v2 [d2,d3) b/555",
              "+I c1 v3 [d10,) current c/555");
      state = h.snapshot();
    }
    try (var h = LONG.harness().on(backend).restore(state)) {
      // effective between b (d2) and its delete (d3): within the new 30-day horizon of d10
      Change<Customer> old =
          Change.updateAfter(new Customer("c1", "x", "555", day(2).plus(Duration.ofHours(12))));
      h.processElement(old);

      // Before, -U/+U renumbered c to v4 and "+I c1 v3 [2024-01-02T12:00:00Z,d10) x/555"
      // overlapped v2 [d2,d3) in the sink and covered the gap the delete at d3 left.
      assertLateAlone(h, old);
    }
  }

  /**
   * A pruned delete that found nothing in force leaves the base at the start of the history, as a
   * key that never pruned has it; the key is still known to have pruned, as no change is kept at
   * its prune point.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changeBeforeThePrunePoint_ofAKeyThatPrunedOnlyADeleteOfNothing_isLate(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state;
    try (var h = SHORT.open(backend)) {
      h.processElement(Change.delete(customer("c1", "a", "555", 2))); // nothing to delete
      h.processElement(Change.insert(customer("c1", "c", "555", 10))); // prunes d2
      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d10,) current c/555");
      state = h.snapshot();
    }
    try (var h = LONG.harness().on(backend).restore(state)) {
      Change<Customer> old = Change.insert(customer("c1", "x", "555", 1));
      h.processElement(old);

      // Before, "+I c1 v1 [d1,d10) x/555" (c renumbered v2): the pruned delete at d2 would have
      // closed it there.
      assertLateAlone(h, old);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changeBeforeThePrunePoint_toTheDeadLetters_namesThePrunePoint(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state = dailyChanges(backend);
    var recipe =
        Scd2Harnesses.of(
            Scd2Test.customers()
                .withLatenessHorizon(Duration.ofDays(30))
                .withLateChanges(LateChanges.DEAD_LETTER),
            Scd2Test.CHANGES);
    try (var h = recipe.harness().on(backend).restore(state)) {
      h.processElement(Change.updateAfter(customer("c1", "zz", "555", 5)));
      // beyond the new horizon: late as ever
      h.processElement(
          Change.updateAfter(new Customer("c1", "zz", "555", day(12).minus(Duration.ofDays(31)))));

      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS))
          .extracting(DeadLetter::errorClass, DeadLetter::errorMessage)
          .containsExactly(
              tuple(
                  LateChangeException.class.getName(),
                  "change is late: its effective time 2024-01-05T00:00:00Z is before the key's"
                      + " prune point 2024-01-08T00:00:00Z, the start of the history it kept"
                      + " (pruned under a shorter lateness horizon than PT720H)"),
              tuple(
                  LateChangeException.class.getName(),
                  "change is late: its effective time 2023-12-12T00:00:00Z is before the key's"
                      + " latest effective time 2024-01-12T00:00:00Z minus the lateness horizon"
                      + " PT720H"));
      assertThat(recipe.function().lateCount()).isEqualTo(2);
      assertThat(recipe.function().stepMetrics().deadLetteredCount()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void changeBeforeTheFirstChange_ofAKeyThatNeverPruned_isSpliced(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state;
    try (var h = SHORT.open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 5)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 6)));
      state = h.snapshot();
    }
    try (var h = LONG.harness().on(backend).restore(state)) {
      // five days before the latest: late under the old horizon, within the new one
      h.processElement(Change.insert(customer("c1", "x", "555", 1)));

      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v1 [d5,d6) a/555",
              "+U c1 v2 [d5,d6) a/555",
              "-U c1 v2 [d6,) current b/555",
              "+U c1 v3 [d6,) current b/555",
              "+I c1 v1 [d1,d5) x/555");
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(Scd2Test.CHANGES))).isEmpty();
      assertThat(LONG.function().lateCount()).isZero();
    }
  }
}
