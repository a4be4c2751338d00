package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * A limit of the "earlier versions pruned" mark, found by a second review on 2026-11-24 and
 * documented instead of fixed (docs/enrichment-state.md, "Restored histories and the pruned mark"):
 * after a rescale that merges the key groups of a subtask at watermark 500 with those of one at
 * 100, a dimension version that the failed run would have dropped as behind its horizon is put in
 * front of the marked history, and a fact after it joins that version, although the version in
 * force at its time was another one, pruned (the failed run dead-letters the fact as late). The
 * mark records that a history pruned, not up to when; a time would make every history longer.
 */
class AsOfJoinRescaleLateVersionTest {

  private static final JoinMode MODE = JoinMode.asOf(0, 0, 1_000, UnmatchedFacts.EMIT);

  @Test
  void rescaleMerge_lateVersionInFrontOfMarkedHistory_servesTheFactAfterIt() throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> harness =
        MODE.harness().on(StateBackendKind.HEAP);
    String high = "k1";
    String low = null;
    int highSubtask = harness.subtaskOf(row(Change.insert(high + "#v1")), 2);
    for (int i = 2; low == null; i++) {
      if (harness.subtaskOf(row(Change.insert("k" + i + "#v1")), 2) != highSubtask) {
        low = "k" + i;
      }
    }
    OperatorSubtaskState[] states = new OperatorSubtaskState[2];
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        harness.openSubtask(2, highSubtask)) {
      h.processElement(row(Change.insert(high + "#v1")), 100);
      h.processElement(row(Change.updateAfter(high + "#v2")), 300);
      h.processWatermark(500);
      // pruned at horizon 500: v1 dropped, the history [300, 600] is marked
      h.processElement(row(Change.updateAfter(high + "#v3")), 600);
      states[highSubtask] = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        harness.openSubtask(2, 1 - highSubtask)) {
      h.processElement(row(Change.insert(low + "#v1")), 50);
      h.processWatermark(100);
      states[1 - highSubtask] = h.snapshot();
    }
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        harness.restoreSubtask(List.of(states), 1, 0)) {
      // a version the failed run would have dropped (behind its horizon 500)
      h.processElement(row(Change.updateAfter(high + "#v0")), 150);
      // in force at 200 was v1@100 (pruned): the failed run dead-letters this fact as late
      h.processElement(fact(high + "#o1"), 200);
      h.processWatermark(200);

      assertThat(lines(h.emitted()))
          .as("documented: v0@150 serves the fact, although v1@100 (pruned) was in force at 200")
          .containsExactly("FOUND " + high + "#o1 " + high + "#v0 @200");
    }
  }
}
