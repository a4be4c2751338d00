package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.changes;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention} added or shortened at a restore of a dedup step, under the conditions
 * a review tried to break the pass with: a rescale, the changelog state backend, ForSt with its
 * timers on the heap, and state TTL expiring tombstones between the snapshot and the restore. The
 * committed snapshots of earlier etlkit versions too. Harness clocks start at 0 at every restore.
 */
class DedupDeleteRetentionRestoreConditionsTest {

  private static final Duration RETENTION = Duration.ofMinutes(1);
  private static final long R = RETENTION.toMillis();
  private static final Duration TTL = Duration.ofMinutes(10);

  private static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  /** Restores only: the committed files are never written from here. */
  private static final HarnessInput<Change<String>> NOTHING =
      HarnessInput.<Change<String>>builder().build();

  private static Dedup.DedupStep<Change<String>, String, String, Change<String>> byVersion(
      @Nullable Duration retention) {
    Dedup.DedupStep<Change<String>, String, String, Change<String>> step =
        keepLast()
            .withOrdering(DedupOrder.by("version", DedupHarness::version))
            .withRetractOutput()
            .onChangelog();
    return retention == null ? step : step.withDeleteRetention(retention);
  }

  private static KeyedHarness<Object, Change<String>, Change<String>> recipe(
      @Nullable Duration retention) {
    return changes(byVersion(retention)).harness();
  }

