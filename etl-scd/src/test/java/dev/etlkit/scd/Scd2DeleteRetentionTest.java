package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.checkInvariants;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention}: a key whose latest change is a delete (its version closed, or a
 * delete marker current) is forgotten, all its state, once the retention has passed in processing
 * time since the key was last written, at the first whole second at or after that; until then late
 * changes splice as usual, after it the key is one never seen. State TTL applies on top.
 */
class Scd2DeleteRetentionTest {

  private static final Duration RETENTION = Duration.ofMinutes(10);
  private static final long RET = RETENTION.toMillis();

  private static Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe() {
    return Scd2Harnesses.of(customers().withDeleteRetention(RETENTION), CHANGES);
  }

  private static long cursors(OperatorHarness<?, ?> h) throws Exception {
    return Scd2Harnesses.stateKeys(h, "cursor");
  }

  private static int timers(OperatorHarness<?, ?> h) {
    return h.unwrap().numProcessingTimeTimers();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deletedKey_isForgottenOnceTheRetentionHasPassed_andStartsAgainAtVersionOne(
      StateBackendKind backend) throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.setProcessingTime(1_000);
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(1_000 + RET - 1);
      assertThat(cursors(h)).as("kept before the retention").isEqualTo(1);
      assertThat(recipe.function().deleteMarkersRemoved()).isZero();

      h.setProcessingTime(1_000 + RET);
      assertThat(cursors(h)).isZero();
      assertThat(Scd2Harnesses.stateKeys(h, "chunks")).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v1 [d3,) current vip/555"); // a key never seen: version 1 again
    }
  }

  /** The deadline is the first whole second at or after the last write plus the retention. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void removal_happensAtTheFirstWholeSecondAtOrAfterTheDeadline(StateBackendKind backend)
      throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.setProcessingTime(1_001);
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(1_001 + RET);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(1_999 + RET);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(2_000 + RET);
      assertThat(cursors(h)).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteMarker_newRecord_isForgottenToo(StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(
            customers().withHardDeletes(HardDeletes.NEW_RECORD).withDeleteRetention(RETENTION),
            CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isZero();
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d2,) current deleted retail/555",
              "+I c1 v1 [d3,) current vip/555");
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  /** A delete of a key never seen keeps its state (it closes a late insert before it) too. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteOfAnUnknownKey_isForgottenToo(StateBackendKind backend) throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.delete(customer("c9", "retail", "555", 2)));
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void reinsertBeforeTheDeadline_keepsTheHistoryAndItsNumbering(StateBackendKind backend)
      throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(RET / 2);
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));
      h.setProcessingTime(10 * RET);
      assertThat(cursors(h)).isEqualTo(1);
      assertThat(timers(h)).as("a live key without TTL keeps no timer").isZero();
      h.processElement(Change.updateAfter(customer("c1", "gold", "555", 4)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d2) retail/555",
              "+I c1 v2 [d3,) current vip/555",
              "-U c1 v2 [d3,) current vip/555",
              "+U c1 v2 [d3,d4) vip/555",
              "+I c1 v3 [d4,) current gold/555");
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.RETRACT);
      assertThat(recipe.function().deleteMarkersRemoved()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void newerDelete_restartsTheClock(StateBackendKind backend) throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(RET / 2);
      h.processElement(Change.delete(customer("c1", "retail", "555", 3))); // changes nothing
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(RET / 2 + RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  /** The same delete again changes nothing and writes nothing: the clock goes on. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void redeliveredDelete_doesNotRestartTheClock(StateBackendKind backend) throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(RET / 2);
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isZero();
    }
  }

  /**
   * While the state is there a late change within the horizon, older than the delete, is spliced
   * before it (and writes the key: the clock restarts).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateChangeWithinTheHorizon_beforeTheRemoval_isSplicedBeforeTheDelete(
      StateBackendKind backend) throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 5)));
      h.setProcessingTime(RET / 2);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3))); // late

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d1,) current retail/555",
              "-U c1 v1 [d1,) current retail/555",
              "+U c1 v1 [d1,d5) retail/555",
              "-U c1 v1 [d1,d5) retail/555",
              "+U c1 v1 [d1,d3) retail/555",
              "+I c1 v2 [d3,d5) vip/555");
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.RETRACT);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(RET / 2 + RET);
      assertThat(cursors(h)).isZero();
    }
  }

  /** After the removal a late change older than the delete is the key's first: version 1. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void afterTheRemoval_aLateChangeStartsAtVersionOne(StateBackendKind backend) throws Exception {
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 5)));
      h.setProcessingTime(RET);
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 3)));

      assertThat(brief(h.output()).subList(3, 4)).containsExactly("+I c1 v1 [d3,) current vip/555");
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES))).isEmpty();
    }
  }

  /**
   * A deleted key restored from a run with state TTL but without the option: its last write is
   * known, so its deadline counts from it; the pass after the restore gives it a timer there, as
   * its cleanup timer is the TTL's, later (before 2026-11-25 only a change after the deadline found
   * it forgotten, and a key that got none was kept until its TTL).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deletedKeyRestoredFromARunWithTtl_isDueAtItsLastWritePlusTheRetention(
      StateBackendKind backend) throws Exception {
    Duration ttl = RETENTION.multipliedBy(10);
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(customers(), CHANGES, ttl).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    var recipe = Scd2Harnesses.of(customers().withDeleteRetention(RETENTION), CHANGES, ttl);
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(RET - 1);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).as("forgotten by the timer the restore gave it").isZero();
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d3,) current vip/555");
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlShorterThanTheRetention_forgetsTheKeyFirst_notCountedAsARemoval(StateBackendKind backend)
      throws Exception {
    var recipe =
        Scd2Harnesses.of(
            customers().withDeleteRetention(RETENTION), CHANGES, RETENTION.dividedBy(2));
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(RET / 2);
      assertThat(cursors(h)).isZero();
      h.setProcessingTime(2 * RET);
      assertThat(recipe.function().deleteMarkersRemoved()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlLongerThanTheRetention_deletedKeysGoFirst_liveKeysAtTheirTtl(StateBackendKind backend)
      throws Exception {
    var recipe =
        Scd2Harnesses.of(
            customers().withDeleteRetention(RETENTION), CHANGES, RETENTION.multipliedBy(2));
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.processElement(Change.insert(customer("c2", "retail", "555", 1)));
      assertThat(timers(h)).as("one timer per key").isEqualTo(2);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isEqualTo(1); // c2
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
      h.setProcessingTime(2 * RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void snapshotAndRestore_withARemovalPending_removesAtTheDeadline(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    var recipe = recipe();
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.processElement(Change.insert(customer("c2", "retail", "555", 1)));
      h.setProcessingTime(RET / 2);
      snapshot = h.snapshot();
    }
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(RET - 1);
      assertThat(cursors(h)).isEqualTo(2);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isEqualTo(1);
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));
      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d3,) current vip/555");
    }
  }

  /** Removing the option at a restore keeps the key: its pending timer finds nothing to do. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void optionRemovedAtARestore_keepsTheDeletedKey(StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = recipe().open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    try (var h = Scd2Harnesses.of(customers(), CHANGES).harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(10 * RET);
      assertThat(cursors(h)).isEqualTo(1);
      assertThat(timers(h)).isZero();
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));
      assertThat(brief(h.output())).containsExactly("+I c1 v2 [d3,) current vip/555");
    }
  }

  /** Append output: the key's closed versions not final yet are emitted when it is forgotten. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_forgottenKey_emitsItsClosedVersionsFirst(StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(
            customers().withOutput(Scd2Output.APPEND).withDeleteRetention(RETENTION), CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));
      h.processElement(Change.delete(customer("c1", "vip", "555", 3)));
      assertThat(h.output()).as("within the 10-day horizon: not final").isEmpty();
      h.setProcessingTime(RET);

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d2) retail/555", "+I c1 v2 [d2,d3) vip/555");
      checkInvariants(h.output(), HardDeletes.INVALIDATE, Scd2Output.APPEND);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().stepMetrics().emittedCount()).isEqualTo(2);
    }
  }

  /**
   * Snapshot and restore at every cut point of a script with deletes, re-inserts, a newer delete, a
   * splice and removals, with retract and append output and a TTL on top: the output never changes.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_atCutPoints_keepsPendingRemovals(StateBackendKind backend) {
    HarnessInput<Change<Customer>> script =
        HarnessInput.<Change<Customer>>builder()
            .element(Change.insert(customer("c1", "retail", "555", 1)))
            .element(Change.insert(customer("c2", "retail", "555", 1)))
            .element(Change.updateAfter(customer("c1", "vip", "555", 2)))
            .element(Change.delete(customer("c1", "vip", "555", 4)))
            .element(Change.delete(customer("c2", "retail", "555", 3)))
            .advanceProcessingTime(RET / 2)
            .element(Change.insert(customer("c2", "gold", "555", 5))) // live again
            .element(Change.updateAfter(customer("c1", "gold", "555", 3))) // spliced
            .element(Change.delete(customer("c3", "retail", "555", 1))) // never live
            .advanceProcessingTime(RET * 3 / 4) // c3 not yet, c1 not yet (spliced at RET / 2)
            .element(Change.delete(customer("c2", "gold", "555", 6)))
            .advanceProcessingTime(RET) // c1 and c3 forgotten
            .element(Change.insert(customer("c1", "basic", "555", 7)))
            .advanceProcessingTime(RET * 3) // c2 forgotten, c1 at its TTL
            .build();
    for (Scd2Output output : List.of(Scd2Output.RETRACT, Scd2Output.APPEND)) {
      var recipe =
          Scd2Harnesses.of(
              customers().withOutput(output).withDeleteRetention(RETENTION),
              CHANGES,
              RETENTION.multipliedBy(2));
      CutPointCheck<Change<Customer>, Change<Scd2Row<Customer>>> check =
          CutPointCheck.of(recipe.harness().on(backend), script).withEndOfInput().withPerKeyOrder();
      if (backend == StateBackendKind.ROCKSDB) {
        check = check.withSampledCutPoints(4, 1L); // a RocksDB restore costs about 0.2 s
      }
      check.verify();
    }
  }

  /**
   * Append output over generated changelogs (late, redelivered, tied changes; deletes and
   * re-inserts; sealed and pruned chunks) whose keys are all deleted at the end: once the retention
   * has forgotten them, every closed version of the history was emitted exactly once, with its
   * final interval, whether a prune or the removal emitted it.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_generated_forgottenKeysHaveEmittedEveryClosedVersion(StateBackendKind backend)
      throws Exception {
    TypeInformation<Change<Account>> changes = Change.typeInfo(Account.TYPE);
    for (Scd2Variant variant : Scd2Variant.spread()) {
      if (variant.output() != Scd2Output.APPEND) {
        continue;
      }
      Scd2Variant retract =
          new Scd2Variant(
              Scd2Output.RETRACT,
              variant.deletes(),
              variant.detection(),
              variant.type1(),
              variant.bySourcePosition(),
              variant.horizonMillis(),
              variant.validToCurrent());
      for (long seed = 1; seed <= (backend == StateBackendKind.HEAP ? 20 : 4); seed++) {
        List<Change<Account>> delivered =
            new ArrayList<>(Scd2Generator.messy().withKeys(4).withLength(150).generate(seed));
        long end = 0;
        long position = 0;
        for (Change<Account> change : delivered) {
          end = Math.max(end, change.eventTime());
          position = Math.max(position, change.sourcePosition());
        }
        for (int k = 0; k < 4; k++) {
          delivered.add(
              Change.of(
                  RowKind.DELETE,
                  new Account("a" + k, "basic", "x@mail", "n1"),
                  end + 1_000,
                  position + 1 + k));
        }
        var recipe = Scd2Harnesses.of(variant.step().withDeleteRetention(RETENTION), changes);
        try (var h = recipe.open(backend)) {
          h.run(Scd2Generator.script(delivered));
          h.setProcessingTime(RET);
          assertThat(cursors(h)).as("seed %s", seed).isZero();

          Map<String, Scd2Row<Account>> closed = new LinkedHashMap<>();
          retract.expected(delivered).byVersion().entrySet().stream()
              .filter(e -> !e.getValue().isCurrent())
              .forEach(e -> closed.put(e.getKey(), e.getValue()));
          assertThat(Scd2Invariants.materialize(h.output()))
              .as("%s, seed %s", variant, seed)
              .isEqualTo(closed);
          assertThat(h.output()).hasSize(closed.size()); // each once
        }
      }
    }
  }

  /** Not set: no timer, the deleted key stays, the same state. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void notSet_keepsDeletedKeys_withoutTimers(StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(customers(), CHANGES);
    try (var h = recipe.open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.setProcessingTime(100 * RET);
      assertThat(cursors(h)).isEqualTo(1);
      assertThat(timers(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isZero();
    }
    try (var h = recipe().open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      assertThat(timers(h)).as("a live key has no deadline").isZero();
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      assertThat(timers(h)).isEqualTo(1);
    }
  }

  /**
   * The option adds no keyed state (a savepoint taken without it restores with it, and back), only
   * one operator state: the retention the deleted keys' timers were set with, for the pass after a
   * restore that adds or shortens it.
   */
  @Test
  void stateLayout_isTheSameWithAndWithoutTheOption_butForTheRecordedRetention() {
    List<String> with =
        names(
            Scd2Harnesses.expanded(customers().withDeleteRetention(RETENTION), CHANGES, null)
                .inventory());
    List<String> without = names(Scd2Harnesses.expanded(customers(), CHANGES, null).inventory());
    List<String> added = new ArrayList<>(with);
    added.removeAll(without);

    assertThat(with).containsAll(without);
    assertThat(added).containsExactly("test/customers/scd2-delete-retention/LIST");
  }

  private static List<String> names(StateInventory inventory) {
    return inventory.entries().stream()
        .map(e -> e.uid() + "/" + e.state().name() + "/" + e.state().kind())
        .toList();
  }

  @Test
  void validation_asForStateTtl() {
    assertThatThrownBy(() -> customers().withDeleteRetention(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must not be null");
    assertThatThrownBy(() -> customers().withDeleteRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT0S");
    assertThatThrownBy(() -> customers().withDeleteRetention(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT-0.001S");
    assertThatThrownBy(() -> customers().withDeleteRetention(Duration.ofNanos(1_500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("deleteRetention must be a whole number of milliseconds");
  }

  @Test
  void ignoredDeletes_refuseTheOption_whateverTheOrderOfCalls() {
    for (Scd2Step<Change<Customer>, Customer> step :
        List.of(
            customers().withHardDeletes(HardDeletes.IGNORE).withDeleteRetention(RETENTION),
            customers().withDeleteRetention(RETENTION).withHardDeletes(HardDeletes.IGNORE))) {
      assertThatThrownBy(() -> Scd2Harnesses.of(step, CHANGES).harness())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "scd2 step 'customers': withDeleteRetention(PT10M) needs deletes that are kept;"
                  + " HardDeletes.IGNORE drops every delete, so no key is ever held for one");
    }
  }

  @Test
  void withoutDeleteRetention_onAStepDerivedFromOneWithIt_isTheStepWithout() {
    var base = customers().withDeleteRetention(RETENTION);
    var variant = base.withoutDeleteRetention().withHardDeletes(HardDeletes.IGNORE);

    assertThat(base.withoutDeleteRetention()).hasToString(customers().toString());
    assertThat(names(Scd2Harnesses.expanded(variant, CHANGES, null).inventory()))
        .isEqualTo(
            names(
                Scd2Harnesses.expanded(
                        customers().withHardDeletes(HardDeletes.IGNORE), CHANGES, null)
                    .inventory()));
  }

  @Test
  void rows_refuseTheOption_theyNeverDelete() {
    var step =
        Scd2.trackRows("customers", Customer::id, EffectiveTime.field(Customer::updatedAt))
            .withDeleteRetention(RETENTION);
    assertThatThrownBy(() -> Scd2Harnesses.of(step, Customer.TYPE).harness())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "scd2 step 'customers': withDeleteRetention(PT10M) needs changelog input"
                + " (Scd2.trackChangelog): rows never delete");
  }
}
