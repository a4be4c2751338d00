package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.brief;
import static dev.etlkit.scd.Brief.customer;
import static dev.etlkit.scd.Scd2Test.CHANGES;
import static dev.etlkit.scd.Scd2Test.customers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.KeyCursor;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention} added or shortened at a restore applies to the deleted keys restored,
 * as a TTL switched on or shortened does: once, after the restore, every deleted key without a
 * cleanup timer due by its deadline gets one, at the restore plus the retention when its last write
 * is not known (the step had neither the option nor TTL), at its last write plus the retention when
 * it is (at once if that is past). The retention the timers were set with is kept in operator state
 * ({@value #RETENTION_STATE}), so the pass runs only when it is new or shorter. Before 2026-11-25 a
 * deleted key restored without a known clock was kept until its next write, which a deleted key
 * seldom gets: the pile of deleted keys that made a user add the option never shrank.
 */
class Scd2DeleteRetentionRestoreTest {

  private static final Duration RETENTION = Duration.ofMinutes(10);
  private static final long RET = RETENTION.toMillis();

  /** The operator state of the recorded retention: part of the savepoint layout. */
  private static final String RETENTION_STATE = "scd2-delete-retention";

  private static Scd2Harnesses.Recipe<Change<Customer>, Customer> withRetention(
      Duration retention) {
    return Scd2Harnesses.of(customers().withDeleteRetention(retention), CHANGES);
  }

  private static long cursors(OperatorHarness<?, ?> h) throws Exception {
    return Scd2Harnesses.stateKeys(h, "cursor");
  }

  private static long keysGivenCleanupTimers(OperatorHarness<?, ?> h) {
    return ((Scd2Operator<?, ?>) h.unwrap().getOperator()).keysGivenCleanupTimers();
  }

  /** The cursor of a {@code Customer} step's key, as its state holds it. */
  private static KeyCursor<Customer> cursor(OperatorHarness<?, ?> h, String key) throws Exception {
    KeyedStateBackend<Object> keyed = h.unwrap().getOperator().getKeyedStateBackend();
    keyed.setCurrentKey(key);
    return keyed
        .getPartitionedState(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            new ValueStateDescriptor<>(
                "cursor", KeyCursor.typeInfo(Customer.TYPE, Scd2Output.RETRACT)))
        .value();
  }

  /** Names of the operator (not keyed) states in a snapshot. */
  private static Set<String> operatorStates(OperatorSubtaskState snapshot) {
    Set<String> names = new HashSet<>();
    for (OperatorStateHandle handle : snapshot.getManagedOperatorState()) {
      names.addAll(handle.getStateNameToPartitionOffsets().keySet());
    }
    return names;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retentionAddedAtARestore_withoutTtl_deletedKeysAreForgottenARetentionAfterIt(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.processElement(Change.insert(customer("c2", "retail", "555", 1))); // live: kept
      h.processElement(Change.delete(customer("c3", "retail", "555", 1))); // never live
      snapshot = h.snapshot();
    }
    assertThat(operatorStates(snapshot)).doesNotContain(RETENTION_STATE);
    var recipe = withRetention(RETENTION);
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).as("c1 and c3").isEqualTo(2);
      h.setProcessingTime(RET - 1);
      assertThat(cursors(h)).isEqualTo(3);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).as("c2, live").isEqualTo(1);
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(2);
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));

      assertThat(brief(h.output())).containsExactly("+I c1 v1 [d3,) current vip/555");
      assertThat(operatorStates(h.snapshot())).contains(RETENTION_STATE);
    }
  }

  /** A key written after the restore gets its clock from that write, as before. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retentionAddedAtARestore_aKeyWrittenAfterItCountsFromThatWrite(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    var recipe = withRetention(RETENTION);
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(RET / 2);
      h.processElement(Change.delete(customer("c1", "retail", "555", 3))); // a newer delete
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(RET / 2 + RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retentionShortenedAtARestore_deletedKeyIsForgottenAtItsLastWritePlusTheNewOne(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = withRetention(RETENTION.multipliedBy(10)).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2))); // at 0: due at 10 RET
      snapshot = h.snapshot();
    }
    var recipe = withRetention(RETENTION);
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(1);
      h.setProcessingTime(RET - 1);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  /** The same or a longer retention needs no pass: a timer that fires early sets itself again. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retentionKeptOrLengthened_noPass(StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = withRetention(RETENTION).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    try (var h = withRetention(RETENTION).harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(-1);
    }
    var longer = withRetention(RETENTION.multipliedBy(2));
    try (var h = longer.harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(-1);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(2 * RET);
      assertThat(cursors(h)).isZero();
    }
    try (var h = Scd2Harnesses.of(customers(), CHANGES).harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).as("no option, no TTL: no pass").isEqualTo(-1);
    }
  }

  /**
   * On, off, on: keys deleted while the option was off have no timer; the run without it clears the
   * recorded retention, so the next restore with it passes over the keys again.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retentionOnOffOn_keyDeletedWhileOff_isForgottenARetentionAfterTheLastRestore(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = withRetention(RETENTION).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      snapshot = h.snapshot();
    }
    try (var h = Scd2Harnesses.of(customers(), CHANGES).harness().on(backend).restore(snapshot)) {
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    var recipe = withRetention(RETENTION);
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(1);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  /**
   * TTL and the option switched on at one restore: the deleted key's clock starts at the restore,
   * so the retention forgets it first, counted as a removal (not as a TTL expiry).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlAndRetentionSwitchedOnTogether_deletedKeyIsRemovedByTheRetention(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      h.processElement(Change.insert(customer("c2", "retail", "555", 1)));
      snapshot = h.snapshot();
    }
    var recipe =
        Scd2Harnesses.of(
            customers().withDeleteRetention(RETENTION), CHANGES, RETENTION.multipliedBy(3));
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(RET);
      assertThat(cursors(h)).as("c2 is live: its TTL").isEqualTo(1);
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
      h.setProcessingTime(3 * RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  /** Append output: the key forgotten after the restore emits its closed versions first. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void append_retentionAddedAtARestore_forgottenKeyEmitsItsClosedVersions(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState snapshot;
    try (var h =
        Scd2Harnesses.of(customers().withOutput(Scd2Output.APPEND), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.updateAfter(customer("c1", "vip", "555", 2)));
      h.processElement(Change.delete(customer("c1", "vip", "555", 3)));
      assertThat(h.output()).as("within the 10-day horizon: not final").isEmpty();
      snapshot = h.snapshot();
    }
    var recipe =
        Scd2Harnesses.of(
            customers().withOutput(Scd2Output.APPEND).withDeleteRetention(RETENTION), CHANGES);
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(RET);

      assertThat(brief(h.output()))
          .containsExactly("+I c1 v1 [d1,d2) retail/555", "+I c1 v2 [d2,d3) vip/555");
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().stepMetrics().emittedCount()).isEqualTo(2);
    }
  }

  /**
   * Rescaled at the restore: every subtask reads the union of the recorded retentions (all longer
   * than the new one) and passes over the keys it got; the same retention on another parallelism
   * runs no pass.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retentionShortenedAtARescaledRestore_everySubtaskPassesOverTheKeysItGot(
      StateBackendKind backend) throws Exception {
    KeyedHarness<String, Change<Customer>, Change<Scd2Row<Customer>>> before =
        withRetention(RETENTION.multipliedBy(10)).harness().on(backend);
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      try (var h = before.openSubtask(2, subtask)) {
        for (int k = 0; k < 12; k++) {
          Change<Customer> insert = Change.insert(customer("c" + k, "retail", "555", 1));
          if (before.subtaskOf(insert, 2) == subtask) {
            h.processElement(insert);
            if (k % 3 != 0) { // eight deleted, four live
              h.processElement(Change.delete(customer("c" + k, "retail", "555", 2)));
            }
          }
        }
        snapshots.add(h.snapshot());
      }
    }
    for (int parallelism : new int[] {1, 3}) {
      long given = 0;
      long kept = 0;
      var after = withRetention(RETENTION).harness().on(backend);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (var h = after.restoreSubtask(snapshots, parallelism, subtask)) {
          given += keysGivenCleanupTimers(h);
          h.setProcessingTime(RET);
          kept += cursors(h);
        }
      }
      assertThat(given).as("parallelism %s", parallelism).isEqualTo(8);
      assertThat(kept).as("the live keys").isEqualTo(4);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (var h = before.restoreSubtask(snapshots, parallelism, subtask)) {
          assertThat(keysGivenCleanupTimers(h)).as("same retention").isEqualTo(-1);
        }
      }
    }
  }

  /**
   * Under the changelog state backend the cursor the pass writes (the restore as the key's last
   * write, its timer) is logged like any write: a snapshot taken right after the pass restores it.
   */
  @Test
  void retentionAddedAtARestore_underTheChangelogBackend_theWrittenCursorIsRestored()
      throws Exception {
    OperatorSubtaskState snapshot;
    try (var h =
        Scd2Harnesses.of(customers(), CHANGES)
            .harness()
            .on(StateBackendKind.HEAP)
            .withStateChangelog()
            .open()) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    var recipe = withRetention(RETENTION);
    var changelog = recipe.harness().on(StateBackendKind.HEAP).withStateChangelog();
    try (var h = changelog.restore(snapshot)) {
      assertThat(cursor(h, "c1").cleanupAt).isEqualTo(RET);
      snapshot = h.snapshot();
    }
    try (var h = changelog.restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(-1);
      assertThat(cursor(h, "c1").cleanupAt).isEqualTo(RET);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
    }
  }

  /** On ForSt with its timers on the heap the pass's timers are snapshotted and restored. */
  @Test
  void retentionAddedAtARestore_onForStWithHeapTimers_theTimersAreRestored() throws Exception {
    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(customers(), CHANGES).harness().onForSt(heapTimers).open()) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    var recipe = withRetention(RETENTION);
    try (var h = recipe.harness().onForSt(heapTimers).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(1);
      snapshot = h.snapshot();
    }
    try (var h = recipe.harness().onForSt(heapTimers).restore(snapshot)) {
      assertThat(keysGivenCleanupTimers(h)).isEqualTo(-1);
      h.setProcessingTime(RET);
      assertThat(cursors(h)).isZero();
    }
  }

  /**
   * A deleted key given the restore as its last write and re-inserted before its deadline is live:
   * kept past the deadline and forgotten by its TTL counted from the re-insert, not from the
   * restore.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void ttlAndRetentionSwitchedOn_keyReinsertedBeforeItsDeadline_keepsItsTtlFromTheReinsert(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = Scd2Harnesses.of(customers(), CHANGES).open(backend)) {
      h.processElement(Change.insert(customer("c1", "retail", "555", 1)));
      h.processElement(Change.delete(customer("c1", "retail", "555", 2)));
      snapshot = h.snapshot();
    }
    var recipe =
        Scd2Harnesses.of(
            customers().withDeleteRetention(RETENTION), CHANGES, RETENTION.multipliedBy(3));
    try (var h = recipe.harness().on(backend).restore(snapshot)) {
      h.setProcessingTime(RET / 2);
      h.processElement(Change.insert(customer("c1", "vip", "555", 3)));
      h.setProcessingTime(3 * RET);
      assertThat(cursors(h)).isEqualTo(1);
      h.setProcessingTime(RET / 2 + 3 * RET);
      assertThat(cursors(h)).isZero();
      assertThat(recipe.function().deleteMarkersRemoved()).as("forgotten by its TTL").isZero();
    }
  }

  /**
   * The committed append snapshots of every state format (format 1 and 2 cursors keep their changes
   * in the map state, which the pass's write of the cursor must leave to be moved) restored with
   * the option added: the deleted key is forgotten a retention after the restore and its closed
   * version emitted, alike from every format.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void retentionAddedAtARestore_ofEveryStateFormat_continuesAlike(StateBackendKind backend)
      throws Exception {
    List<List<String>> outputs = new ArrayList<>();
    for (int format = 1; format <= 4; format++) {
      var recipe =
          Scd2Harnesses.of(
              Scd2SavepointCompatibilityTest.append().withDeleteRetention(RETENTION), CHANGES);
      try (var h =
          recipe
              .harness()
              .on(backend)
              .restore(
                  SnapshotFiles.read(
                      Scd2SavepointCompatibilityTest.SNAPSHOTS.file(
                          "scd2-append", format, backend)))) {
        assertThat(keysGivenCleanupTimers(h)).as("c3, deleted").isEqualTo(1);
        h.setProcessingTime(RET);
        assertThat(recipe.function().deleteMarkersRemoved()).isEqualTo(1);
        outputs.add(brief(h.output()));
      }
    }
    assertThat(outputs.get(0)).containsExactly("+I c3 v1 [d2,d3) a/1");
    assertThat(outputs).containsOnly(outputs.get(0));
  }
}
