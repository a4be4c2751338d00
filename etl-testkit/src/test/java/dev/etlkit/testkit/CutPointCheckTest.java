package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CutPointCheckTest {

  /** Elements, a stale one, watermarks firing event-time timers, processing-time timers. */
  static final HarnessInput<Change<String>> SCRIPT =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.insert("k2#v1"), 20)
          .element(Change.updateAfter("k1#v2"), 30)
          .watermark(25)
          .element(Change.updateAfter("k1#v0"), 24) // stale
          .advanceProcessingTime(600)
          .element(Change.delete("k2#v1"), 40)
          .watermark(125)
          .advanceProcessingTime(600)
          .element(Change.insert("k2#v2"), 150)
          .watermark(300)
          .build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void cutPoints_statefulCounter_matchUninterruptedRun(StateBackendKind backend) {
    // tag::cut-points[]
    CutPointCheck.of(SampleCounter.harness().on(backend), SCRIPT).verify();
    // end::cut-points[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void cutPoints_restoredOnOtherBackend_matchUninterruptedRun(StateBackendKind backend) {
    // tag::cut-points-switch[]
    CutPointCheck.of(SampleCounter.harness().on(backend), SCRIPT)
        .restoringOn(backend.other())
        .withSampledCutPoints(4, 42L)
        .verify();
    // end::cut-points-switch[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void cutPoints_underStateChangelog_matchUninterruptedRun(StateBackendKind backend) {
    CutPointCheck.of(SampleCounter.harness().on(backend).withStateChangelog(), SCRIPT).verify();
  }

  @Test
  void cutPoints_stateObjectChangedInPlace_passOnThePlainHeap_failUnderStateChangelog() {
    // tag::cut-points-changelog[]
    CutPointCheck.of(InPlaceCounter.harness().on(StateBackendKind.HEAP), SCRIPT).verify();

    CutPointCheck<Change<String>, String> changelog =
        CutPointCheck.of(
            InPlaceCounter.harness().on(StateBackendKind.HEAP).withStateChangelog(), SCRIPT);
    assertThatThrownBy(changelog::verify)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("checkpoint restored on HEAP under the state changelog")
        .hasMessageContaining("uninterrupted: main: k1 n=2 @30")
        .hasMessageContaining("with restore:  main: k1 n=1 @30");
    // end::cut-points-changelog[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void cutPoints_counterInPlainField_failsNamingCutPointAndRecord(StateBackendKind backend) {
    CutPointCheck<Change<String>, String> check =
        CutPointCheck.of(BrokenCounter.harness().on(backend), SCRIPT);

    assertThatThrownBy(check::verify)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "Restore at cut point 1 of 0..11 (after step 0 = element(+I[k1#v1] @10); checkpoint"
                + " restored on "
                + backend
                + ") changed the output: first difference at output record #2")
        .hasMessageContaining("uninterrupted: main: k1 n=2 @30")
        .hasMessageContaining("with restore:  main: k1 n=1 @30");
  }

  @Test
  void cutPoints_latenessFromWatermark_differsAfterRestore() {
    KeyedHarness<String, Change<String>, String> byWatermark =
        KeyedHarness.forFunction(
            LatenessByWatermark::new, SampleCounter::keyOf, Types.STRING, Types.STRING);

    // A restored operator has seen no watermark yet, as after a real failover.
    assertThatThrownBy(() -> CutPointCheck.of(byWatermark, SCRIPT).verify())
        .hasMessageContaining("Restore at cut point 4 of 0..11 (after step 3 = watermark(25)")
        .hasMessageContaining("uninterrupted: main: +U[k1#v0] late @24")
        .hasMessageContaining("with restore:  main: +U[k1#v0] on time @24");
  }

  @Test
  void withEndOfInput_aTimerWhoseValueALaterRestoreLoses_isCaught() {
    KeyedHarness<String, Change<String>, String> reminder =
        KeyedHarness.forFunction(
            PlainFieldReminder::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
    HarnessInput<Change<String>> script =
        HarnessInput.<Change<String>>builder()
            .element(Change.insert("k1#v1"), 10)
            .element(Change.insert("k2#v1"), 20)
            .build();

    // the timers never fire within the script: nothing to compare, and the check says so
    assertThatThrownBy(() -> CutPointCheck.of(reminder, script).verify())
        .hasMessageContaining("emitted nothing, so there was nothing to compare");
    assertThatThrownBy(() -> CutPointCheck.of(reminder, script).withEndOfInput().verify())
        .hasMessageContaining("Restore at cut point 2 of 0..4 (after step 1 = element(")
        .hasMessageContaining("uninterrupted: main: reminder +I[k2#v1]")
        .hasMessageContaining("with restore:  main: reminder null");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void verify_uninterruptedRunEmitsNothing_failsSayingThereWasNothingToCompare(
      StateBackendKind backend) {
    KeyedHarness<String, Change<String>, String> reminder =
        KeyedHarness.forFunction(
                PlainFieldReminder::new, SampleCounter::keyOf, Types.STRING, Types.STRING)
            .on(backend);
    // its timers never fire within the script: every cut point "matches" the empty output
    HarnessInput<Change<String>> script =
        HarnessInput.<Change<String>>builder()
            .element(Change.insert("k1#v1"), 10)
            .element(Change.insert("k2#v1"), 20)
            .build();

    assertThatThrownBy(() -> CutPointCheck.of(reminder, script).verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith(
            "The uninterrupted run on "
                + backend
                + " emitted nothing, so there was nothing to compare");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void withEmptyOutputExpected_aRestoreThatEmits_isCaught(StateBackendKind backend) {
    KeyedHarness<String, Change<String>, String> silent =
        KeyedHarness.forFunction(
                UpdateWithoutInsertAlarm::new, SampleCounter::keyOf, Types.STRING, Types.STRING)
            .on(backend);
    HarnessInput<Change<String>> script =
        HarnessInput.<Change<String>>builder()
            .element(Change.insert("k1#v1"), 10)
            .element(Change.updateAfter("k1#v2"), 20)
            .build();

    // the uninterrupted run emits nothing, as declared; the restore after the insert does not
    assertThatThrownBy(() -> CutPointCheck.of(silent, script).withEmptyOutputExpected().verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Restore at cut point 1 of 0..2")
        .hasMessageContaining("with restore:  main: update without insert +U[k1#v2] @20");
    // a script without updates: nothing emitted, nothing to restore wrong
    CutPointCheck.of(silent, script.slice(0, 1)).withEmptyOutputExpected().verify();
  }

  @Test
  void withEmptyOutputExpected_uninterruptedRunEmits_fails() {
    CutPointCheck<Change<String>, String> check =
        CutPointCheck.of(SampleCounter.harness(), SCRIPT).withSampledCutPoints(2, 0L);

    assertThatThrownBy(() -> check.withEmptyOutputExpected().verify())
        .isInstanceOf(AssertionError.class)
        .hasMessage(
            "withEmptyOutputExpected() was given, but the uninterrupted run on HEAP emitted 13"
                + " records, the first: main: k1 n=1 last=+I[k1#v1] kinds={+I=1} @10");
    // the declaration survives the other options, and they survive it
    assertThatThrownBy(
            () ->
                CutPointCheck.of(SampleCounter.harness(), SCRIPT)
                    .withEmptyOutputExpected()
                    .withPerKeyOrder()
                    .withSampledCutPoints(2, 0L)
                    .restoringOn(StateBackendKind.ROCKSDB)
                    .withEndOfInput()
                    .verify())
        .hasMessageStartingWith("withEmptyOutputExpected() was given");
  }

  /**
   * Emits only for an update of a key whose insert it has not seen, which it remembers in a plain
   * field: nothing in an uninterrupted run, an alarm after a restore between insert and update.
   */
  static final class UpdateWithoutInsertAlarm
      extends KeyedProcessFunction<String, Change<String>, String> {
    private final java.util.Set<String> inserted = new java.util.HashSet<>();

    @Override
    public void processElement(Change<String> change, Context ctx, Collector<String> out) {
      if (change.kind() == org.apache.flink.types.RowKind.INSERT) {
        inserted.add(ctx.getCurrentKey());
      } else if (!inserted.contains(ctx.getCurrentKey())) {
        out.collect("update without insert " + change);
      }
    }
  }

  /** Sets a timer per record and keeps the record for it in a plain field: lost at a restore. */
  static final class PlainFieldReminder
      extends KeyedProcessFunction<String, Change<String>, String> {
    private Change<String> last;

    @Override
    public void processElement(Change<String> change, Context ctx, Collector<String> out) {
      last = change;
      ctx.timerService().registerEventTimeTimer(ctx.timestamp() + 100);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
      out.collect("reminder " + last);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void cutPoints_timersOfManyKeysAtSameTime_matchPerKeyButNotGlobally(StateBackendKind backend) {
    HarnessInput.Builder<Change<String>> sameTime = HarnessInput.builder();
    for (int key = 0; key < 12; key++) {
      sameTime.element(Change.insert("k" + key + "#v1"), 10); // event-time timers all at 110
    }
    HarnessInput<Change<String>> input = sameTime.watermark(200).build();

    // tag::cut-points-per-key[]
    CutPointCheck.of(SampleCounter.harness().on(backend), input)
        .restoringOn(backend.other())
        .withPerKeyOrder()
        .withSampledCutPoints(5, 1L)
        .verify();
    // end::cut-points-per-key[]
    assertThatThrownBy(() -> CutPointCheck.of(SampleCounter.harness().on(backend), input).verify())
        .hasMessageContaining("event-timer@110");
  }

  @Test
  void cutPoints_generatedChangelog_sampled_matchUninterruptedRun() {
    // tag::generated-input[]
    GeneratedChangelog<String> changelog =
        ChangelogGenerator.strings()
            .withKeys(4)
            .withLength(40)
            .withDuplicateRate(0.1)
            .withMaxOutOfOrderness(20)
            .withLateRate(0.1)
            .withProcessingTimeStep(300)
            .generate(7L);

    CutPointCheck.of(SampleCounter.harness(), changelog.input())
        .withSampledCutPoints(10, 7L)
        .verify();
    // end::generated-input[]
  }

  /** Decides lateness from the current watermark, which is not part of a snapshot. */
  static final class LatenessByWatermark
      extends KeyedProcessFunction<String, Change<String>, String> {
    @Override
    public void processElement(Change<String> change, Context ctx, Collector<String> out) {
      boolean late = ctx.timestamp() <= ctx.timerService().currentWatermark();
      out.collect(change + (late ? " late" : " on time"));
    }
  }

  @Test
  void withSampledCutPoints_sameSeed_sameCutPointsIncludingFirstAndLast() {
    CutPointCheck<Change<String>, String> check = CutPointCheck.of(SampleCounter.harness(), SCRIPT);

    assertThat(check.cutPoints()).hasSize(SCRIPT.size() + 1).startsWith(0).endsWith(11);
    assertThat(check.withSampledCutPoints(5, 3L).cutPoints())
        .hasSize(5)
        .startsWith(0)
        .endsWith(11)
        .isSorted()
        .isEqualTo(check.withSampledCutPoints(5, 3L).cutPoints());
    assertThat(check.withSampledCutPoints(100, 3L).cutPoints()).hasSize(12);
  }

  @Test
  void withSampledCutPoints_lessThanTwo_isRejected() {
    assertThatThrownBy(
            () -> CutPointCheck.of(SampleCounter.harness(), SCRIPT).withSampledCutPoints(1, 0L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be >= 2 (first and last), was 1");
  }
}
