package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.counts;
import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinMetrics;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Edges of a point-in-time join whose histories were pruned, restored with a larger allowed
 * lateness, found by a review on 2026-11-24, each failing before that day's fix: a history kept no
 * mark of having been pruned, so a fact within the new lateness but before the oldest version its
 * key kept got {@code NOT_FOUND} (or waited, then timed out) instead of being rejected as {@code
 * LATE}, as a fact behind the horizon is. A key that never pruned still gives {@code NOT_FOUND}
 * before its first version (the row did not exist yet), and so does a history restored from a
 * snapshot written before the mark (documented; it gets the mark at its next prune).
 *
 * <p>The committed snapshot files {@value #PRUNED_FILE}: version 4 written by the join before the
 * mark (its history of k1 pruned, unmarked), version 5 with the mark. Write files only for a new
 * format version, and only those:
 *
 * <pre>
 * ./mvnw -pl etl-operators test -Dtest='AsOfJoinPrunedHistoryTest#*V5' -Detlkit.snapshots.write=true
 * </pre>
 */
class AsOfJoinPrunedHistoryTest {

  /** No allowed lateness: a history prunes at the watermark. */
  private static final JoinMode BEFORE = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);

  /** The allowed lateness raised to 100 at the restore. */
  private static final JoinMode RAISED = JoinMode.asOf(0, 100, 1_000, UnmatchedFacts.EMIT);

  /** The same, waiting 50 ms of event time for a missing version. */
  private static final JoinMode RAISED_WAITING = JoinMode.asOf(50, 100, 1_000, UnmatchedFacts.EMIT);

  static final String PRUNED_FILE = "dimension-join-as-of-pruned";

  /**
   * Run by {@link #BEFORE}: k1 has versions v1@10, v2@20 and, written at watermark 50, v3@60, which
   * prunes v1 (k1 keeps [20, 60]); k2 has v1@60 only, written after the watermark passed 50, so it
   * never pruned.
   */
  static final HarnessInput<Either<String, Change<String>>> PRUNED_STATE =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 10)
          .element(row(Change.updateAfter("k1#v2")), 20)
          .watermark(50)
          .element(row(Change.updateAfter("k1#v3")), 60)
          .element(row(Change.insert("k2#v1")), 60)
          .build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void raisedLateness_factBeforeTheOldestVersionKept_isLate(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        restoredPruned(RAISED, backend)) {
      h.processElement(fact("k1#o1"), 15); // within the new lateness (50 - 100); v1 was pruned
      h.processElement(fact("k1#o2"), 25); // v2, kept

      assertThat(lines(h.emitted()))
          .containsExactly("DL DimensionJoinException:LATE k1#o1 @15", "FOUND k1#o2 k1#v2 @25");
      assertThat(h.sideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(DeadLetter::step, DeadLetter::errorMessage)
          .containsExactly(
              tuple(
                  JoinHarness.STEP,
                  "LATE: the fact's time 15 is before the oldest version its key keeps, 20: the"
                      + " version in force then was pruned (under a smaller allowed lateness or a"
                      + " later watermark)"));
      JoinMetrics metrics = metrics(h);
      assertThat(metrics.lateCount()).isEqualTo(1);
      assertThat(metrics.count(JoinStatus.NOT_FOUND)).isZero();
      assertThat(metrics.count(JoinStatus.FOUND)).isEqualTo(1);
      assertThat(counts(h, ""))
          .containsExactly(
              entry(StepMetrics.RECORDS_IN, 2L),
              entry(StepMetrics.RECORDS_OUT, 1L),
              entry(StepMetrics.RECORDS_FILTERED, 0L),
              entry(StepMetrics.RECORDS_DEAD_LETTERED, 1L),
              entry(StepMetrics.RECORDS_EMITTED, 1L));
    }
  }

  /** A step that waits does not let such a fact wait for a version that was pruned. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void raisedLatenessWithAWait_factBeforeTheOldestVersionKept_isLateAtOnce(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        restoredPruned(RAISED_WAITING, backend)) {
      h.processElement(fact("k1#o1"), 15);

      assertThat(lines(h.emitted())).containsExactly("DL DimensionJoinException:LATE k1#o1 @15");
      assertThat(h.unwrap().numEventTimeTimers()).as("no wait deadline").isZero();
      assertThat(metrics(h).lateCount()).isEqualTo(1);

      h.processWatermark(200);

      assertThat(lines(h.emitted())).containsExactly("DL DimensionJoinException:LATE k1#o1 @15");
      assertThat(metrics(h).count(JoinStatus.TIMED_OUT)).isZero();
    }
  }

  /** Before the first version of a key that never pruned, the row did not exist yet. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void raisedLateness_factBeforeTheFirstVersionOfAKeyThatNeverPruned_isNotFound(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        restoredPruned(RAISED, backend)) {
      h.processElement(fact("k2#o1"), 15);
      h.processElement(fact("k2#o2"), 60); // held until the watermark passes it
      h.processWatermark(60);

      assertThat(lines(h.emitted()))
          .containsExactly("NOT_FOUND k2#o1 @15", "FOUND k2#o2 k2#v1 @60");
      assertThat(metrics(h).lateCount()).isZero();
      assertThat(metrics(h).count(JoinStatus.NOT_FOUND)).isEqualTo(1);
    }
  }

  /**
   * Version 4, written by the join before the mark: k1's history was pruned but reads as unmarked,
   * so a fact before its oldest version gets {@code NOT_FOUND}, as documented for such snapshots.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void raisedLateness_historyPrunedBeforeTheMark_isNotFoundV4(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = restoreRaised(4, backend)) {
      h.processElement(fact("k1#o1"), 15);
      h.processElement(fact("k1#o2"), 25);
      h.processElement(fact("k2#o3"), 15);

      assertThat(lines(h.emitted()))
          .containsExactly("NOT_FOUND k1#o1 @15", "FOUND k1#o2 k1#v2 @25", "NOT_FOUND k2#o3 @15");
    }
  }

  /** Version 5: k1's history carries the mark, k2's does not. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void raisedLateness_markedHistory_isLateV5(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = restoreRaised(5, backend)) {
      h.processElement(fact("k1#o1"), 15);
      h.processElement(fact("k1#o2"), 25);
      h.processElement(fact("k2#o3"), 15);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "DL DimensionJoinException:LATE k1#o1 @15",
              "FOUND k1#o2 k1#v2 @25",
              "NOT_FOUND k2#o3 @15");
    }
  }

  /** {@link #PRUNED_STATE} run by {@link #BEFORE}, then restored into {@code mode}. */
  private static OperatorHarness<Either<String, Change<String>>, String> restoredPruned(
      JoinMode mode, StateBackendKind backend) throws Exception {
    OperatorSubtaskState savepoint;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        BEFORE.harness().on(backend).open()) {
      h.run(PRUNED_STATE);
      savepoint = h.savepoint();
    }
    return mode.harness().on(backend).restore(savepoint);
  }

  /** The committed file of {@link #PRUNED_STATE} (written by {@link #BEFORE}), restored raised. */
  private static OperatorHarness<Either<String, Change<String>>, String> restoreRaised(
      int formatVersion, StateBackendKind backend) throws Exception {
    SavepointCompatibility snapshots = DimensionJoinSavepointCompatibilityTest.SNAPSHOTS;
    snapshots
        .restore(PRUNED_FILE, formatVersion, BEFORE.harness().on(backend), PRUNED_STATE)
        .close(); // writes the file once in write mode
    return RAISED
        .harness()
        .on(backend)
        .restore(SnapshotFiles.read(snapshots.file(PRUNED_FILE, formatVersion, backend)));
  }

  private static JoinMetrics metrics(OperatorHarness<?, ?> h) {
    return ((DimensionJoinOperator<?, ?, ?, ?>) h.unwrap().getOperator()).joinMetrics();
  }
}
