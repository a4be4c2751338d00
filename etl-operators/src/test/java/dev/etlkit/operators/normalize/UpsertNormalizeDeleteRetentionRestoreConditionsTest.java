package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.STRING_CHANGES;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.expanded;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static dev.etlkit.operators.normalize.NormalizeSavepointCompatibilityTest.SNAPSHOTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.operators.normalize.internal.NormalizeOperator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention} added or shortened at a restore of an upsert normalize step (its
 * operator as the pipeline wires it), under the conditions a review tried to break the pass with: a
 * rescale, the changelog state backend, ForSt with its timers on the heap, and state TTL expiring
 * markers between the snapshot and the restore; the committed snapshots of earlier etlkit versions
 * too. Clocks start at 0 at every restore.
 */
class UpsertNormalizeDeleteRetentionRestoreConditionsTest {

  private static final Duration RETENTION = Duration.ofMinutes(1);
  private static final long R = RETENTION.toMillis();
  private static final Duration TTL = Duration.ofMinutes(10);

  private static KeyedHarness<Object, Change<String>, Change<String>> recipe(
      @Nullable Duration retention, @Nullable Duration ttl) {
    UpsertNormalize<String, String> step = strings().withSequence(ChangeSequence.sourcePosition());
    if (retention != null) {
      step = step.withDeleteRetention(retention);
    }
    if (ttl != null) {
      step = step.withStateTtl(ttl);
    }
    return expanded(step, STRING_CHANGES, null).harness();
  }

