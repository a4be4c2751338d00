package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The committed snapshot files of the dimension join state, per format version, variant and
 * backend: today's operator must restore them and carry on ({@code TwoInputJoinHarnessTest}
 * restores the version 1 files into the two-input operator). Version 2 adds the count of held and
 * waiting facts per key group (operator state {@code join-held-facts}), which a restore counts in;
 * version 1 restores without counts, and its facts count in as they leave. Version 3 adds the mark
 * of the variant that wrote the snapshot (operator state {@code join-variant}), which tells whose
 * waiting facts a restore finds ({@code DimensionJoinVariantSwitchTest}); versions 1 and 2 are told
 * by the point-in-time join's watermark state. Version 4 of the point-in-time join adds each
 * subtask's watermark with its key groups (operator state {@code join-watermark-ranges}); the
 * versions before it hold the watermarks only, and a restore takes the smallest. Version 5 marks
 * the histories that lost versions to pruning ({@code AsOfJoinPrunedHistoryTest}, with its own
 * files of a pruned history in versions 4 and 5). A join with a delete retention has files of its
 * own, version 1, with removals pending. Write files only for a new format version, and only those:
 *
 * <pre>
 * ./mvnw -pl etl-operators test -Dtest='DimensionJoinSavepointCompatibilityTest#*V4' -Detlkit.snapshots.write=true
 * </pre>
 *
 * <p>wrote version 4 ({@code *V3} version 3).
 */
class DimensionJoinSavepointCompatibilityTest {

  static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  static final String LATEST_FILE = "dimension-join-latest";
  static final String AS_OF_FILE = "dimension-join-as-of";

  /** Waits 100 ms of processing time, at most 3 facts per key. */
  static final JoinMode LATEST = JoinMode.latest(100, 3, UnmatchedFacts.EMIT);

  /** Waits 10 ms of event time, allowed lateness 5 ms, at most 3 facts per key. */
  static final JoinMode AS_OF = JoinMode.asOf(10, 5, 3, UnmatchedFacts.EMIT);

