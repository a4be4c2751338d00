package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Checker;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The changelog contract check, on heap and RocksDB. */
class ChangelogCheckTest {

  private static List<String> messages(OperatorHarness<?, ?> harness) {
    return harness.sideOutput(DEAD_LETTERS).stream()
        .map(l -> l.payloadText() + " -> " + l.errorMessage())
        .toList();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void validChangelog_passesUnchanged(StateBackendKind backend) throws Exception {
    Checker<String, String> check = checker(stringCheck().withFullChangelog(), Types.STRING, null);
    List<Change<String>> valid =
        List.of(
            Change.insert("k1#v1"),
            Change.insert("k2#v1"),
            Change.updateBefore("k1#v1"),
            Change.updateAfter("k1#v2"),
            Change.delete("k2#v1"),
            Change.insert("k2#v2"),
            Change.updateAfter("k3#v1")); // an upsert of a key that is not live
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      for (Change<String> change : valid) {
        harness.processElement(change, 1);
      }

      assertThat(harness.output()).isEqualTo(valid);
      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
    }
    assertThat(check.function().checkedCount()).isEqualTo(7);
    assertBalanced(check.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void violations_becomeDeadLetters_validRecordsPass(StateBackendKind backend) throws Exception {
    Checker<String, String> check = checker(stringCheck(), Types.STRING, null);
    // tag::changelog-check[]
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.delete("k1#v1"), 1); // key not live
      harness.processElement(Change.updateBefore("k1#v1"), 2); // key not live
      harness.processElement(Change.insert("k1#v1"), 3);
      harness.processElement(Change.insert("k1#v1"), 4); // duplicate INSERT
      harness.processElement(Change.updateBefore("k1#v1"), 5);
      harness.processElement(Change.insert("k1#v2"), 6); // not the +U of the -U before

      assertThat(show(harness.output()))
          .containsExactly("+I[k1#v1]", "-U[k1#v1]"); // the valid records, unchanged
      assertThat(messages(harness))
          .containsExactly(
              "-D[k1#v1] -> DELETE of a key that is not live",
              "-U[k1#v1] -> UPDATE_BEFORE of a key that is not live",
              "+I[k1#v1] -> duplicate INSERT: the key is already live",
              "+I[k1#v2] -> UPDATE_BEFORE not followed by its UPDATE_AFTER:"
                  + " the key's next change is INSERT");
    }
    // end::changelog-check[]
    assertThat(check.function().violationCount()).isEqualTo(4);
    assertBalanced(check.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void violation_deadLetterCarriesTheSourcePositionOfTheChange(StateBackendKind backend)
      throws Exception {
    Checker<String, String> check = checker(stringCheck(), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.delete("k1#v1").withSourcePosition(9L), 1);
      harness.processElement(Change.delete("k2#v1"), 2);

      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(DeadLetter::sourcePosition)
          .containsExactly("9", null);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void startedMidStream_reportsTheFirstRetractionOfEachKeyLiveBefore_thenChecksItFromThere(
      StateBackendKind backend) throws Exception {
    // docs/normalize.md: "The check knows only the records it has seen". k1 and k2 were inserted
    // upstream before the check started.
    Checker<String, String> check = checker(stringCheck(), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.updateBefore("k1#v1"), 1); // reported
      harness.processElement(Change.updateAfter("k1#v2"), 2); // an upsert: k1 is live from here
      harness.processElement(Change.delete("k2#v1"), 3); // reported
      harness.processElement(Change.insert("k2#v2"), 4); // k2 is live from here
      harness.processElement(Change.updateBefore("k1#v2"), 5);
      harness.processElement(Change.updateAfter("k1#v3"), 6);
      harness.processElement(Change.insert("k2#v3"), 7); // checked: reported

      assertThat(show(harness.output()))
          .containsExactly("+U[k1#v2]", "+I[k2#v2]", "-U[k1#v2]", "+U[k1#v3]");
      assertThat(messages(harness))
          .containsExactly(
              "-U[k1#v1] -> UPDATE_BEFORE of a key that is not live",
              "-D[k2#v1] -> DELETE of a key that is not live",
              "+I[k2#v3] -> duplicate INSERT: the key is already live");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void brokenPair_isClosed_theKeyContinuesAsNotLive(StateBackendKind backend) throws Exception {
    Checker<String, String> check = checker(stringCheck(), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateBefore("k1#v1"), 2);
      harness.processElement(Change.delete("k1#v1"), 3); // breaks the pair
      harness.processElement(Change.insert("k1#v3"), 4); // valid again: k1 is not live

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "-U[k1#v1]", "+I[k1#v3]");
      assertThat(messages(harness))
          .containsExactly(
              "-D[k1#v1] -> UPDATE_BEFORE not followed by its UPDATE_AFTER:"
                  + " the key's next change is DELETE");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullChangelog_updateAfterWithoutBefore_andRetractionOfAnotherRow(StateBackendKind backend)
      throws Exception {
    Checker<String, String> check = checker(stringCheck().withFullChangelog(), Types.STRING, null);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateAfter("k1#v2"), 2); // no -U before it
      harness.processElement(Change.updateBefore("k1#v0"), 3); // not the live row
      harness.processElement(Change.delete("k1#"), 4); // key-only: not the live row either
      harness.processElement(Change.delete("k1#v1"), 5);

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "-D[k1#v1]");
      assertThat(messages(harness))
          .containsExactly(
              "+U[k1#v2] -> UPDATE_AFTER of a live key without an UPDATE_BEFORE (full changelog)",
              "-U[k1#v0] -> retraction does not carry the live row of its key (full changelog)",
              "-D[k1#] -> retraction does not carry the live row of its key (full changelog)");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void withoutFullChangelog_upsertsAndKeyOnlyDeletesAreValid(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck(), Types.STRING, null).recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateAfter("k1#v2"), 2);
      harness.processElement(Change.delete("k1#"), 3);

      assertThat(harness.output()).hasSize(3);
      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void sampling_checksWholeKeysOnly_othersPassWithoutState(StateBackendKind backend)
      throws Exception {
    Checker<String, String> check = checker(stringCheck().withSampleRate(0.5), Types.STRING, null);
    int keys = 200;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      for (int k = 0; k < keys; k++) {
        harness.processElement(Change.delete("k" + k + "#v1"), 1); // a violation for every key
        harness.processElement(Change.insert("k" + k + "#v1"), 2);
      }
      List<DeadLetter> letters = harness.sideOutput(DEAD_LETTERS);

      // Sampled keys are checked completely (1 violation + 1 checked valid record each).
      assertThat(check.function().checkedCount()).isEqualTo(2L * letters.size());
      assertThat(letters.size()).isBetween(keys / 4, 3 * keys / 4);
      assertThat(harness.output()).hasSize(2 * keys - letters.size());
      assertThat(NormalizeHarnesses.stateKeys(harness, "status")).isEqualTo(letters.size());
    }
    assertBalanced(check.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttl_forgetsAKeyUnchangedForLongerThanTheTtl(StateBackendKind backend) throws Exception {
    Duration ttl = Duration.ofMinutes(10);
    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck(), Types.STRING, ttl).recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.setStateTtlTime(ttl.toMillis() - 1);
      harness.processElement(Change.updateAfter("k1#v2"), 2); // a change restarts the clock
      harness.setStateTtlTime(2 * ttl.toMillis() - 2);
      harness.processElement(Change.delete("k1#v2"), 3); // still live
      harness.processElement(Change.insert("k2#v1"), 4);
      harness.setStateTtlTime(3 * ttl.toMillis());
      harness.processElement(Change.delete("k2#v1"), 5); // expired: reported as not live

      assertThat(messages(harness))
          .containsExactly("-D[k2#v1] -> DELETE of a key that is not live");
    }
  }
}
