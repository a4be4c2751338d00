package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Brief.day;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The committed snapshot files of the SCD2 step restore into today's operator, which continues from
 * them: cursor, base, kept changes and cleanup timers. State format version 1 held cursors as Flink
 * POJOs, the base in the {@code base} state and every kept change in the {@code changes} map state
 * (they are migrated on restore); version 2 holds cursors written by {@code KeyCursorSerializer},
 * with the base, the candidate base, the times of the kept changes and the latest change in the
 * cursor; version 3 keeps the kept changes in chunks (the open one in the cursor, sealed ones in
 * the {@code chunks} map state), and keys of versions 1 and 2 move theirs there on their next
 * change; version 4 marks in the cursor whether the key pruned, which older versions left to be
 * told from the base and the kept changes (a key that pruned only deletes of nothing looked like
 * one that never pruned); version 5 records the class of the output mode (append, or a retract or
 * upsert changelog) in the cursor state's serializer snapshot, and a restore into the other class
 * fails (older versions restore into either, unchecked). All restore to the same continuation.
 * Write files only for a new operator or format version, and only those: {@code ./mvnw -pl etl-scd
 * test -Dtest='Scd2SavepointCompatibilityTest#*V5' -Detlkit.snapshots.write=true} wrote version 5
 * (and {@code #*V4} version 4); {@code -Dtest='Scd2SavepointCompatibilityTest#deleteRetention*'}
 * wrote version 1 of a step with {@code withDeleteRetention} ({@code scd2-delete-retention}: the
 * state layout is format 4's, with a removal pending in a cursor's clock and a cleanup timer).
 */
class Scd2SavepointCompatibilityTest {

  static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  private static final Duration TTL = Duration.ofHours(1);

  /** Retract output, Type-1 phone, ties by source position, a 2-day horizon, TTL. */
  static Scd2Step<Change<Customer>, Customer> retract() {
    return Scd2.trackChangelog("customers", Customer::id, EffectiveTime.field(Customer::updatedAt))
        .withChangeDetection(ChangeDetection.allExcept("updatedAt"))
        .withType1Columns("phone")
        .withTieBreak(TieBreak.sourcePosition())
        .withLatenessHorizon(Duration.ofDays(2));
  }

  /**
   * c1: versions a, b, c, d from d1, d3, d6, d8, a Type-1 change at d9; with the 2-day horizon the
   * change at d8 prunes those before d6 (the base holds b from d3; in format 2 the cursor also
   * remembers c, where the history stood before d8, as the candidate base, and holds the change at
   * d9). c2: live since d2. c3: deleted at d3.
   */
  private static final HarnessInput<Change<Customer>> STATE =
      HarnessInput.<Change<Customer>>builder()
          .element(Change.insert(customer("c1", "a", "1", 1)).withSourcePosition(1))
          .element(Change.insert(customer("c2", "a", "1", 2)).withSourcePosition(2))
          .element(Change.insert(customer("c3", "a", "1", 2)).withSourcePosition(3))
          .element(Change.delete(customer("c3", "a", "1", 3)).withSourcePosition(4))
          .element(Change.updateAfter(customer("c1", "b", "1", 3)).withSourcePosition(5))
          .element(Change.updateAfter(customer("c1", "c", "1", 6)).withSourcePosition(6))
          .element(Change.updateAfter(customer("c1", "d", "1", 8)).withSourcePosition(7))
          .element(Change.updateAfter(customer("c1", "d", "2", 9)).withSourcePosition(8))
          .build();

  /**
   * Format 3 (kept changes in chunks) adds c4: twelve changes two hours apart on d10, within both
   * horizons, so it keeps a sealed chunk besides the open one in its cursor.
   */
  static final HarnessInput<Change<Customer>> STATE_V3 =
      HarnessInput.<Change<Customer>>builder().addAll(STATE).addAll(manyChanges()).build();

  /**
   * Format 4 (the prune mark) adds c5, a key that pruned only a delete of nothing and kept a change
   * at its new prune point: a delete at d1, inserted at d3 (where the history stood before it, the
   * start, becomes the candidate base), changes at d4 12:00 and at d6 01:00, which prunes to the
   * candidate at d3. Its base is the start of the history, as a key's that never pruned.
   */
  static final HarnessInput<Change<Customer>> STATE_V4 =
      HarnessInput.<Change<Customer>>builder()
          .addAll(STATE_V3)
          .element(Change.delete(customer("c5", "a", "1", 1)).withSourcePosition(300))
          .element(Change.insert(customer("c5", "b", "1", 3)).withSourcePosition(301))
          .element(
              Change.updateAfter(new Customer("c5", "c", "1", day(4).plus(Duration.ofHours(12))))
                  .withSourcePosition(302))
          .element(
              Change.updateAfter(new Customer("c5", "d", "1", day(6).plus(Duration.ofHours(1))))
                  .withSourcePosition(303))
          .build();

  private static HarnessInput<Change<Customer>> manyChanges() {
    HarnessInput.Builder<Change<Customer>> input = HarnessInput.builder();
    for (int i = 0; i < 12; i++) {
      input.element(
          Change.updateAfter(
                  new Customer("c4", "s" + i, "1", day(10).plus(Duration.ofHours(2L * i))))
              .withSourcePosition(100 + i));
    }
    return input.build();
  }

  /**
   * c4 after the restore: a change spliced into its sealed chunk, one after all, one beyond the
   * horizons.
   */
  static final HarnessInput<Change<Customer>> C4_AFTER_RESTORE =
      HarnessInput.<Change<Customer>>builder()
          .element(
              Change.updateAfter(
                      new Customer("c4", "spliced", "1", day(10).plus(Duration.ofHours(3))))
                  .withSourcePosition(200))
          .element(
              Change.updateAfter(
                      new Customer("c4", "later", "1", day(11).plus(Duration.ofHours(1))))
                  .withSourcePosition(201))
          .element( // beyond both horizons: prunes, and append output emits what became final
              Change.updateAfter(new Customer("c4", "last", "1", day(14))).withSourcePosition(202))
          .build();

  /**
   * Format 3: c1 to c3 continue as from the older formats; c4's continuation equals an
   * uninterrupted run's.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retract_restoresCursorBaseChangesAndTimersV3(StateBackendKind backend) throws Exception {
    retractRestores(3, backend);
    var recipe = Scd2Harnesses.of(retract(), CHANGES, TTL);
    assertContinuesAsUninterrupted(
        "scd2-retract", 3, recipe.harness().on(backend), recipe, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_restoresAndEmitsTheVersionsThatBecomeFinalV3(StateBackendKind backend)
      throws Exception {
    appendRestores(3, backend);
    var recipe = Scd2Harnesses.of(append(), CHANGES);
    assertContinuesAsUninterrupted("scd2-append", 3, recipe.harness().on(backend), recipe, backend);
  }

  /** Format 4: c1 to c4 continue as from format 3. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retract_restoresCursorBaseChangesAndTimersV4(StateBackendKind backend) throws Exception {
    retractRestores(4, backend);
    var recipe = Scd2Harnesses.of(retract(), CHANGES, TTL);
    assertContinuesAsUninterrupted(
        "scd2-retract", 4, recipe.harness().on(backend), recipe, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_restoresAndEmitsTheVersionsThatBecomeFinalV4(StateBackendKind backend)
      throws Exception {
    appendRestores(4, backend);
    var recipe = Scd2Harnesses.of(append(), CHANGES);
    assertContinuesAsUninterrupted("scd2-append", 4, recipe.harness().on(backend), recipe, backend);
  }

  /**
   * Format 5 (the cursor state's serializer snapshot records the output mode's class): the same
   * state as format 4, the same continuation.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retract_restoresCursorBaseChangesAndTimersV5(StateBackendKind backend) throws Exception {
    retractRestores(5, backend);
    var recipe = Scd2Harnesses.of(retract(), CHANGES, TTL);
    assertContinuesAsUninterrupted(
        "scd2-retract", 5, recipe.harness().on(backend), recipe, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_restoresAndEmitsTheVersionsThatBecomeFinalV5(StateBackendKind backend)
      throws Exception {
    appendRestores(5, backend);
    var recipe = Scd2Harnesses.of(append(), CHANGES);
    assertContinuesAsUninterrupted("scd2-append", 5, recipe.harness().on(backend), recipe, backend);
  }

  /**
   * Format 5 restored into the other output class (append, or a retract or upsert changelog) fails,
   * naming the step and both modes; retract restored as upsert continues.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void outputClassSwitched_failsTheRestoreFromFormat5(StateBackendKind backend) throws Exception {
    var appendAsRetract = Scd2Harnesses.of(append().withOutput(Scd2Output.RETRACT), CHANGES);
    assertThatThrownBy(
            () ->
                appendAsRetract
                    .harness()
                    .on(backend)
                    .restore(SnapshotFiles.read(SNAPSHOTS.file("scd2-append", 5, backend)))
                    .close())
        .hasStackTraceContaining(
            "SCD2 step 'test/scd2' cannot restore its state with output RETRACT: it was written"
                + " with output APPEND");
    var retractAsAppend = Scd2Harnesses.of(retract().withOutput(Scd2Output.APPEND), CHANGES, TTL);
    assertThatThrownBy(
            () ->
                retractAsAppend
                    .harness()
                    .on(backend)
                    .restore(SnapshotFiles.read(SNAPSHOTS.file("scd2-retract", 5, backend)))
                    .close())
        .hasStackTraceContaining(
            "SCD2 step 'test/scd2' cannot restore its state with output APPEND: it was written"
                + " with output RETRACT or UPSERT");

    var upsert = Scd2Harnesses.of(retract().withOutput(Scd2Output.UPSERT), CHANGES, TTL);
    try (var h =
        upsert
            .harness()
            .on(backend)
            .restore(SnapshotFiles.read(SNAPSHOTS.file("scd2-retract", 5, backend)))) {
      h.processElement(Change.updateAfter(customer("c2", "b", "1", 4)).withSourcePosition(10));
      assertThat(brief(h.output()))
          .containsExactly("+U c2 v1 [d2,d4) a/1", "+I c2 v2 [d4,) current b/1");
    }
  }

  /**
   * Formats 1 to 4 record no output mode: restored into the other class they restore, as before the
   * mode was recorded (docs/operations.md, the upgrade table).
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void outputClassSwitched_olderFormatsRestoreUnchecked(StateBackendKind backend) throws Exception {
    for (int formatVersion = 1; formatVersion <= 4; formatVersion++) {
      var appendAsRetract = Scd2Harnesses.of(append().withOutput(Scd2Output.RETRACT), CHANGES);
      try (var h =
          appendAsRetract
              .harness()
              .on(backend)
              .restore(SnapshotFiles.read(SNAPSHOTS.file("scd2-append", formatVersion, backend)))) {
        assertThat(Scd2Harnesses.stateKeys(h, "cursor"))
            .as("format %s", formatVersion)
            .isPositive();
      }
      var retractAsAppend = Scd2Harnesses.of(retract().withOutput(Scd2Output.APPEND), CHANGES, TTL);
      try (var h =
          retractAsAppend
              .harness()
              .on(backend)
              .restore(
                  SnapshotFiles.read(SNAPSHOTS.file("scd2-retract", formatVersion, backend)))) {
        assertThat(Scd2Harnesses.stateKeys(h, "cursor"))
            .as("format %s", formatVersion)
            .isPositive();
      }
    }
  }

  /** The retract step with a 30-day horizon instead of 2 days. */
  private static Scd2Harnesses.Recipe<Change<Customer>, Customer> retractLonger() {
    return Scd2Harnesses.of(retract().withLatenessHorizon(Duration.ofDays(30)), CHANGES, TTL);
  }

  /**
   * Format 4 restored with a longer horizon: c5's mark says it pruned, so a change before its prune
   * point (d3) and before the pruned delete at d1 is late, although its base is the start of the
   * history, as a key's that never pruned.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void keyThatPrunedOnlyADeleteOfNothing_restoredWithALongerHorizon_isLateBeforeItsPrunePointV4(
      StateBackendKind backend) throws Exception {
    var recipe = retractLonger();
    try (var h =
        recipe
            .harness()
            .on(backend)
            .restore(SnapshotFiles.read(SNAPSHOTS.file("scd2-retract", 4, backend)))) {
      Change<Customer> old =
          Change.insert(new Customer("c5", "x", "1", day(1).minus(Duration.ofHours(12))))
              .withSourcePosition(400);
      h.processElement(old);

      assertThat(h.output()).isEmpty();
      assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES))).containsExactly(old);
      assertThat(recipe.function().lateCount()).isEqualTo(1);
    }
  }

  /**
   * Formats 1 to 3 keep no prune mark: restored with a longer horizon, whether a key pruned is told
   * from its state. c1 pruned (its base holds b): a change before its prune point is late; c2 never
   * pruned: a change before its first one is spliced.
   */
  @ParameterizedTest
  @EnumSource(
      value = StateBackendKind.class,
      names = {"HEAP", "ROCKSDB"})
  void olderFormats_restoredWithALongerHorizon_tellWhetherAKeyPrunedFromItsState(
      StateBackendKind backend) throws Exception {
    for (int formatVersion = 1; formatVersion <= 3; formatVersion++) {
      var recipe = retractLonger();
      try (var h =
          recipe
              .harness()
              .on(backend)
              .restore(
                  SnapshotFiles.read(SNAPSHOTS.file("scd2-retract", formatVersion, backend)))) {
        Change<Customer> beforeC1Pruned =
            Change.updateAfter(customer("c1", "x", "1", 2)).withSourcePosition(400);
        h.processElement(beforeC1Pruned);
        h.processElement(Change.insert(customer("c2", "x", "1", 1)).withSourcePosition(401));

        assertThat(h.sideOutput(Scd2Harnesses.lateTag(CHANGES)))
            .as("format %s", formatVersion)
            .containsExactly(beforeC1Pruned);
        assertThat(brief(h.output()))
            .as("format %s", formatVersion)
            .containsExactly(
                "-U c2 v1 [d2,) current a/1", "+U c2 v2 [d2,) current a/1", "+I c2 v1 [d1,d2) x/1");
        assertThat(recipe.function().lateCount()).isEqualTo(1);
      }
    }
  }

  /**
   * Version 1 of a step with {@code withDeleteRetention} (ten minutes, no TTL): c1 inserted and
   * deleted at processing time 0 (due at 600 s), c2 deleted at 0 and live again at 20 s, c3 live.
   */
  static final HarnessInput<Change<Customer>> DELETE_RETENTION_STATE =
      HarnessInput.<Change<Customer>>builder()
          .element(Change.insert(customer("c1", "a", "1", 1)))
          .element(Change.delete(customer("c1", "a", "1", 2)))
          .element(Change.insert(customer("c2", "a", "1", 1)))
          .element(Change.delete(customer("c2", "a", "1", 2)))
          .element(Change.insert(customer("c3", "a", "1", 1)))
          .advanceProcessingTime(20_000)
          .element(Change.insert(customer("c2", "b", "1", 3)))
          .build();

  /**
   * The pending removal (the cursor's clock and the key's cleanup timer) restores: c1 is forgotten
   * at its deadline, not before, and starts again at version 1; c2 (live again) and c3 stay.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteRetention_restoresAPendingRemoval(StateBackendKind backend) throws Exception {
    var recipe =
        Scd2Harnesses.of(Scd2Test.customers().withDeleteRetention(Duration.ofMinutes(10)), CHANGES);
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h =
        SNAPSHOTS.restore(
            "scd2-delete-retention", 1, recipe.harness().on(backend), DELETE_RETENTION_STATE)) {
      h.setProcessingTime(599_999);
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(3);
      h.setProcessingTime(600_000);
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isEqualTo(2);
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
      h.processElement(Change.insert(customer("c1", "x", "1", 4)));
      h.processElement(Change.updateAfter(customer("c2", "c", "1", 5)));

      assertThat(brief(h.output()))
          .containsExactly(
              "+I c1 v1 [d4,) current x/1",
              "-U c2 v2 [d3,) current b/1",
              "+U c2 v2 [d3,d5) b/1",
              "+I c2 v3 [d5,) current c/1");
    }
  }

  private static void assertContinuesAsUninterrupted(
      String name,
      int formatVersion,
      KeyedHarness<String, Change<Customer>, Change<Scd2Row<Customer>>> spec,
      Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe,
      StateBackendKind backend)
      throws Exception {
    HarnessInput<Change<Customer>> state = state(formatVersion);
    List<String> restored;
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h =
        SNAPSHOTS.restore(name, formatVersion, spec, state)) {
      // c4's sealed chunk; the heap seals chunks of 32 since after format 3's files were written
      boolean sealed = formatVersion == 3 || backend != StateBackendKind.HEAP;
      assertThat(Scd2Harnesses.stateKeys(h, "chunks")).isEqualTo(sealed ? 1 : 0);
      assertThat(Scd2Harnesses.stateKeys(h, "changes")).isZero();
      h.run(C4_AFTER_RESTORE);
      restored = brief(h.output());
    }
    List<String> uninterrupted;
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h = recipe.open(backend)) {
      h.run(state);
      int before = h.output().size();
      h.run(C4_AFTER_RESTORE);
      uninterrupted = brief(h.output().subList(before, h.output().size()));
    }
    assertThat(restored).isNotEmpty().isEqualTo(uninterrupted);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retract_restoresCursorBaseChangesAndTimers(StateBackendKind backend) throws Exception {
    retractRestores(1, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retract_restoresCursorBaseChangesAndTimersV2(StateBackendKind backend) throws Exception {
    retractRestores(2, backend);
  }

  private static void retractRestores(int formatVersion, StateBackendKind backend)
      throws Exception {
    var recipe = Scd2Harnesses.of(retract(), CHANGES, TTL);
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h =
        SNAPSHOTS.restore(
            "scd2-retract", formatVersion, recipe.harness().on(backend), state(formatVersion))) {
      // format 1 kept c1's base in the base state; format 2 keeps it in the cursor
      assertThat(Scd2Harnesses.stateKeys(h, "base")).isEqualTo(formatVersion == 1 ? 1 : 0);
      // exactly at the horizon (d9 - 2 days): spliced into the restored base and kept changes
      h.processElement(Change.updateAfter(customer("c1", "x", "2", 7)).withSourcePosition(9));
      h.processElement(Change.updateAfter(customer("c2", "b", "1", 4)).withSourcePosition(10));
      h.processElement(Change.insert(customer("c3", "a", "1", 5)).withSourcePosition(11));

      assertThat(brief(h.output()))
          .containsExactly(
              "-U c1 v3 [d6,d8) c/1",
              "+U c1 v3 [d6,d7) c/1",
              "-U c1 v4 [d8,) current d/2",
              "+U c1 v5 [d8,) current d/2",
              "+I c1 v4 [d7,d8) x/2",
              "-U c2 v1 [d2,) current a/1",
              "+U c2 v1 [d2,d4) a/1",
              "+I c2 v2 [d4,) current b/1",
              "+I c3 v2 [d5,) current a/1");
      // more than two horizons after the prune point: c1 prunes, and its cursor holds the base
      h.processElement(Change.updateAfter(customer("c1", "y", "2", 12)).withSourcePosition(12));
      assertThat(brief(h.output().subList(9, h.output().size())))
          .containsExactly(
              "-U c1 v5 [d8,) current d/2", "+U c1 v5 [d8,d12) d/2", "+I c1 v6 [d12,) current y/2");
      assertThat(Scd2Harnesses.stateKeys(h, "base")).isZero();
      // the cleanup timers fire: keys written before the restore or at its processing time expire
      h.setProcessingTime(TTL.toMillis());
      assertThat(Scd2Harnesses.stateKeys(h, "cursor")).isZero();
    }
  }

  static HarnessInput<Change<Customer>> state(int formatVersion) {
    return formatVersion < 3 ? STATE : formatVersion == 3 ? STATE_V3 : STATE_V4;
  }

  /** Append output, delete markers, no TTL, a 1-day horizon. */
  static Scd2Step<Change<Customer>, Customer> append() {
    return Scd2.trackChangelog("customers", Customer::id, EffectiveTime.field(Customer::updatedAt))
        .withChangeDetection(ChangeDetection.only("segment"))
        .withHardDeletes(HardDeletes.NEW_RECORD)
        .withOutput(Scd2Output.APPEND)
        .withLatenessHorizon(Duration.ofDays(1));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_restoresAndEmitsTheVersionsThatBecomeFinal(StateBackendKind backend)
      throws Exception {
    appendRestores(1, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_restoresAndEmitsTheVersionsThatBecomeFinalV2(StateBackendKind backend)
      throws Exception {
    appendRestores(2, backend);
  }

  private static void appendRestores(int formatVersion, StateBackendKind backend) throws Exception {
    var recipe = Scd2Harnesses.of(append(), CHANGES);
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h =
        SNAPSHOTS.restore(
            "scd2-append", formatVersion, recipe.harness().on(backend), state(formatVersion))) {
      h.processElement(Change.updateAfter(customer("c1", "e", "1", 20)));
      h.processElement(Change.delete(customer("c2", "a", "1", 20)));
      h.processElement(Change.insert(customer("c2", "a", "1", 25)));

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v3 [d6,d8) c/1", "+I c2 v1 [d2,d20) a/1");
    }
  }
}
