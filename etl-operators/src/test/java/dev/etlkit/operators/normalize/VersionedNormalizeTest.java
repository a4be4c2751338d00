package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_STRINGS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The version-aware upsert normalizer (sequence = source position), on heap and RocksDB. */
class VersionedNormalizeTest {

  private static Normalizer<String, String> versioned() {
    return normalizer(strings().withSequence(ChangeSequence.sourcePosition()), Types.STRING, null);
  }

  private static Change<String> at(Change<String> change, long position) {
    return change.withSourcePosition(position);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void staleUpdate_goesToSideOutput_andNeverOverwritesNewerState(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize = versioned();
    // tag::normalize-stale[]
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      harness.processElement(Change.updateAfter("k1#v3").withSourcePosition(3), 2);
      harness.processElement(Change.updateAfter("k1#v2").withSourcePosition(2), 3); // late

      assertThat(show(harness.output()))
          .containsExactly("+I[k1#v1] pos=1", "-U[k1#v1] pos=3", "+U[k1#v3] pos=3");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v2] pos=2");
    }
    // end::normalize-stale[]
    assertThat(normalize.function().staleCount()).isEqualTo(1);
    assertThat(normalize.function().stepMetrics().filteredCount()).isEqualTo(1);
    assertBalanced(normalize.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void equalSequence_sameEventIsDuplicate_otherRowIsStale(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize = versioned();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(at(Change.insert("k1#v1"), 5), 1);
      harness.processElement(at(Change.insert("k1#v1"), 5), 2); // redelivery: duplicate
      harness.processElement(at(Change.updateAfter("k1#v1"), 5), 3); // same row: duplicate
      harness.processElement(at(Change.updateAfter("k1#v9"), 5), 4); // other row: stale
      harness.processElement(at(Change.delete("k1#"), 6), 5);
      harness.processElement(at(Change.delete("k1#"), 6), 6); // redelivered delete: duplicate
      harness.processElement(at(Change.insert("k1#v7"), 6), 7); // same sequence as delete: stale

      assertThat(show(harness.output())).containsExactly("+I[k1#v1] pos=5", "-D[k1#v1] pos=6");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS)))
          .containsExactly("+U[k1#v9] pos=5", "+I[k1#v7] pos=6");
    }
    assertThat(normalize.function().stepMetrics().deduplicatedCount()).isEqualTo(3);
    assertThat(normalize.function().staleCount()).isEqualTo(2);
    assertThat(normalize.function().unknownKeyDeleteCount()).isZero();
    assertBalanced(normalize.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateUpdate_afterDelete_doesNotResurrectTheKey(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        versioned().recipe.on(backend).open()) {
      harness.processElement(at(Change.insert("k1#v1"), 1), 1);
      harness.processElement(at(Change.delete("k1#"), 3), 2);
      harness.processElement(at(Change.updateAfter("k1#v2"), 2), 3); // older than the delete
      harness.processElement(at(Change.insert("k1#v4"), 4), 4); // newer: a new life

      assertThat(show(harness.output()))
          .containsExactly("+I[k1#v1] pos=1", "-D[k1#v1] pos=3", "+I[k1#v4] pos=4");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v2] pos=2");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void noOpWithNewerSequence_emitsNothing_butAdvancesTheStoredSequence(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize = versioned();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(at(Change.insert("k1#v1"), 1), 1);
      harness.processElement(at(Change.updateAfter("k1#v1"), 3), 2); // same row, version 3
      harness.processElement(at(Change.updateAfter("k1#v2"), 2), 3); // older than version 3

      assertThat(show(harness.output())).containsExactly("+I[k1#v1] pos=1");
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+U[k1#v2] pos=2");
    }
    assertThat(normalize.function().stepMetrics().deduplicatedCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void unknownKeyDelete_keepsItsSequence_soAnOlderUpsertIsStale(StateBackendKind backend)
      throws Exception {
    Normalizer<String, String> normalize = versioned();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(at(Change.delete("k1#"), 5), 1); // the insert is still on its way
      harness.processElement(at(Change.insert("k1#v1"), 4), 2);

      assertThat(harness.output()).isEmpty();
      assertThat(show(harness.sideOutput(REJECTED_STRINGS))).containsExactly("+I[k1#v1] pos=4");
    }
    assertThat(normalize.function().unknownKeyDeleteCount()).isEqualTo(1);
    assertThat(normalize.function().staleCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void staleChanges_deadLetter_saysWhyWithoutThePayload(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize =
        normalizer(
            strings()
                .withSequence(ChangeSequence.sourcePosition())
                .withStaleChanges(Route.DEAD_LETTER),
            Types.STRING,
            null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(at(Change.insert("k1#v1"), 7), 1);
      harness.processElement(at(Change.updateAfter("k1#secret-4711"), 6), 2);

      List<DeadLetter> letters = harness.sideOutput(DEAD_LETTERS);
      assertThat(letters)
          .singleElement()
          .satisfies(
              letter -> {
                assertThat(letter.errorClass())
                    .isEqualTo(ChangelogViolationException.class.getName());
                assertThat(letter.errorMessage())
                    .isEqualTo("stale change: sequence 6 is not newer than the stored sequence 7");
                assertThat(letter.payloadText()).isEqualTo("+U[k1#secret-4711] pos=6");
              });
    }
    assertThat(normalize.function().stepMetrics().deadLetteredCount()).isEqualTo(1);
    assertBalanced(normalize.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void changeWithoutSequence_becomesOneDeadLetter(StateBackendKind backend) throws Exception {
    Normalizer<String, String> normalize = versioned();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalize.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1); // no source position

      assertThat(harness.output()).isEmpty();
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .singleElement()
          .satisfies(
              letter -> {
                assertThat(letter.errorClass()).isEqualTo(IllegalArgumentException.class.getName());
                assertThat(letter.errorMessage())
                    .isEqualTo("change has no source position to order it by");
              });
    }
    assertBalanced(normalize.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void sequenceFromTheValue_ordersByVersionColumn(StateBackendKind backend) throws Exception {
    // tag::normalize-version-column[]
    UpsertNormalize<Customer, String> normalize =
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            .withSequence(change -> change.value().version());
    // end::normalize-version-column[]
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalizer(normalize, Customer.TYPE, null).recipe.on(backend).open()) {
      harness.processElement(Change.insert(new Customer("c1", "Ada", "ada@a", 2)), 1);
      harness.processElement(Change.updateAfter(new Customer("c1", "Ada", "old@a", 1)), 2);

      assertThat(harness.output())
          .containsExactly(Change.insert(new Customer("c1", "Ada", "ada@a", 2)));
    }
  }
}
