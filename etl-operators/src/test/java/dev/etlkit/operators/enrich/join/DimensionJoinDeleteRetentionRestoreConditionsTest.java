package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
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
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention} added or shortened at a restore of a dimension join, under the
 * conditions a review tried to break the pass with: a rescale, the changelog state backend, ForSt
 * with its timers on the heap, state TTL expiring markers between the snapshot and the restore, and
 * a point-in-time history whose delete the horizon has not reached at the restore; the committed
 * snapshots of earlier etlkit versions too. Clocks start at 0 at every restore.
 */
class DimensionJoinDeleteRetentionRestoreConditionsTest {

  private static final Duration RETENTION = Duration.ofSeconds(10);
  private static final long R = RETENTION.toMillis();
  private static final Duration TTL = Duration.ofMinutes(10);

  private static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  private static KeyedHarness<Object, Either<String, Change<String>>, String> latest(
      @Nullable Duration retention) {
    return latest(retention, null);
  }

  private static KeyedHarness<Object, Either<String, Change<String>>, String> latest(
      @Nullable Duration retention, @Nullable Duration ttl) {
    DimensionJoinStep<String, String, String, String> step = JoinHarness.latest();
    if (retention != null) {
      step = step.withDeleteRetention(retention);
    }
    if (ttl != null) {
      step = step.withStateTtl(ttl);
    }
    return JoinHarness.expand(step).harness();
  }

  private static KeyedHarness<Object, Either<String, Change<String>>, String> asOf(
      @Nullable Duration retention) {
    DimensionJoinStep<String, String, String, String> step =
        JoinHarness.asOf().withAllowedLateness(Duration.ofMillis(5));
    return JoinHarness.expand(retention == null ? step : step.withDeleteRetention(retention))
        .harness();
  }