  /**
   * Rescaled at the restore (2 subtasks to 1 and to 3): every subtask reads the union of the
   * recorded retentions (all longer than the new one) and passes over the keys it got; the same
   * retention on another parallelism runs no pass.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void shortenedAtARescaledRestore_everySubtaskPassesOverTheKeysItGot(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Change<String>, Change<String>> before =
        recipe(RETENTION.multipliedBy(10), null).on(backend);
    List<OperatorSubtaskState> snapshots = new ArrayList<>();
    for (int subtask = 0; subtask < 2; subtask++) {
      try (OperatorHarness<Change<String>, Change<String>> h = before.openSubtask(2, subtask)) {
        for (int k = 0; k < 12; k++) {
          Change<String> insert = Change.insert("k" + k + "#v1").withSourcePosition(1);
          if (before.subtaskOf(insert, 2) == subtask) {
            h.processElement(insert, k);
            if (k % 3 != 0) { // eight deleted, four live
              h.processElement(Change.delete("k" + k + "#").withSourcePosition(2), k);
            }
          }
        }
        snapshots.add(h.snapshot());
      }
    }
    for (int parallelism : new int[] {1, 3}) {
      long given = 0;
      long removed = 0;
      KeyedHarness<Object, Change<String>, Change<String>> after =
          recipe(RETENTION, null).on(backend);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<Change<String>, Change<String>> h =
            after.restoreSubtask(snapshots, parallelism, subtask)) {
          given += givenDeadlines(h);
          h.setProcessingTime(R); // written at 0: a retention after their write
          removed += removed(h);
        }
      }
      assertThat(given).as("parallelism %s", parallelism).isEqualTo(8);
      assertThat(removed).as("parallelism %s", parallelism).isEqualTo(8);
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<Change<String>, Change<String>> h =
            before.restoreSubtask(snapshots, parallelism, subtask)) {
          assertThat(givenDeadlines(h)).as("same retention").isEqualTo(-1L);
        }
      }
    }
  }

  /**
   * Under the changelog state backend the deadlines the pass writes are logged like any write: a
   * snapshot taken right after the pass restores them, and the restore from it runs no pass.
   */
  @Test
  void addedAtARestore_underTheChangelogBackend_theDeadlinesWrittenAreRestored() throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> h =
        recipe(null, null).on(StateBackendKind.HEAP).withStateChangelog().open()) {
      h.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      h.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      snapshot = h.snapshot();
    }
    KeyedHarness<Object, Change<String>, Change<String>> changelog =
        recipe(RETENTION, null).on(StateBackendKind.HEAP).withStateChangelog();
    try (OperatorHarness<Change<String>, Change<String>> h = changelog.restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(1L);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> h = changelog.restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(-1L);
      h.setProcessingTime(R - 1);
      assertThat(removed(h)).isZero();
      h.setProcessingTime(R);
      assertThat(removed(h)).isEqualTo(1L);
      h.processElement(Change.insert("k1#v0").withSourcePosition(1), 5); // forgotten: new
      assertThat(show(h.output())).containsExactly("+I[k1#v0] pos=1");
    }
  }

  /** On ForSt with its timers on the heap the pass's timers are snapshotted and restored. */
  @Test
  void addedAtARestore_onForStWithHeapTimers_theTimersAreRestored() throws Exception {
    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> h =
        recipe(null, null).onForSt(heapTimers).open()) {
      h.processElement(Change.insert("k1#v1").withSourcePosition(1), 1);
      h.processElement(Change.delete("k1#").withSourcePosition(2), 2);
      snapshot = h.snapshot();
    }
    KeyedHarness<Object, Change<String>, Change<String>> forSt =
        recipe(RETENTION, null).onForSt(heapTimers);
    try (OperatorHarness<Change<String>, Change<String>> h = forSt.restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(1L);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> h = forSt.restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(-1L);
      assertThat(h.unwrap().numProcessingTimeTimers()).isEqualTo(1);
      h.setProcessingTime(R);
      assertThat(removed(h)).isEqualTo(1L);
    }
  }

  /**
   * Markers the state TTL expired after the snapshot and before the restore are not markers any
   * more: the pass neither counts them nor gives them a deadline, and no removal is counted; the
   * key is new, as after any expiry.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtARestore_markersExpiredByTheTtl_areNotGivenDeadlinesNorCounted(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> h = recipe(null, TTL).on(backend).open()) {
      h.setStateTtlTime(-TTL.toMillis() - 500); // expires at -500: after the snapshot at -100
      h.processElement(Change.delete("old#").withSourcePosition(2), 1);
      h.setStateTtlTime(-100); // alive at the restore (TTL clock 0)
      h.processElement(Change.delete("new#").withSourcePosition(2), 2);
      snapshot = h.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> h =
        recipe(RETENTION, TTL).on(backend).restore(snapshot)) {
      assertThat(givenDeadlines(h)).isEqualTo(1L);
      assertThat(h.unwrap().numProcessingTimeTimers()).isEqualTo(1);
      h.setProcessingTime(R);
      assertThat(removed(h)).isEqualTo(1L); // "new" only
      h.processElement(Change.insert("old#v1").withSourcePosition(1), 5); // expired: new
      h.processElement(Change.insert("new#v1").withSourcePosition(1), 6); // removed: new
      assertThat(show(h.output())).containsExactly("+I[old#v1] pos=1", "+I[new#v1] pos=1");
    }
  }

  /**
   * The committed snapshots of the versioned step (formats 1 and 2: k2 deleted) and of the
   * projected one (formats 1 to 3: c3's unknown-key delete kept), taken without the option by
   * earlier etlkit versions, restored with the option added: the pass gives the marker its deadline
   * a retention after the restore.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtTheRestoreOfTheCommittedSnapshots_theirMarkerGetsItsDeadline(StateBackendKind backend)
      throws Exception {
    for (int version = 1; version <= 2; version++) {
      NormalizeHarnesses.Normalizer<String, String> normalize =
          normalizer(
              strings()
                  .withSequence(ChangeSequence.sourcePosition())
                  .withDeleteRetention(RETENTION),
              Types.STRING,
              null);
      try (OperatorHarness<Change<String>, Change<String>> h =
          SNAPSHOTS.restore(
              "normalize-versioned",
              version,
              normalize.recipe.on(backend),
              HarnessInput.<Change<String>>builder().build())) {
        assertThat(givenDeadlines(h)).as("format %s", version).isEqualTo(1L);
        h.setProcessingTime(R);
        assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1L);
        h.processElement(Change.updateAfter("k2#v0").withSourcePosition(3), 60); // new
        assertThat(show(h.output())).containsExactly("+I[k2#v0] pos=3");
      }
    }
    for (int version = 1; version <= 3; version++) {
      NormalizeHarnesses.Normalizer<Customer, String> normalize =
          normalizer(
              NormalizeSavepointCompatibilityTest.projected(true).withDeleteRetention(RETENTION),
              Customer.TYPE,
              null);
      try (OperatorHarness<Change<Customer>, Change<Customer>> h =
          SNAPSHOTS.restore(
              "normalize-projected",
              version,
              normalize.recipe.on(backend),
              HarnessInput.<Change<Customer>>builder().build())) {
        assertThat(givenDeadlines(h)).as("projected, format %s", version).isEqualTo(1L);
        h.setProcessingTime(R);
        assertThat(normalize.function().deleteMarkersRemovedCount()).isEqualTo(1L);
        h.processElement(Change.insert(new Customer("c3", "Cy", "cy@one", 8)), 62); // new
        assertThat(h.output())
            .containsExactly(Change.insert(new Customer("c3", "Cy", "cy@one", 8)));
      }
    }
  }

  private static long removed(OperatorHarness<?, ?> harness) {
    Object function = operator(harness).getUserFunction();
    return ((NormalizeFunctionBase<?, ?>) function).deleteMarkersRemovedCount();
  }

  private static long givenDeadlines(OperatorHarness<?, ?> harness) {
    return operator(harness).markersGivenDeadlines();
  }

  private static NormalizeOperator<?, ?> operator(OperatorHarness<?, ?> harness) {
    return (NormalizeOperator<?, ?>) harness.unwrap().getOperator();
  }
}
