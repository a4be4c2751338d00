package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Named scenarios for the ways SCD2 histories go wrong in dbt snapshots (its issue tracker:
 * non-chronological changes, delete then re-insert, two changes with one timestamp, overlapping
 * intervals, {@code valid_to} before {@code valid_from}, current rows closed by mistake), plus the
 * edge of the lateness horizon. Each checks the materialized history and the invariants.
 */
class Scd2DbtRegressionTest {

  private static List<String> history(
      OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h, HardDeletes deletes) {
    var table = Scd2Invariants.materialize(h.output());
    Scd2Invariants.of(deletes, Scd2Output.RETRACT, null).check(table.values());
    List<Scd2Row<Customer>> rows = new ArrayList<>(table.values());
    rows.sort(Comparator.comparingLong(Scd2Row::validFromMillis));
    List<String> shown = new ArrayList<>();
    for (Scd2Row<Customer> row : rows) {
      shown.add(brief(Change.insert(row)).substring(3));
    }
    return shown;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void nonChronologicalChanges_giveTheHistoryOfTheirTimeOrder(StateBackendKind backend)
      throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.updateAfter(customer("c1", "d", "1", 7)));
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 3)));
      h.processElement(Change.updateAfter(customer("c1", "c", "1", 5)));

      assertThat(history(h, HardDeletes.INVALIDATE))
          .containsExactly(
              "c1 v1 [d1,d3) a/1",
              "c1 v2 [d3,d5) b/1",
              "c1 v3 [d5,d7) c/1",
              "c1 v4 [d7,) current d/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateChangeEqualToItsPredecessor_extendsNothing_butRepeatedStateSplitsBack(
      StateBackendKind backend) throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.updateAfter(customer("c1", "a", "1", 5))); // a repeated: no-op now
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 3))); // late: b in [d3,d5)

      assertThat(history(h, HardDeletes.INVALIDATE))
          .containsExactly("c1 v1 [d1,d3) a/1", "c1 v2 [d3,d5) b/1", "c1 v3 [d5,) current a/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateOlderChange_neverClosesTheCurrentVersion(StateBackendKind backend) throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "new", "1", 5)));
      h.processElement(Change.insert(customer("c1", "old", "1", 2))); // older, arrives later

      assertThat(history(h, HardDeletes.INVALIDATE))
          .containsExactly("c1 v1 [d2,d5) old/1", "c1 v2 [d5,) current new/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteThenReinsert_opensANewVersionAfterAGap(StateBackendKind backend) throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.delete(customer("c1", "a", "1", 3)));
      h.processElement(Change.insert(customer("c1", "a", "1", 6)));

      assertThat(history(h, HardDeletes.INVALIDATE))
          .containsExactly("c1 v1 [d1,d3) a/1", "c1 v2 [d6,) current a/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void reinsertArrivingBeforeItsDelete_isStillClosedByIt(StateBackendKind backend)
      throws Exception {
    var step = customers().withHardDeletes(HardDeletes.NEW_RECORD);
    try (var h = Scd2Harnesses.of(step, CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.insert(customer("c1", "b", "1", 6))); // re-insert arrives first
      h.processElement(Change.delete(customer("c1", "a", "1", 3)));

      assertThat(history(h, HardDeletes.NEW_RECORD))
          .containsExactly(
              "c1 v1 [d1,d3) a/1", "c1 v2 [d3,d6) deleted a/1", "c1 v3 [d6,) current b/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void twoChangesWithOneTimestamp_leaveOneVersionAndNoEmptyInterval(StateBackendKind backend)
      throws Exception {
    var step = customers().withTieBreak(TieBreak.sourcePosition());
    try (var h = Scd2Harnesses.of(step, CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)).withSourcePosition(1));
      h.processElement(Change.updateAfter(customer("c1", "c", "1", 4)).withSourcePosition(3));
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 4)).withSourcePosition(2));
      h.processElement(Change.updateAfter(customer("c1", "c", "1", 4)).withSourcePosition(3));

      assertThat(history(h, HardDeletes.INVALIDATE))
          .containsExactly("c1 v1 [d1,d4) a/1", "c1 v2 [d4,) current c/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void tieThatRepeatsThePreviousState_removesTheVersionItReplaced(StateBackendKind backend)
      throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 4)));
      h.processElement(Change.updateAfter(customer("c1", "a", "1", 4))); // correction at d4

      assertThat(brief(h.output()).subList(4, 7))
          .containsExactly(
              "-D c1 v2 [d4,) current b/1", "-U c1 v1 [d1,d4) a/1", "+U c1 v1 [d1,) current a/1");
      assertThat(history(h, HardDeletes.INVALIDATE)).containsExactly("c1 v1 [d1,) current a/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changeExactlyAtTheHorizon_isSpliced_andOneMillisecondOlderIsLate(StateBackendKind backend)
      throws Exception {
    var step = customers().withLatenessHorizon(Duration.ofDays(2));
    var recipe = Scd2Harnesses.of(step, CHANGES);
    Change<Customer> beyond =
        Change.updateAfter(new Customer("c1", "x", "1", Brief.day(3).minusMillis(1)));
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.updateAfter(customer("c1", "c", "1", 5)));
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 3))); // exactly d5 - 2 days
      h.processElement(beyond);

      assertThat(history(h, HardDeletes.INVALIDATE))
          .containsExactly("c1 v1 [d1,d3) a/1", "c1 v2 [d3,d5) b/1", "c1 v3 [d5,) current c/1");
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES))).containsExactly(beyond);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void redeliveryOfAnOldChange_afterManyNewerOnes_changesNothing(StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 2)));
      h.processElement(Change.updateAfter(customer("c1", "c", "1", 3)));
      int before = h.output().size();
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 2))); // redelivered
      h.processElement(Change.insert(customer("c1", "a", "1", 1))); // redelivered

      assertThat(h.output()).hasSize(before);
      assertThat(recipe.function().stepMetrics().deduplicatedCount()).isEqualTo(2);
      assertThat(history(h, HardDeletes.INVALIDATE))
          .containsExactly("c1 v1 [d1,d2) a/1", "c1 v2 [d2,d3) b/1", "c1 v3 [d3,) current c/1");
    }
  }
}
