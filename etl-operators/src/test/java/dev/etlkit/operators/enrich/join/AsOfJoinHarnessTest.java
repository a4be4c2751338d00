package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.counts;
import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.open;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import dev.etlkit.operators.enrich.internal.join.JoinStateTypeInfo;
import dev.etlkit.operators.enrich.internal.join.VersionHistory;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The point-in-time (event-time) join in Flink's harness, on heap and RocksDB. */
class AsOfJoinHarnessTest {

  private static final JoinMode PLAIN = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void facts_joinedWithTheVersionInForceAtTheirTime_whenTheWatermarkPasses(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(PLAIN, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(fact("k1#o1"), 25);
      h.processElement(fact("k1#o2"), 15);
      h.processElement(fact("k1#o3"), 5); // before the key's first version
      h.processElement(row(Change.updateAfter("k1#v2")), 20); // after o1 arrived: still counts
      h.processElement(fact("k1#o4"), 20); // at the version's own time
      assertThat(h.emitted()).isEmpty(); // held until the watermark passes

      h.processWatermark(100);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "NOT_FOUND k1#o3 @5",
              "FOUND k1#o2 k1#v1 @15",
              "FOUND k1#o4 k1#v2 @20",
              "FOUND k1#o1 k1#v2 @25");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void versionsAtTheSameTime_theLaterArrivalWins(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(PLAIN, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.updateAfter("k1#v2")), 10);
      h.processElement(fact("k1#o1"), 10);
      h.processWatermark(10);

      assertThat(lines(h.emitted())).containsExactly("FOUND k1#o1 k1#v2 @10");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteVersion_factsAfterItAreDeleted_factsBeforeItFindTheRow(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(PLAIN, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.delete("k1#")), 20);
      h.processElement(row(Change.insert("k1#v2")), 30);
      h.processElement(fact("k1#o1"), 15);
      h.processElement(fact("k1#o2"), 25);
      h.processElement(fact("k1#o3"), 35);
      h.processWatermark(40);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @15", "DELETED k1#o2 @25", "FOUND k1#o3 k1#v2 @35");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void factBehindTheWatermark_joinedAtOnceWithinTheLateness_elseDeadLettered(
      StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.asOf(0, 10, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(mode, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processElement(row(Change.updateAfter("k1#v2")), 20);
      h.processElement(row(Change.updateAfter("k1#v3")), 30);
      h.processWatermark(35); // horizon 25: v1 is not needed any more
      h.processElement(fact("k1#o1"), 26); // late, within the lateness: joined at once
      h.processElement(fact("k1#o2"), 24); // later than the lateness allows

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v2 @26", "DL DimensionJoinException:LATE k1#o2 @24");
      assertThat(h.sideOutput(DeadLetter.OUTPUT_TAG).get(0).errorMessage())
          .isEqualTo(
              "LATE: the fact's time 24 is behind the watermark 35 minus the allowed lateness:"
                  + " the versions it needs may be gone");
    }
  }

  /**
   * {@code flink stop --drain} sends the end-of-input watermark {@code Long.MAX_VALUE} before the
   * savepoint: a job restored from it goes on from the event time the stream had reached, instead
   * of dead-lettering every later fact as late.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoredFromADrainedSavepoint_keepsTheLastWatermarkBeforeTheDrain(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);
    OperatorSubtaskState drained;
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(mode, backend)) {
      h.processElement(row(Change.insert("k1#v1")), 10);
      h.processWatermark(50);
      h.processWatermark(Long.MAX_VALUE); // flink stop --drain
      drained = h.savepoint();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).restore(drained)) {
      h.processElement(fact("k1#o1"), 40); // behind the last watermark before the drain: late
      h.processElement(fact("k1#o2"), 1_000);
      h.processWatermark(2_000);

      assertThat(lines(h.emitted()))
          .containsExactly("DL DimensionJoinException:LATE k1#o1 @40", "FOUND k1#o2 k1#v1 @1000");
    }
  }

  /**
   * With unaligned checkpoints subtasks may save different watermarks (here 100 and 50): after a
   * restore with the same parallelism each judges lateness by its own, as the run that failed did,
   * so a fact at 70 is late on the first and joined on the second.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void subtasksSavedDifferentWatermarks_eachRestoresItsOwn(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> recipe =
        JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT).harness().on(backend);
    long[] savedWatermarks = {100, 50};
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      try (OperatorHarness<Either<String, Change<String>>, String> h = recipe.openSubtask(2, s)) {
        for (int k = 1; k <= 8; k++) {
          Either<String, Change<String>> version = row(Change.insert("k" + k + "#v1"));
          if (recipe.subtaskOf(version, 2) == s) {
            h.processElement(version, 10);
          }
        }
        h.processWatermark(savedWatermarks[s]);
        snapshots.add(h.snapshot());
      }
    }

    for (int s = 0; s < 2; s++) {
      List<String> expected = new ArrayList<>();
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          recipe.restoreSubtask(snapshots, 2, s)) {
        for (int k = 1; k <= 8; k++) {
          Either<String, Change<String>> fact = fact("k" + k + "#o" + k);
          if (recipe.subtaskOf(fact, 2) == s) {
            h.processElement(fact, 70);
            expected.add(
                s == 0
                    ? "DL DimensionJoinException:LATE k" + k + "#o" + k + " @70"
                    : "FOUND k" + k + "#o" + k + " k" + k + "#v1 @70");
          }
        }
        h.processWatermark(200);

        assertThat(lines(h.emitted()))
            .as("subtask %d", s)
            .isNotEmpty()
            .containsExactlyInAnyOrderElementsOf(expected); // timers of different keys: any order
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void history_prunedWhenWritten_toTheVersionInForceAtTheHorizon(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.asOf(0, 5, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(mode, backend)) {
      for (int v = 1; v <= 5; v++) {
        h.processElement(row(Change.updateAfter("k1#v" + v)), v * 10L);
      }
      h.processWatermark(30); // horizon 25: v2@20 is in force there
      assertThat(versionTimes(h, "k1")).containsExactly(10L, 20L, 30L, 40L, 50L); // reads prune not

      h.processElement(row(Change.delete("k1#")), 60);
      assertThat(versionTimes(h, "k1")).containsExactly(20L, 30L, 40L, 50L, 60L);

      h.processWatermark(1_000);
      h.processElement(row(Change.insert("k1#v7")), 2_000);
      assertThat(versionTimes(h, "k1")).containsExactly(60L, 2_000L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void negativeTimes_versionFoundWithoutRelyingOnTheStateOrder(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(PLAIN, backend)) {
      h.processElement(row(Change.insert("k1#v1")), -20);
      h.processElement(row(Change.updateAfter("k1#v2")), -5);
      h.processElement(row(Change.updateAfter("k1#v3")), 3);
      h.processElement(fact("k1#o1"), -10);
      h.processElement(fact("k1#o2"), -1);
      h.processElement(fact("k1#o3"), 5);
      h.processWatermark(10);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND k1#o1 k1#v1 @-10", "FOUND k1#o2 k1#v2 @-1", "FOUND k1#o3 k1#v3 @5");
      assertThat(versionTimes(h, "k1")).containsExactly(-20L, -5L, 3L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void factWithoutVersion_waitsForALateVersion_orTimesOut(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.asOf(10, 0, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(mode, backend)) {
      h.processElement(fact("k1#o1"), 15);
      h.processElement(fact("k2#o2"), 16);
      h.processWatermark(20); // both due, no version: they wait until the watermark passes 25, 26
      assertThat(h.emitted()).isEmpty();
      assertThat(h.watermarks()).containsExactly(10L); // held back by the maximum wait

      h.processElement(row(Change.insert("k1#v1")), 12); // late, in force at 15
      h.processWatermark(30);

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @15", "TIMED_OUT k2#o2 @16");
      assertThat(h.watermarks()).containsExactly(10L, 20L);
      assertThat(counts(h, ""))
          .contains(entry(StepMetrics.RECORDS_IN, 2L), entry(StepMetrics.RECORDS_OUT, 2L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void maxWaitWithAFractionOfAMillisecond_waitsUntilTheWatermarkPassesAllOfIt(
      StateBackendKind backend) throws Exception {
    JoinHarness.Expanded expanded =
        JoinHarness.expand(JoinHarness.asOf().withMaxWait(Duration.ofNanos(1_500_000)));
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        expanded.harness().on(backend).open()) {
      h.processElement(fact("k1#o1"), 15);
      h.processWatermark(16); // 15 + 1.5 ms is after 16: the fact waits
      assertThat(h.emitted()).isEmpty();
      assertThat(h.watermarks()).containsExactly(14L); // held back by the whole wait

      h.processElement(row(Change.insert("k1#v1")), 12);
      h.processWatermark(17);

      assertThat(lines(h.emitted())).containsExactly("FOUND_AFTER_WAIT k1#o1 k1#v1 @15");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void recordsWithoutTimestamp_deadLettered(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(PLAIN, backend)) {
      h.processElement(fact("k1#o1"));
      h.processElement(row(Change.insert("k1#v1")));
      // What records without a timestamp look like in a real job: a Flink source without a
      // timestamp assigner stamps Long.MIN_VALUE (TimestampAssigner.NO_TIMESTAMP).
      h.processElement(fact("k2#o1"), Long.MIN_VALUE);
      h.processElement(row(Change.insert("k2#v1")), Long.MIN_VALUE);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "DL DimensionJoinException:NO_TIMESTAMP k1#o1",
              "DL DimensionJoinException:NO_TIMESTAMP +I[k1#v1]",
              "DL DimensionJoinException:NO_TIMESTAMP k2#o1",
              "DL DimensionJoinException:NO_TIMESTAMP +I[k2#v1]");
      assertThat(h.sideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(DeadLetter::step)
          .containsExactly(
              JoinHarness.STEP,
              JoinHarness.STEP + "/dimension",
              JoinHarness.STEP,
              JoinHarness.STEP + "/dimension");
      assertThat(counts(h, "/dimension"))
          .contains(
              entry(StepMetrics.RECORDS_IN, 2L), entry(StepMetrics.RECORDS_DEAD_LETTERED, 2L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void waitingFactsCountAgainstTheBuffer_heldFactsDoNot(StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.asOf(10, 0, 2, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h = open(mode, backend)) {
      for (int i = 1; i <= 3; i++) {
        h.processElement(fact("k1#o" + i), 10L + i); // held: no limit
      }
      h.processWatermark(13); // all due, no version: two wait, the third does not fit

      h.processWatermark(30);

      assertThat(lines(h.emitted()))
          .containsExactly(
              "DL DimensionJoinException:BUFFER_FULL k1#o3 @13",
              "TIMED_OUT k1#o1 @11",
              "TIMED_OUT k1#o2 @12");
    }
  }

  /** The times of the versions the join keeps for {@code key}. */
  private static List<Long> versionTimes(
      OperatorHarness<Either<String, Change<String>>, String> harness, String key)
      throws Exception {
    AbstractStreamOperator<?> operator = harness.unwrap().getOperator();
    operator.setCurrentKey(key);
    ValueState<VersionHistory<String>> versions =
        operator.getPartitionedState(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            new ValueStateDescriptor<>(
                JoinConfig.VERSIONS_STATE, JoinStateTypeInfo.versionHistory(Types.STRING)));
    VersionHistory<String> history = versions.value();
    List<Long> times = new ArrayList<>();
    for (int i = 0; history != null && i < history.size(); i++) {
      times.add(history.time(i));
    }
    return times;
  }
}
