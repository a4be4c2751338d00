package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_STRINGS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The upsert normalizer without sequence, full state, on heap and RocksDB. */
class UpsertNormalizeTest {

  private static Normalizer<String, String> plain() {
    return normalizer(strings(), Types.STRING, null);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void upserts_newChangedIdenticalAndDeleted_emitFullChangelog(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize = plain();
    // tag::normalize-semantics[]
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1); // new key
      harness.processElement(Change.updateAfter("k1#v2"), 2); // changed row
      harness.processElement(Change.updateAfter("k1#v2"), 3); // identical row: no-op
      harness.processElement(Change.insert("k1#v3"), 4); // +I of a live key: an update
      harness.processElement(Change.delete("k1#"), 5); // key-only delete (tombstone)

      assertThat(show(harness.output()))
          .containsExactly(
              "+I[k1#v1]",
              "-U[k1#v1]", // the stored row: no before-image needed in the input
              "+U[k1#v2]",
              "-U[k1#v2]",
              "+U[k1#v3]",
              "-D[k1#v3]"); // the stored full row, not the key-only tombstone
    }
    // end::normalize-semantics[]
    StepMetrics metrics = normalize.function().stepMetrics();
    assertThat(metrics.inCount()).isEqualTo(5);
    assertThat(metrics.outCount()).isEqualTo(4);
    assertThat(metrics.deduplicatedCount()).isEqualTo(1);
    assertThat(metrics.emittedCount()).isEqualTo(6);
    assertBalanced(metrics);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void outputs_carryTheMetadataOfTheInputThatCausedThem(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        plain().recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1").withEventTime(10).withSourcePosition(1), 10);
      harness.processElement(
          Change.updateAfter("k1#v2").withEventTime(20).withSourcePosition(2), 20);

      assertThat(harness.output())
          .containsExactly(
              Change.insert("k1#v1").withEventTime(10).withSourcePosition(1),
              Change.updateBefore("k1#v1").withEventTime(20).withSourcePosition(2),
              Change.updateAfter("k1#v2").withEventTime(20).withSourcePosition(2));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void updateBefore_inInput_isIgnoredAndCountedAsFiltered(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize = plain();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateBefore("k1#v1"), 2);
      harness.processElement(Change.updateAfter("k1#v2"), 2);
      harness.processElement(Change.updateBefore("k2#v1"), 3); // of an unknown key: ignored too

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "-U[k1#v1]", "+U[k1#v2]");
    }
    assertThat(normalize.function().stepMetrics().filteredCount()).isEqualTo(2);
    assertBalanced(normalize.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void redeliveredDelete_withoutTtl_isDroppedAndCounted(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = plain();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.delete("k1#v1"), 2);
      harness.processElement(Change.delete("k1#v1"), 3); // at-least-once redelivery
      harness.processElement(Change.delete("k2#"), 4); // never seen

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "-D[k1#v1]");
      assertThat(harness.sideOutput(REJECTED_STRINGS)).isEmpty();
    }
    assertThat(normalize.function().unknownKeyDeleteCount()).isEqualTo(2);
    assertThat(normalize.function().stepMetrics().filteredCount()).isEqualTo(2);
    assertBalanced(normalize.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void unknownKeyDelete_emit_passesTheDeleteOnAsItCame(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize =
        normalizer(strings().withUnknownKeyDeletes(Route.EMIT), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.delete("k2#"), 4);

      assertThat(show(harness.output())).containsExactly("-D[k2#]");
    }
    assertThat(normalize.function().unknownKeyDeleteCount()).isEqualTo(1);
    assertThat(normalize.function().stepMetrics().outCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void unknownKeyDelete_sideOutput_emitsItThere(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize =
        normalizer(strings().withUnknownKeyDeletes(Route.SIDE_OUTPUT), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.delete("k2#"), 4);

      assertThat(harness.output()).isEmpty();
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("-D[k2#]");
    }
    assertThat(normalize.function().stepMetrics().filteredCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void unknownKeyDelete_deadLetter_namesTheRuleNotThePayload(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize =
        normalizer(strings().withUnknownKeyDeletes(Route.DEAD_LETTER), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.delete("k2#secret-4711").withSourcePosition(9), 4);

      assertThat(harness.output()).isEmpty();
      List<DeadLetter> letters = harness.sideOutput(DEAD_LETTERS);
      assertThat(letters).hasSize(1);
      DeadLetter letter = letters.get(0);
      assertThat(letter.errorClass()).isEqualTo(ChangelogViolationException.class.getName());
      assertThat(letter.errorMessage()).startsWith("delete of unknown key").doesNotContain("4711");
      assertThat(letter.payloadText()).isEqualTo("-D[k2#secret-4711] pos=9");
      assertThat(letter.sourcePosition()).isEqualTo("9");
      assertThat(letter.eventTime()).isEqualTo(4L);
      assertThat(letter.toString()).doesNotContain("4711");
    }
    assertThat(normalize.function().stepMetrics().deadLetteredCount()).isEqualTo(1);
    assertBalanced(normalize.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keysAreIndependent(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        plain().recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.insert("k2#v1"), 2);
      harness.processElement(Change.updateAfter("k1#v2"), 3);
      harness.processElement(Change.delete("k2#"), 4);
      harness.processElement(Change.updateAfter("k2#v2"), 5);

      assertThat(show(harness.output()))
          .containsExactly(
              "+I[k1#v1]", "+I[k2#v1]", "-U[k1#v1]", "+U[k1#v2]", "-D[k2#v1]", "+I[k2#v2]");
    }
  }

  static void assertBalanced(StepMetrics m) {
    assertThat(m.inCount())
        .as("in == out + filtered + deduplicated + dead-lettered")
        .isEqualTo(
            m.outCount() + m.filteredCount() + m.deduplicatedCount() + m.deadLetteredCount());
  }
}