  /** k1 has row v2, k2 is deleted, k3 has two facts waiting (deadline 100), processing time 0. */
  static final HarnessInput<Either<String, Change<String>>> LATEST_STATE =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 1)
          .element(row(Change.updateAfter("k1#v2")), 2)
          .element(row(Change.insert("k2#v1")), 3)
          .element(row(Change.delete("k2#v1")), 4)
          .element(fact("k3#o1"), 10)
          .element(fact("k3#o2"))
          .build();

  /**
   * k1 has versions v1@10 and v2@20 and a fact held at 30; k2 has a fact waiting (no version at 15,
   * deadline 25); watermark 22.
   */
  static final HarnessInput<Either<String, Change<String>>> AS_OF_STATE =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 10)
          .element(row(Change.updateAfter("k1#v2")), 20)
          .element(fact("k1#o1"), 30)
          .element(fact("k2#o2"), 15)
          .watermark(22)
          .build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_restoresRowsDeletesAndWaitingFacts(StateBackendKind backend) throws Exception {
    latestRestores(1, backend);
  }

  /** Version 2: k3's two waiting facts count in at the restore. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_restoresRowsDeletesAndWaitingFactsV2(StateBackendKind backend) throws Exception {
    latestRestores(2, backend);
  }

  /** Version 3: marked as the latest join's. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_restoresRowsDeletesAndWaitingFactsV3(StateBackendKind backend) throws Exception {
    latestRestores(3, backend);
  }

  private static void latestRestores(int formatVersion, StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        SNAPSHOTS.restore(LATEST_FILE, formatVersion, LATEST.harness().on(backend), LATEST_STATE)) {
      assertThat(factsIn(h)).isEqualTo(formatVersion >= 2 ? 2L : 0L);

      h.processElement(fact("k1#o3"), 11);
      h.processElement(fact("k2#o4"), 12);
      h.processElement(fact("k3#o5"), 13); // the third waiting fact of k3
      h.processElement(fact("k3#o6"), 14); // the buffer count was restored too
      h.processElement(row(Change.insert("k3#v1")), 5);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND k1#o3 k1#v2 @11",
              "DELETED k2#o4 @12",
              "DL DimensionJoinException:BUFFER_FULL k3#o6 @14",
              "FOUND_AFTER_WAIT k3#o1 k3#v1 @10",
              "FOUND_AFTER_WAIT k3#o2 k3#v1",
              "FOUND_AFTER_WAIT k3#o5 k3#v1 @13");
      assertFactsBalance(h, 6);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_restoresTheWaitTimers(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        SNAPSHOTS.restore(LATEST_FILE, 1, LATEST.harness().on(backend), LATEST_STATE)) {
      h.setProcessingTime(100);

      assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k3#o1 @10", "TIMED_OUT k3#o2");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_restoresVersionsHeldAndWaitingFactsAndTheWatermark(StateBackendKind backend)
      throws Exception {
    asOfRestores(1, backend);
  }

  /** Version 2: k1's held fact and k2's waiting fact count in at the restore. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_restoresVersionsHeldAndWaitingFactsAndTheWatermarkV2(StateBackendKind backend)
      throws Exception {
    asOfRestores(2, backend);
  }

  /** Version 3: marked as the point-in-time join's. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_restoresVersionsHeldAndWaitingFactsAndTheWatermarkV3(StateBackendKind backend)
      throws Exception {
    asOfRestores(3, backend);
  }

  /** Version 4: the watermark is kept with the subtask's key groups too. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_restoresVersionsHeldAndWaitingFactsAndTheWatermarkV4(StateBackendKind backend)
      throws Exception {
    asOfRestores(4, backend);
    assertThat(SnapshotStates.names(SnapshotFiles.read(SNAPSHOTS.file(AS_OF_FILE, 4, backend))))
        .contains(JoinConfig.WATERMARK_STATE, JoinConfig.WATERMARK_RANGES_STATE);
  }

  private static void asOfRestores(int formatVersion, StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        SNAPSHOTS.restore(AS_OF_FILE, formatVersion, AS_OF.harness().on(backend), AS_OF_STATE)) {
      assertThat(factsIn(h)).isEqualTo(formatVersion >= 2 ? 2L : 0L);

      h.processElement(fact("k1#o3"), 18); // late but allowed: joined at once with v1
      h.processElement(fact("k1#o4"), 16); // behind the restored watermark minus the lateness
      h.processElement(row(Change.insert("k2#v1")), 14); // late version: releases k2#o2
      h.processElement(row(Change.updateAfter("k1#v3")), 25);
      h.processWatermark(40);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND k1#o3 k1#v1 @18",
              "DL DimensionJoinException:LATE k1#o4 @16",
              "FOUND_AFTER_WAIT k2#o2 k2#v1 @15",
              "FOUND k1#o1 k1#v3 @30");
      assertFactsBalance(h, 4);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_restoresTheWaitDeadlines(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        SNAPSHOTS.restore(AS_OF_FILE, 1, AS_OF.harness().on(backend), AS_OF_STATE)) {
      h.processWatermark(30);

      assertThat(lines(h.emitted()))
          .containsExactly("TIMED_OUT k2#o2 @15", "FOUND k1#o1 k1#v2 @30");
    }
  }

  /** Does not wait. */
  static final JoinMode LATEST_NO_WAIT = JoinMode.latest(0, 3, UnmatchedFacts.EMIT);

  static final String LATEST_NO_WAIT_FILE = "dimension-join-latest-no-wait";

  /** k1 has row v2, k2 is deleted, k3's fact left unmatched. */
  static final HarnessInput<Either<String, Change<String>>> LATEST_NO_WAIT_STATE =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 1)
          .element(row(Change.updateAfter("k1#v2")), 2)
          .element(row(Change.insert("k2#v1")), 3)
          .element(row(Change.delete("k2#v1")), 4)
          .element(fact("k3#o1"), 10)
          .build();

  /**
   * Written (format 2) by the join before 2026-11-23, when a latest join without a wait still
   * registered the waiting facts' states, their timers and their count, all empty; it now registers
   * only its rows. The restore carries the unregistered states on (Flink keeps what it restored),
   * and the step works on: they are dropped on purpose, and declared so, since the harness of
   * {@link SavepointCompatibility#restore} fails at close for a restored state its operator never
   * registered and for a restored timer service it never created (the files' "join-timers" holds no
   * timer: a join without a wait sets none).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latestNoWait_withTheEmptyWaitingStatesOfFormat2_restores(StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // written by the earlier join, never again
    OperatorSubtaskState stored =
        SnapshotFiles.read(SNAPSHOTS.file(LATEST_NO_WAIT_FILE, 2, backend));
    assertThat(SnapshotStates.names(stored))
        .containsExactly(
            "join-fact-count", "join-held-facts", "join-row", "join-timers", "join-waiting");

    try (OperatorHarness<Either<String, Change<String>>, String> h =
        SNAPSHOTS
            .withDroppedStates("join-fact-count", "join-held-facts", "join-waiting")
            .withDroppedTimerServices(JoinConfig.TIMERS)
            .restore(
                LATEST_NO_WAIT_FILE,
                2,
                LATEST_NO_WAIT.harness().on(backend),
                LATEST_NO_WAIT_STATE)) {
      h.processElement(fact("k1#o2"), 11);
      h.processElement(fact("k2#o3"), 12);
      h.processElement(fact("k3#o4"), 13);
      h.processElement(row(Change.insert("k3#v1")), 14);
      h.processElement(fact("k3#o5"), 15);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND k1#o2 k1#v2 @11",
              "DELETED k2#o3 @12",
              "NOT_FOUND k3#o4 @13",
              "FOUND k3#o5 k3#v1 @15");
    }
  }

  static final String LATEST_DELETE_RETENTION_FILE = "dimension-join-latest-delete-retention";
  static final String AS_OF_DELETE_RETENTION_FILE = "dimension-join-as-of-delete-retention";

  /** Forgets a deleted key after 10 s of processing time. */
  static JoinHarness.Expanded latestDeleteRetention() {
    return JoinHarness.expand(JoinHarness.latest().withDeleteRetention(Duration.ofSeconds(10)));
  }

  /** The same, allowed lateness 5 ms. */
  static JoinHarness.Expanded asOfDeleteRetention() {
    return JoinHarness.expand(
        JoinHarness.asOf()
            .withDeleteRetention(Duration.ofSeconds(10))
            .withAllowedLateness(Duration.ofMillis(5)));
  }

  /**
   * At processing time 0: k1 deleted (removal due at 10 s), k2 has a row, k3 was deleted and
   * inserted again (no removal pending).
   */
  static final HarnessInput<Either<String, Change<String>>> LATEST_DELETE_RETENTION_STATE =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 1)
          .element(row(Change.delete("k1#v1")), 2)
          .element(row(Change.insert("k2#v1")), 3)
          .element(row(Change.delete("k3#v1")), 4)
          .element(row(Change.insert("k3#v2")), 5)
          .build();

  /**
   * At processing time 0 (removals due at 10 s): k1 has v1@10 and its delete@20, which the horizon
   * 25 has passed; k2 its delete@28, which it has not; watermark 30.
   */
  static final HarnessInput<Either<String, Change<String>>> AS_OF_DELETE_RETENTION_STATE =
      HarnessInput.<Either<String, Change<String>>>builder()
          .element(row(Change.insert("k1#v1")), 10)
          .element(row(Change.delete("k1#v1")), 20)
          .element(row(Change.delete("k2#v1")), 28)
          .watermark(30)
          .build();

  /** Version 1 of a latest join with a delete retention: the pending removal is restored. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latestDeleteRetention_restoresThePendingRemoval(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        SNAPSHOTS.restore(
            LATEST_DELETE_RETENTION_FILE,
            1,
            latestDeleteRetention().harness().on(backend),
            LATEST_DELETE_RETENTION_STATE)) {
      h.setProcessingTime(9_999);
      h.processElement(fact("k1#o1"), 11);
      h.setProcessingTime(10_000);
      h.processElement(fact("k1#o2"), 12);
      h.processElement(fact("k2#o3"), 13);
      h.processElement(fact("k3#o4"), 14);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "DELETED k1#o1 @11",
              "NOT_FOUND k1#o2 @12",
              "FOUND k2#o3 k2#v1 @13",
              "FOUND k3#o4 k3#v2 @14");
      assertThat(removed(h)).isEqualTo(1);
    }
  }

  /**
   * Version 1 of a point-in-time join with a delete retention: k1's history goes at the deadline,
   * k2's once the watermark minus the lateness has reached its delete.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOfDeleteRetention_restoresThePendingRemovals(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        SNAPSHOTS.restore(
            AS_OF_DELETE_RETENTION_FILE,
            1,
            asOfDeleteRetention().harness().on(backend),
            AS_OF_DELETE_RETENTION_STATE)) {
      h.setProcessingTime(10_000);
      h.processElement(fact("k1#o1"), 31);
      h.processElement(fact("k2#o2"), 29); // within the lateness: its delete is still there
      h.processWatermark(40);
      h.setProcessingTime(10_001); // k2's removal, at the next processing-time tick
      h.processElement(fact("k2#o3"), 41);
      h.processWatermark(41);

      assertThat(lines(h.emitted()))
          .containsExactly("DELETED k2#o2 @29", "NOT_FOUND k1#o1 @31", "NOT_FOUND k2#o3 @41");
      assertThat(removed(h)).isEqualTo(2);
    }
  }

  private static long removed(OperatorHarness<?, ?> h) {
    return ((DimensionJoinOperator<?, ?, ?, ?>) h.unwrap().getOperator())
        .joinMetrics()
        .deleteMarkersRemovedCount();
  }

  private static long factsIn(OperatorHarness<?, ?> h) {
    return JoinHarness.counts(h, "").get(StepMetrics.RECORDS_IN);
  }

  /**
   * The restored facts count in (at the restore, or as they leave): {@code in == out +
   * deadLettered} over all facts of the run once none is held.
   */
  private static void assertFactsBalance(OperatorHarness<?, ?> h, long facts) {
    Map<String, Long> counts = JoinHarness.counts(h, "");
    assertThat(counts.get(StepMetrics.RECORDS_IN)).as("%s", counts).isEqualTo(facts);
    assertThat(counts.get(StepMetrics.RECORDS_OUT) + counts.get(StepMetrics.RECORDS_DEAD_LETTERED))
        .as("%s", counts)
        .isEqualTo(facts);
  }
}
