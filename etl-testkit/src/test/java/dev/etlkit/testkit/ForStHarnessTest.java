package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link KeyedHarness#onForSt}: Flink's ForSt state backend (flink-statebackend-forst 2.2.0 on
 * Flink 2.2.1) runs a keyed operator through its synchronous state API like RocksDB (value and map
 * state, event- and processing-time timers, snapshot and restore), and the two limits of Flink's
 * that docs/operations.md states are pinned here: ForSt takes no canonical savepoints, and restores
 * one of the heap or RocksDB only with its timers on the heap.
 */
class ForStHarnessTest {

  /** Elements, a stale one, watermarks firing event-time timers, processing-time timers. */
  private static final HarnessInput<Change<String>> SCRIPT = CutPointCheckTest.SCRIPT;

  /** ForSt as {@code state.backend.type: forst} configures it: timers in ForSt. */
  private static final Configuration DEFAULTS = new Configuration();

  // tag::forst-heap-timers[]
  /** ForSt with its timers on the heap, which it needs to restore a canonical savepoint. */
  static Configuration heapTimers() {
    Configuration options = new Configuration();
    options.setString("state.backend.forst.timer-service.factory", "HEAP");
    return options;
  }

  // end::forst-heap-timers[]

  @Test
  void onForSt_runsTheScript_asTheHeapDoes() throws Exception {
    try (OperatorHarness<Change<String>, String> heap = SampleCounter.harness().open();
        OperatorHarness<Change<String>, String> forSt =
            SampleCounter.harness().onForSt(DEFAULTS).open()) {
      assertThat(forSt.forSt()).isTrue();
      assertThat(forSt.run(SCRIPT)).isEqualTo(heap.run(SCRIPT)).isNotEmpty();
      assertThat(forSt.sideOutput(SampleCounter.STALE)).hasSize(1);
    }
  }

  @Test
  void onForSt_cutPoints_restoreFromForStSnapshots() {
    // tag::cut-points-forst[]
    CutPointCheck.of(SampleCounter.harness().onForSt(new Configuration()), SCRIPT)
        .withSampledCutPoints(4, 1L)
        .verify();
    // end::cut-points-forst[]
  }

  @Test
  void onForSt_withHeapTimers_cutPoints_restoreFromForStSnapshots() {
    CutPointCheck.of(SampleCounter.harness().onForSt(heapTimers()), SCRIPT)
        .withSampledCutPoints(4, 7L)
        .verify();
  }

  @Test
  void onForSt_rescaled_eachKeyKeepsItsState() {
    // six keys, some of which move from 2 to 3 subtasks (the two keys of SCRIPT do not)
    RescaleCheck.of(SampleCounter.harness().onForSt(DEFAULTS), RescaleCheckTest.SCRIPT)
        .withSampledCutPoints(2, 11L)
        .verify();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void cutPoints_savepointsRestoredOnForSt_matchUninterruptedRun(StateBackendKind backend) {
    // tag::cut-points-onto-forst[]
    CutPointCheck.of(SampleCounter.harness().on(backend), SCRIPT)
        .restoringOnForSt(heapTimers())
        .withSampledCutPoints(4, 42L)
        .verify();
    // end::cut-points-onto-forst[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void savepoint_restoredOnForStWithHeapTimers_continuesFromStateAndTimers(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState savepoint = savepointOfK1(backend);

    // tag::forst-restore-savepoint[]
    try (OperatorHarness<Change<String>, String> restored =
        SampleCounter.harness().onForSt(heapTimers()).restore(savepoint)) {
      // end::forst-restore-savepoint[]
      assertContinuesFromK1(restored);
    }
  }

  /**
   * Flink 2.2's ForSt restores canonical savepoints only with heap timers: with its own it fails,
   * whether or not the operator has timers. When this starts to pass, Flink has lifted the limit:
   * update docs/operations.md.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void savepoint_restoredOnForStWithItsOwnTimers_failsInFlink(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState savepoint = savepointOfK1(backend);

    assertThatThrownBy(() -> SampleCounter.harness().onForSt(DEFAULTS).restore(savepoint).close())
        .hasRootCauseInstanceOf(UnsupportedOperationException.class)
        .rootCause()
        .hasMessage("Not support restoring yet for ForStStateBackend");
  }

  /** Flink's own refusal, which the kit's {@code savepoint()} states before it is reached. */
  @Test
  void canonicalSavepoint_onForSt_isRefusedByFlink() throws Exception {
    try (OperatorHarness<Change<String>, String> harness = onForStWithK1()) {
      assertThatThrownBy(
              () ->
                  harness
                      .unwrap()
                      .snapshotWithLocalState(
                          1L, 0L, SavepointType.savepoint(SavepointFormatType.CANONICAL)))
          .rootCause()
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessage("Canonical savepoints are not supported by ForSt State Backend.");
    }
  }

  @Test
  void savepoint_onForSt_isRefusedSayingWhy() throws Exception {
    try (OperatorHarness<Change<String>, String> harness = onForStWithK1()) {
      assertThatThrownBy(harness::savepoint)
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessage(
              "the ForSt state backend takes no canonical savepoints (Flink 2.2): take a"
                  + " snapshot() and restore it on ForSt; its state cannot move to the heap or"
                  + " RocksDB");
    }
  }

  /**
   * A ForSt snapshot is native: the heap cannot read it. RocksDB happens to restore it (ForSt
   * writes RocksDB's file format, in the same kind of state handle), which Flink does not promise
   * for native snapshots of another backend: docs/operations.md says not to rely on it. Pinned so
   * that a change shows.
   */
  @Test
  void snapshot_ofForSt_failsOnTheHeap_andHappensToRestoreOnRocksDb() throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, String> harness = onForStWithK1()) {
      snapshot = harness.snapshot();
    }

