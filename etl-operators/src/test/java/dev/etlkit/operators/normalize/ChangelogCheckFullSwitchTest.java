package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A changelog check switched to {@code withFullChangelog()} on a savepoint of the check without it:
 * the keys live at the restore have no row hash, so their retractions cannot be compared with the
 * live row, and valid records must not become dead letters.
 */
class ChangelogCheckFullSwitchTest {

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void switchedToFullChangelog_retractionsOfKeysLiveBeforeTheSwitch_pass(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck(), Types.STRING, null).recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.insert("k2#v1"), 2);
      state = harness.savepoint();
    }
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck().withFullChangelog(), Types.STRING, null)
            .recipe
            .on(backend)
            .restore(state)) {
      harness.processElement(Change.updateBefore("k1#v1"), 3);
      harness.processElement(Change.updateAfter("k1#v2"), 4);
      harness.processElement(Change.delete("k2#v1"), 5);
      harness.processElement(Change.updateBefore("k1#v1"), 6); // k1's row is v2 now: checked

      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(l -> l.payloadText() + " -> " + l.errorMessage())
          .containsExactly(
              "-U[k1#v1] -> retraction does not carry the live row of its key (full changelog)");
      assertThat(show(harness.output())).containsExactly("-U[k1#v1]", "+U[k1#v2]", "-D[k2#v1]");
    }
  }
}
