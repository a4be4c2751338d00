package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@code withValidToCurrent} sentinel set (or lowered) at a restore that is not after a key's
 * current version's validFrom: the version was accepted while the step had no sentinel (or a later
 * one), and its row cannot end at the sentinel (a row cannot end before it starts). A change that
 * would make the key emit that row (a late change that renumbers or removes the current version, a
 * tie at the latest time under processing time) is a dead letter naming validToCurrent and the
 * version's validFrom, and changes nothing; every other change of the key goes on as usual. Found
 * by a review on 2026-11-25: such a change failed the job, on every restart.
 */
class Scd2ValidToCurrentAtRestoreTest {

  private static Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe(
      Scd2Output output, HardDeletes deletes, @Nullable Instant sentinel) {
    Scd2Step<Change<Customer>, Customer> step =
        Scd2Test.customers().withOutput(output).withHardDeletes(deletes);
    return Scd2Harnesses.of(
        sentinel == null ? step : step.withValidToCurrent(sentinel), Scd2Test.CHANGES);
  }

  /** c1: v1 [d1,d5) a, v2 [d5,) b, accepted with {@code before} as the sentinel (null: none). */
  private static OperatorSubtaskState versionFromDay5(
      Scd2Output output, HardDeletes deletes, @Nullable Instant before, StateBackendKind backend)
      throws Exception {
    try (var h = recipe(output, deletes, before).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 5)));
      return h.snapshot();
    }
  }

  static Stream<Arguments> outputsAndBackends() {
    return Stream.of(Scd2Output.RETRACT, Scd2Output.UPSERT)
        .flatMap(
            output ->
                Stream.of(StateBackendKind.HEAP, StateBackendKind.ROCKSDB)
                    .map(backend -> Arguments.of(output, backend)));
  }

  private static void assertOneDeadLetterFor(
      OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h,
      Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe,
      String validFrom) {
    List<DeadLetter> letters = h.sideOutput(Scd2Harnesses.DEAD_LETTERS);
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).errorClass()).isEqualTo(IllegalArgumentException.class.getName());
    assertThat(letters.get(0).errorMessage())
        .contains("validToCurrent " + day(5))
        .contains("valid from " + validFrom);
    StepMetrics metrics = recipe.function().stepMetrics();
    assertThat(metrics.deadLetteredCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("outputsAndBackends")
  void sentinelSetAtRestore_lateChangeRenumberingTheCurrentVersion_isADeadLetter_keyUnchanged(
      Scd2Output output, StateBackendKind backend) throws Exception {
    OperatorSubtaskState state = versionFromDay5(output, HardDeletes.INVALIDATE, null, backend);
    var restored = recipe(output, HardDeletes.INVALIDATE, day(5));
    try (var h = restored.harness().on(backend).restore(state)) {
      // late, within the horizon: a version [d3,d5) would make the current one v3
      h.processElement(Change.updateAfter(customer("c1", "c", "555", 3)));

      assertThat(h.output()).isEmpty();
      assertOneDeadLetterFor(h, restored, day(5).toString());

      // The key is as it was: a late delete at d3 closes v1 there and leaves v2 [d5,) as it is
      // (the rejected change, had it been kept, would have made the delete close its version).
      h.processElement(Change.delete(customer("c1", "a", "555", 3)));
      assertThat(brief(h.output()))
          .containsExactly(
              output == Scd2Output.RETRACT
                  ? new String[] {"-U c1 v1 [d1,d5) a/555", "+U c1 v1 [d1,d3) a/555"}
                  : new String[] {"+U c1 v1 [d1,d3) a/555"});
      assertThat(restored.function().stepMetrics().outCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void sentinelLoweredAtRestore_lateChangeRemovingTheCurrentVersion_isADeadLetter(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state =
        versionFromDay5(Scd2Output.RETRACT, HardDeletes.INVALIDATE, Scd2.END_OF_TIME, backend);
    var restored = recipe(Scd2Output.RETRACT, HardDeletes.INVALIDATE, day(5));
    try (var h = restored.harness().on(backend).restore(state)) {
      // b from d3: the change at d5 changes nothing, so the version [d5,) would be removed
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 3)));

      assertThat(h.output()).isEmpty();
      assertOneDeadLetterFor(h, restored, day(5).toString());
      // an in-order change is at or after the sentinel: a dead letter as before
      h.processElement(Change.updateAfter(customer("c1", "d", "555", 6)));
      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).hasSize(2);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void sentinelSetAtRestore_lateDeletePerHardDeleteMode(StateBackendKind backend) throws Exception {
    // NEW_RECORD: the delete marker [d3,d5) would make the current version v3
    OperatorSubtaskState state =
        versionFromDay5(Scd2Output.RETRACT, HardDeletes.NEW_RECORD, null, backend);
    var newRecord = recipe(Scd2Output.RETRACT, HardDeletes.NEW_RECORD, day(5));
    try (var h = newRecord.harness().on(backend).restore(state)) {
      h.processElement(Change.delete(customer("c1", "a", "555", 3)));
      assertThat(h.output()).isEmpty();
      assertOneDeadLetterFor(h, newRecord, day(5).toString());
    }
    // IGNORE: the delete is skipped unread
    state = versionFromDay5(Scd2Output.RETRACT, HardDeletes.IGNORE, null, backend);
    var ignore = recipe(Scd2Output.RETRACT, HardDeletes.IGNORE, day(5));
    try (var h = ignore.harness().on(backend).restore(state)) {
      h.processElement(Change.delete(customer("c1", "a", "555", 3)));
      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
      assertThat(ignore.function().stepMetrics().filteredCount()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void sentinelSetAtRestore_currentDeleteMarker_lateChangeRenumberingIt_isADeadLetter(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state;
    try (var h = recipe(Scd2Output.RETRACT, HardDeletes.NEW_RECORD, null).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.delete(customer("c1", "a", "555", 5))); // marker v2 [d5,)
      state = h.snapshot();
    }
    var restored = recipe(Scd2Output.RETRACT, HardDeletes.NEW_RECORD, day(5));
    try (var h = restored.harness().on(backend).restore(state)) {
      h.processElement(Change.updateAfter(customer("c1", "c", "555", 3)));
      assertThat(h.output()).isEmpty();
      assertOneDeadLetterFor(h, restored, day(5).toString());
    }
  }

  /**
   * Processing time: a change whose clock went back before the key's latest one is taken at the
   * latest time, past the sentinel check of its own time; as a tie by arrival it would replace the
   * current version's row.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void processingTime_sentinelLoweredAtRestore_changeTakenAtTheLatestTime_isADeadLetter(
      StateBackendKind backend) throws Exception {
    Scd2Step<Change<Customer>, Customer> step =
        Scd2.trackChangelog("customers", Customer::id, EffectiveTime.<Customer>processingTime())
            .withChangeDetection(ChangeDetection.allExcept("updatedAt"));
    long d5 = day(5).toEpochMilli();
    OperatorSubtaskState state;
    try (var h = Scd2Harnesses.of(step, Scd2Test.CHANGES).open(backend)) {
      h.setProcessingTime(d5);
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      state = h.snapshot();
    }
    var restored = Scd2Harnesses.of(step.withValidToCurrent(day(5)), Scd2Test.CHANGES);
    try (var h = restored.harness().on(backend).restore(state)) {
      h.setProcessingTime(day(3).toEpochMilli()); // the clock went back
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 1)));
      assertThat(h.output()).isEmpty();
      assertOneDeadLetterFor(h, restored, day(5).toString());
    }
  }

  /**
   * Append output never emits a current version: a late change is accepted, and the versions it
   * closes come out when the key is forgotten by its TTL, as usual.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void append_sentinelSetAtRestore_lateChangeAccepted_timerEmitsTheClosedVersions(
      StateBackendKind backend) throws Exception {
    Duration ttl = Duration.ofHours(1);
    OperatorSubtaskState state =
        versionFromDay5(Scd2Output.APPEND, HardDeletes.INVALIDATE, null, backend);
    var restored =
        Scd2Harnesses.of(
            Scd2Test.customers().withOutput(Scd2Output.APPEND).withValidToCurrent(day(5)),
            Scd2Test.CHANGES,
            ttl);
    try (var h = restored.harness().on(backend).restore(state)) {
      h.setProcessingTime(1_000);
      h.processElement(Change.updateAfter(customer("c1", "c", "555", 3)));
      assertThat(h.output()).isEmpty();
      h.setProcessingTime(1_000 + ttl.toMillis());

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d3) a/555", "+I c1 v2 [d3,d5) c/555");
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
  }

  /** TTL and delete retention forget such a key without emitting anything (retract output). */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void retract_sentinelSetAtRestore_ttlAndDeleteRetentionForgetTheKeyQuietly(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState state;
    try (var h = recipe(Scd2Output.RETRACT, HardDeletes.NEW_RECORD, null).open(backend)) {
      h.processElement(Change.insert(customer("c1", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c2", "a", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "b", "555", 5)));
      h.processElement(Change.delete(customer("c2", "a", "555", 5))); // marker v2 [d5,)
      state = h.snapshot();
    }
    var restored =
        Scd2Harnesses.of(
            Scd2Test.customers()
                .withHardDeletes(HardDeletes.NEW_RECORD)
                .withValidToCurrent(day(5))
                .withDeleteRetention(Duration.ofMinutes(1)),
            Scd2Test.CHANGES,
            Duration.ofHours(1));
    try (var h = restored.harness().on(backend).restore(state)) {
      h.setProcessingTime(Duration.ofMinutes(2).toMillis()); // c2's retention
      assertThat(restored.function().deleteMarkersRemoved()).isEqualTo(1);
      h.setProcessingTime(Duration.ofHours(2).toMillis()); // c1's TTL

      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.DEAD_LETTERS)).isEmpty();
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
  }
}
