package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention} added or shortened at a restore, both joins: the delete markers (the
 * latest join's marker, the point-in-time join's history ending in a delete) restored without a
 * deadline, or with a later one than the retention at hand gives, get one in a pass over all keys
 * after the restore. Clocks start at 0 at every restore.
 */
class DimensionJoinDeleteRetentionRestoreTest {

  private static final Duration RETENTION = Duration.ofSeconds(10);
  private static final long R = RETENTION.toMillis();

  private static JoinHarness.Expanded latest(@Nullable Duration retention) {
    DimensionJoinStep<String, String, String, String> step = JoinHarness.latest();
    return JoinHarness.expand(retention == null ? step : step.withDeleteRetention(retention));
  }

  private static JoinHarness.Expanded asOf(@Nullable Duration retention) {
    DimensionJoinStep<String, String, String, String> step =
        JoinHarness.asOf().withAllowedLateness(Duration.ofMillis(5));
    return JoinHarness.expand(retention == null ? step : step.withDeleteRetention(retention));
  }

  /** k1 deleted, k2 deleted without ever having a row, k3 live. */
  private static OperatorSubtaskState latestMarkers(JoinHarness.Expanded join, StateBackendKind b)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = join.harness().on(b).open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(row(Change.delete("k1#v1")), 2);
      h.processElement(row(Change.delete("k2#v1")), 3);
      h.processElement(row(Change.insert("k3#v1")), 4);
      return h.snapshot();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_addedAtARestore_restoredMarkersGoARetentionAfterIt(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot = latestMarkers(latest(null), backend);
    OperatorSubtaskState again;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latest(RETENTION).harness().on(backend).restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(2L);
      h.setProcessingTime(R - 1);
      h.processElement(fact("k1#o1"), 10);
      h.setProcessingTime(R); // no key was written since the restore
      h.processElement(fact("k1#o2"), 11);
      h.processElement(fact("k3#o3"), 12);

      assertThat(lines(h.emitted()))
          .containsExactly("DELETED k1#o1 @10", "NOT_FOUND k1#o2 @11", "FOUND k3#o3 k3#v1 @12");
      assertThat(removed(h)).isEqualTo(2L);
      assertThat(h.unwrap().numProcessingTimeTimers()).isZero();
      again = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latest(RETENTION).harness().on(backend).restore(again)) {
      assertThat(givenDeadlines(h)).isEqualTo(-1L); // every marker has its deadline
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_shortenedAtARestore_pendingRemovalsMoveToTheNewRetentionAfterTheirWrite(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot = latestMarkers(latest(Duration.ofSeconds(100)), backend);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latest(RETENTION).harness().on(backend).restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(2L);
      h.setProcessingTime(R);
      assertThat(removed(h)).isEqualTo(2L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_addedAtARestore_restoredDeletedHistoryGoesARetentionAfterIt(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        asOf(null).harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.delete("k1#v1")), 20);
      h.processElement(row(Change.insert("k3#v1")), 10);
      h.processWatermark(30); // horizon 25: the delete is the version in force there
      snapshot = h.snapshot();
    }
    OperatorSubtaskState again;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        asOf(RETENTION).harness().on(backend).restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(1L);
      h.setProcessingTime(R); // no key was written since the restore
      h.processElement(fact("k1#o1"), 31);
      h.processElement(fact("k3#o3"), 32);
      h.processWatermark(40);

      assertThat(lines(h.emitted()))
          .containsExactly("NOT_FOUND k1#o1 @31", "FOUND k3#o3 k3#v1 @32");
      assertThat(removed(h)).isEqualTo(1L);
      again = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        asOf(RETENTION).harness().on(backend).restore(again)) {
      assertThat(givenDeadlines(h)).isEqualTo(-1L);
    }
  }

  private static long removed(OperatorHarness<?, ?> h) {
    return operator(h).joinMetrics().deleteMarkersRemovedCount();
  }

  private static long givenDeadlines(OperatorHarness<?, ?> h) {
    return operator(h).markersGivenDeadlines();
  }

  private static DimensionJoinOperator<?, ?, ?, ?> operator(OperatorHarness<?, ?> h) {
    return (DimensionJoinOperator<?, ?, ?, ?>) h.unwrap().getOperator();
  }
}
