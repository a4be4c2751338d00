package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.checkInvariants;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Corner cases of late changes that generated changelogs rarely produce, each with the exact
 * records the step emits: a change before a key's first version, a change between a delete and its
 * re-insert, a Type-1 correction followed by a kept later state, ties of a delete and an upsert by
 * sequence, the horizon of one key against another's newest change, and append output at the
 * horizon's edge.
 */
class Scd2CornerCaseTest {

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateChangeBeforeTheFirstVersion_opensVersionOne_andRenumbersTheRestUnderTheirIds(
      StateBackendKind backend) throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "1", 3)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "1", 5)));
      String firstId = h.output().get(0).value().versionId();
      int before = h.output().size();
      h.processElement(Change.updateAfter(customer("c1", "gold", "1", 1))); // before d3

      assertThat(brief(since(h.output(), before)))
          .containsExactly(
              "-U c1 v1 [d3,d5) retail/1", // renumbered, not moved
              "+U c1 v2 [d3,d5) retail/1",
              "-U c1 v2 [d5,) current vip/1",
              "+U c1 v3 [d5,) current vip/1",
              "+I c1 v1 [d1,d3) gold/1");
      // the same (key, validFrom), so the same id
      assertThat(since(h.output(), before).get(1).value().versionId()).isEqualTo(firstId);
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.RETRACT);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateReinsertBetweenADeleteAndItsReinsert_newRecord_shortensTheMarker_andMovesTheVersion(
      StateBackendKind backend) throws Exception {
    var step = customers().withHardDeletes(HardDeletes.NEW_RECORD);
    try (var h = Scd2Harnesses.of(step, CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.delete(customer("c1", "a", "1", 5)));
      h.processElement(Change.insert(customer("c1", "a", "1", 9)));
      h.clearOutput();
      // the same state, re-inserted earlier: the version re-inserted at d9 starts at d7 instead
      h.processElement(Change.insert(customer("c1", "a", "1", 7)));

      assertThat(brief(h.output()))
          .containsExactly(
              "-D c1 v3 [d9,) current a/1",
              "-U c1 v2 [d5,d9) deleted a/1",
              "+U c1 v2 [d5,d7) deleted a/1",
              "+I c1 v3 [d7,) current a/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateType1Correction_beforeAKeptLaterStateWithTheOldValue_isOverwrittenByThatState(
      StateBackendKind backend) throws Exception {
    var step = customers().withType1Columns("phone");
    try (var h = Scd2Harnesses.of(step, CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "retail", "555", 6))); // kept, no-op
      int before = h.output().size();
      h.processElement(Change.updateAfter(customer("c1", "retail", "777", 3))); // late Type 1

      // The history applies d1, d3 (phone 777), then d6 (phone 555 again): the version carries the
      // d6 state, so the correction is not visible; only the version's untracked updatedAt moved.
      assertThat(brief(since(h.output(), before)))
          .containsExactly(
              "-U c1 v1 [d1,) current retail/555", "+U c1 v1 [d1,) current retail/555");
      Scd2Row<Customer> now = since(h.output(), before).get(1).value();
      assertThat(now.value()).isEqualTo(customer("c1", "retail", "555", 6));
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.RETRACT);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void tieOfADeleteAndAnUpsert_bySourcePosition_lowerLoses_equalGoesByArrival(
      StateBackendKind backend) throws Exception {
    var step = customers().withTieBreak(TieBreak.sourcePosition());
    var recipe = Scd2Harnesses.of(step, CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(at(RowKind.INSERT, customer("c1", "a", "1", 1), 1));
      h.processElement(at(RowKind.UPDATE_AFTER, customer("c1", "b", "1", 3), 5));
      int before = h.output().size();
      h.processElement(at(RowKind.DELETE, customer("c1", "b", "1", 3), 3)); // lower: superseded
      assertThat(since(h.output(), before)).isEmpty();

      h.processElement(at(RowKind.DELETE, customer("c1", "b", "1", 3), 5)); // equal: by arrival
      assertThat(brief(since(h.output(), before))).containsExactly("-D c1 v2 [d3,) current b/1");
      before = h.output().size();

      h.processElement(at(RowKind.DELETE, customer("c1", "b", "1", 3), 5)); // the same again
      h.processElement(at(RowKind.UPDATE_AFTER, customer("c1", "c", "1", 3), 4)); // lower
      assertThat(since(h.output(), before)).isEmpty();
      assertThat(recipe.function().stepMetrics().deduplicatedCount()).isEqualTo(3);
      List<Scd2Row<Customer>> history =
          List.copyOf(Scd2Invariants.materialize(h.output()).values());
      assertThat(history).hasSize(1);
      assertThat(brief(Change.insert(history.get(0)))).isEqualTo("+I c1 v1 [d1,d3) a/1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void horizon_isMeasuredFromTheKeysOwnNewestChange_notFromAnotherKeys(StateBackendKind backend)
      throws Exception {
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 5)));
      h.processElement(Change.insert(customer("c2", "x", "1", 30))); // 25 days ahead of c1
      h.clearOutput();
      h.processElement(Change.updateAfter(customer("c1", "c", "1", 3))); // within c1's horizon

      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v1 [d1,d5) a/1",
              "+U c1 v1 [d1,d3) a/1",
              "-U c1 v2 [d5,) current b/1",
              "+U c1 v3 [d5,) current b/1",
              "+I c1 v2 [d3,d5) c/1");
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES))).isEmpty();
    }
  }

  /**
   * Append output emits a version once its validTo is <em>before</em> latest - horizon: a version
   * ending exactly there can still change, since a change at the horizon is accepted, and here one
   * does (a tie that repeats the version's state extends it).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void appendOutput_versionEndingExactlyAtTheHorizon_isNotFinal_andAChangeThereExtendsIt(
      StateBackendKind backend) throws Exception {
    var step = customers().withOutput(Scd2Output.APPEND).withLatenessHorizon(Duration.ofDays(5));
    try (var h = Scd2Harnesses.of(step, CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "1", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 3)));
      h.processElement(Change.updateAfter(customer("c1", "c", "1", 2))); // late, not final yet
      h.processElement(Change.updateAfter(customer("c1", "e", "1", 12)));
      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d1,d2) a/1", "+I c1 v2 [d2,d3) c/1");
      h.clearOutput();

      h.processElement(Change.updateAfter(customer("c1", "f", "1", 17))); // b's end d12 = d17 - 5
      assertThat(h.output()).isEmpty();
      h.processElement(Change.updateAfter(customer("c1", "b", "1", 12))); // the tie at d12 wins
      assertThat(h.output()).isEmpty();

      h.processElement(Change.updateAfter(customer("c1", "g", "1", 25)));
      assertThat(brief(h.output())).containsExactly("+I c1 v3 [d3,d17) b/1");
    }
  }

  private static Change<Customer> at(RowKind kind, Customer value, long sourcePosition) {
    return Change.of(kind, value, null, sourcePosition);
  }

  private static List<Change<Scd2Row<Customer>>> since(
      List<Change<Scd2Row<Customer>>> output, int from) {
    return output.subList(from, output.size());
  }
}
