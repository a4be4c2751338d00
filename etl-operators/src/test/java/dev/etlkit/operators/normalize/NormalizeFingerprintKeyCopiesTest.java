package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checkerWithKey;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.OperatorStateCopies;
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
 * The fingerprint key's state is registered only while the step fingerprints (a full changelog
 * check). Flink keeps a restored operator state that nobody registers and writes it into every
 * later snapshot as it was restored. Found by a review on 2026-11-24, when the key was a union list
 * state, restored on every subtask with the entries of all subtasks: after a check dropped {@code
 * withFullChangelog()} (a plain {@code ValueState<Long>}: the restore is not refused), every
 * restore multiplied the key's copies by the parallelism (2, 4, 8 at parallelism 2). As a broadcast
 * state each subtask gets one copy.
 */
class NormalizeFingerprintKeyCopiesTest {

  private static final String KEY_STATE = "status-fingerprint-key";
  private static final int PARALLELISM = 2;
  private static final int RESTORES = 3;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changelogCheck_fullChangelogDropped_keyCopiesDoNotMultiplyWithEveryRestore(
      StateBackendKind backend) throws Exception {
    KeyedHarness<String, Change<String>, Change<String>> full =
        checkerWithKey(stringCheck().withFullChangelog(), Types.STRING, new FingerprintKey(1, 2))
            .recipe
            .on(backend);
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int subtask = 0; subtask < PARALLELISM; subtask++) {
      try (OperatorHarness<Change<String>, Change<String>> harness =
          full.openSubtask(PARALLELISM, subtask)) {
        harness.processElement(Change.insert(rowOf(full, subtask)), 1);
        snapshots.add(harness.snapshot());
      }
    }
    assertThat(keyCopies(snapshots)).containsOnly(1);

    KeyedHarness<String, Change<String>, Change<String>> relaxed =
        checker(stringCheck(), Types.STRING, null).recipe.on(backend);
    List<Integer> perRestore = new ArrayList<>();
    for (int restore = 0; restore < RESTORES; restore++) {
      List<OperatorSubtaskState> next = new ArrayList<>();
      for (int subtask = 0; subtask < PARALLELISM; subtask++) {
        try (OperatorHarness<Change<String>, Change<String>> harness =
            relaxed.restoreSubtask(snapshots, PARALLELISM, subtask)) {
          harness.processElement(Change.updateAfter(rowOf(relaxed, subtask)), 2 + restore);
          next.add(harness.snapshot());
        }
      }
      snapshots = next;
      perRestore.add(keyCopies(snapshots).stream().mapToInt(Integer::intValue).max().orElse(0));
    }

    // at most one copy per subtask (or none once the step no longer fingerprints); today: [2, 4, 8]
    assertThat(perRestore).as("key copies per subtask after each restore").allMatch(n -> n <= 1);
  }

  /** A row whose key the given subtask of {@link #PARALLELISM} owns. */
  private static String rowOf(
      KeyedHarness<String, Change<String>, Change<String>> recipe, int subtask) throws Exception {
    for (int i = 0; ; i++) {
      String row = "k" + i + "#v1";
      if (recipe.subtaskOf(Change.insert(row), PARALLELISM) == subtask) {
        return row;
      }
    }
  }

  private static List<Integer> keyCopies(List<OperatorSubtaskState> snapshots) {
    return OperatorStateCopies.of(snapshots, KEY_STATE);
  }
}
