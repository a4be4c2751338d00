package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import dev.etlkit.operators.enrich.internal.join.JoinMetrics;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.RescaleCheck;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code withDeleteRetention}: a deleted key's marker (latest join) or its history ending in the
 * delete (point-in-time join) is removed once the retention has passed in processing time since the
 * delete was written (and, point in time, once the watermark minus the allowed lateness has passed
 * the delete); the key is then like a key never seen. Harness tests on heap and RocksDB.
 */
class DimensionJoinDeleteRetentionTest {

  private static final Duration RETENTION = Duration.ofSeconds(10);

  private static final JoinHarness.Expanded LATEST =
      JoinHarness.expand(JoinHarness.latest().withDeleteRetention(RETENTION));

  private static final JoinHarness.Expanded LATEST_WAITS =
      JoinHarness.expand(
          JoinHarness.latest().withDeleteRetention(RETENTION).withMaxWait(Duration.ofSeconds(100)));

  private static final JoinHarness.Expanded AS_OF =
      JoinHarness.expand(
          JoinHarness.asOf()
              .withDeleteRetention(RETENTION)
              .withAllowedLateness(Duration.ofMillis(5)));

  // ---- latest join ------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_markerKeptBeforeTheRetention_removedAfter_factThenNotFound(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(LATEST, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(row(Change.delete("k1#v1")), 2); // at processing time 0: due at 10 s
      h.setProcessingTime(RETENTION.toMillis() - 1);
      h.processElement(fact("k1#o1"), 10);
      assertThat(removed(h)).isZero();

      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o2"), 11);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10", "NOT_FOUND k1#o2 @11");
      assertThat(removed(h)).isEqualTo(1);
      assertThat(h.unwrap().numProcessingTimeTimers()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_afterRemoval_factWaitsLikeForAKeyNeverSeen(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(LATEST_WAITS, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      h.processElement(fact("k1#o1"), 10); // DELETED at once, no wait
      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o2"), 11); // waits
      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10");

      h.processElement(row(Change.insert("k1#v2")), 3);

      assertThat(lines(h.emitted()))
          .containsExactly("DELETED k1#o1 @10", "FOUND_AFTER_WAIT k1#o2 k1#v2 @11");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_reinsertBeforeTheDeadline_keepsTheLiveRow(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(LATEST, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      h.setProcessingTime(5_000);
      h.processElement(row(Change.insert("k1#v2")), 3);
      assertThat(h.unwrap().numProcessingTimeTimers()).as("the removal is cancelled").isZero();

      h.setProcessingTime(3 * RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 10);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v2 @10");
      assertThat(removed(h)).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_newerDelete_restartsTheClock_oneTimerPerKey(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(LATEST, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      h.setProcessingTime(6_000);
      h.processElement(row(Change.delete("k1#v1")), 3); // due at 16 s now
      assertThat(h.unwrap().numProcessingTimeTimers()).isEqualTo(1);
      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 10);
      h.setProcessingTime(16_000);
      h.processElement(fact("k1#o2"), 11);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10", "NOT_FOUND k1#o2 @11");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_deadlinesRoundUpToASecond(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(LATEST, backend)) {
      h.setProcessingTime(1);
      h.processElement(row(Change.delete("k1#v1")), 2); // 10.001 s: due at 11 s
      h.setProcessingTime(10_999);
      h.processElement(fact("k1#o1"), 10);
      h.setProcessingTime(11_000);
      h.processElement(fact("k1#o2"), 11);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10", "NOT_FOUND k1#o2 @11");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_snapshotWithAPendingRemoval_restoredAndRemoved(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(LATEST, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      h.processElement(row(Change.insert("k2#v1")), 2);
      h.setProcessingTime(5_000);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        LATEST.harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(5_000);
      h.processElement(fact("k1#o1"), 10);
      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o2"), 11);
      h.processElement(fact("k2#o3"), 12);

      assertThat(lines(h.emitted()))
          .containsExactly("DELETED k1#o1 @10", "NOT_FOUND k1#o2 @11", "FOUND k2#o3 k2#v1 @12");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_withoutTheOption_noTimerAndNoNewState(StateBackendKind backend) throws Exception {
    JoinHarness.Expanded plain = JoinHarness.expand(JoinHarness.latest());
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(plain, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      h.setProcessingTime(100 * RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 10);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10");
      assertThat(h.unwrap().numProcessingTimeTimers()).isZero();
      assertThat(SnapshotStates.names(h.savepoint())).containsExactly(JoinConfig.ROW_STATE);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_stateTtlFirst_forgetsTheMarker_theTimerThenRemovesNothing(StateBackendKind backend)
      throws Exception {
    JoinHarness.Expanded ttlFirst =
        JoinHarness.expand(
            JoinHarness.latest()
                .withDeleteRetention(RETENTION)
                .withStateTtl(Duration.ofSeconds(1)));
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(ttlFirst, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      h.setProcessingTime(1_001);
      h.processElement(fact("k1#o1"), 10);
      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(row(Change.insert("k2#v1")), 3);
      h.processElement(fact("k2#o2"), 11);

      assertThat(lines(h.emitted()))
          .containsExactly("NOT_FOUND k1#o1 @10", "FOUND k2#o2 k2#v1 @11");
      assertThat(removed(h)).as("the TTL removed it").isZero();
      assertThat(h.unwrap().numProcessingTimeTimers()).isZero();
    }
  }

  /**
   * Restored without the option, the pending removals are not executed: the marker stays, as it
   * always did (Flink carries the unregistered deadline state and timer service on).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_restoredWithoutTheOption_markerKept(StateBackendKind backend) throws Exception {
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(LATEST, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      savepoint = h.savepoint();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        JoinHarness.expand(JoinHarness.latest()).harness().on(backend).restore(savepoint)) {
      h.setProcessingTime(2 * RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 10);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10");
    }
  }

  /**
   * Removed at a restore where the timers are written into the checkpoint's raw keyed state
   * (RocksDB or ForSt with {@code timer-service.factory: HEAP}): Flink restores the removals' timer
   * service there whether the step asks for it or not, and cannot snapshot a service nobody
   * started, so the step must still open it. It checkpoints again; the pending removal does
   * nothing.
   */
  @Test
  void latest_restoredWithoutTheOption_timersOnTheHeapOfForSt_checkpointsAgain() throws Exception {
    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    OperatorSubtaskState withOption;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        LATEST.harness().onForSt(heapTimers).open()) {
      h.processElement(row(Change.delete("k1#v1")), 2);
      withOption = h.snapshot();
    }
    KeyedHarness<Object, Either<String, Change<String>>, String> without =
        JoinHarness.expand(JoinHarness.latest()).harness().onForSt(heapTimers);
    OperatorSubtaskState again;
    try (OperatorHarness<Either<String, Change<String>>, String> h = without.restore(withOption)) {
      h.setProcessingTime(2 * RETENTION.toMillis()); // past the pending removal: does nothing
      again = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h = without.restore(again)) {
      h.processElement(fact("k1#o1"), 10);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10");
      assertThat(removed(h)).isZero();
    }
  }

  // ---- point-in-time join -----------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_deleteTheOnlyVersionLeft_removedAfterTheRetention(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.processWatermark(30); // horizon 25: the delete is the version in force there
      h.processElement(fact("k1#o1"), 31);
      h.processWatermark(31);
      h.setProcessingTime(RETENTION.toMillis() - 1);
      assertThat(removed(h)).isZero();

      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o2"), 32);
      h.processWatermark(40);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @31", "NOT_FOUND k1#o2 @32");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_retentionPassedBeforeTheHorizon_keptWhileAFactCanStillNeedTheVersionBefore(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.processWatermark(22); // horizon 17: a fact at 17 to 19 still needs v1
      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 18); // within the allowed lateness
      assertThat(removed(h)).isZero();

      h.processWatermark(25); // horizon 20: the delete is all a fact can still get
      h.setProcessingTime(RETENTION.toMillis() + 1); // removed at the next processing-time tick
      h.processElement(fact("k1#o2"), 21);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @18", "NOT_FOUND k1#o2 @21");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  /**
   * The removal is never made while a watermark's timers fire, so the facts one watermark makes due
   * all get what the history held before it; in batch mode, where all of a key's timers fire at its
   * end, the same keeps the removal behind every held fact of the key.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_horizonReachesTheDeleteAmongHeldFacts_allDueFactsJoinedBeforeTheRemoval(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.processWatermark(22); // horizon 17
      h.setProcessingTime(RETENTION.toMillis()); // retention passed, the horizon not there yet
      h.processElement(fact("k1#o1"), 25); // at the horizon's retry time, 20 + 5
      h.processElement(fact("k1#o2"), 26);
      h.processWatermark(30); // both due at once
      assertThat(removed(h)).isZero();

      h.setProcessingTime(RETENTION.toMillis() + 1); // the next processing-time tick
      h.processElement(fact("k1#o3"), 31);
      h.processWatermark(31);

      assertThat(lines(h.emitted()))
          .containsExactly("DELETED k1#o1 @25", "DELETED k1#o2 @26", "NOT_FOUND k1#o3 @31");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_lateVersionOlderThanTheDelete_staleBeforeTheRemoval_acceptedAsNewAfter(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.delete("k2#v1")), 20); // due at 10 s
      h.setProcessingTime(5_000);
      h.processElement(row(Change.delete("k1#v1")), 20); // due at 15 s
      h.processWatermark(30);
      h.processElement(row(Change.insert("k1#v0")), 15); // late: the delete stays in force
      h.setProcessingTime(RETENTION.toMillis()); // k2's history is removed, k1's not yet
      h.processElement(row(Change.insert("k2#v0")), 15); // late, and now the key's only version
      h.processElement(fact("k1#o1"), 35);
      h.processElement(fact("k2#o2"), 35);
      h.processWatermark(40);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @35", "FOUND k2#o2 k2#v0 @35");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  /**
   * Removed at one restore and set again at the next: the removal that was pending fired while the
   * option was off and did nothing, so its deadline is still in state without a timer. The restore
   * that sets the option again reads every marker (the savepoint taken without it says not every
   * one has a deadline) and sets that removal again, without a write of the key; its deadline has
   * passed, so it goes at the first tick. A late version older than the delete then starts a new
   * history.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_optionRemovedThenSetAgain_theRestoreSetsTheRemovalAgain(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState withOption;
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.delete("k1#v1")), 20); // due at 10 s
      h.processWatermark(30); // horizon 25: the delete is all a fact can still get
      withOption = h.snapshot();
    }
    OperatorSubtaskState withoutOption;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        JoinHarness.expand(JoinHarness.asOf().withAllowedLateness(Duration.ofMillis(5)))
            .harness()
            .on(backend)
            .restore(withOption)) {
      h.setProcessingTime(2 * RETENTION.toMillis()); // the pending removal fires: nothing
      withoutOption = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        AS_OF.harness().on(backend).restore(withoutOption)) {
      h.setProcessingTime(2 * RETENTION.toMillis()); // no write of the key: removed
      assertThat(removed(h)).isEqualTo(1);
      h.processElement(row(Change.insert("k1#v0")), 5); // late, older than the delete: new
      h.processElement(fact("k1#o1"), 31);
      h.processWatermark(40);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v0 @31");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_reinsertAfterTheDelete_keepsTheHistory(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.processWatermark(30);
      h.setProcessingTime(5_000);
      h.processElement(row(Change.insert("k1#v2")), 31);
      assertThat(h.unwrap().numProcessingTimeTimers()).as("the removal is cancelled").isZero();
      h.setProcessingTime(3 * RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 35);
      h.processWatermark(40);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v2 @35");
      assertThat(removed(h)).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_newerDelete_restartsTheClock(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.setProcessingTime(6_000);
      h.processElement(row(Change.delete("k1#v1")), 25);
      assertThat(h.unwrap().numProcessingTimeTimers()).isEqualTo(1);
      h.processWatermark(40);
      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 41);
      h.processWatermark(41);
      h.setProcessingTime(16_000);
      h.processElement(fact("k1#o2"), 42);
      h.processWatermark(42);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @41", "NOT_FOUND k1#o2 @42");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_snapshotWithAPendingRemoval_restoredAndRemoved(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(AS_OF, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.processWatermark(30);
      h.setProcessingTime(5_000);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        AS_OF.harness().on(backend).restore(snapshot)) {
      h.processElement(fact("k1#o1"), 31);
      h.processWatermark(31);
      h.setProcessingTime(RETENTION.toMillis());
      h.processElement(fact("k1#o2"), 32);
      h.processWatermark(32);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @31", "NOT_FOUND k1#o2 @32");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_withoutTheOption_noProcessingTimeTimerAndNoNewState(StateBackendKind backend)
      throws Exception {
    JoinHarness.Expanded plain = JoinHarness.expand(JoinHarness.asOf());
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(plain, backend)) {
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.processWatermark(30);
      h.setProcessingTime(100 * RETENTION.toMillis());
      h.processElement(fact("k1#o1"), 31);
      h.processWatermark(31);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @31");
      assertThat(h.unwrap().numProcessingTimeTimers()).isZero();
      assertThat(SnapshotStates.names(h.savepoint()))
          .doesNotContain(JoinConfig.DELETE_DEADLINE_STATE, JoinConfig.DELETE_TIMERS);
    }
  }

  // ---- both -------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void withTheOption_savepointHoldsTheDeclaredStates(StateBackendKind backend) throws Exception {
    for (JoinHarness.Expanded expanded : new JoinHarness.Expanded[] {LATEST, LATEST_WAITS, AS_OF}) {
      StateInventory inventory = expanded.output().stateInventory();
      try (OperatorHarness<Either<String, Change<String>>, String> h = open(expanded, backend)) {
        h.processElement(row(Change.delete("k1#v1")), 20);
        h.processElement(fact("k2#o1"), 21);
        h.processWatermark(30);

        assertThat(SnapshotStates.names(h.savepoint()))
            .as(expanded.config().asOf() ? "asOf" : "latest")
            .contains(JoinConfig.DELETE_DEADLINE_STATE)
            .isEqualTo(SnapshotStates.declared(inventory, "test/join"));
        assertThat(SnapshotStates.typeMismatches(h.savepoint(), inventory, "test/join")).isEmpty();
      }
    }
  }

  @Test
  void withoutDeleteRetention_onAStepDerivedFromOneWithIt_isTheStepWithout() {
    DimensionJoinStep<String, String, String, String> base =
        JoinHarness.latest().withDeleteRetention(Duration.ofMinutes(1));
    DimensionJoinStep<String, String, String, String> variant = base.withoutDeleteRetention();

    assertThat(base.toString()).contains("deleteRetention=PT1M");
    assertThat(variant).hasToString(JoinHarness.latest().toString());
    assertThat(
            SnapshotStates.declared(
                JoinHarness.expand(variant).output().stateInventory(), "test/join"))
        .isEqualTo(
            SnapshotStates.declared(
                JoinHarness.expand(JoinHarness.latest()).output().stateInventory(), "test/join"))
        .doesNotContain(JoinConfig.DELETE_DEADLINE_STATE);
  }

  @Test
  void withDeleteRetention_validated() {
    DimensionJoinStep<String, String, String, String> step = JoinHarness.latest();
    assertThatThrownBy(() -> step.withDeleteRetention(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must not be null");
    assertThatThrownBy(() -> step.withDeleteRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT0S");
    assertThatThrownBy(() -> step.withDeleteRetention(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT-1S");
    assertThatThrownBy(() -> step.withDeleteRetention(Duration.ofNanos(1_500_000)))
        .as("as withStateTtl and the other steps' withDeleteRetention: fractions are refused")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("deleteRetention must be a whole number of milliseconds");
    assertThat(
            JoinHarness.expand(step.withDeleteRetention(Duration.ofMillis(Long.MAX_VALUE)))
                .config()
                .deleteRetentionMillis())
        .as("as long as a state TTL may be")
        .isEqualTo(Long.MAX_VALUE);
    assertThat(JoinHarness.expand(step).config().deleteRetentionMillis()).as("not set").isZero();
    assertThat(step.withDeleteRetention(RETENTION).toString()).contains(", deleteRetention=PT10S");
    assertThat(step.toString()).doesNotContain("deleteRetention");
  }

  // ---- restores: rescaled, changelog state backend, ForSt ------------------------------------

  private static final JoinHarness.Expanded AS_OF_WAITS =
      JoinHarness.expand(
          JoinHarness.asOf()
              .withDeleteRetention(RETENTION)
              .withAllowedLateness(Duration.ofMillis(5))
              .withMaxWait(Duration.ofMillis(20)));

  /**
   * Eight keys deleted at processing time 0, the even ones again at 4 s; facts before and after
   * each key's removal (odd keys at 10 s, even ones at 14 s; point in time: once the watermark has
   * passed the delete by the allowed lateness), then a late version older than the deletes.
   */
  static HarnessInput<Either<String, Change<String>>> pendingRemovals() {
    HarnessInput.Builder<Either<String, Change<String>>> script = HarnessInput.builder();
    for (int k = 0; k < 8; k++) {
      script.element(JoinInput.dimension(Change.insert("k" + k + "#v1")), 10);
      script.element(JoinInput.dimension(Change.delete("k" + k + "#v1")), 20);
    }
    script.watermark(22).advanceProcessingTime(4_000);
    for (int k = 0; k < 8; k += 2) {
      script.element(JoinInput.dimension(Change.delete("k" + k + "#v1")), 30);
    }
    for (int k = 0; k < 8; k++) {
      script.element(JoinInput.fact("k" + k + "#o1"), 23);
    }
    script.watermark(26).advanceProcessingTime(6_000);
    for (int k = 0; k < 8; k++) {
      script.element(JoinInput.fact("k" + k + "#o2"), 27);
    }
    script.watermark(40).advanceProcessingTime(1_000);
    for (int k = 0; k < 8; k++) {
      script.element(JoinInput.fact("k" + k + "#o3"), 41);
    }
    script.watermark(45).advanceProcessingTime(5_000);
    for (int k = 0; k < 8; k++) {
      script.element(JoinInput.fact("k" + k + "#o4"), 46);
      script.element(JoinInput.dimension(Change.insert("k" + k + "#v2")), 15);
    }
    return script.watermark(100).advanceProcessingTime(30_000).endOfInput().build();
  }

  /** Deadlines and timers move with their key groups: each key's output is as without rescale. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescaledWithPendingRemovals_sameOutputPerKey(StateBackendKind backend) {
    for (JoinHarness.Expanded join : new JoinHarness.Expanded[] {LATEST_WAITS, AS_OF_WAITS}) {
      RescaleCheck.of(join.harness().on(backend), pendingRemovals())
          .rescaling(2, 3)
          .withSampledCutPoints(8, 1L)
          .verify();
      RescaleCheck.of(join.harness().on(backend), pendingRemovals())
          .rescaling(3, 1)
          .withSampledCutPoints(8, 2L)
          .verify();
    }
  }

  @Test
  void withStateChangelog_rescaledWithPendingRemovals_sameOutputPerKey() {
    for (JoinHarness.Expanded join : new JoinHarness.Expanded[] {LATEST_WAITS, AS_OF_WAITS}) {
      RescaleCheck.of(join.harness().withStateChangelog(), pendingRemovals())
          .rescaling(2, 3)
          .withSampledCutPoints(8, 3L)
          .verify();
    }
  }

  /** On ForSt, with its timers in ForSt and on the heap (restored on ForSt, rescaled). */
  @ParameterizedTest
  @ValueSource(strings = {"ForStDB", "HEAP"})
  void onForSt_pendingRemovalsRestored_sameOutputPerKey(String timerServiceFactory) {
    Configuration forSt = new Configuration();
    forSt.setString("state.backend.forst.timer-service.factory", timerServiceFactory);
    for (JoinHarness.Expanded join : new JoinHarness.Expanded[] {LATEST_WAITS, AS_OF_WAITS}) {
      RescaleCheck.of(join.harness().onForSt(forSt), pendingRemovals())
          .withSampledCutPoints(6, 4L)
          .verify();
    }
  }

  private static OperatorHarness<Either<String, Change<String>>, String> open(
      JoinHarness.Expanded expanded, StateBackendKind backend) throws Exception {
    return expanded.harness().on(backend).open();
  }

  private static long removed(OperatorHarness<?, ?> h) {
    JoinMetrics metrics =
        ((DimensionJoinOperator<?, ?, ?, ?>) h.unwrap().getOperator()).joinMetrics();
    return metrics.deleteMarkersRemovedCount();
  }
}
