package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * docs/operations.md (upgrading with savepoints): switching TTL on or off restores; switched on,
 * state written before expires a TTL after the restore. Checked for the upsert normalizer, plain
 * and with a sequence.
 */
class NormalizeTtlSwitchTest {

  private static final Duration TTL = Duration.ofHours(1);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void plain_ttlSwitchedOnThenOff_expiresATtlAfterTheRestore_thenKeepsTheRows(
      StateBackendKind backend) throws Exception {
    switchOnThenOff(strings(), backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void versioned_ttlSwitchedOnThenOff_expiresATtlAfterTheRestore_thenKeepsTheRows(
      StateBackendKind backend) throws Exception {
    switchOnThenOff(strings().withSequence(ChangeSequence.sourcePosition()), backend);
  }

  private static void switchOnThenOff(
      UpsertNormalize<String, String> spec, StateBackendKind backend) throws Exception {
    KeyedHarness<String, Change<String>, Change<String>> without =
        normalizer(spec, Types.STRING, null).recipe.on(backend);
    KeyedHarness<String, Change<String>, Change<String>> with =
        normalizer(spec, Types.STRING, TTL).recipe.on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Change<String>, Change<String>> h = without.open()) {
      h.processElement(Change.insert("k1#v1").withSourcePosition(1L), 1);
      h.processElement(Change.insert("k2#v1").withSourcePosition(1L), 1);
      state = h.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> h = with.restore(state)) {
      h.setStateTtlTime(TTL.toMillis() - 1);
      h.processElement(Change.updateAfter("k1#v2").withSourcePosition(2L), 2); // k1 is live
      assertThat(show(h.output())).containsExactly("-U[k1#v1] pos=2", "+U[k1#v2] pos=2");
      h.clearOutput();
      h.setStateTtlTime(TTL.toMillis() + 1); // k1 written at TTL - 1: still live
      h.processElement(Change.updateAfter("k2#v2").withSourcePosition(2L), 3); // k2 expired
      assertThat(show(h.output())).containsExactly("+I[k2#v2] pos=2");
      h.clearOutput();
      state = h.savepoint();
    }
    try (OperatorHarness<Change<String>, Change<String>> h = without.restore(state)) {
      h.setStateTtlTime(10 * TTL.toMillis()); // no TTL any more
      h.processElement(Change.updateAfter("k1#v3").withSourcePosition(3L), 4);
      assertThat(show(h.output())).containsExactly("-U[k1#v2] pos=3", "+U[k1#v3] pos=3");
    }
  }
}
