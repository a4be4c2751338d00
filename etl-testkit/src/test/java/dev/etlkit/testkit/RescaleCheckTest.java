package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class RescaleCheckTest {

  /** Six keys over 128 key groups: at 2, 3 and 4 subtasks each subtask owns some of them. */
  static final HarnessInput<Change<String>> SCRIPT = script();

  private static HarnessInput<Change<String>> script() {
    HarnessInput.Builder<Change<String>> b = HarnessInput.builder();
    for (int round = 0; round < 3; round++) {
      for (int key = 0; key < 6; key++) {
        long t = 10L + 100L * round + key;
        b.element(
            round == 0
                ? Change.insert("k" + key + "#v0")
                : Change.updateAfter("k" + key + "#v" + round),
            t);
      }
      b.watermark(100L * round + 50L).advanceProcessingTime(600);
    }
    return b.element(Change.delete("k3#v2"), 400).watermark(1_000).build();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescale_statefulCounter_outTwoToThree_matchesUninterruptedRun(StateBackendKind backend) {
    // tag::rescale[]
    RescaleCheck.of(SampleCounter.harness().on(backend), SCRIPT) // from 2 to 3 subtasks
        .withSampledCutPoints(8, 5L)
        .verify();
    // end::rescale[]
  }

  @ParameterizedTest
  @CsvSource({"2, 3", "1, 4", "4, 1", "3, 2"})
  void rescale_statefulCounter_onTheHeap_everyCutPoint_matchesUninterruptedRun(int from, int to) {
    RescaleCheck.of(SampleCounter.harness(), SCRIPT).rescaling(from, to).verify();
  }

  @ParameterizedTest
  @CsvSource({"2, 3", "3, 2"})
  void rescale_underStateChangelog_matchesUninterruptedRun(int from, int to) {
    RescaleCheck.of(SampleCounter.harness().withStateChangelog(), SCRIPT)
        .rescaling(from, to)
        .verify();
  }

  @Test
  void rescale_stateObjectChangedInPlace_passesOnThePlainHeap_failsUnderStateChangelog() {
    RescaleCheck.of(InPlaceCounter.harness(), SCRIPT).rescaling(2, 3).verify();

    assertThatThrownBy(
            () ->
                RescaleCheck.of(InPlaceCounter.harness().withStateChangelog(), SCRIPT)
                    .rescaling(2, 3)
                    .verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "checkpoints of 2 subtasks restored on 3 on HEAP under the state changelog)")
        .hasMessageContaining("changed the output");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescale_restoredOnOtherBackend_matchesUninterruptedRun(StateBackendKind backend) {
    // tag::rescale-switch[]
    RescaleCheck.of(SampleCounter.harness().on(backend), SCRIPT)
        .rescaling(3, 2)
        .restoringOn(backend.other())
        .withSampledCutPoints(4, 42L)
        .verify();
    // end::rescale-switch[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void rescale_countsInOperatorState_restoreRightButRescaleWrong(StateBackendKind backend) {
    KeyedHarness<String, Change<String>, String> broken =
        OperatorStateCounter.harness().on(backend);

    // The same parallelism restores every count
    CutPointCheck.of(broken, SCRIPT).withSampledCutPoints(8, 5L).verify();
    assertThatThrownBy(() -> RescaleCheck.of(broken, SCRIPT).verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Rescale at cut point ")
        .hasMessageContaining("checkpoints of 2 subtasks restored on 3 on " + backend)
        .hasMessageContaining("changed the output: first difference at output record #")
        .hasMessageMatching("(?s).*uninterrupted: main: k\\d n=\\d.*rescaled: +main: k\\d n=\\d.*");
  }

  @Test
  void rescale_countsInPlainField_failOnTheFirstCutAfterAnElement() {
    assertThatThrownBy(() -> RescaleCheck.of(BrokenCounter.harness(), SCRIPT).verify())
        .hasMessageContaining("Rescale at cut point 1 of 0..")
        .hasMessageContaining("uninterrupted: main: k0 n=2 @110")
        .hasMessageContaining("rescaled:      main: k0 n=1 @110");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void verify_uninterruptedRunEmitsNothing_failsSayingThereWasNothingToCompare(
      StateBackendKind backend) {
    KeyedHarness<String, Change<String>, String> reminder =
        KeyedHarness.forFunction(
                CutPointCheckTest.PlainFieldReminder::new,
                SampleCounter::keyOf,
                Types.STRING,
                Types.STRING)
            .on(backend);
    // every key's timer is 100 ms after its last record: none fires within the script
    HarnessInput.Builder<Change<String>> elementsOnly = HarnessInput.builder();
    for (int key = 0; key < 6; key++) {
      elementsOnly.element(Change.insert("k" + key + "#v0"), 10L + key);
    }

    assertThatThrownBy(() -> RescaleCheck.of(reminder, elementsOnly.build()).verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith(
            "The uninterrupted run on "
                + backend
                + " emitted nothing, so there was nothing to compare");
  }

  @Test
  void withEmptyOutputExpected_aRescaleThatEmits_isCaught_anUninterruptedRunThatEmits_fails() {
    KeyedHarness<String, Change<String>, String> silent =
        KeyedHarness.forFunction(
            CutPointCheckTest.UpdateWithoutInsertAlarm::new,
            SampleCounter::keyOf,
            Types.STRING,
            Types.STRING);

    assertThatThrownBy(() -> RescaleCheck.of(silent, SCRIPT).withEmptyOutputExpected().verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Rescale at cut point ")
        .hasMessageContaining("rescaled:      main: update without insert +U[k");
    assertThatThrownBy(
            () ->
                RescaleCheck.of(SampleCounter.harness(), SCRIPT)
                    .withEmptyOutputExpected()
                    .rescaling(3, 2)
                    .withSampledCutPoints(2, 0L)
                    .verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith(
            "withEmptyOutputExpected() was given, but the uninterrupted run on HEAP emitted ");
  }

  @Test
  void verify_noKeyOfTheScriptMovesToAnotherSubtask_failsNamingTheParallelisms() throws Exception {
    KeyedHarness<String, Change<String>, String> counter = SampleCounter.harness();
    // the script's only keys: k1 (key group 19) stays on subtask 0 and k2 (key group 82) on
    // subtask 1 from 2 to 3 subtasks, so each key's state is read by the subtask that wrote it
    HarnessInput<Change<String>> twoKeys = CutPointCheckTest.SCRIPT;
    assertThat(counter.subtaskOf(Change.insert("k1#v1"), 2)).isZero();
    assertThat(counter.subtaskOf(Change.insert("k1#v1"), 3)).isZero();
    assertThat(counter.subtaskOf(Change.insert("k2#v1"), 2)).isOne();
    assertThat(counter.subtaskOf(Change.insert("k2#v1"), 3)).isOne();

    assertThatThrownBy(() -> RescaleCheck.of(counter, twoKeys).verify())
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "No key of the script moves to another subtask from 2 to 3 subtasks (maxParallelism"
                + " 128): each of its 2 keys stays on the subtask it was on (k1 on 0, k2 on 1), so"
                + " every key's state is read by the subtask that wrote it and the rescale is not"
                + " exercised. Rescale between parallelisms that move one, such as rescaling(1, 2),"
                + " rescaling(2, 1), rescaling(1, 3), or give the script elements of more keys");
    // a suggested pair moves k2 and runs the check
    RescaleCheck.of(counter, twoKeys).rescaling(1, 2).verify();
  }

  @Test
  void rescaling_sameOrOutOfRangeParallelism_isRejected() {
    RescaleCheck<Change<String>, String> check = RescaleCheck.of(SampleCounter.harness(), SCRIPT);

    assertThatThrownBy(() -> check.rescaling(2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fromParallelism and toParallelism must differ, both were 2");
    assertThatThrownBy(() -> check.rescaling(0, 2))
        .hasMessage("fromParallelism must be in 1..128, was 0");
    assertThatThrownBy(() -> check.rescaling(2, 129))
        .hasMessage("toParallelism must be in 1..128, was 129");
  }

  @Test
  void withSampledCutPoints_keepsFirstAndLast() {
    assertThat(
            RescaleCheck.of(SampleCounter.harness(), SCRIPT)
                .withSampledCutPoints(3, 9L)
                .cutPoints())
        .hasSize(3)
        .startsWith(0)
        .endsWith(SCRIPT.size());
  }

  /** Fails processing and closing on subtask 1 of a multi-subtask run only. */
  static final class FailsOnSecondSubtask extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<Change<String>, String> {

    private boolean second() {
      return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 1;
    }

    @Override
    public void processElement(StreamRecord<Change<String>> element) {
      if (second()) {
        throw new IllegalStateException("processing failed");
      }
      output.collect(new StreamRecord<>(element.getValue().value()));
    }

    @Override
    public void close() throws Exception {
      super.close();
      if (second()) {
        throw new IllegalStateException("closing failed too");
      }
    }
  }

  @Test
  void rescale_runFailsAndClosingFails_reportsTheRunsFailure_closingSuppressed() {
    KeyedHarness<String, Change<String>, String> failing =
        KeyedHarness.forOperator(
            FailsOnSecondSubtask::new, SampleCounter::keyOf, Types.STRING, Types.STRING);

    assertThatThrownBy(() -> RescaleCheck.of(failing, SCRIPT).verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Run on 2 subtasks taking snapshots failed")
        .hasRootCauseMessage("processing failed")
        .satisfies(
            e ->
                assertThat(e.getSuppressed())
                    .anySatisfy(
                        closing ->
                            assertThat(closing)
                                .hasMessageContaining("Could not close the harness")
                                .hasRootCauseMessage("closing failed too")));
  }
}