  /**
   * Rescaled at the restore (2 subtasks to 1 and to 3): every subtask reads the union of the
   * recorded retentions (all longer than the new one) and passes over the keys it got; the same
   * retention on another parallelism runs no pass.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_shortenedAtARescaledRestore_everySubtaskPassesOverTheKeysItGot(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> before =
        latest(RETENTION.multipliedBy(10)).on(backend);
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          before.openSubtask(2, subtask)) {
        for (int k = 0; k < 12; k++) {
          Either<String, Change<String>> insert = row(Change.insert("k" + k + "#v1"));
          if (before.subtaskOf(insert, 2) == subtask) {
            h.processElement(insert, k);
            if (k % 3 != 0) { // eight deleted, four live
              h.processElement(row(Change.delete("k" + k + "#v1")), k);
            }
          }
        }
        snapshots.add(h.snapshot());
      }
    }
    for (int parallelism : new int[] {1, 3}) {
      long given = 0;
      long removed = 0;
      KeyedHarness<Object, Either<String, Change<String>>, String> after =
          latest(RETENTION).on(backend);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<Either<String, Change<String>>, String> h =
            after.restoreSubtask(snapshots, parallelism, subtask)) {
          given += operator(h).markersGivenDeadlines();
          h.setProcessingTime(R); // written at 0: a retention after their write
          removed += removed(h);
        }
      }
      assertThat(given).as("parallelism %s", parallelism).isEqualTo(8);
      assertThat(removed).as("parallelism %s", parallelism).isEqualTo(8);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<Either<String, Change<String>>, String> h =
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
  void latest_addedAtARestore_underTheChangelogBackend_theDeadlinesWrittenAreRestored()
      throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latest(null).on(StateBackendKind.HEAP).withStateChangelog().open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(row(Change.delete("k1#v1")), 2);
      snapshot = h.snapshot();
    }
    KeyedHarness<Object, Either<String, Change<String>>, String> changelog =
        latest(RETENTION).on(StateBackendKind.HEAP).withStateChangelog();
    try (OperatorHarness<Either<String, Change<String>>, String> h = changelog.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(1L);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h = changelog.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(-1L);
      h.setProcessingTime(R - 1);
      h.processElement(fact("k1#o1"), 10);
      h.setProcessingTime(R);
      h.processElement(fact("k1#o2"), 11);
      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10", "NOT_FOUND k1#o2 @11");
      assertThat(removed(h)).isEqualTo(1L);
    }
  }

  /** On ForSt with its timers on the heap the pass's timers are snapshotted and restored. */
  @Test
  void latest_addedAtARestore_onForStWithHeapTimers_theTimersAreRestored() throws Exception {
    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latest(null).onForSt(heapTimers).open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(row(Change.delete("k1#v1")), 2);
      snapshot = h.snapshot();
    }
    KeyedHarness<Object, Either<String, Change<String>>, String> forSt =
        latest(RETENTION).onForSt(heapTimers);
    try (OperatorHarness<Either<String, Change<String>>, String> h = forSt.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(1L);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h = forSt.restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(-1L);
      h.setProcessingTime(R);
      assertThat(removed(h)).isEqualTo(1L);
    }
  }

  /**
   * Markers the state TTL expired after the snapshot and before the restore are not markers any
   * more: the pass neither counts them nor gives them a deadline, and no removal is counted.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_addedAtARestore_markersExpiredByTheTtl_areNotGivenDeadlinesNorCounted(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latest(null, TTL).on(backend).open()) {
      h.setStateTtlTime(-TTL.toMillis() - 500); // expires at -500: after the snapshot at -100
      h.processElement(row(Change.delete("old#v1")), 1);
      h.setStateTtlTime(-100); // alive at the restore (TTL clock 0)
      h.processElement(row(Change.delete("new#v1")), 2);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latest(RETENTION, TTL).on(backend).restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(1L);
      h.setProcessingTime(R);
      assertThat(removed(h)).isEqualTo(1L); // "new" only
      h.processElement(fact("old#o1"), 10);
      h.processElement(fact("new#o2"), 11);
      assertThat(lines(h.emitted()))
          .containsExactly("NOT_FOUND old#o1 @10", "NOT_FOUND new#o2 @11");
    }
  }

  /**
   * A point-in-time history whose delete the horizon (watermark − allowed lateness) has not reached
   * at the restore: the deadline the pass gives passes first, and the history goes only once a
   * watermark brings the horizon to the delete; a fact in between still finds it deleted.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_addedAtARestore_deleteNotYetBehindTheHorizon_goesOnceTheWatermarkReachesIt(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        asOf(null).on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.delete("k1#v1")), 28);
      h.processWatermark(30); // horizon 25: before the delete
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        asOf(RETENTION).on(backend).restore(snapshot)) {
      assertThat(operator(h).markersGivenDeadlines()).isEqualTo(1L);
      h.setProcessingTime(R);
      assertThat(removed(h)).isZero(); // the horizon is at 25
      h.processElement(fact("k1#o1"), 31);
      h.processWatermark(32); // horizon 27: still before the delete
      h.setProcessingTime(R + 1);
      assertThat(removed(h)).isZero();
      h.processWatermark(40); // horizon 35: past the delete
      h.setProcessingTime(R + 2);
      assertThat(removed(h)).isEqualTo(1L);
      h.processElement(fact("k1#o2"), 41);
      h.processWatermark(50);
      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @31", "NOT_FOUND k1#o2 @41");
    }
  }

  /**
   * The committed latest-join snapshots of state formats 1 to 3 (taken without the option by
   * earlier etlkit versions, k2 deleted) restored with the option added: the pass gives the marker
   * its deadline a retention after the restore.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_addedAtTheRestoreOfTheCommittedSnapshots_theirMarkerGetsItsDeadline(
      StateBackendKind backend) throws Exception {
    for (int version = 1; version <= 3; version++) {
      KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
          JoinHarness.expand(
                  DimensionJoinSavepointCompatibilityTest.LATEST
                      .step()
                      .withDeleteRetention(RETENTION))
              .harness()
              .on(backend);
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          SNAPSHOTS.restore(
              "dimension-join-latest",
              version,
              recipe,
              HarnessInput.<Either<String, Change<String>>>builder().build())) {
        assertThat(operator(h).markersGivenDeadlines()).as("format %s", version).isEqualTo(1L);
        h.setProcessingTime(R - 1); // k3's restored waiting facts time out (deadline 100)
        h.processElement(fact("k2#o1"), 11);
        h.setProcessingTime(R);
        assertThat(removed(h)).as("format %s", version).isEqualTo(1L);
        h.processElement(row(Change.insert("k2#v2")), 12); // forgotten: a new row
        h.processElement(fact("k2#o2"), 13);
        assertThat(lines(h.emitted()))
            .as("format %s", version)
            .containsExactly(
                "TIMED_OUT k3#o1 @10",
                "TIMED_OUT k3#o2",
                "DELETED k2#o1 @11",
                "FOUND k2#o2 k2#v2 @13");
      }
    }
  }

  private static long removed(OperatorHarness<?, ?> h) {
    return operator(h).joinMetrics().deleteMarkersRemovedCount();
  }

  private static DimensionJoinOperator<?, ?, ?, ?> operator(OperatorHarness<?, ?> h) {
    return (DimensionJoinOperator<?, ?, ?, ?>) h.unwrap().getOperator();
  }
}
