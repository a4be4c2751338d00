package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.balanced;
import static dev.etlkit.operators.dedup.DedupHarness.changes;
import static dev.etlkit.operators.dedup.DedupHarness.counts;
import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.RescaleCheck;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code withDeleteRetention}: keep-last with an ordering on a changelog keeps a deleted key's
 * tombstone for the retention after it was last written (processing time, deadlines rounded up to a
 * whole second), then forgets the key. Rows are ordered by their version ({@code k1#v3}: 3), so no
 * watermark is involved; the harness's processing time starts at 0.
 */
class DedupDeleteRetentionTest {

  private static final Duration RETENTION = Duration.ofMinutes(1);
  private static final long RETENTION_MS = RETENTION.toMillis();

  private static Dedup.DedupStep<Change<String>, String, String, Change<String>> byVersion() {
    return keepLast()
        .withOrdering(DedupOrder.by("version", DedupHarness::version))
        .withRetractOutput()
        .onChangelog();
  }

  private static KeyedHarness<Object, Change<String>, Change<String>> retained(
      StateBackendKind backend) {
    return changes(byVersion().withDeleteRetention(RETENTION)).harness().on(backend);
  }

  // ---- removal after the retention ----------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void tombstone_keptBeforeTheRetention_removedAfterIt_thenAnOlderRecordIsNew(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness = retained(backend).open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5")); // tombstone at version 5, written at 0
      assertThat(harness.unwrap().numProcessingTimeTimers()).isEqualTo(1);

      harness.setProcessingTime(RETENTION_MS - 1);
      harness.processElement(Change.insert("k1#v3")); // older than the delete: stale
      assertThat(removed(harness)).isZero();

      harness.setProcessingTime(RETENTION_MS);
      assertThat(removed(harness)).isEqualTo(1L);
      assertThat(harness.unwrap().numProcessingTimeTimers()).isZero();
      harness.processElement(Change.insert("k1#v3")); // the key was forgotten: new

      assertThat(harness.output())
          .containsExactly(Change.insert("k1#v1"), Change.delete("k1#v1"), Change.insert("k1#v3"));
      assertThat(counts(harness))
          .contains(entry("in", 4L), entry("out", 3L), entry("deduplicated", 1L));
      assertThat(balanced(counts(harness))).isTrue();
    }
  }

  /** A delete of a key never seen leaves a tombstone too, which the retention removes. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void tombstoneOfAKeyNeverSeen_isRemovedToo(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness = retained(backend).open()) {
      harness.setProcessingTime(500);
      harness.processElement(Change.delete("k1#v5"));

      harness.setProcessingTime(500 + RETENTION_MS); // rounded up to the next whole second
      harness.processElement(Change.insert("k1#v4")); // still deleted: stale
      assertThat(removed(harness)).isZero();
      harness.setProcessingTime(1_000 + RETENTION_MS);
      harness.processElement(Change.insert("k2#v1"));
      harness.processElement(Change.insert("k1#v4"));

      assertThat(harness.output()).containsExactly(Change.insert("k2#v1"), Change.insert("k1#v4"));
      assertThat(removed(harness)).isEqualTo(1L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void reinsertBeforeTheDeadline_theLiveRowSurvivesTheOldDeadline(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness = retained(backend).open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5"));
      harness.setProcessingTime(30_000);
      harness.processElement(Change.insert("k1#v6")); // live again

      harness.setProcessingTime(RETENTION_MS); // the tombstone's deadline
      harness.setProcessingTime(10 * RETENTION_MS);
      harness.processElement(Change.insert("k1#v6")); // the kept row: a no-op
      harness.processElement(Change.insert("k1#v4")); // older than the kept row: stale

      assertThat(harness.output())
          .containsExactly(Change.insert("k1#v1"), Change.delete("k1#v1"), Change.insert("k1#v6"));
      assertThat(removed(harness)).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void newerDelete_restartsTheClock_anEqualOneDoesNot(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness = retained(backend).open()) {
      harness.processElement(Change.delete("k1#v5"));
      harness.processElement(Change.delete("k2#v5"));
      harness.setProcessingTime(30_000);
      harness.processElement(Change.delete("k1#v7")); // newer: the tombstone moves, clock restarts
      harness.processElement(Change.delete("k2#v5")); // as old as the tombstone: writes nothing

      harness.setProcessingTime(RETENTION_MS);
      harness.processElement(Change.insert("k1#v6")); // older than the moved tombstone: stale
      harness.processElement(Change.insert("k2#v4")); // k2 was forgotten: new
      assertThat(removed(harness)).isEqualTo(1L);

      harness.setProcessingTime(30_000 + RETENTION_MS);
      harness.processElement(Change.insert("k1#v6"));

      assertThat(harness.output()).containsExactly(Change.insert("k2#v4"), Change.insert("k1#v6"));
      assertThat(removed(harness)).isEqualTo(2L);
      assertThat(harness.unwrap().numProcessingTimeTimers()).isZero();
    }
  }

  /** A key whose tombstone moves many times holds one timer, not one per write. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void tombstoneMovedManyTimes_holdsOneTimer(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness = retained(backend).open()) {
      for (int v = 1; v <= 20; v++) {
        harness.setProcessingTime(v * 700L);
        harness.processElement(Change.delete("k1#v" + v));
      }

      assertThat(harness.unwrap().numProcessingTimeTimers()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void snapshotWithAPendingRemoval_restoredRemovesTheTombstoneAtItsDeadline(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Change<String>, Change<String>> recipe = retained(backend);
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5"));
      harness.processElement(Change.insert("k2#v1"));
      harness.processElement(Change.delete("k2#v5"));
      harness.setProcessingTime(20_000);
      harness.processElement(Change.insert("k2#v6")); // k2 live again before the snapshot
      snapshot = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = recipe.restore(snapshot)) {
      restored.setProcessingTime(RETENTION_MS - 1);
      restored.processElement(Change.insert("k1#v3")); // still deleted: stale
      restored.setProcessingTime(RETENTION_MS);
      restored.processElement(Change.insert("k1#v3")); // removed: new
      restored.processElement(Change.insert("k2#v4")); // live row kept: stale

      assertThat(restored.output()).containsExactly(Change.insert("k1#v3"));
      assertThat(removed(restored)).isEqualTo(1L);
    }
  }

  /** Mini-batches: a tombstone written at a flush gets its deadline from the flush. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_tombstoneWrittenAtTheFlush_isRemovedAfterTheRetention(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(
                byVersion()
                    .withDeleteRetention(RETENTION)
                    .withMiniBatch(100, Duration.ofSeconds(1)))
            .harness()
            .on(backend)
            .open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5")); // cancels the insert out within the bundle
      harness.processElement(Change.delete("k2#v5"));
      harness.setProcessingTime(1_000); // flushes: the tombstones are written now

      harness.setProcessingTime(59_000);
      harness.processElement(Change.insert("k1#v3"));
      harness.setProcessingTime(60_000); // flushes: stale, the tombstone is still there
      assertThat(removed(harness)).isZero();

      harness.setProcessingTime(1_000 + RETENTION_MS);
      assertThat(removed(harness)).isEqualTo(2L);
      harness.processElement(Change.insert("k1#v3"));
      harness.setProcessingTime(2_000 + RETENTION_MS); // flushes: new

      assertThat(harness.output()).containsExactly(Change.insert("k1#v3"));
      assertThat(counts(harness))
          .contains(entry("in", 5L), entry("out", 1L), entry("deduplicated", 4L));
    }
  }

  /** State TTL applies on top: the tombstone goes with whichever comes first. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void stateTtlShorterThanTheRetention_expiresTheTombstoneFirst(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(byVersion().withDeleteRetention(RETENTION).withStateTtl(Duration.ofSeconds(10)))
            .harness()
            .on(backend)
            .open()) {
      harness.processElement(Change.delete("k1#v5"));
      harness.setProcessingTime(20_000);
      harness.processElement(Change.insert("k1#v3")); // expired by TTL: new
      harness.processElement(Change.insert("k1#v2")); // older than the live row: stale
      harness.setProcessingTime(RETENTION_MS); // the removal finds no tombstone: not counted

      assertThat(harness.output()).containsExactly(Change.insert("k1#v3"));
      assertThat(removed(harness)).isZero();
      assertThat(harness.unwrap().numProcessingTimeTimers()).isZero();
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
  void restoredWithoutTheOption_timersOnTheHeapOfForSt_checkpointsAgain() throws Exception {
    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    OperatorSubtaskState withOption;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(byVersion().withDeleteRetention(RETENTION)).harness().onForSt(heapTimers).open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5"));
      withOption = harness.snapshot();
    }
    KeyedHarness<Object, Change<String>, Change<String>> without =
        changes(byVersion()).harness().onForSt(heapTimers);
    OperatorSubtaskState again;
    try (OperatorHarness<Change<String>, Change<String>> restored = without.restore(withOption)) {
      restored.setProcessingTime(RETENTION_MS); // the pending removal's deadline: does nothing
      again = restored.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = without.restore(again)) {
      restored.processElement(Change.insert("k1#v3")); // the tombstone was kept: stale
      restored.processElement(Change.insert("k1#v6"));

      assertThat(restored.output()).containsExactly(Change.insert("k1#v6"));
      assertThat(removed(restored)).isZero();
    }
  }

  /**
   * The same where the restore also switches the input from a changelog to plain rows (the option
   * needs a changelog, so it goes with it; the state layout is the same and restores): the restored
   * removals' timer service must still be opened.
   */
  @Test
  void restoredOnPlainRows_timersOnTheHeapOfForSt_checkpointsAgain() throws Exception {
    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    OperatorSubtaskState withOption;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(byVersion().withDeleteRetention(RETENTION)).harness().onForSt(heapTimers).open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5"));
      withOption = harness.snapshot();
    }
    KeyedHarness<Object, String, Change<String>> rows =
        DedupHarness.rows(
                keepLast()
                    .withOrdering(DedupOrder.by("version", DedupHarness::version))
                    .withRetractOutput())
            .harness()
            .onForSt(heapTimers);
    OperatorSubtaskState again;
    try (OperatorHarness<String, Change<String>> restored = rows.restore(withOption)) {
      restored.setProcessingTime(RETENTION_MS); // the pending removal's deadline: does nothing
      again = restored.snapshot();
    }
    try (OperatorHarness<String, Change<String>> restored = rows.restore(again)) {
      restored.processElement("k1#v3"); // the tombstone was kept: stale
      restored.processElement("k1#v6");

      assertThat(restored.output()).containsExactly(Change.insert("k1#v6"));
    }
  }

  /**
   * Eight keys deleted at processing time 0, the even ones deleted again at 30 s: stale rows are
   * dropped until each key's removal (odd keys at 60 s, even ones at 90 s), then accepted as new.
   */
  static HarnessInput<Change<String>> pendingRemovals() {
    HarnessInput.Builder<Change<String>> script = HarnessInput.builder();
    for (int k = 0; k < 8; k++) {
      script.element(Change.insert("k" + k + "#v1")).element(Change.delete("k" + k + "#v5"));
    }
    script.advanceProcessingTime(30_000);
    for (int k = 0; k < 8; k += 2) {
      script.element(Change.delete("k" + k + "#v6")); // restarts the clock
    }
    script.advanceProcessingTime(20_000);
    for (int k = 0; k < 8; k++) {
      script.element(Change.insert("k" + k + "#v3")); // stale
    }
    script.advanceProcessingTime(15_000); // the odd keys' tombstones are removed
    for (int k = 0; k < 8; k++) {
      script.element(Change.insert("k" + k + "#v4")); // odd keys: new; even keys: stale
    }
    script.advanceProcessingTime(40_000); // the even keys' tombstones are removed
    for (int k = 0; k < 8; k++) {
      script.element(Change.insert("k" + k + "#v2")); // even keys: new; odd keys: stale
    }
    return script.build();
  }

  /** Deadlines and timers move with their key groups: each key's output is as without rescale. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescaledWithPendingRemovals_sameOutputPerKey(StateBackendKind backend) {
    RescaleCheck.of(retained(backend), pendingRemovals())
        .rescaling(2, 3)
        .withSampledCutPoints(6, 1L)
        .verify();
    RescaleCheck.of(retained(backend), pendingRemovals())
        .rescaling(3, 1)
        .withSampledCutPoints(6, 2L)
        .verify();
  }

  /**
   * Under the changelog state backend too (the deadline is written back, never changed in place).
   */
  @Test
  void withStateChangelog_rescaledWithPendingRemovals_sameOutputPerKey() {
    RescaleCheck.of(retained(StateBackendKind.HEAP).withStateChangelog(), pendingRemovals())
        .rescaling(2, 3)
        .withSampledCutPoints(6, 3L)
        .verify();
  }

  /** On ForSt, with its timers in ForSt and on the heap: a pending removal restored fires. */
  @ParameterizedTest
  @ValueSource(strings = {"ForStDB", "HEAP"})
  void onForSt_pendingRemovalIsRestored_andFires(String timerServiceFactory) throws Exception {
    Configuration forSt = new Configuration();
    forSt.setString("state.backend.forst.timer-service.factory", timerServiceFactory);
    KeyedHarness<Object, Change<String>, Change<String>> recipe =
        changes(byVersion().withDeleteRetention(RETENTION)).harness().onForSt(forSt);
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5"));
      snapshot = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = recipe.restore(snapshot)) {
      restored.setProcessingTime(RETENTION_MS - 1);
      restored.processElement(Change.insert("k1#v3")); // still deleted: stale
      restored.setProcessingTime(RETENTION_MS);
      restored.processElement(Change.insert("k1#v3")); // removed: new

      assertThat(restored.output()).containsExactly(Change.insert("k1#v3"));
      assertThat(removed(restored)).isEqualTo(1L);
    }
  }

  // ---- not set (or switched off on a step derived from one with it): as before -------------

  /** Never set, and switched off with withoutDeleteRetention() on a step that had it. */
  private static List<Dedup.DedupStep<Change<String>, String, String, Change<String>>> notSet() {
    return List.of(
        byVersion(), byVersion().withDeleteRetention(RETENTION).withoutDeleteRetention());
  }

  @Test
  void switchedOff_isTheStepWithout() {
    assertThat(byVersion().withDeleteRetention(RETENTION).withoutDeleteRetention())
        .hasToString(byVersion().toString());
    // The rule checked when the step is applied goes with the option.
    var byArrival = keepLast().onChangelog().withDeleteRetention(RETENTION);
    assertThatThrownBy(() -> inventory(byArrival))
        .hasMessageContaining("withDeleteRetention(PT1M) needs keepLast with an ordering");
    assertThat(inventory(byArrival.withoutDeleteRetention()).entries())
        .isEqualTo(inventory(keepLast().onChangelog()).entries());
  }

  @ParameterizedTest
  @MethodSource("backendsAndNotSet")
  void notSet_registersNoTimer_andTombstonesStay(
      StateBackendKind backend,
      Dedup.DedupStep<Change<String>, String, String, Change<String>> step)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(step).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5"));
      assertThat(harness.unwrap().numProcessingTimeTimers()).isZero();

      harness.setProcessingTime(Duration.ofDays(365).toMillis());
      harness.processElement(Change.insert("k1#v3"));

      assertThat(harness.output()).containsExactly(Change.insert("k1#v1"), Change.delete("k1#v1"));
      assertThat(removed(harness)).isZero();
    }
  }

  static Stream<Arguments> backendsAndNotSet() {
    return Stream.of(StateBackendKind.values())
        .flatMap(backend -> notSet().stream().map(step -> Arguments.of(backend, step)));
  }

  @Test
  void notSet_declaresTheStatesAsBefore() {
    for (var step : notSet()) {
      assertThat(inventory(step).entries())
          .extracting(e -> e.state().name() + ": " + e.state().growth())
          .containsExactly(
              "dedup: per key: ordering key (1 longs), the kept row; a deleted key keeps its"
                  + " ordering key as a tombstone");
    }
  }

  @Test
  void set_declaresTheDeadlinesAndTimers() {
    assertThat(inventory(byVersion().withDeleteRetention(RETENTION)).entries())
        .extracting(e -> e.state().name() + ": " + e.state().growth())
        .containsExactly(
            "dedup: per key: ordering key (1 longs), the kept row; a deleted key keeps its"
                + " ordering key as a tombstone for deleteRetention (PT1M) after its delete",
            "dedup-delete-deadline: per deleted key: the processing time its tombstone is removed"
                + " at",
            "dedup-delete-timers: one processing-time timer per deleted key",
            "dedup-delete-deadlines-complete: one boolean per subtask: whether every delete marker"
                + " has its removal deadline (operator state, not keyed)",
            "dedup-delete-retention: one long per subtask: the delete retention the deadlines were"
                + " set with (operator state, not keyed)");
  }

  // ---- the option's own checks --------------------------------------------------------------

  @Test
  void withDeleteRetention_null_fails() {
    assertThatThrownBy(() -> byVersion().withDeleteRetention(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must not be null");
  }

  @Test
  void withDeleteRetention_zeroOrNegative_fails() {
    assertThatThrownBy(() -> byVersion().withDeleteRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT0S");
    assertThatThrownBy(() -> byVersion().withDeleteRetention(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deleteRetention must be positive, was PT-1S");
  }

  @Test
  void withDeleteRetention_notWholeMilliseconds_fails() {
    assertThatThrownBy(() -> byVersion().withDeleteRetention(Duration.ofNanos(1_500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("deleteRetention must be a whole number of milliseconds");
  }

  @Test
  void withDeleteRetention_printed() {
    assertThat(byVersion().withDeleteRetention(RETENTION).toString())
        .contains(", deleteRetention=PT1M");
  }

  // ---- refused where no tombstone is ever kept ----------------------------------------------

  @Test
  void apply_keepLastWithoutOrdering_fails() {
    assertThatThrownBy(() -> inventory(keepLast().onChangelog().withDeleteRetention(RETENTION)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': withDeleteRetention(PT1M) needs keepLast with an ordering on a"
                + " changelog, the only mode that keeps a tombstone for a deleted key; ordered by"
                + " processing time, a delete clears the key's state at once");
  }

  @Test
  void apply_keepFirstOnAChangelog_fails() {
    assertThatThrownBy(
            () ->
                inventory(
                    keepFirst().withUpsertOutput().onChangelog().withDeleteRetention(RETENTION)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': withDeleteRetention(PT1M) needs keepLast with an ordering on a"
                + " changelog, the only mode that keeps a tombstone for a deleted key; keepFirst"
                + " clears a deleted key's state at once");
  }

  @Test
  void apply_insertOnlyInput_fails() {
    assertThatThrownBy(
            () -> DedupHarness.rows(keepLast().withEventTimeOrder().withDeleteRetention(RETENTION)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dedup step 'dedup': withDeleteRetention(PT1M) needs keepLast with an ordering on a"
                + " changelog, the only mode that keeps a tombstone for a deleted key; without"
                + " onChangelog() there are no deletes");
  }

  private static StateInventory inventory(
      Dedup.DedupStep<Change<String>, String, String, Change<String>> step) {
    return changes(step).inventory();
  }

  private static long removed(OperatorHarness<?, ?> harness) {
    return ((DedupOperator<?, ?, ?, ?>) harness.unwrap().getOperator()).deleteMarkersRemovedCount();
  }
}
