package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.DedupConfig;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The committed snapshot files of the dedup state, one per mode family, format version and backend:
 * today's operator must restore them and carry on. Format version 1 recorded the layout's shape
 * only; version 2 also the keep mode and each ordering component's kind and name (the entries are
 * the same). Version 3 of keep-first in event time adds the count of held rows per key group
 * (operator state {@code dedup-held-records}), which a restore counts in; the versions before it
 * restore without counts, and their held rows count in as they leave. The next version of the
 * event-time files (keep-first 4, keep-last 3) adds each subtask's watermark with its key groups
 * (operator state {@code dedup-watermark-ranges}); the versions before it hold the watermarks only,
 * and a restore takes the smallest. Write files only for a new format version, and only those:
 *
 * <pre>
 * ./mvnw -pl etl-operators test -Dtest='DedupSavepointCompatibilityTest#*V4,DedupSavepointCompatibilityTest#keepLast*V3' -Detlkit.snapshots.write=true
 * </pre>
 *
 * <p>wrote keep-first version 4 and keep-last version 3 ({@code *V3} keep-first version 3, {@code
 * *V2} version 2). {@code -Dtest='DedupSavepointCompatibilityTest#keepLastWithDeleteRetention*'}
 * wrote version 1 of keep-last with {@code withDeleteRetention} (its deadline state and timers).
 *
 * <p>The keep-last upsert files hold fingerprints: version 1 the unkeyed ones of etlkit before
 * keyed fingerprints (written by d2a463e's operator with this class's input), which a restore does
 * not trust; version 2 keyed ones, with their key in operator state {@code dedup-fingerprint-key}.
 */
class DedupSavepointCompatibilityTest {

  private static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  /** Keep-first markers: k1 and k2 seen. */
  private static final HarnessInput<String> KEEP_FIRST_STATE =
      HarnessInput.<String>builder()
          .element("k1#v1", 10)
          .element("k2#v1", 20)
          .element("k1#v2", 30)
          .build();

  /** k1 emitted, k2 held (earlier candidate displaced a later one), watermark 25. */
  private static final HarnessInput<String> HELD_STATE =
      HarnessInput.<String>builder()
          .element("k1#v1", 10)
          .watermark(15)
          .element("k2#v2", 40)
          .element("k2#v1", 30)
          .watermark(25)
          .build();

  /** k1 kept with its order, fingerprint and row; k2 deleted (a tombstone at 30); watermark 35. */
  private static final HarnessInput<Change<String>> KEEP_LAST_STATE =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"), 10)
          .element(Change.updateAfter("k1#v2"), 20)
          .element(Change.insert("k2#v1"), 15)
          .element(Change.delete("k2#"), 30)
          .watermark(35)
          .build();

  /**
   * Keep-last by version with a delete retention of one minute: k1 deleted at processing time 0 (a
   * tombstone at version 5, due at 60 s), k2 deleted then live again at 20 s.
   */
  private static final HarnessInput<Change<String>> DELETE_RETENTION_STATE =
      HarnessInput.<Change<String>>builder()
          .element(Change.insert("k1#v1"))
          .element(Change.delete("k1#v5"))
          .element(Change.insert("k2#v1"))
          .element(Change.delete("k2#v5"))
          .advanceProcessingTime(20_000)
          .element(Change.insert("k2#v6"))
          .build();

  /** A 63-character row, to craft a row colliding under the unkeyed fingerprint of its state. */
  private static final String LONG_ROW =
      "k4#order 4711 note: please deliver to the back door, thanks!!!!";

  /** Keep-last upsert: fingerprints of k1 (at k1#v2), k2 and k4. */
  private static final HarnessInput<String> UPSERT_STATE =
      HarnessInput.<String>builder()
          .element("k1#v1", 10)
          .element("k1#v2", 20)
          .element("k2#v1", 30)
          .element(LONG_ROW, 40)
          .build();

