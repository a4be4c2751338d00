package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.counts;
import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The latest (processing-time) join in Flink's harness, on heap and RocksDB. */
class LatestJoinHarnessTest {

  private static final JoinMode NO_WAIT = JoinMode.latest(0, 1_000, UnmatchedFacts.EMIT);
  private static final JoinMode WAITS = JoinMode.latest(100, 1_000, UnmatchedFacts.EMIT);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fact_rowInState_joinedWithTheCurrentRow(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(NO_WAIT, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(fact("k1#o1"), 10);
      h.processElement(row(Change.updateBefore("k1#v1")), 2); // ignored
      h.processElement(row(Change.updateAfter("k1#v2")), 2);
      h.processElement(fact("k1#o2"), 11);
      h.processElement(fact("k1#o3")); // no timestamp: fine in processing time

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @10", "FOUND k1#o2 k1#v2 @11", "FOUND k1#o3 k1#v2");
      assertThat(counts(h, ""))
          .contains(entry(StepMetrics.RECORDS_IN, 3L), entry(StepMetrics.RECORDS_OUT, 3L));
      assertThat(counts(h, "/dimension"))
          .contains(
              entry(StepMetrics.RECORDS_IN, 3L),
              entry(StepMetrics.RECORDS_OUT, 2L),
              entry(StepMetrics.RECORDS_FILTERED, 1L),
              entry(StepMetrics.RECORDS_EMITTED, 0L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fact_noRowAndNoWait_passedOnNotFound(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(NO_WAIT, backend)) {
      h.processElement(row(Change.insert("k2#v1")), 1);
      h.processElement(fact("k1#o1"), 10);

      assertThat(lines(h.emitted())).containsExactly("NOT_FOUND k1#o1 @10");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fact_rowDeleted_passedOnDeletedWithoutWaiting(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(WAITS, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(row(Change.delete("k1#")), 2); // a key-only delete
      h.processElement(fact("k1#o1"), 10);
      h.processElement(row(Change.insert("k1#v2")), 3); // the key lives again
      h.processElement(fact("k1#o2"), 11);

      assertThat(lines(h.emitted())).containsExactly("DELETED k1#o1 @10", "FOUND k1#o2 k1#v2 @11");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void factBeforeItsRow_rowArrivesWithinTheWait_releasedInArrivalOrder(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(WAITS, backend)) {
      h.processElement(fact("k1#o1"), 10);
      h.advanceProcessingTime(50);
      h.processElement(fact("k1#o2"));
      h.processElement(fact("k2#o3"), 12);
      assertThat(h.emitted()).isEmpty();

      h.processElement(row(Change.insert("k1#v1")), 1);
      h.advanceProcessingTime(1_000); // k1's facts left already, k2#o3 times out

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND_AFTER_WAIT k1#o1 k1#v1 @10",
              "FOUND_AFTER_WAIT k1#o2 k1#v1",
              "TIMED_OUT k2#o3 @12");
      assertThat(counts(h, ""))
          .contains(entry(StepMetrics.RECORDS_IN, 3L), entry(StepMetrics.RECORDS_OUT, 3L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void maxWaitBelowAMillisecond_waitsAWholeMillisecond(StateBackendKind backend) throws Exception {
    JoinHarness.Expanded expanded =
        JoinHarness.expand(JoinHarness.latest().withMaxWait(Duration.ofNanos(500_000)));
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.processElement(fact("k1#o1"), 10);
      assertThat(h.emitted()).isEmpty(); // processing time counts milliseconds: it waits one

      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(fact("k2#o2"), 11);
      h.advanceProcessingTime(1);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10", "TIMED_OUT k2#o2 @11");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void waitingFacts_timeOutEachAfterItsOwnWait(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(WAITS, backend)) {
      h.processElement(fact("k1#o1"), 10); // deadline 100
      h.advanceProcessingTime(60);
      h.processElement(fact("k1#o2"), 11); // deadline 160
      h.advanceProcessingTime(40);
      assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k1#o1 @10");

      h.processElement(row(Change.delete("k1#v1")), 1);

      assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k1#o1 @10", "DELETED k1#o2 @11");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullBuffer_factDeadLettered(StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.latest(100, 2, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(mode, backend)) {
      h.processElement(fact("k1#o1"), 10);
      h.processElement(fact("k1#o2"), 11);
      h.processElement(fact("k1#o3"), 12); // a third waiting fact of k1
      h.processElement(fact("k2#o4"), 13); // another key has its own buffer
      h.processElement(row(Change.insert("k1#v1")), 1);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "DL DimensionJoinException:BUFFER_FULL k1#o3 @12",
              "FOUND_AFTER_WAIT k1#o1 k1#v1 @10",
              "FOUND_AFTER_WAIT k1#o2 k1#v1 @11");
      DeadLetter letter = h.sideOutput(DeadLetter.OUTPUT_TAG).get(0);
      assertThat(letter.errorMessage())
          .isEqualTo(
              "BUFFER_FULL: the fact's key already has 2 facts waiting for its dimension row"
                  + " (maxBufferedFacts)");
      assertThat(letter.step()).isEqualTo(JoinHarness.STEP);
      assertThat(counts(h, ""))
          .contains(
              entry(StepMetrics.RECORDS_IN, 4L),
              entry(StepMetrics.RECORDS_OUT, 2L),
              entry(StepMetrics.RECORDS_DEAD_LETTERED, 1L)); // k2#o4 still waits
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void unmatchedDeadLettered_everyUnmatchedStatusIsADeadLetter(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.latest(100, 1_000, UnmatchedFacts.DEAD_LETTER);
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(mode, backend)) {
      h.processElement(fact("k1#o1"), 10);
      h.advanceProcessingTime(100); // timed out
      h.processElement(row(Change.delete("k2#")), 1);
      h.processElement(fact("k2#o2"), 11); // deleted

      assertThat(lines(h.emitted()))
          .containsExactly(
              "DL DimensionJoinException:UNMATCHED k1#o1 @10",
              "DL DimensionJoinException:UNMATCHED k2#o2 @11");
      assertThat(h.sideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(DeadLetter::errorMessage)
          .containsExactly(
              "UNMATCHED: the fact got no dimension row (TIMED_OUT) and unmatched facts are"
                  + " dead-lettered",
              "UNMATCHED: the fact got no dimension row (DELETED) and unmatched facts are"
                  + " dead-lettered");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void combinerThrowsOrReturnsNull_factDeadLetteredWithItsError(StateBackendKind backend)
      throws Exception {
    JoinHarness.Expanded expanded =
        JoinHarness.expand(
            DimensionJoin.latest(
                JoinHarness.STEP,
                JoinHarness.dimensionStream(),
                JoinHarness::key,
                JoinHarness::key,
                LatestJoinHarnessTest::picky,
                Types.STRING));
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 1);
      h.processElement(fact("k1#throws"), 10);
      h.processElement(fact("k1#null"), 11);
      h.processElement(fact("k1#o1"), 12);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "DL IllegalStateException k1#throws @10",
              "DL NullPointerException k1#null @11",
              "ok k1#o1 @12");
      assertThat(h.sideOutput(DeadLetter.OUTPUT_TAG).get(1).errorMessage())
          .isEqualTo("combiner returned null");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void endOfInput_waitingFactsTimeOut(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(WAITS, backend)) {
      h.processElement(fact("k1#o1"), 10);
      h.processElement(fact("k2#o2"), 11);

      h.unwrap().getOperator().finish();

      assertThat(lines(h.emitted()))
          .containsExactlyInAnyOrder("TIMED_OUT k1#o1 @10", "TIMED_OUT k2#o2 @11");
    }
  }

  @Nullable
  static String picky(String fact, @Nullable String row, JoinStatus status) {
    if (fact.endsWith("#throws")) {
      throw new IllegalStateException("no");
    }
    return fact.endsWith("#null") ? null : "ok " + fact;
  }

  static OperatorHarness<Either<String, Change<String>>, String> open(
      JoinMode mode, StateBackendKind backend) throws Exception {
    return mode.harness().on(backend).open();
  }

  static Either<String, Change<String>> fact(String fact) {
    return JoinInput.fact(fact);
  }

  static Either<String, Change<String>> row(Change<String> change) {
    return JoinInput.dimension(change);
  }
}
