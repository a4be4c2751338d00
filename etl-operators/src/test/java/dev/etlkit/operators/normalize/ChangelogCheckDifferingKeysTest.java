package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checkerWithKey;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A documented limit (docs/normalize.md, the check's state): the subtasks of a step hold one and
 * the same key unless state was put together by hand (say from two jobs with the State Processor
 * API). Then a subtask restores one subtask's copy, and a status written under another key does not
 * recognise its live row: where dedup and the normalizer emit an identical row once more, the full
 * changelog check reports a valid retraction as a retraction of another row, a dead letter. Found
 * by a review on 2026-11-24.
 */
class ChangelogCheckDifferingKeysTest {

  private static final FingerprintKey FIRST = new FingerprintKey(1, 2);
  private static final FingerprintKey SECOND = new FingerprintKey(3, 4);
  private static final FingerprintKey RESUBMITTED = new FingerprintKey(5, 6);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullCheck_restoredWithKeysPutTogetherByHand_reportsAValidRetractionUnderAnotherKey(
      StateBackendKind backend) throws Exception {
    ChangelogCheck<String, String> check = stringCheck().withFullChangelog();
    FingerprintKey[] drawn = {FIRST, SECOND};
    List<String> rows = new ArrayList<>();
    List<OperatorSubtaskState> subtasks = new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      KeyedHarness<String, Change<String>, Change<String>> recipe =
          checkerWithKey(check, Types.STRING, drawn[subtask]).recipe.on(backend);
      String row = rowOfSubtask(recipe, subtask);
      rows.add(row);
      try (OperatorHarness<Change<String>, Change<String>> harness =
          recipe.openSubtask(2, subtask)) {
        harness.processElement(Change.insert(row), 1);
        subtasks.add(harness.snapshot());
      }
    }

    try (OperatorHarness<Change<String>, Change<String>> harness =
        checkerWithKey(check, Types.STRING, RESUBMITTED)
            .recipe
            .on(backend)
            .restoreSubtask(subtasks, 1, 0)) {
      harness.processElement(Change.updateBefore(rows.get(1)), 2); // the live row, under SECOND

      assertThat(harness.sideOutput(DEAD_LETTERS))
          .singleElement()
          .satisfies(d -> assertThat(d.errorMessage()).contains("does not carry the live row"));
      assertThat(harness.output()).isEmpty();
    }
  }

  private static String rowOfSubtask(
      KeyedHarness<String, Change<String>, Change<String>> recipe, int subtask) throws Exception {
    for (int i = 0; ; i++) {
      String row = "k" + i + "#v1";
      if (recipe.subtaskOf(Change.insert(row), 2) == subtask) {
        return row;
      }
    }
  }
}
