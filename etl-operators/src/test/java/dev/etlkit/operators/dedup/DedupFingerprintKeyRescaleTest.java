package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Keyed fingerprints survive a rescale into a resubmitted job: the job that restores draws another
 * key (each step built draws one, as each job graph does), yet every subtask of the new parallelism
 * fingerprints under the key the state was written with, so redelivered rows stay no-ops and only
 * changed rows are emitted.
 */
class DedupFingerprintKeyRescaleTest {

  private static final int KEYS = 12;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastUpsert_rescaledIntoAJobThatDrewAnotherKey_redeliveriesStayNoOps(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, Change<String>> before = rows(keepLast()).harness().on(backend);
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      try (OperatorHarness<String, Change<String>> harness = before.openSubtask(2, s)) {
        for (int k = 0; k < KEYS; k++) {
          if (before.subtaskOf("k" + k + "#v1", 2) == s) {
            harness.processElement("k" + k + "#v1", k);
          }
        }
        snapshots.add(harness.snapshot());
      }
    }

    KeyedHarness<Object, String, Change<String>> after = rows(keepLast()).harness().on(backend);
    List<Change<String>> emitted = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      try (OperatorHarness<String, Change<String>> harness =
          after.restoreSubtask(snapshots, 3, s)) {
        for (int k = 0; k < KEYS; k++) {
          if (after.subtaskOf("k" + k + "#v1", 3) == s) {
            harness.processElement("k" + k + "#v1", 100 + k); // redelivered
            harness.processElement("k" + k + (k % 3 == 0 ? "#v2" : "#v1"), 200 + k);
          }
        }
        emitted.addAll(harness.output());
      }
    }

    assertThat(emitted)
        .containsExactlyInAnyOrder(
            Change.updateAfter("k0#v2"),
            Change.updateAfter("k3#v2"),
            Change.updateAfter("k6#v2"),
            Change.updateAfter("k9#v2"));
  }
}
