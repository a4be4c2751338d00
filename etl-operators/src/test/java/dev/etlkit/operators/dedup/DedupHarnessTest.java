package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.balanced;
import static dev.etlkit.operators.dedup.DedupHarness.changes;
import static dev.etlkit.operators.dedup.DedupHarness.counts;
import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every mode on heap and RocksDB, record by record. */
class DedupHarnessTest {

  private static final String LATE = "late-records";

  // ---- keep-first ---------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_duplicates_emitsFirstRowOfEachKeyOnce(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, String> harness = rows(keepFirst()).harness().on(backend).open()) {
      harness.processElement("k1#v1", 10);
      harness.processElement("k1#v2", 11);
      harness.processElement("k2#v1", 12);
      harness.processElement("k1#v1", 13);

      assertThat(harness.emitted())
          .containsExactly(Emitted.main("k1#v1", 10L), Emitted.main("k2#v1", 12L));
      assertThat(counts(harness))
          .contains(entry("in", 4L), entry("out", 2L), entry("deduplicated", 2L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_eventTime_holdsRowUntilTheWatermarkPassesIt(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withEventTimeOrder()).harness().on(backend).open()) {
      harness.processElement("k1#v2", 20);
      harness.processElement("k1#v1", 10); // earlier, arrives later: replaces the candidate
      harness.processElement("k2#v1", 30);
      assertThat(harness.output()).isEmpty();

      harness.processWatermark(15);
      harness.processElement("k1#v3", 16); // later than the emitted row
      harness.processWatermark(40);

      assertThat(harness.output()).containsExactly("k1#v1", "k2#v1");
      assertThat(harness.emitted().get(0)).isEqualTo(Emitted.main("k1#v1", 10L));
      assertThat(counts(harness))
          .contains(entry("in", 4L), entry("out", 2L), entry("deduplicated", 2L));
      assertThat(balanced(counts(harness))).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_eventTime_lateRecordGoesToTheSideOutputAndIsCounted(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withEventTimeOrder()).harness().on(backend).open()) {
      harness.processWatermark(50);
      harness.processElement("k1#v1", 50); // at the watermark: late
      harness.processElement("k1#v2", 51);
      harness.processWatermark(60);

      assertThat(harness.emitted())
          .containsExactly(Emitted.side(LATE, "k1#v1", 50L), Emitted.main("k1#v2", 51L));
      assertThat(counts(harness)).contains(entry("filtered", 1L), entry("out", 1L));
      assertThat(lateCount(harness)).isEqualTo(1L);
    }
  }

