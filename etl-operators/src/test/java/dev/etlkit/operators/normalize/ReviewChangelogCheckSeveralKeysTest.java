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
 * StoredFingerprintKey promises for a restore that brings several keys (or, by the same code path,
 * one without the key the statuses were written under): "rows fingerprinted under the others are
 * then not recognised as identical, so an identical row is emitted again, never a change lost". For
 * the full changelog check a row not recognised is a retraction "of another row": the valid {@code
 * -U} of the live row becomes a dead letter and leaves the stream (with the fail policy, the job
 * fails on it after every restart). The projected normalizer's variant of this is tested ({@code
 * NormalizeFingerprintKeyRestoreTest}); the check's is not, and breaks the promise.
 */
class ReviewChangelogCheckSeveralKeysTest {

  private static final FingerprintKey FIRST = new FingerprintKey(1, 2);
  private static final FingerprintKey SECOND = new FingerprintKey(3, 4);
  private static final FingerprintKey RESUBMITTED = new FingerprintKey(5, 6);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullCheck_restoredWithSeveralKeys_passesTheValidRetractionOfALiveRow(
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

      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
      assertThat(harness.output()).containsExactly(Change.updateBefore(rows.get(1)));
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
