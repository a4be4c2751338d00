package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.sortedBatchChecker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.BatchModeHarness;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Checker;
import dev.etlkit.operators.normalize.internal.ChangelogCheckOperator;
import dev.etlkit.operators.normalize.internal.ChangelogGroupOrder;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The changelog check on batch mode's sorted input (each key's records together, by timestamp), on
 * heap and RocksDB: a key's records that share a timestamp are judged in an order the rules accept
 * (docs/normalize.md, "In batch mode"). NormalizeModesITCase runs it in a real batch job.
 */
class ChangelogCheckBatchTest {

  private static List<String> messages(OperatorHarness<?, ?> harness) {
    return harness.sideOutput(DEAD_LETTERS).stream()
        .map(l -> l.payloadText() + " -> " + l.errorMessage())
        .toList();
  }

  private static Checker<String, String> fullCheck() {
    return sortedBatchChecker(stringCheck().withFullChangelog(), Types.STRING);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void updateAfterBeforeItsUpdateBefore_passes_inAnOrderTheRulesAccept(StateBackendKind backend)
      throws Exception {
    Checker<String, String> check = fullCheck();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateAfter("k1#v2"), 2);
      harness.processElement(Change.updateBefore("k1#v1"), 2);
      harness.processElement(Change.updateAfter("k1#v3"), 3);
      harness.processElement(Change.updateBefore("k1#v2"), 3);
      harness.processElement(Change.insert("k2#v1"), 1); // the next key ends k1's last group
      harness.processElement(Change.delete("k2#v1"), 2);
      harness.processWatermark(Long.MAX_VALUE);
      harness.endInput();

      assertThat(show(harness.output()))
          .containsExactly(
              "+I[k1#v1]",
              "-U[k1#v1]",
              "+U[k1#v2]",
              "-U[k1#v2]",
              "+U[k1#v3]",
              "+I[k2#v1]",
              "-D[k2#v1]");
      assertThat(harness.emitted())
          .filteredOn(emitted -> emitted.sideOutput() == null)
          .extracting(Emitted::timestamp)
          .containsExactly(1L, 2L, 2L, 3L, 3L, 1L, 2L);
      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
    }
    assertThat(check.function().checkedCount()).isEqualTo(7);
    assertBalanced(check.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lastGroupOfTheInput_isCheckedAtItsEnd(StateBackendKind backend) throws Exception {
    Checker<String, String> check = fullCheck();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateAfter("k1#v2"), 2);
      harness.processElement(Change.updateBefore("k1#v1"), 2);
      assertThat(show(harness.output())).containsExactly("+I[k1#v1]"); // the group is open

      harness.endInput();

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "-U[k1#v1]", "+U[k1#v2]");
      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void recordsWithoutTimestamp_formOneGroupPerKey(StateBackendKind backend) throws Exception {
    Checker<String, String> check = fullCheck();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.updateAfter("k1#v2"));
      harness.processElement(Change.delete("k1#v2"));
      harness.processElement(Change.updateBefore("k1#v1"));
      harness.processElement(Change.insert("k1#v1"));
      harness.endInput();

      assertThat(show(harness.output()))
          .containsExactly("+I[k1#v1]", "-U[k1#v1]", "+U[k1#v2]", "-D[k1#v2]");
      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void realViolationsAmongEqualTimestamps_reportedWithTheirReasons_inArrivalOrder(
      StateBackendKind backend) throws Exception {
    Checker<String, String> check = fullCheck();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.insert("k1#v1"), 1); // duplicate INSERT
      harness.processElement(Change.updateAfter("k1#v2"), 2);
      harness.processElement(Change.updateBefore("k1#v9"), 2); // not the live row
      harness.processElement(Change.updateBefore("k1#v1"), 3); // then valid again
      harness.processElement(Change.updateAfter("k1#v3"), 3);
      harness.endInput();

