package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.counts;
import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Record accounting of the facts across a restore (docs/concepts.md#record-accounting): the
 * counters begin at zero in every attempt, and the facts a join holds at the checkpoint (point in
 * time: until the watermark passes them; both variants: waiting for their row) count in again in
 * the attempt that restores them, so {@code in == out + deadLettered} holds for the facts once the
 * join holds none, per subtask, also after a restore with another parallelism. On heap and RocksDB.
 */
class JoinRestoreAccountingTest {

  /** Point in time, waiting 10 ms of event time for a late version. */
  private static final JoinMode AS_OF = JoinMode.asOf(10, 0, 1_000, UnmatchedFacts.EMIT);

  /** The same point-in-time join without a wait. */
  private static final JoinMode AS_OF_NO_WAIT = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);

  /** Latest, waiting 100 ms of processing time for the row. */
  private static final JoinMode LATEST = JoinMode.latest(100, 1_000, UnmatchedFacts.EMIT);

  /** The same latest join without a wait. */
  private static final JoinMode LATEST_NO_WAIT = JoinMode.latest(0, 1_000, UnmatchedFacts.EMIT);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_heldFactRestored_countsInAgain_andBalancesOnceJoined(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
        AS_OF.harness().on(backend);
    OperatorSubtaskState checkpoint =
        checkpoint(
            recipe,
            script()
                .element(row(Change.insert("k1#v1")), 10)
                .element(fact("k1#o1"), 20) // held until the watermark passes it
                .build());

    try (OperatorHarness<Either<String, Change<String>>, String> h = recipe.restore(checkpoint)) {
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 1L));

      h.processWatermark(30);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v1 @20");
      assertBalanced(h);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_waitingFactRestored_balancesOnceReleasedOrTimedOut(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
        AS_OF.harness().on(backend);
    OperatorSubtaskState checkpoint =
        checkpoint(
            recipe,
            script()
                .element(fact("k1#o1"), 15)
                .element(fact("k2#o2"), 16)
                .watermark(20) // both due without a version: they wait until 25 and 26
                .build());

    try (OperatorHarness<Either<String, Change<String>>, String> h = recipe.restore(checkpoint)) {
      h.processElement(row(Change.insert("k1#v1")), 12); // a late version releases k1#o1
      h.processWatermark(30); // k2#o2 times out

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @15", "TIMED_OUT k2#o2 @16");
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 2L));
      assertBalanced(h);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_waitingFactsRestored_balanceOnceReleasedOrTimedOut(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
        LATEST.harness().on(backend);
    OperatorSubtaskState checkpoint =
        checkpoint(
            recipe,
            script()
                .element(fact("k1#o1"), 10) // both wait for their row until 100
                .element(fact("k2#o2"), 11)
                .build());

    try (OperatorHarness<Either<String, Change<String>>, String> h = recipe.restore(checkpoint)) {
      h.processElement(row(Change.insert("k1#v1")), 5);
      h.setProcessingTime(100); // k2#o2 times out

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @10", "TIMED_OUT k2#o2 @11");
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 2L));
      assertBalanced(h);
    }
  }

  /**
   * A savepoint taken while facts wait, restored into the same step without a wait: the facts still
   * leave, as {@code TIMED_OUT} at their old deadline (a row arriving meanwhile does not release
   * them), and count in at the restore.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_waitingFactsRestoredWithoutWait_timeOutAtTheirDeadline(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = restoredWithoutWait(backend)) {
      h.processElement(row(Change.insert("k1#v1")), 5);
      h.processElement(fact("k3#o3"), 12); // a new fact does not wait
      h.setProcessingTime(99);
      assertThat(lines(h.emitted())).containsExactly("NOT_FOUND k3#o3 @12");

      h.setProcessingTime(100);

      assertThat(lines(h.emitted()))
          .containsExactly("NOT_FOUND k3#o3 @12", "TIMED_OUT k1#o1 @10", "TIMED_OUT k2#o2 @11");
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 3L));
      assertBalanced(h);
    }
  }

  /** As above, and the input ends before the old deadline: the restored facts time out then. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_waitingFactsRestoredWithoutWait_timeOutAtTheEndOfInput(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = restoredWithoutWait(backend)) {
      h.unwrap().getOperator().finish();

      assertThat(lines(h.emitted()))
          .containsExactlyInAnyOrder("TIMED_OUT k1#o1 @10", "TIMED_OUT k2#o2 @11");
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 2L));
      assertBalanced(h);
    }
  }

  /**
   * A checkpoint of {@link #LATEST} with k1#o1 and k2#o2 waiting until processing time 100,
   * restored into {@link #LATEST_NO_WAIT}.
   */
  private static OperatorHarness<Either<String, Change<String>>, String> restoredWithoutWait(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState checkpoint =
        checkpoint(
            LATEST.harness().on(backend),
            script().element(fact("k1#o1"), 10).element(fact("k2#o2"), 11).build());
    return LATEST_NO_WAIT.harness().on(backend).restore(checkpoint);
  }

  /**
   * A savepoint taken while facts wait, restored into the same point-in-time join without a wait:
   * the facts still leave, as {@code TIMED_OUT} when the watermark passes their old deadline (a
   * late version arriving meanwhile does not release them), and count in at the restore.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_waitingFactsRestoredWithoutWait_timeOutAtTheirDeadline(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        asOfRestoredWithoutWait(backend)) {
      h.processElement(row(Change.insert("k1#v1")), 12);
      h.processElement(fact("k3#o3"), 21); // a new fact does not wait
      h.processWatermark(24);
      assertThat(lines(h.emitted())).containsExactly("NOT_FOUND k3#o3 @21");

      h.processWatermark(26);

      assertThat(lines(h.emitted()))
          .containsExactly("NOT_FOUND k3#o3 @21", "TIMED_OUT k1#o1 @15", "TIMED_OUT k2#o2 @16");
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 3L));
      assertBalanced(h);
    }
  }

  /** As above, and the input ends before the old deadline: the restored facts time out then. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_waitingFactsRestoredWithoutWait_timeOutAtTheEndOfInput(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        asOfRestoredWithoutWait(backend)) {
      h.unwrap().getOperator().finish();

      assertThat(lines(h.emitted()))
          .containsExactlyInAnyOrder("TIMED_OUT k1#o1 @15", "TIMED_OUT k2#o2 @16");
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 2L));
      assertBalanced(h);
    }
  }

  /**
   * A checkpoint of {@link #AS_OF} with k1#o1 and k2#o2 waiting until the watermark passes 25 and
   * 26, restored into {@link #AS_OF_NO_WAIT}.
   */
  private static OperatorHarness<Either<String, Change<String>>, String> asOfRestoredWithoutWait(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState checkpoint =
        checkpoint(
            AS_OF.harness().on(backend),
            script()
                .element(fact("k1#o1"), 15)
                .element(fact("k2#o2"), 16)
                .watermark(20) // both due without a version: they wait until 25 and 26
                .build());
    return AS_OF_NO_WAIT.harness().on(backend).restore(checkpoint);
  }

  /** Each subtask takes on the facts of the key groups it restores, whatever the parallelism. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_heldFactsRestoredWithAnotherParallelism_eachSubtaskBalances(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
        AS_OF.harness().on(backend);
    List<Either<String, Change<String>>> facts = new ArrayList<>();
    for (int k = 1; k <= 12; k++) {
      facts.add(fact("k" + k + "#o" + k));
    }
    HarnessInput.Builder<Either<String, Change<String>>> held = script();
    for (Either<String, Change<String>> f : facts) {
      held.element(f, 20);
    }
    OperatorSubtaskState onOne = checkpoint(recipe, held.build());

    List<String> output = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          recipe.restoreSubtask(List.of(onOne), 3, s)) {
        long factsOfSubtask = 0;
        for (Either<String, Change<String>> f : facts) {
          factsOfSubtask += recipe.subtaskOf(f, 3) == s ? 1 : 0;
        }
        assertThat(facts(h))
            .as("subtask %d of 3", s)
            .contains(entry(StepMetrics.RECORDS_IN, factsOfSubtask));

        h.processWatermark(100); // due, wait and time out

        output.addAll(lines(h.emitted()));
        assertBalanced(h);
      }
    }
    assertThat(output).hasSize(facts.size()).allMatch(line -> line.startsWith("TIMED_OUT"));
  }

  /**
   * At every cut point of the scripts of {@link DimensionJoinCutPointTest} (sampled on RocksDB),
   * the restored attempt balances once it holds no fact any more.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void everyCutPoint_restoredAttemptBalancesAtTheEnd(StateBackendKind backend) throws Exception {
    restoreAtEveryCutPoint(
        DimensionJoinCutPointTest.AS_OF_MODE.harness().on(backend),
        DimensionJoinCutPointTest.AS_OF);
    restoreAtEveryCutPoint(
        DimensionJoinCutPointTest.LATEST_MODE.harness().on(backend),
        DimensionJoinCutPointTest.LATEST);
  }

  private static void restoreAtEveryCutPoint(
      KeyedHarness<Object, Either<String, Change<String>>, String> recipe,
      HarnessInput<Either<String, Change<String>>> script)
      throws Exception {
    CutPointCheck<Either<String, Change<String>>, String> cuts = CutPointCheck.of(recipe, script);
    if (recipe.backend() != StateBackendKind.HEAP) { // a restore costs about 0.2 s on RocksDB
      cuts = cuts.withSampledCutPoints(DimensionJoinCutPointTest.SAMPLED_CUTS, 7L);
    }
    for (int cut : cuts.cutPoints()) {
      OperatorSubtaskState checkpoint;
      long processingTime;
      try (OperatorHarness<Either<String, Change<String>>, String> h = recipe.open()) {
        h.run(script.slice(0, cut));
        checkpoint = h.snapshot();
        processingTime = h.processingTime();
      }
      try (OperatorHarness<Either<String, Change<String>>, String> h = recipe.restore(checkpoint)) {
        h.setProcessingTime(processingTime);
        h.run(script.slice(cut, script.size()));
        h.processWatermark(Long.MAX_VALUE);
        h.advanceProcessingTime(1_000); // the latest join's waits time out

        assertThat(balancedFacts(facts(h)))
            .as("restored at cut point %d: %s", cut, facts(h))
            .isTrue();
      }
    }
  }

  /**
   * Snapshots written before the join counted its facts restore without counts: each fact they hold
   * counts in as it leaves instead.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoredFromSnapshotsWithoutCounts_countEachFactInAsItLeaves(StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // reads committed files, writes none
    SavepointCompatibility files = DimensionJoinSavepointCompatibilityTest.SNAPSHOTS;
    OperatorSubtaskState latest =
        SnapshotFiles.read(
            files.file(DimensionJoinSavepointCompatibilityTest.LATEST_FILE, 1, backend));
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        DimensionJoinSavepointCompatibilityTest.LATEST.harness().on(backend).restore(latest)) {
      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 0L));

      h.processElement(row(Change.insert("k3#v1")), 5); // releases k3's two waiting facts

      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 2L));
      assertBalanced(h);
    }

    OperatorSubtaskState asOf =
        SnapshotFiles.read(
            files.file(DimensionJoinSavepointCompatibilityTest.AS_OF_FILE, 1, backend));
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        DimensionJoinSavepointCompatibilityTest.AS_OF.harness().on(backend).restore(asOf)) {
      h.processWatermark(40); // k1's held fact joins, k2's waiting fact times out

      assertThat(facts(h)).contains(entry(StepMetrics.RECORDS_IN, 2L));
      assertBalanced(h);
    }
  }

  private static Map<String, Long> facts(OperatorHarness<?, ?> h) {
    return counts(h, "");
  }

  private static boolean balancedFacts(Map<String, Long> facts) {
    return facts.get(StepMetrics.RECORDS_IN)
        == facts.get(StepMetrics.RECORDS_OUT)
            + facts.get(StepMetrics.RECORDS_FILTERED)
            + facts.get(StepMetrics.RECORDS_DEAD_LETTERED);
  }

  private static void assertBalanced(OperatorHarness<?, ?> h) {
    assertThat(balancedFacts(facts(h))).as("facts: %s", facts(h)).isTrue();
  }

  private static HarnessInput.Builder<Either<String, Change<String>>> script() {
    return HarnessInput.builder();
  }

  /** The checkpoint of a fresh harness after {@code input}. */
  private static OperatorSubtaskState checkpoint(
      KeyedHarness<Object, Either<String, Change<String>>, String> recipe,
      HarnessInput<Either<String, Change<String>>> input)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = recipe.open()) {
      h.run(input);
      return h.snapshot();
    }
  }
}
