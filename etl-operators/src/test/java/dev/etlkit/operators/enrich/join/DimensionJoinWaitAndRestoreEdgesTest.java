package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Edges of the dimension join's waiting facts and of restores with changed options, found by a
 * review on 2026-11-24, each failing before that day's fixes: a latest join left a timer behind for
 * every fact its row released; a point-in-time join restored with a shorter wait forwarded a
 * watermark ahead of the facts restored waiting; facts released together by a late version left in
 * the order they began to wait, not in time order. A point-in-time join restored with a larger
 * allowed lateness: {@code AsOfJoinPrunedHistoryTest}.
 */
class DimensionJoinWaitAndRestoreEdgesTest {

  /**
   * docs/enrichment-state.md, state inventory: a latest join's {@code join-timers} hold "one timer
   * per waiting fact". Before, a fact released by its row left its processing-time timer in state
   * until the old deadline (then it fired and read the key's waiting list for nothing), so the
   * timers grew with the facts that waited during the last {@code maxWait}, not with the facts
   * waiting.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_factReleasedByItsRow_leavesNoTimerBehind(StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.latest(100, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processElement(fact("k1#o1"), 10);
      h.advanceProcessingTime(10);
      h.processElement(fact("k1#o2"), 11);
      assertThat(h.unwrap().numProcessingTimeTimers()).as("one per waiting fact").isEqualTo(2);

      h.processElement(row(Change.insert("k1#v1")), 1);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10", "FOUND_AFTER_WAIT k1#o2 k1#v1 @11");
      assertThat(h.unwrap().numProcessingTimeTimers())
          .as("processing-time timers left once no fact waits")
          .isZero();
    }
  }

  /**
   * A point-in-time join holds back the watermark it forwards by {@code maxWait} "so that facts
   * released after waiting are not late downstream". Before, restored with a shorter (non-zero)
   * wait, it held back by the new wait only, while the restored facts kept their old, longer
   * deadline: they left behind the watermark already forwarded, late for an event-time step
   * downstream (which drops them silently). Now, until the watermark passes the last restored
   * deadline, it holds back by the longest restored wait.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_maxWaitShortenedAtRestore_restoredWaitingFactIsNotBehindTheForwardedWatermark(
      StateBackendKind backend) throws Exception {
    JoinMode after = JoinMode.asOf(10, 0, 1_000, UnmatchedFacts.EMIT);
    OperatorSubtaskState savepoint = savepointWithAFactWaitingUntil110(backend);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        after.harness().on(backend).restore(savepoint)) {
      h.processWatermark(50);
      assertThat(h.watermarks()).as("held back by the restored wait, 100").containsExactly(-50L);

      h.processElement(row(Change.insert("k1#v1")), 5); // a late version releases it
      assertThat(lines(h.emitted())).containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10");

      h.processWatermark(109);
      h.processWatermark(110); // the last restored deadline: back to the step's own wait, 10
      assertThat(h.watermarks()).containsExactly(-50L, 9L, 100L);
    }
  }

  /**
   * The same for a step restored without a wait: before, it forwarded the watermark as it came,
   * ahead of the facts restored waiting (the docs admitted it). Now they time out at their deadline
   * before the watermark forwarded passes them.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_restoredWithoutAWait_restoredWaitingFactIsNotBehindTheForwardedWatermark(
      StateBackendKind backend) throws Exception {
    JoinMode after = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);
    OperatorSubtaskState savepoint = savepointWithAFactWaitingUntil110(backend);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        after.harness().on(backend).restore(savepoint)) {
      h.processWatermark(50);
      assertThat(h.emitted()).isEmpty();
      assertThat(h.watermarks()).containsExactly(-50L);

      h.processWatermark(110); // its deadline: it leaves before the watermark is forwarded

      assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k1#o1 @10");
      assertThat(h.watermarks()).containsExactly(-50L, 110L);
    }
  }

  /** A savepoint of a point-in-time join waiting 100, with a fact at 10 due and waiting. */
  private static OperatorSubtaskState savepointWithAFactWaitingUntil110(StateBackendKind backend)
      throws Exception {
    JoinMode before = JoinMode.asOf(100, 0, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        before.harness().on(backend).open()) {
      h.processElement(fact("k1#o1"), 10);
      h.processWatermark(10); // due, no version: waits until the watermark passes 110
      assertThat(h.emitted()).isEmpty();
      assertThat(h.watermarks()).containsExactly(-90L);
      return h.savepoint();
    }
  }

  /**
   * docs/enrichment-state.md, "Compared with Flink SQL's joins": for a point-in-time join "a key's
   * facts released together" leave "in time order" (and "order: per key by time" under "Facts that
   * arrive before their row"). Before, waiting facts released together by a late version left in
   * the order they started to wait instead, which is not their time order when they arrived within
   * the allowed lateness.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_waitingFactsReleasedTogetherByALateVersion_leaveInTimeOrder(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.asOf(100, 50, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processWatermark(100);
      h.processElement(fact("k1#o1"), 90); // within the lateness, no version: waits
      h.processElement(fact("k1#o2"), 60); // the same
      h.processElement(fact("k1#o3"), 90); // the same time as o1, after it
      assertThat(h.emitted()).isEmpty();

      h.processElement(row(Change.insert("k1#v1")), 10); // a late version, in force for all

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND_AFTER_WAIT k1#o2 k1#v1 @60",
              "FOUND_AFTER_WAIT k1#o1 k1#v1 @90",
              "FOUND_AFTER_WAIT k1#o3 k1#v1 @90");
    }
  }

  /**
   * The same for waiting facts that time out together: at the end of an input that ended without
   * the final watermark (which would fire their deadlines one by one).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_waitingFactsTimedOutTogether_leaveInTimeOrder(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.asOf(100, 50, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processWatermark(100);
      h.processElement(fact("k1#o1"), 90); // within the lateness, no version: waits
      h.processElement(fact("k1#o2"), 60); // the same

      h.unwrap().getOperator().finish();

      assertThat(lines(h.emitted())).containsExactly("TIMED_OUT k1#o2 @60", "TIMED_OUT k1#o1 @90");
    }
  }
}
