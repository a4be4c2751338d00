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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Review findings on the dimension join (each test fails on the code it was written against). */
class ReviewDimensionJoinTest {

  /**
   * docs/enrichment-state.md, state inventory: a latest join's {@code join-timers} hold "one timer
   * per waiting fact". A fact released by its row leaves its processing-time timer in state until
   * the old deadline (then it fires and reads the key's waiting list for nothing), so the timers
   * grow with the facts that waited during the last {@code maxWait}, not with the facts waiting.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_factReleasedByItsRow_leavesNoTimerBehind(StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.latest(100, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<JoinInput<String, String>, String> h = mode.harness().on(backend).open()) {
      h.processElement(fact("k1#o1"), 10);
      h.advanceProcessingTime(10);
      h.processElement(fact("k1#o2"), 11);
      h.processElement(row(Change.insert("k1#v1")), 1);
      assertThat(lines(h.emitted()))
          .containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10", "FOUND_AFTER_WAIT k1#o2 k1#v1 @11");

      assertThat(h.unwrap().numProcessingTimeTimers())
          .as("processing-time timers left once no fact waits")
          .isZero();
    }
  }

  /**
   * A point-in-time join restored with a larger allowed lateness accepts facts up to the new
   * lateness, but the histories were pruned at the old horizon: a fact whose version was pruned
   * silently gets {@code NOT_FOUND} (a customer that existed at the fact's time is reported as
   * missing), where the docs promise "the history keeps what such facts need" and reserve {@code
   * LATE} for "the versions it needs may have been pruned".
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_allowedLatenessRaisedAtRestore_factWhoseVersionWasPruned_isNotSilentlyNotFound(
      StateBackendKind backend) throws Exception {
    JoinMode before = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);
    JoinMode after = JoinMode.asOf(0, 100, 1_000, UnmatchedFacts.EMIT);
    OperatorSubtaskState savepoint;
    try (OperatorHarness<JoinInput<String, String>, String> h =
        before.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.updateAfter("k1#v2")), 20);
      h.processWatermark(50);
      h.processElement(row(Change.updateAfter("k1#v3")), 60); // pruned at horizon 50: [20, 60]
      savepoint = h.savepoint();
    }
    try (OperatorHarness<JoinInput<String, String>, String> h =
        after.harness().on(backend).restore(savepoint)) {
      h.processElement(fact("k1#o1"), 15); // within the new lateness (50 - 100); v1 was in force

      assertThat(lines(h.emitted())).containsExactly("DL DimensionJoinException:LATE k1#o1 @15");
    }
  }

  /**
   * A point-in-time join holds back the watermark it forwards by {@code maxWait} "so that facts
   * released after waiting are not late downstream". Restored with a shorter (non-zero) wait, it
   * holds back by the new wait only, while the restored facts keep their old, longer deadline: they
   * leave behind the watermark already forwarded, late for an event-time step downstream (which
   * drops them silently). The docs admit this only for a restore without any wait.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_maxWaitShortenedAtRestore_restoredWaitingFactIsNotBehindTheForwardedWatermark(
      StateBackendKind backend) throws Exception {
    JoinMode before = JoinMode.asOf(100, 0, 1_000, UnmatchedFacts.EMIT);
    JoinMode after = JoinMode.asOf(10, 0, 1_000, UnmatchedFacts.EMIT);
    OperatorSubtaskState savepoint;
    try (OperatorHarness<JoinInput<String, String>, String> h =
        before.harness().on(backend).open()) {
      h.processElement(fact("k1#o1"), 10);
      h.processWatermark(10); // due, no version: waits until the watermark passes 110
      assertThat(h.emitted()).isEmpty();
      savepoint = h.savepoint();
    }
    try (OperatorHarness<JoinInput<String, String>, String> h =
        after.harness().on(backend).restore(savepoint)) {
      h.processWatermark(50);
      h.processElement(row(Change.insert("k1#v1")), 5); // a late version releases it

      assertThat(lines(h.emitted())).containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10");
      assertThat(h.watermarks())
          .as("watermarks forwarded before the restored fact at 10 left")
          .allMatch(w -> w < 10);
    }
  }

  /**
   * docs/enrichment-state.md, "Compared with Flink SQL's joins": for a point-in-time join "a key's
   * facts released together" leave "in time order" (and "order: per key by time" under "Facts that
   * arrive before their row"). Waiting facts released together by a late version leave in the order
   * they started to wait instead, which is not their time order when they arrived within the
   * allowed lateness.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_waitingFactsReleasedTogetherByALateVersion_leaveInTimeOrder(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.asOf(100, 50, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<JoinInput<String, String>, String> h = mode.harness().on(backend).open()) {
      h.processWatermark(100);
      h.processElement(fact("k1#o1"), 90); // within the lateness, no version: waits
      h.processElement(fact("k1#o2"), 60); // the same
      assertThat(h.emitted()).isEmpty();

      h.processElement(row(Change.insert("k1#v1")), 10); // a late version, in force for both

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND_AFTER_WAIT k1#o2 k1#v1 @60", "FOUND_AFTER_WAIT k1#o1 k1#v1 @90");
    }
  }
}
