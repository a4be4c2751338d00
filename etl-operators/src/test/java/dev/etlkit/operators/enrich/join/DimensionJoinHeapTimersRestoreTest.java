package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * Restores that docs/operations.md calls compatible, where checkpoints write the timers into raw
 * keyed state (RocksDB or ForSt with {@code timer-service.factory: HEAP}; ForSt here): Flink then
 * restores every timer service of the snapshot, asked for or not, and fails every later checkpoint
 * on one the operator never opened (a {@code NullPointerException} in {@code
 * InternalTimersSnapshot}). Each test restores, checkpoints, and restores that checkpoint.
 */
class DimensionJoinHeapTimersRestoreTest {

  private static final Configuration HEAP_TIMERS = new Configuration();

  static {
    HEAP_TIMERS.setString("state.backend.forst.timer-service.factory", "HEAP");
  }

  private static final JoinMode LATEST = JoinMode.latest(0, 1_000, UnmatchedFacts.EMIT);
  private static final JoinMode LATEST_WAITING = JoinMode.latest(100, 1_000, UnmatchedFacts.EMIT);
  private static final JoinMode AS_OF = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);

  /**
   * {@code withMaxWait} removed at a restore ("change a dimension join's maxWait (also to or from
   * 0)": restores): the wait's timer service is in the snapshot although no fact waits in it.
   */
  @Test
  void latest_maxWaitRemovedAtRestore_noFactWaiting_checkpointsAgain() throws Exception {
    OperatorSubtaskState waited;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        LATEST_WAITING.harness().onForSt(HEAP_TIMERS).open()) {
      h.processElement(fact("k1#o1"), 10); // waits
      h.processElement(row(Change.insert("k1#v1")), 11); // releases it
      assertThat(lines(h.emitted())).containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10");
      waited = h.snapshot();
    }

    OperatorSubtaskState again = checkpointedAfterRestore(LATEST.harness(), waited);

    try (OperatorHarness<Either<String, Change<String>>, String> h =
        LATEST.harness().onForSt(HEAP_TIMERS).restore(again)) {
      h.processElement(fact("k1#o2"), 20);
      h.processElement(fact("k2#o3"), 21);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o2 k1#v1 @20", "NOT_FOUND k2#o3 @21");
    }
  }

  /**
   * A point-in-time join's savepoint without rows, versions, held or waiting facts restored into a
   * latest join without a wait ("switch a dimension join between latest and asOf": restores then):
   * its timer service {@code join-timers} is in the snapshot.
   */
  @Test
  void asOfWithoutRows_restoredIntoLatestWithoutAWait_checkpointsAgain() throws Exception {
    OperatorSubtaskState asOf;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        AS_OF.harness().onForSt(HEAP_TIMERS).open()) {
      h.processElement(fact("k1#o1"), 10);
      h.processWatermark(20);
      assertThat(lines(h.emitted())).containsExactly("NOT_FOUND k1#o1 @10");
      asOf = h.snapshot();
    }

    OperatorSubtaskState again = checkpointedAfterRestore(LATEST.harness(), asOf);

    try (OperatorHarness<Either<String, Change<String>>, String> h =
        LATEST.harness().onForSt(HEAP_TIMERS).restore(again)) {
      h.processElement(row(Change.insert("k1#v1")), 30);
      h.processElement(fact("k1#o2"), 31);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o2 k1#v1 @31");
    }
  }

  /**
   * A latest join with a delete retention, without rows, restored into a point-in-time join: the
   * retention's timer service {@code join-delete-timers} is in the snapshot.
   */
  @Test
  void latestWithDeleteRetentionWithoutRows_restoredIntoAsOf_checkpointsAgain() throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> latestWithRetention =
        JoinHarness.expand(JoinHarness.latest().withDeleteRetention(Duration.ofSeconds(10)))
            .harness();
    OperatorSubtaskState latest;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        latestWithRetention.onForSt(HEAP_TIMERS).open()) {
      h.processElement(fact("k1#o1"), 10);
      assertThat(lines(h.emitted())).containsExactly("NOT_FOUND k1#o1 @10");
      latest = h.snapshot();
    }

    OperatorSubtaskState again = checkpointedAfterRestore(AS_OF.harness(), latest);

    try (OperatorHarness<Either<String, Change<String>>, String> h =
        AS_OF.harness().onForSt(HEAP_TIMERS).restore(again)) {
      h.processElement(row(Change.insert("k1#v1")), 30);
      h.processElement(fact("k1#o2"), 31);
      h.processWatermark(40);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o2 k1#v1 @31");
    }
  }

  /** Restores {@code state} into {@code recipe} on ForSt with heap timers and checkpoints it. */
  private static OperatorSubtaskState checkpointedAfterRestore(
      KeyedHarness<Object, Either<String, Change<String>>, String> recipe,
      OperatorSubtaskState state)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        recipe.onForSt(HEAP_TIMERS).restore(state)) {
      h.setProcessingTime(1_000);
      return h.snapshot();
    }
  }
}