    assertThatThrownBy(
            () -> SampleCounter.harness().on(StateBackendKind.HEAP).restore(snapshot).close())
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .rootCause()
        .hasMessageContaining(
            "but found: class org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle");
    try (OperatorHarness<Change<String>, String> restored =
        SampleCounter.harness().on(StateBackendKind.ROCKSDB).restore(snapshot)) {
      assertContinuesFromK1(restored);
    }
  }

  @Test
  void cutPoints_savepointsRestoredOnForStWithItsOwnTimers_failInFlink() {
    assertThatThrownBy(
            () ->
                CutPointCheck.of(SampleCounter.harness(), SCRIPT)
                    .restoringOnForSt(DEFAULTS)
                    .withSampledCutPoints(2, 1L)
                    .verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith(
            "Restore at cut point 0 of 0..11 (before the first step; savepoint taken on HEAP,"
                + " restored on FORST) failed with an exception")
        .rootCause()
        .hasMessage("Not support restoring yet for ForStStateBackend");
  }

  @Test
  void cutPointAndRescaleChecks_ofForStRestoringOnAnotherBackend_areRefused() {
    KeyedHarness<String, Change<String>, String> forSt = SampleCounter.harness().onForSt(DEFAULTS);

    assertThatThrownBy(
            () -> CutPointCheck.of(forSt, SCRIPT).restoringOnForSt(heapTimers()).verify())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageEndingWith("restoringOn named FORST");
    assertThatThrownBy(
            () -> CutPointCheck.of(forSt, SCRIPT).restoringOn(StateBackendKind.HEAP).verify())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "a recipe on ForSt restores on ForSt only (ForSt takes no canonical savepoints), but"
                + " restoringOn named HEAP");
    assertThatThrownBy(
            () -> RescaleCheck.of(forSt, SCRIPT).restoringOn(StateBackendKind.ROCKSDB).verify())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageEndingWith("restoringOn named ROCKSDB");
  }

  @Test
  void onForSt_underStateChangelog_isRefusedWhenOpened() {
    KeyedHarness<String, Change<String>, String> recipe =
        SampleCounter.harness().withStateChangelog().onForSt(DEFAULTS);

    assertThatThrownBy(recipe::open)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "onForSt and withStateChangelog do not combine: Flink 2.2 documents the ForSt state"
                + " backend without changelog support");
  }

  @Test
  void savepointCompatibility_onForSt_isRefused(@TempDir Path directory) {
    assertThatThrownBy(
            () ->
                SavepointCompatibility.in(directory)
                    .restore(
                        "sample-counter", 1, SampleCounter.harness().onForSt(DEFAULTS), SCRIPT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("snapshot files hold canonical savepoints, which ForSt does not");
  }

  @Test
  void recipe_onForSt_keepsItsBackendToReturnTo_andCopiesTheOptions() {
    Configuration options = heapTimers();
    KeyedHarness<String, Change<String>, String> forSt =
        SampleCounter.harness().on(StateBackendKind.ROCKSDB).onForSt(options);
    options.setString("state.backend.forst.timer-service.factory", "ForStDB");

    assertThat(forSt.forSt()).isTrue();
    assertThat(forSt.backend()).isEqualTo(StateBackendKind.ROCKSDB);
    assertThat(forSt.toString())
        .startsWith(
            "KeyedHarness{backend=FORST, forStOptions={state.backend.forst.timer-service.factory=HEAP}");
    assertThat(forSt.withMaxParallelism(64).forSt()).isTrue();
    assertThat(forSt.on(StateBackendKind.ROCKSDB).forSt()).isFalse();
    assertThat(SampleCounter.harness().forSt()).isFalse();
  }

  /** A savepoint on {@code backend} of k1's first change, its timers pending. */
  private static OperatorSubtaskState savepointOfK1(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, String> harness =
        SampleCounter.harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      return harness.savepoint();
    }
  }

  /** A harness on ForSt that processed k1's first change. */
  private static OperatorHarness<Change<String>, String> onForStWithK1() throws Exception {
    OperatorHarness<Change<String>, String> harness =
        SampleCounter.harness().onForSt(DEFAULTS).open();
    try {
      harness.processElement(Change.insert("k1#v1"), 10);
      return harness;
    } catch (Exception | Error e) {
      harness.close();
      throw e;
    }
  }

  /** k1's event-time timer fires, and its next change counts on from the restored state. */
  private static void assertContinuesFromK1(OperatorHarness<Change<String>, String> restored)
      throws Exception {
    restored.processWatermark(200);
    restored.processElement(Change.delete("k1#v1"), 300);

    assertThat(restored.output())
        .containsExactly("k1 event-timer@110 n=1", "k1 n=2 last=-D[k1#v1] kinds={+I=1, -D=1}");
  }
}