  /**
   * Version 1 holds the unkeyed fingerprints of an earlier etlkit. They are not trusted: a key's
   * first row after the restore is a change even when identical (k1), so a row crafted to collide
   * with one (k4) is a change too; from then on the key's keyed fingerprint suppresses no-ops.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastUpsert_unkeyedFingerprintsOfAnEarlierEtlkit_areNotTrusted(StateBackendKind backend)
      throws Exception {
    String crafted = DedupCraftedFingerprintCollisionTest.collidingRow(LONG_ROW);
    try (OperatorHarness<String, Change<String>> restored = restoreUpsert(1, backend)) {
      restored.processElement("k1#v2", 50); // identical: emitted once, its fingerprint now keyed
      restored.processElement("k1#v2", 51);
      restored.processElement("k2#v2", 52);
      restored.processElement(crafted, 53);
      restored.processElement("k3#v1", 54);

      assertThat(restored.output())
          .containsExactly(
              Change.updateAfter("k1#v2"),
              Change.updateAfter("k2#v2"),
              Change.updateAfter(crafted),
              Change.insert("k3#v1"));
    }
  }

  /**
   * Version 2 holds keyed fingerprints and their key: restored by a job that drew another key
   * (every harness draws its own, as a resubmitted job graph does), identical rows are still
   * no-ops.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastUpsert_restoresKeyedFingerprintsWithTheirKeyV2(StateBackendKind backend)
      throws Exception {
    String crafted = DedupCraftedFingerprintCollisionTest.collidingRow(LONG_ROW);
    try (OperatorHarness<String, Change<String>> restored = restoreUpsert(2, backend)) {
      restored.processElement("k1#v2", 50);
      restored.processElement(LONG_ROW, 51);
      restored.processElement("k2#v2", 52);
      restored.processElement(crafted, 53);
      restored.processElement("k3#v1", 54);

      assertThat(restored.output())
          .containsExactly(
              Change.updateAfter("k2#v2"), Change.updateAfter(crafted), Change.insert("k3#v1"));
    }
    assertThat(SnapshotStates.names(read("dedup-keep-last-upsert", 2, backend)))
        .contains(DedupConfig.FINGERPRINT_KEY_STATE);
  }

  private static OperatorHarness<String, Change<String>> restoreUpsert(
      int formatVersion, StateBackendKind backend) throws Exception {
    return SNAPSHOTS.restore(
        "dedup-keep-last-upsert",
        formatVersion,
        DedupHarness.rows(DedupHarness.keepLast()).harness().on(backend),
        UPSERT_STATE);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_restoresItsMarkers(StateBackendKind backend) throws Exception {
    keepFirstRestores(1, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_restoresItsMarkersV2(StateBackendKind backend) throws Exception {
    keepFirstRestores(2, backend);
  }

  private static void keepFirstRestores(int formatVersion, StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> harness =
        DedupHarness.rows(DedupHarness.keepFirst()).harness().on(backend);

    try (OperatorHarness<String, String> restored =
        SNAPSHOTS.restore("dedup-keep-first", formatVersion, harness, KEEP_FIRST_STATE)) {
      restored.processElement("k1#v3", 40);
      restored.processElement("k2#v1", 41);
      restored.processElement("k3#v1", 42);

      assertThat(restored.output()).containsExactly("k3#v1");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstInEventTime_restoresHeldRowsTimersAndTheWatermark(StateBackendKind backend)
      throws Exception {
    keepFirstInEventTimeRestores(1, backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstInEventTime_restoresHeldRowsTimersAndTheWatermarkV2(StateBackendKind backend)
      throws Exception {
    keepFirstInEventTimeRestores(2, backend);
  }

  /** Version 3: the held row k2#v1 counts in at the restore. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstInEventTime_restoresHeldRowsTimersAndTheWatermarkV3(StateBackendKind backend)
      throws Exception {
    keepFirstInEventTimeRestores(3, backend);
  }

  /** Version 4: the watermark is kept with the subtask's key groups too. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstInEventTime_restoresHeldRowsTimersAndTheWatermarkV4(StateBackendKind backend)
      throws Exception {
    keepFirstInEventTimeRestores(4, backend);
    assertThat(SnapshotStates.names(read("dedup-keep-first-event-time", 4, backend)))
        .contains(DedupConfig.WATERMARK_STATE, DedupConfig.WATERMARK_RANGES_STATE);
  }

  private static void keepFirstInEventTimeRestores(int formatVersion, StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> harness =
        DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder()).harness().on(backend);

    try (OperatorHarness<String, String> restored =
        SNAPSHOTS.restore("dedup-keep-first-event-time", formatVersion, harness, HELD_STATE)) {
      assertThat(DedupHarness.counts(restored).get("in")).isEqualTo(formatVersion >= 3 ? 1L : 0L);

      restored.processElement("k1#v0", 5); // late: behind the restored watermark 25
      restored.processElement("k2#v0", 28); // earlier than the held k2#v1
      restored.processElement("k1#v2", 50); // k1 was emitted before the snapshot
      restored.processWatermark(60);

      assertThat(restored.emitted())
          .containsExactly(Emitted.side("late-records", "k1#v0", 5L), Emitted.main("k2#v0", 28L));
      // the restored k2#v1 counts in (at the restore, or as it is displaced): the step balances
      assertThat(DedupHarness.counts(restored))
          .contains(entry("in", 4L), entry("out", 1L), entry("deduplicated", 2L));
      assertThat(DedupHarness.balanced(DedupHarness.counts(restored))).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastRetractOnOrderedChangelog_restoresRowsAndTombstones(StateBackendKind backend)
      throws Exception {
    keepLastRestores(1, DedupOrder.<String>byEventTime().thenBy(DedupHarness::version), backend);
  }

  /** Version 2 with the key named: the name is in the files. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastRetractOnOrderedChangelog_restoresRowsAndTombstonesV2(StateBackendKind backend)
      throws Exception {
    keepLastRestores(
        2, DedupOrder.<String>byEventTime().thenBy("version", DedupHarness::version), backend);
  }

  /** Version 3 (watermark kept with the subtask's key groups too) with the key named. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastRetractOnOrderedChangelog_restoresRowsAndTombstonesV3(StateBackendKind backend)
      throws Exception {
    keepLastRestores(
        3, DedupOrder.<String>byEventTime().thenBy("version", DedupHarness::version), backend);
    assertThat(SnapshotStates.names(read("dedup-keep-last", 3, backend)))
        .contains(DedupConfig.WATERMARK_STATE, DedupConfig.WATERMARK_RANGES_STATE);
  }

  /**
   * Version 1 of a step with {@code withDeleteRetention}: the pending removal (deadline state and
   * processing-time timer) restores and removes k1's tombstone at its deadline, not before; k2's
   * live row stays.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastWithDeleteRetention_restoresAPendingRemoval(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Change<String>, Change<String>> harness =
        DedupHarness.changes(
                DedupHarness.keepLast()
                    .withOrdering(DedupOrder.by("version", DedupHarness::version))
                    .withRetractOutput()
                    .onChangelog()
                    .withDeleteRetention(Duration.ofMinutes(1)))
            .harness()
            .on(backend);
    try (OperatorHarness<Change<String>, Change<String>> restored =
        SNAPSHOTS.restore("dedup-keep-last-delete-retention", 1, harness, DELETE_RETENTION_STATE)) {
      restored.setProcessingTime(59_999);
      restored.processElement(Change.insert("k1#v3")); // still deleted: stale
      restored.setProcessingTime(60_000);
      restored.processElement(Change.insert("k1#v3")); // the tombstone was removed: new
      restored.processElement(Change.insert("k2#v4")); // older than k2's live row: stale

      assertThat(restored.output()).containsExactly(Change.insert("k1#v3"));
      assertThat(
              ((DedupOperator<?, ?, ?, ?>) restored.unwrap().getOperator())
                  .deleteMarkersRemovedCount())
          .isEqualTo(1L);
    }
    assertThat(SnapshotStates.names(read("dedup-keep-last-delete-retention", 1, backend)))
        .contains(DedupConfig.STATE, DedupConfig.DELETE_DEADLINE_STATE);
  }

  private static OperatorSubtaskState read(String operator, int version, StateBackendKind backend)
      throws Exception {
    return SnapshotFiles.read(SNAPSHOTS.file(operator, version, backend));
  }

  /**
   * Format 1 did not record what the ordering components are: its files restore into any ordering
   * with as many components (as documented), and only the next savepoint records them.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastV1_restoresIntoAnotherOrderingOfTheSameSize_v2Refuses(StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // reads the files, writes none
    KeyedHarness<Object, Change<String>, Change<String>> byTwoKeys =
        keepLastHarness(
            DedupOrder.by(DedupHarness::version).thenBy(DedupHarness::version), backend);

    byTwoKeys.restore(SnapshotFiles.read(SNAPSHOTS.file("dedup-keep-last", 1, backend))).close();
    OperatorSubtaskState v2 = SnapshotFiles.read(SNAPSHOTS.file("dedup-keep-last", 2, backend));
    assertThatThrownBy(() -> byTwoKeys.restore(v2).close())
        .hasStackTraceContaining("keepLast by [eventTime, key 'version']");
  }

  private static void keepLastRestores(
      int formatVersion, DedupOrder<String> order, StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> restored =
        SNAPSHOTS.restore(
            "dedup-keep-last", formatVersion, keepLastHarness(order, backend), KEEP_LAST_STATE)) {
      restored.processElement(Change.updateAfter("k1#v2"), 36); // same row: a no-op
      restored.processElement(Change.updateAfter("k1#v3"), 37);
      restored.processElement(Change.insert("k2#v0"), 20); // late
      restored.processElement(Change.insert("k2#v2"), 38);
      restored.processElement(Change.delete("k1#"), 39); // retracts the full kept row

      assertThat(restored.output())
          .containsExactly(
              Change.updateBefore("k1#v2"),
              Change.updateAfter("k1#v3"),
              Change.insert("k2#v2"),
              Change.delete("k1#v3"));
      assertThat(restored.sideOutput(DedupOperator.lateRecordsTag(DedupHarness.STRING_CHANGE)))
          .containsExactly(Change.insert("k2#v0"));
    }
  }

  private static KeyedHarness<Object, Change<String>, Change<String>> keepLastHarness(
      DedupOrder<String> order, StateBackendKind backend) {
    return DedupHarness.changes(
            DedupHarness.keepLast().withOrdering(order).withRetractOutput().onChangelog())
        .harness()
        .on(backend);
  }
}
