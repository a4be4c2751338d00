package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.internal.ChangelogRules;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A changelog check restored with another sample rate: a key outside the sample the state was
 * written under has no status, or one that went stale while the key was not sampled, so checking it
 * from the restore on would report valid records. Valid records must not become dead letters.
 */
class ChangelogCheckSampleRateChangeTest {

  private static final double HALF = 0.5;

  /** A key of generated rows inside (or outside) the sample of {@link #HALF}. */
  private static String key(boolean sampled) {
    long threshold = ChangelogRules.sampleThreshold(HALF);
    for (int i = 1; ; i++) {
      String key = "k" + i;
      if ((ChangelogRules.sampleHash(key) < threshold) == sampled) {
        return key;
      }
    }
  }

  private static List<String> messages(OperatorHarness<?, ?> harness) {
    return harness.sideOutput(DEAD_LETTERS).stream()
        .map(l -> l.payloadText() + " -> " + l.errorMessage())
        .toList();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rateRaised_keysLiveBeforeTheRestoreButNotSampled_areNotReported(StateBackendKind backend)
      throws Exception {
    String in = key(true);
    String out = key(false);
    OperatorSubtaskState state;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck().withSampleRate(HALF), Types.STRING, null).recipe.on(backend).open()) {
      harness.processElement(Change.insert(in + "#v1"), 1);
      harness.processElement(Change.insert(out + "#v1"), 2); // not sampled: no status
      state = harness.savepoint();
    }
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck(), Types.STRING, null).recipe.on(backend).restore(state)) {
      harness.processElement(Change.updateBefore(out + "#v1"), 3);
      harness.processElement(Change.updateAfter(out + "#v2"), 4);
      harness.processElement(Change.delete(out + "#v2"), 5);
      harness.processElement(Change.insert(in + "#v2"), 6); // sampled all along: checked

      assertThat(show(harness.output()))
          .containsExactly("-U[" + out + "#v1]", "+U[" + out + "#v2]", "-D[" + out + "#v2]");
      assertThat(messages(harness))
          .containsExactly("+I[" + in + "#v2] -> duplicate INSERT: the key is already live");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rateLoweredThenRaised_statusOfAKeyChangedWhileNotSampled_isNotTrusted(
      StateBackendKind backend) throws Exception {
    String out = key(false);
    OperatorSubtaskState all;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck(), Types.STRING, null).recipe.on(backend).open()) {
      harness.processElement(Change.insert(out + "#v1"), 1);
      all = harness.savepoint();
    }
    OperatorSubtaskState half;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck().withSampleRate(HALF), Types.STRING, null)
            .recipe
            .on(backend)
            .restore(all)) {
      harness.processElement(Change.delete(out + "#v1"), 2); // not sampled: its status stays live
      half = harness.savepoint();
    }
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck(), Types.STRING, null).recipe.on(backend).restore(half)) {
      harness.processElement(Change.insert(out + "#v2"), 3); // valid: the key was deleted

      assertThat(show(harness.output())).containsExactly("+I[" + out + "#v2]");
      assertThat(messages(harness)).isEmpty();
    }
  }
}
