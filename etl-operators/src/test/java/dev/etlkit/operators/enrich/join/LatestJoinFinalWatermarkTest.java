package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The latest join's waiting facts at the end of a bounded input: the final watermark ({@code
 * Long.MAX_VALUE}) comes before the end of input, as Flink sends it. Once the dimension's input has
 * passed it (it ended: no row can come any more), the facts waiting time out before the join
 * forwards it, so an event-time window after the join does not count them late and drop them. A
 * dimension input that is idle while the facts end may still send rows: its facts wait on.
 */
class LatestJoinFinalWatermarkTest {

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void waitingFacts_leaveBeforeTheFinalWatermark(StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.latest(1_000, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 5);
      h.processElement(fact("k1#o1"), 10); // found at once
      h.processElement(fact("k2#o2"), 20); // waits for a row of k2
      h.processElement(fact("k3#o3"), 30); // waits for a row of k3
      h.processWatermark(Long.MAX_VALUE);
      h.endInput();
      h.unwrap().getOperator().finish();

      List<String> output = mainOutput(h);
      assertThat(output).last().isEqualTo("watermark " + Long.MAX_VALUE);
      // keys leave in no defined order among each other, as at the end of input
      assertThat(output.subList(0, output.size() - 1))
          .containsExactlyInAnyOrder(
              "FOUND k1#o1 k1#v1 @10", "TIMED_OUT k2#o2 @20", "TIMED_OUT k3#o3 @30");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void factsEnded_dimensionIdle_factsWaitOnForARow(StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.latest(1_000, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processElement(fact("k2#o2"), 20); // waits for a row of k2
      h.setIdle(2, true);
      h.processWatermark1(Long.MAX_VALUE); // the facts ended; the dimension may still send rows
      h.processElement(row(Change.insert("k2#v1")), 40);

      assertThat(mainOutput(h))
          .containsExactly("watermark " + Long.MAX_VALUE, "FOUND_AFTER_WAIT k2#o2 k2#v1 @20");
    }
  }

  /**
   * Whether the dimension input ended is not kept in state: a join restored from a checkpoint taken
   * after it ended learns it again from that input's final watermark, which Flink sends again from
   * a source task it deploys finished on restore (DimensionJoinFinishedDimensionRestoreITCase runs
   * it on a cluster). The facts waiting then, restored or new, leave before the final watermark, as
   * without the restore.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoredAfterTheDimensionEnded_itsFinalWatermarkAgain_waitingFactsLeaveBeforeTheFinal(
      StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.latest(1_000, 1_000, UnmatchedFacts.EMIT);
    OperatorSubtaskState checkpoint;
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 5);
      h.processWatermark2(Long.MAX_VALUE); // the dimension ended
      h.processElement(fact("k2#o2"), 20); // waits for a row of k2
      checkpoint = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).restore(checkpoint)) {
      h.processWatermark2(Long.MAX_VALUE); // the dimension source, finished on restore
      h.processElement(fact("k1#o3"), 30); // found: the rows are restored
      h.processElement(fact("k3#o4"), 40); // waits for a row of k3
      h.processWatermark1(Long.MAX_VALUE); // the facts ended

      List<String> output = mainOutput(h);
      assertThat(output).last().isEqualTo("watermark " + Long.MAX_VALUE);
      assertThat(output.subList(0, output.size() - 1))
          .containsExactlyInAnyOrder(
              "FOUND k1#o3 k1#v1 @30", "TIMED_OUT k2#o2 @20", "TIMED_OUT k3#o4 @40");
    }
  }

  /** The main output in order, records as {@code "<value> @<timestamp>"} and watermarks. */
  private static List<String> mainOutput(OperatorHarness<?, String> h) {
    List<String> lines = new ArrayList<>();
    for (Object element : h.unwrap().getOutput()) {
      if (element instanceof Watermark mark) {
        lines.add("watermark " + mark.getTimestamp());
      } else if (element instanceof StreamRecord<?> record) {
        lines.add(record.getValue() + (record.hasTimestamp() ? " @" + record.getTimestamp() : ""));
      }
    }
    return lines;
  }
}