  /**
   * {@code flink stop --drain} (and the end of a bounded input) sends the end-of-input watermark
   * {@code Long.MAX_VALUE} before the savepoint: a job restored from it goes on from the event time
   * the stream had reached, instead of finding every later record late for ever.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_eventTime_restoredFromADrainedSavepoint_keepsTheLastWatermarkBeforeTheDrain(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> recipe =
        rows(keepFirst().withEventTimeOrder()).harness().on(backend);
    OperatorSubtaskState drained;
    try (OperatorHarness<String, String> harness = recipe.open()) {
      harness.processElement("k1#v1", 10);
      harness.processWatermark(50);
      harness.processWatermark(Long.MAX_VALUE); // flink stop --drain
      drained = harness.savepoint();
    }
    try (OperatorHarness<String, String> harness = recipe.restore(drained)) {
      harness.processElement("k2#v1", 40); // behind the last watermark before the drain: late
      harness.processElement("k3#v1", 1_000);
      harness.processWatermark(2_000);

      assertThat(harness.emitted())
          .containsExactly(Emitted.side(LATE, "k2#v1", 40L), Emitted.main("k3#v1", 1_000L));
    }
  }

  /**
   * With unaligned checkpoints subtasks may save different watermarks (here 100 and 50): after a
   * restore with the same parallelism each judges lateness by its own, as the run that failed did,
   * so a record at 70 is late on the first and not on the second.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_eventTime_subtasksSavedDifferentWatermarks_eachRestoresItsOwn(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> recipe =
        rows(keepFirst().withEventTimeOrder()).harness().on(backend);
    long[] savedWatermarks = {100, 50};
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      try (OperatorHarness<String, String> harness = recipe.openSubtask(2, s)) {
        harness.processWatermark(savedWatermarks[s]);
        snapshots.add(harness.snapshot());
      }
    }

    for (int s = 0; s < 2; s++) {
      List<Emitted> expected = new ArrayList<>();
      try (OperatorHarness<String, String> harness = recipe.restoreSubtask(snapshots, 2, s)) {
        for (int k = 1; k <= 8; k++) {
          String row = "k" + k + "#v1";
          if (recipe.subtaskOf(row, 2) == s) {
            harness.processElement(row, 70);
            expected.add(s == 0 ? Emitted.side(LATE, row, 70L) : Emitted.main(row, 70L));
          }
        }
        harness.processWatermark(200);

        assertThat(harness.emitted())
            .as("subtask %d", s)
            .isNotEmpty()
            .containsExactlyInAnyOrderElementsOf(expected); // timers of different keys: any order
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_lateRecordWithDeadLetterPolicy_emitsOneDeadLetter(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withEventTimeOrder().withLateRecords(LateRecords.DEAD_LETTER))
            .harness()
            .on(backend)
            .open()) {
      harness.processWatermark(50);
      harness.processElement("k1#secret-v1", 40);

      DeadLetter letter = harness.sideOutput(DeadLetter.OUTPUT_TAG).get(0);
      assertThat(harness.sideOutput(DeadLetter.OUTPUT_TAG)).hasSize(1);
      assertThat(letter.errorClass()).isEqualTo(LateRecordException.class.getName());
      assertThat(letter.errorMessage())
          .isEqualTo("record is late: its timestamp 40 is at or behind the watermark 50")
          .doesNotContain("secret");
      assertThat(letter.payloadAsText()).isEqualTo("k1#secret-v1");
      assertThat(counts(harness)).contains(entry("deadLettered", 1L));
      assertThat(harness.output()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_eventTimeRecordWithoutTimestamp_isOneDeadLetterEach(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withEventTimeOrder()).harness().on(backend).open()) {
      harness.processElement("k1#v1");
      // What a record without a timestamp looks like in a real job: a Flink source without a
      // timestamp assigner stamps Long.MIN_VALUE (TimestampAssigner.NO_TIMESTAMP). Before, the
      // step took it for a time and dropped the row as late (counted filtered).
      harness.processElement("k2#v1", Long.MIN_VALUE);

      assertThat(harness.sideOutput(DeadLetter.OUTPUT_TAG))
          .hasSize(2)
          .allSatisfy(
              letter -> {
                assertThat(letter.errorClass()).isEqualTo(IllegalStateException.class.getName());
                assertThat(letter.errorMessage()).contains("record has no timestamp");
                assertThat(letter.eventTime()).isNull();
              });
      assertThat(balanced(counts(harness))).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_orderingKeyThrowsUnderFailJob_failsNamingTheStep(StateBackendKind backend)
      throws Exception {
    Dedup.DedupStep<String, String, String, Change<String>> step =
        keepFirst()
            .withOrdering(DedupOrder.by(row -> Long.parseLong(row.substring(4))))
            .withUpsertOutput()
            .withErrorPolicy(ErrorPolicy.failJob());
    try (OperatorHarness<String, Change<String>> harness =
        rows(step).harness().on(backend).open()) {
      harness.processElement("k1#v1", 1);

      assertThatThrownBy(() -> harness.processElement("k1#secret", 2))
          .hasMessageContaining("dedup")
          .hasMessageNotContaining("secret")
          .hasRootCauseInstanceOf(NumberFormatException.class);
    }
  }

  /**
   * A variant of a base with failJob of its own takes the pipeline's policy again: the default,
   * dead letters.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_withPipelineErrorPolicy_deadLettersAsThePipelinesDefaultSays(
      StateBackendKind backend) throws Exception {
    Dedup.DedupStep<String, String, String, Change<String>> own =
        keepFirst()
            .withOrdering(DedupOrder.by(row -> Long.parseLong(row.substring(4))))
            .withUpsertOutput()
            .withErrorPolicy(ErrorPolicy.failJob());
    try (OperatorHarness<String, Change<String>> harness =
        rows(own.withPipelineErrorPolicy()).harness().on(backend).open()) {
      harness.processElement("k1#v1", 1);
      harness.processElement("k1#secret", 2);
      harness.processElement("k2#v1", 3);

      assertThat(harness.sideOutput(DeadLetter.OUTPUT_TAG))
          .singleElement()
          .satisfies(
              letter ->
                  assertThat(letter.errorClass()).isEqualTo(NumberFormatException.class.getName()));
      assertThat(harness.output()).hasSize(2);
      assertThat(balanced(counts(harness))).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_upsertInEventTime_replacesTheRowWhenAnEarlierOneArrives(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        rows(keepFirst().withEventTimeOrder().withRetractOutput()).harness().on(backend).open()) {
      harness.processElement("k1#v2", 20);
      harness.processElement("k1#v1", 10);
      harness.processElement("k1#v3", 15); // later than the kept row: a duplicate

      assertThat(harness.output())
          .containsExactly(
              Change.insert("k1#v2"), Change.updateBefore("k1#v2"), Change.updateAfter("k1#v1"));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_changelog_deleteRetractsTheKeptRowAndTheKeyStartsAnew(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(keepFirst().onChangelog().withRetractOutput()).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.updateBefore("k1#v1"), 2);
      harness.processElement(Change.updateAfter("k1#v2"), 2);
      harness.processElement(Change.delete("k1#"), 3); // key-only tombstone
      harness.processElement(Change.delete("k1#"), 4); // its redelivery
      harness.processElement(Change.insert("k1#v3"), 5);

      assertThat(harness.output())
          .containsExactly(Change.insert("k1#v1"), Change.delete("k1#v1"), Change.insert("k1#v3"));
      assertThat(counts(harness))
          .contains(
              entry("in", 6L), entry("out", 3L), entry("filtered", 1L), entry("deduplicated", 2L));
    }
  }

  // ---- keep-last ----------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_sameRowTwice_emitsNothing(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        rows(keepLast()).harness().on(backend).open()) {
      harness.processElement("k1#v1", 1);
      harness.processElement("k1#v1", 2);
      harness.processElement("k1#v2", 3);
      harness.processElement("k1#v2", 4);

      assertThat(harness.output())
          .containsExactly(Change.insert("k1#v1"), Change.updateAfter("k1#v2"));
      assertThat(counts(harness)).contains(entry("deduplicated", 2L), entry("emitted", 2L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_retract_retractsTheReplacedRow(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        rows(keepLast().withRetractOutput()).harness().on(backend).open()) {
      harness.processElement("k1#v1", 1);
      harness.processElement("k1#v2", 2);

      assertThat(harness.output())
          .containsExactly(
              Change.insert("k1#v1"), Change.updateBefore("k1#v1"), Change.updateAfter("k1#v2"));
      assertThat(counts(harness)).contains(entry("in", 2L), entry("out", 2L), entry("emitted", 3L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_eventTime_olderRowArrivingLaterIsStale(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        rows(keepLast().withEventTimeOrder()).harness().on(backend).open()) {
      harness.processElement("k1#v2", 20);
      harness.processElement("k1#v1", 10);

      assertThat(harness.output()).containsExactly(Change.insert("k1#v2"));
      assertThat(counts(harness)).contains(entry("deduplicated", 1L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_equalTimestamps_laterArrivalWinsUnlessTheOrderingBreaksTheTie(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, Change<String>> byTime =
        rows(keepLast().withEventTimeOrder()).harness().on(backend);
    KeyedHarness<Object, String, Change<String>> byTimeThenVersion =
        rows(keepLast()
                .withOrdering(DedupOrder.<String>byEventTime().thenBy(DedupHarness::version)))
            .harness()
            .on(backend);

    try (OperatorHarness<String, Change<String>> harness = byTime.open()) {
      harness.processElement("k1#v2", 10);
      harness.processElement("k1#v1", 10);
      assertThat(harness.output())
          .containsExactly(Change.insert("k1#v2"), Change.updateAfter("k1#v1"));
    }
    try (OperatorHarness<String, Change<String>> harness = byTimeThenVersion.open()) {
      harness.processElement("k1#v2", 10);
      harness.processElement("k1#v1", 10);
      assertThat(harness.output()).containsExactly(Change.insert("k1#v2"));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_changelogTombstone_deletesWithTheFullStoredRow(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(keepLast().onChangelog().withRetractOutput()).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.delete("k1#"), 2);
      harness.processElement(Change.delete("k1#"), 3);
      harness.processElement(Change.updateAfter("k1#v2"), 4);

      assertThat(harness.output())
          .containsExactly(Change.insert("k1#v1"), Change.delete("k1#v1"), Change.insert("k1#v2"));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_orderedChangelog_olderRecordAfterADeleteStaysDeleted(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(keepLast().onChangelog().withEventTimeOrder()).harness().on(backend).open()) {
      harness.processElement(Change.delete("k1#"), 30); // the key's newest record: a delete
      harness.processElement(Change.insert("k1#v1"), 20); // older: stale
      harness.processElement(Change.insert("k1#v2"), 40);

      assertThat(harness.output()).containsExactly(Change.insert("k1#v2"));
      assertThat(counts(harness)).contains(entry("deduplicated", 2L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_upsertChangelog_carriesTheSourcePositionOfTheChange(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(keepLast().onChangelog()).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1").withSourcePosition(7L), 1);
      harness.processElement(Change.delete("k1#").withSourcePosition(8L), 2);

      assertThat(harness.output())
          .containsExactly(
              Change.of(RowKind.INSERT, "k1#v1", null, 7L),
              Change.of(RowKind.DELETE, "k1#", null, 8L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_changelog_rejectedChange_deadLetterCarriesItsSourcePosition(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(keepLast().onChangelog().withEventTimeOrder()).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1").withSourcePosition(7L)); // no timestamp

      assertThat(harness.sideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(DeadLetter::sourcePosition)
          .containsExactly("7");
    }
  }

  // ---- TTL ----------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_afterTtl_aDuplicatePassesAsANewKey(StateBackendKind backend) throws Exception {
    Duration ttl = Duration.ofMinutes(1);
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withStateTtl(ttl)).harness().on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement("k1#v1", 1);
      harness.setStateTtlTime(ttl.toMillis() - 1);
      harness.processElement("k1#v1", 2); // a duplicate does not restart the clock
      harness.setStateTtlTime(ttl.toMillis() + 1);
      harness.processElement("k1#v1", 3);

      assertThat(harness.output()).containsExactly("k1#v1", "k1#v1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_withTtl_stillSuppressesIdenticalRows_andTreatsAnExpiredKeyAsNew(
      StateBackendKind backend) throws Exception {
    Duration ttl = Duration.ofMinutes(1);
    try (OperatorHarness<String, Change<String>> harness =
        rows(keepLast().withStateTtl(ttl).withRetractOutput()).harness().on(backend).open()) {
      harness.setStateTtlTime(0);
      harness.processElement("k1#v1", 1);
      harness.setStateTtlTime(30_000);
      harness.processElement("k1#v1", 2); // identical: nothing, even with TTL on
      harness.setStateTtlTime(30_000 + ttl.toMillis());
      harness.processElement("k1#v1", 3); // expired: a new key

      assertThat(harness.output()).containsExactly(Change.insert("k1#v1"), Change.insert("k1#v1"));
    }
  }

  @ParameterizedTest
  @MethodSource("backendsAndOutputs")
  void keepLast_pojoRows_identicalMeansTheSameSerializedForm_notEquals(
      StateBackendKind backend, DedupOutput output) throws Exception {
    Dedup.DedupStep<Reading, Reading, String, Change<Reading>> step =
        Dedup.keepLast("dedup", Reading::sensor);
    if (output == DedupOutput.RETRACT) {
      step = step.withRetractOutput();
    }
    double otherNaN = Double.longBitsToDouble(0x7ff8_0000_0000_0001L);
    try (OperatorHarness<Reading, Change<Reading>> harness =
        DedupHarness.expand(step, Reading.TYPE).harness().on(backend).open()) {
      harness.processElement(new Reading("s1", 0.0), 1);
      harness.processElement(new Reading("s1", -0.0), 2); // equal by equals, not identical
      harness.processElement(new Reading("s1", -0.0), 3); // identical: nothing
      harness.processElement(new Reading("s1", Double.NaN), 4);
      harness.processElement(new Reading("s1", otherNaN), 5); // serialized as the same NaN

      List<String> expected =
          output == DedupOutput.RETRACT
              ? List.of("+I 0.0", "-U 0.0", "+U -0.0", "-U -0.0", "+U NaN")
              : List.of("+I 0.0", "+U -0.0", "+U NaN");
      assertThat(harness.output())
          .extracting(c -> c.kind().shortString() + " " + c.value().value)
          .containsExactlyElementsOf(expected);
    }
  }

  static Stream<Arguments> backendsAndOutputs() {
    return Stream.of(StateBackendKind.values())
        .flatMap(
            backend ->
                Stream.of(DedupOutput.UPSERT, DedupOutput.RETRACT)
                    .map(output -> Arguments.of(backend, output)));
  }

  /** A POJO whose {@code equals} holds 0.0 and -0.0 equal and NaN unequal to itself. */
  public static class Reading {
    static final TypeInformation<Reading> TYPE = TypeInformation.of(Reading.class);

    public String sensor;
    public double value;

    public Reading() {}

    Reading(String sensor, double value) {
      this.sensor = sensor;
      this.value = value;
    }

    String sensor() {
      return sensor;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Reading
          && sensor.equals(((Reading) o).sensor)
          && value == ((Reading) o).value;
    }

    @Override
    public int hashCode() {
      return sensor.hashCode();
    }
  }

  private static long lateCount(OperatorHarness<?, ?> harness) {
    return ((DedupOperator<?, ?, ?, ?>) harness.unwrap().getOperator()).lateRecordCount();
  }
}
