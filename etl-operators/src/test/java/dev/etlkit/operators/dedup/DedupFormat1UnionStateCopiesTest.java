package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.DedupConfig;
import dev.etlkit.operators.internal.OperatorStateCopies;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A savepoint of format 1 restores into any ordering with as many components (the format did not
 * record what they are): the committed keep-last file, ordered by event time then a key, restores
 * into an ordering by two keys, which keeps no watermark. The event-time step's watermark states
 * (union list states) must not be carried on as restored, where each restore would give every
 * subtask all subtasks' entries and they would multiply by the parallelism every time.
 */
class DedupFormat1UnionStateCopiesTest {

  private static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  private static final int PARALLELISM = 2;
  private static final int RESTORES = 3;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void eventTimeV1_restoredWithoutEventTime_watermarkEntriesDoNotMultiply(StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // reads the files, writes none
    KeyedHarness<Object, Change<String>, Change<String>> byTwoKeys =
        DedupHarness.changes(
                DedupHarness.keepLast()
                    .withOrdering(
                        DedupOrder.by(DedupHarness::version).thenBy(DedupHarness::version))
                    .withRetractOutput()
                    .onChangelog())
            .harness()
            .on(backend);
    List<OperatorSubtaskState> savepoints =
        List.of(SnapshotFiles.read(SNAPSHOTS.file("dedup-keep-last", 1, backend)));

    List<Integer> perRestore = new ArrayList<>();
    for (int restore = 0; restore < RESTORES; restore++) {
      List<OperatorSubtaskState> next = new ArrayList<>();
      for (int subtask = 0; subtask < PARALLELISM; subtask++) {
        try (OperatorHarness<Change<String>, Change<String>> h =
            byTwoKeys.restoreSubtask(savepoints, PARALLELISM, subtask)) {
          next.add(h.savepoint());
        }
      }
      savepoints = next;
      int most = 0;
      for (String state :
          List.of(DedupConfig.WATERMARK_STATE, DedupConfig.WATERMARK_RANGES_STATE)) {
        for (int n : OperatorStateCopies.of(savepoints, state)) {
          most = Math.max(most, n);
        }
      }
      perRestore.add(most);
    }

    assertThat(perRestore).as("watermark entries per subtask after each restore").containsOnly(0);
  }
}