      assertThat(show(harness.output())).containsExactly("+I[k1#v1]", "-U[k1#v1]", "+U[k1#v3]");
      assertThat(messages(harness))
          .containsExactly(
              "+I[k1#v1] -> duplicate INSERT: the key is already live",
              "+U[k1#v2] -> UPDATE_AFTER of a live key without an UPDATE_BEFORE (full changelog)",
              "-U[k1#v9] -> retraction does not carry the live row of its key (full changelog)");
    }
    assertThat(check.function().violationCount()).isEqualTo(3);
    assertBalanced(check.function().stepMetrics());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void groupAtTheLargestSearched_isOrdered_oneRecordMore_isCheckedInArrivalOrder(
      StateBackendKind backend) throws Exception {
    Checker<String, String> check = fullCheck();
    try (OperatorHarness<Change<String>, Change<String>> harness =
        check.recipe.on(backend).open()) {
      // k1: five updates in one group of ten, each +U before its -U
      harness.processElement(Change.insert("k1#v0"), 1);
      for (int v = 1; v <= ChangelogGroupOrder.MAX_SEARCHED / 2; v++) {
        harness.processElement(Change.updateAfter("k1#v" + v), 2);
        harness.processElement(Change.updateBefore("k1#v" + (v - 1)), 2);
      }
      // k2: the same and one record more: past the bound, checked as it came
      harness.processElement(Change.insert("k2#v0"), 1);
      for (int v = 1; v <= ChangelogGroupOrder.MAX_SEARCHED / 2; v++) {
        harness.processElement(Change.updateAfter("k2#v" + v), 2);
        harness.processElement(Change.updateBefore("k2#v" + (v - 1)), 2);
      }
      harness.processElement(Change.updateAfter("k2#v9"), 2);
      harness.endInput();

      assertThat(harness.output())
          .filteredOn(change -> change.value().startsWith("k1#"))
          .hasSize(1 + ChangelogGroupOrder.MAX_SEARCHED);
      assertThat(messages(harness))
          .isNotEmpty()
          .allMatch(message -> message.contains("[k2#"))
          .contains(
              "+U[k2#v1] -> UPDATE_AFTER of a live key without an UPDATE_BEFORE (full changelog)");
    }
  }

  /**
   * Batch mode's sorted input sends the final watermark before it ends the input: the last key's
   * last group must be checked and passed on before that watermark, not after it (a record after
   * the final watermark is behind every watermark the operators after the check have seen).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lastGroupOfTheInput_isPassedOnBeforeTheFinalWatermark(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        fullCheck().recipe.on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateAfter("k1#v2"), 2);
      harness.processElement(Change.updateBefore("k1#v1"), 2);
      harness.processWatermark(Long.MAX_VALUE);
      harness.endInput();

      assertThat(harness.unwrap().getOutput())
          .extracting(
              element ->
                  element instanceof Watermark watermark
                      ? "watermark " + watermark.getTimestamp()
                      : String.valueOf(((StreamRecord<?>) element).getValue()))
          .containsExactly("+I[k1#v1]", "-U[k1#v1]", "+U[k1#v2]", "watermark " + Long.MAX_VALUE);
      assertThat(harness.sideOutput(DEAD_LETTERS)).isEmpty();
    }
  }

  /**
   * On Flink's batch state backend, which drops a key's state when the next key starts, and its
   * batch timer service: the state backend tells the operator of the next key before it drops the
   * state, so each key's last group is judged against its own state (a key's {@code -U} and {@code
   * +U} at one timestamp in either order, three keys, the clock moving between records).
   */
  @Test
  void onTheBatchStateBackend_eachKeysLastGroupIsJudgedWithItsState() throws Exception {
    ChangelogCheck<String, String> spec = stringCheck().withFullChangelog();
    List<Change<String>> records = new ArrayList<>();
    List<Long> timestamps = new ArrayList<>();
    for (String key : List.of("k1", "k2", "k3")) {
      records.addAll(
          List.of(
              Change.insert(key + "#v1"),
              Change.updateAfter(key + "#v2"), // before its -U: the group is reordered
              Change.updateBefore(key + "#v1")));
      timestamps.addAll(List.of(1L, 2L, 2L));
    }
    @SuppressWarnings("unchecked")
    KeySelector<Change<String>, Object> key =
        (KeySelector<Change<String>, Object>) (KeySelector<?, ?>) spec.changeKey();
    @SuppressWarnings("unchecked")
    TypeInformation<Object> keyType = (TypeInformation<Object>) (TypeInformation<?>) Types.STRING;
    try (BatchModeHarness<Change<String>, Change<String>> harness =
        BatchModeHarness.of(
            ChangelogCheckOperator.assumingSortedBatchInput(
                spec.createFunction(
                    Types.STRING, null, NormalizeHarnesses.errors(), FingerprintKey.random())),
            key,
            keyType,
            NormalizeHarnesses.STRING_CHANGES)) {
      List<String> output = show(harness.run(records, timestamps, 1_500));

      assertThat(output)
          .containsExactly(
              "+I[k1#v1]",
              "-U[k1#v1]",
              "+U[k1#v2]",
              "+I[k2#v1]",
              "-U[k2#v1]",
              "+U[k2#v2]",
              "+I[k3#v1]",
              "-U[k3#v1]",
              "+U[k3#v2]");
      assertThat(harness.unwrap().getSideOutput(DEAD_LETTERS)).isNull();
    }
  }
}