  /**
   * Rescaled at the restore (2 subtasks to 1 and to 3): every subtask reads the union of the
   * recorded retentions (all longer than the new one) and passes over the keys it got; the same
   * retention on another parallelism runs no pass.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void shortenedAtARescaledRestore_everySubtaskPassesOverTheKeysItGot(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Change<String>, Change<String>> before =
        recipe(RETENTION.multipliedBy(10)).on(backend);
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      try (OperatorHarness<Change<String>, Change<String>> h = before.openSubtask(2, subtask)) {
        for (int k = 0; k < 12; k++) {
          Change<String> insert = Change.insert("k" + k + "#v1");
          if (before.subtaskOf(insert, 2) == subtask) {
            h.processElement(insert);
            if (k % 3 != 0) { // eight deleted, four live
              h.processElement(Change.delete("k" + k + "#v2"));
            }
          }
        }
        snapshots.add(h.snapshot());
      }
    }
    for (int parallelism : new int[] {1, 3}) {
      long given = 0;
      long removed = 0;
      KeyedHarness<Object, Change<String>, Change<String>> after = recipe(RETENTION).on(backend);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<Change<String>, Change<String>> h =
            after.restoreSubtask(snapshots, parallelism, subtask)) {
          given += operator(h).markersGivenDeadlines();
          h.setProcessingTime(R); // written at 0: a retention after their write
          removed += operator(h).deleteMarkersRemovedCount();
        }
      }
      assertThat(given).as("parallelism %s", parallelism).isEqualTo(8);
      assertThat(removed).as("parallelism %s", parallelism).isEqualTo(8);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<Change<String>, Change<String>> h =
            before.restoreSubtask(snapshots, parallelism, subtask)) {
          assertThat(operator(h).markersGivenDeadlines()).as("same retention").isEqualTo(-1L);
        }
      }
    }
  }

  /**
   * Under the changelog state backend the deadlines the pass writes are logged like any write: a
   * snapshot taken right after the pass restores them, and the restore from it runs no pass.
   */
  @Test
  void addedAtARestore_underTheChangelogBackend_theDeadlinesWrittenAreRestored() throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> h =
        recipe(null).on(StateBackendKind.HEAP).withStateChangelog().open()) {
      h.processElement(Change.insert("k1#v1"));
      h.processElement(Change.delete("k1#v5"));
      snapshot = h.snapshot();
    }
    KeyedHarness<Object, Change<String>, Change<String>> changelog =
        recipe(RETENTION).on(StateBackendKind.HEAP).withStateChangelog();
    try (OperatorHarness<Change<String>, Change<String>> h = changelog.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(1L);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> h = changelog.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(-1L);
      h.setProcessingTime(R - 1);
      assertThat(operator(h).deleteMarkersRemovedCount()).isZero();
      h.setProcessingTime(R);
      assertThat(operator(h).deleteMarkersRemovedCount()).isEqualTo(1L);
      h.processElement(Change.insert("k1#v2")); // forgotten: new
      assertThat(h.output()).containsExactly(Change.insert("k1#v2"));
    }
  }

  /** On ForSt with its timers on the heap the pass's timers are snapshotted and restored. */
  @Test
  void addedAtARestore_onForStWithHeapTimers_theTimersAreRestored() throws Exception {
    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> h =
        recipe(null).onForSt(heapTimers).open()) {
      h.processElement(Change.insert("k1#v1"));
      h.processElement(Change.delete("k1#v5"));
      snapshot = h.snapshot();
    }
    KeyedHarness<Object, Change<String>, Change<String>> forSt =
        recipe(RETENTION).onForSt(heapTimers);
    try (OperatorHarness<Change<String>, Change<String>> h = forSt.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(1L);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> h = forSt.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(-1L);
      assertThat(h.unwrap().numProcessingTimeTimers()).isEqualTo(1);
      h.setProcessingTime(R);
      assertThat(operator(h).deleteMarkersRemovedCount()).isEqualTo(1L);
    }
  }

  /**
   * Tombstones the state TTL expired after the snapshot and before the restore are not markers: the
   * pass neither counts them nor gives them a deadline (no timer, no removal counted), and their
   * key is new, as after any expiry.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtARestore_tombstonesExpiredByTheTtl_areNotGivenDeadlinesNorCounted(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> h =
        changes(byVersion(null).withStateTtl(TTL)).harness().on(backend).open()) {
      h.setStateTtlTime(-TTL.toMillis() - 500); // expires at -500: after the snapshot at -100
      h.processElement(Change.delete("old#v5"));
      h.setStateTtlTime(-100); // expires at TTL - 100: alive at the restore (TTL clock 0)
      h.processElement(Change.delete("new#v5"));
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> h =
        changes(byVersion(RETENTION).withStateTtl(TTL)).harness().on(backend).restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(1L);
      assertThat(h.unwrap().numProcessingTimeTimers()).isEqualTo(1);
      h.setProcessingTime(R);
      assertThat(operator(h).deleteMarkersRemovedCount()).isEqualTo(1L); // "new" only
      h.processElement(Change.insert("old#v1")); // expired: new
      h.processElement(Change.insert("new#v1")); // removed: new
      assertThat(h.output()).containsExactly(Change.insert("old#v1"), Change.insert("new#v1"));
    }
  }

  /**
   * The committed keep-last snapshots of state formats 1 to 3 (taken without the option by earlier
   * etlkit versions, k2 a tombstone) restored with the option added: the pass gives the tombstone
   * its deadline a retention after the restore, and k2 is then new.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtTheRestoreOfTheCommittedSnapshots_theirTombstoneGetsItsDeadline(
      StateBackendKind backend) throws Exception {
    for (int version = 1; version <= 3; version++) {
      DedupOrder<String> order =
          version == 1 // format 1 did not record the component's name
              ? DedupOrder.<String>byEventTime().thenBy(DedupHarness::version)
              : DedupOrder.<String>byEventTime().thenBy("version", DedupHarness::version);
      KeyedHarness<Object, Change<String>, Change<String>> recipe =
          changes(
                  keepLast()
                      .withOrdering(order)
                      .withRetractOutput()
                      .onChangelog()
                      .withDeleteRetention(RETENTION))
              .harness()
              .on(backend);
      try (OperatorHarness<Change<String>, Change<String>> h =
          SNAPSHOTS.restore("dedup-keep-last", version, recipe, NOTHING)) {
        assertThat(operator(h).markersGivenDeadlines()).as("format %s", version).isEqualTo(1L);
        h.setProcessingTime(R - 1);
        assertThat(operator(h).deleteMarkersRemovedCount()).as("format %s", version).isZero();
        h.setProcessingTime(R);
        assertThat(operator(h).deleteMarkersRemovedCount()).as("format %s", version).isEqualTo(1L);
        h.processElement(Change.insert("k2#v0"), 40); // forgotten: new
        assertThat(h.output()).as("format %s", version).containsExactly(Change.insert("k2#v0"));
      }
    }
  }

  private static DedupOperator<?, ?, ?, ?> operator(OperatorHarness<?, ?> harness) {
    return (DedupOperator<?, ?, ?, ?>) harness.unwrap().getOperator();
  }
}
