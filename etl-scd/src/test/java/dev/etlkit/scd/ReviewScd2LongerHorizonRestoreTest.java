package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Review: the lateness horizon is not state (docs/operations.md lists no restore rule for it), so a
 * job may be restored with a longer one. A key that pruned under the old horizon has removed its
 * changes before its prune point; a change before that point, accepted by the longer horizon,
 * reaches {@code KeyHistory.splice}, whose branch {@code time < cursor.pruneTime} assumes "only a
 * key that never pruned" can get one: it moves the prune point back and replays the change after
 * the base, as if nothing was pruned. The result is a version ending before it starts (an {@code
 * IllegalArgumentException} from {@code Scd2Row.ofMillis} that fails the job, again on every replay
 * of the record) or a silently wrong history (overlapping versions, a delete lost). Such a change
 * cannot be spliced any more: it must be treated as late (side output, counted), leaving the
 * history alone.
 */
class ReviewScd2LongerHorizonRestoreTest {

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
      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(Scd2Test.CHANGES))).containsExactly(old);
      assertThat(LONG.function().lateCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP"})
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

      // Today: -U/+U renumber c to v4 and "+I c1 v3 [2024-01-02T12:00:00Z,d10) x/555", which
      // overlaps v2 [d2,d3) in the sink and covers the gap the delete at d3 left.
      assertThat(brief(h.output())).as("the pruned history cannot be spliced").isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(Scd2Test.CHANGES))).containsExactly(old);
    }
  }
}
