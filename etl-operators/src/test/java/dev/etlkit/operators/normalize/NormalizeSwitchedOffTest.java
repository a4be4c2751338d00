package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_STRINGS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.STRING_CHANGES;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.expanded;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An upsert normalizer derived from a shared base with a sequence and projected state, with both
 * switched off ({@code withoutSequence()}, {@code withoutProjectedState()}): it is the step that
 * never had them, in what it prints, declares and emits. The base, beside it, drops a late change
 * as stale and retracts with the projection.
 */
class NormalizeSwitchedOffTest {

  private static final UpsertNormalize<String, String> BASE =
      strings()
          .withSequence(ChangeSequence.sourcePosition())
          .withProjectedState(ChangelogGenerator::stringKey, Types.STRING, key -> key + "#");

  /** k1 inserted at position 2, a late update from position 1, then deleted at position 3. */
  private static final List<Change<String>> INPUT =
      List.of(
          Change.insert("k1#v1").withSourcePosition(2),
          Change.updateAfter("k1#v2").withSourcePosition(1),
          Change.delete("k1#").withSourcePosition(3));

  @Test
  void switchedOff_printsAndDeclaresAsTheStepWithout() {
    UpsertNormalize<String, String> variant = BASE.withoutSequence().withoutProjectedState();

    assertThat(variant).hasToString(strings().toString());
    assertThat(expanded(variant, STRING_CHANGES, null).inventory().entries())
        .isEqualTo(expanded(strings(), STRING_CHANGES, null).inventory().entries());
    // each alone leaves the other option as it was
    assertThat(expanded(BASE.withoutSequence(), STRING_CHANGES, null).inventory().entries())
        .isEqualTo(
            expanded(
                    strings()
                        .withProjectedState(
                            ChangelogGenerator::stringKey, Types.STRING, key -> key + "#"),
                    STRING_CHANGES,
                    null)
                .inventory()
                .entries());
    assertThat(expanded(BASE.withoutProjectedState(), STRING_CHANGES, null).inventory().entries())
        .isEqualTo(
            expanded(strings().withSequence(ChangeSequence.sourcePosition()), STRING_CHANGES, null)
                .inventory()
                .entries());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void base_dropsTheLateChange_andRetractsWithTheProjection(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalizer(BASE, Types.STRING, null).recipe.on(backend).open()) {
      process(harness);

      assertThat(values(harness.output())).containsExactly("+I[k1#v1]", "-D[k1#]");
      assertThat(values(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v2]");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void switchedOff_appliesChangesInArrivalOrder_andRetractsFullRows(StateBackendKind backend)
      throws Exception {
    List<Change<String>> plain;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalizer(strings(), Types.STRING, null).recipe.on(backend).open()) {
      process(harness);
      plain = harness.output();
    }
    UpsertNormalize<String, String> variant = BASE.withoutSequence().withoutProjectedState();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalizer(variant, Types.STRING, null).recipe.on(backend).open()) {
      process(harness);

      assertThat(values(harness.output()))
          .containsExactly("+I[k1#v1]", "-U[k1#v1]", "+U[k1#v2]", "-D[k1#v2]");
      assertThat(harness.output()).isEqualTo(plain);
      assertThat(harness.sideOutput(REJECTED_STRINGS)).isEmpty();
    }
  }

  private static void process(OperatorHarness<Change<String>, Change<String>> harness)
      throws Exception {
    long time = 1;
    for (Change<String> change : INPUT) {
      harness.processElement(change, time++);
    }
  }

  /** The kinds and values, without the metadata the outputs carry. */
  private static List<String> values(List<Change<String>> changes) {
    return changes.stream().map(c -> c.kind().shortString() + "[" + c.value() + "]").toList();
  }
}
