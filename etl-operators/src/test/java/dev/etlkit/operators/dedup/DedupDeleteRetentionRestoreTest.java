package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.changes;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code withDeleteRetention} added or shortened at a restore: the tombstones restored without a
 * deadline (or with a later one than the retention at hand gives) get one in a pass over all keys
 * after the restore, so a key deleted for good, never written again, is forgotten too. Harness
 * clocks start at 0 at every restore.
 */
class DedupDeleteRetentionRestoreTest {

  private static final Duration RETENTION = Duration.ofMinutes(1);
  private static final long R = RETENTION.toMillis();

  private static Dedup.DedupStep<Change<String>, String, String, Change<String>> byVersion() {
    return keepLast()
        .withOrdering(DedupOrder.by("version", DedupHarness::version))
        .withRetractOutput()
        .onChangelog();
  }

  private static KeyedHarness<Object, Change<String>, Change<String>> without(
      StateBackendKind backend) {
    return changes(byVersion()).harness().on(backend);
  }

  private static KeyedHarness<Object, Change<String>, Change<String>> with(
      Duration retention, StateBackendKind backend) {
    return changes(byVersion().withDeleteRetention(retention)).harness().on(backend);
  }

  /** k1 deleted, k2 deleted without ever being live, k3 live. */
  private static OperatorSubtaskState twoTombstonesAndALiveRow(
      KeyedHarness<Object, Change<String>, Change<String>> recipe) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      harness.processElement(Change.insert("k1#v1"));
      harness.processElement(Change.delete("k1#v5"));
      harness.processElement(Change.delete("k2#v5"));
      harness.processElement(Change.insert("k3#v1"));
      return harness.snapshot();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtARestore_restoredTombstonesGoARetentionAfterIt_withoutAnyWrite(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot = twoTombstonesAndALiveRow(without(backend));
    try (OperatorHarness<Change<String>, Change<String>> restored =
        with(RETENTION, backend).restore(snapshot)) {
      assertThat(givenDeadlines(restored)).isEqualTo(2L);
      assertThat(restored.unwrap().numProcessingTimeTimers()).isEqualTo(2);

      restored.setProcessingTime(R - 1);
      assertThat(removed(restored)).isZero();
      restored.setProcessingTime(R); // no key was written since the restore
      assertThat(removed(restored)).isEqualTo(2L);
      assertThat(restored.unwrap().numProcessingTimeTimers()).isZero();

      restored.processElement(Change.insert("k1#v3")); // forgotten: new
      restored.processElement(Change.insert("k2#v3")); // forgotten: new
      restored.processElement(Change.insert("k3#v0")); // the live row is kept: stale

      assertThat(restored.output()).containsExactly(Change.insert("k1#v3"), Change.insert("k2#v3"));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void addedAtARestore_thenRestoredAgain_theSecondRestoreRunsNoPass(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Change<String>, Change<String>> recipe = with(RETENTION, backend);
    OperatorSubtaskState again;
    try (OperatorHarness<Change<String>, Change<String>> restored =
        recipe.restore(twoTombstonesAndALiveRow(without(backend)))) {
      assertThat(givenDeadlines(restored)).isEqualTo(2L);
      again = restored.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored = recipe.restore(again)) {
      assertThat(givenDeadlines(restored)).isEqualTo(-1L);
      restored.setProcessingTime(R); // the deadlines the first restore gave
      assertThat(removed(restored)).isEqualTo(2L);
    }
    try (OperatorHarness<Change<String>, Change<String>> fresh = recipe.open()) {
      assertThat(givenDeadlines(fresh)).isEqualTo(-1L); // not restored
    }
  }

  /**
   * Shortened from 10 minutes to 1: the pending removals move to a minute after each tombstone's
   * last write (known from the old deadline less the old retention); lengthened to 20, to 20
   * minutes after it.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void shortenedAtARestore_pendingRemovalsMoveToTheNewRetentionAfterTheirWrite(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        with(Duration.ofMinutes(10), backend).open()) {
      harness.processElement(Change.delete("k1#v5")); // due at 600 s
      harness.setProcessingTime(30_000);
      harness.processElement(Change.delete("k2#v5")); // due at 630 s
      harness.processElement(Change.insert("k3#v1"));
      snapshot = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored =
        with(RETENTION, backend).restore(snapshot)) {
      assertThat(givenDeadlines(restored)).isEqualTo(2L);
      restored.setProcessingTime(R);
      assertThat(removed(restored)).isEqualTo(1L); // k1, written at 0
      restored.setProcessingTime(30_000 + R);
      assertThat(removed(restored)).isEqualTo(2L); // k2, written at 30 s
      assertThat(restored.unwrap().numProcessingTimeTimers()).isZero();
      restored.processElement(Change.insert("k3#v0")); // live row kept: stale
      assertThat(restored.output()).isEmpty();
    }
    try (OperatorHarness<Change<String>, Change<String>> longer =
        with(Duration.ofMinutes(20), backend).restore(snapshot)) {
      assertThat(givenDeadlines(longer)).isEqualTo(2L);
      longer.setProcessingTime(600_000); // k1's deadline as it was given
      assertThat(removed(longer)).isZero();
      longer.setProcessingTime(1_200_000); // 20 min after k1's write
      assertThat(removed(longer)).isEqualTo(1L);
      longer.setProcessingTime(1_230_000); // 20 min after k2's write
      assertThat(removed(longer)).isEqualTo(2L);
    }
  }

  /**
   * Lengthened, then shortened: the deadlines of a run take one retention (the one recorded), so a
   * later shortening can tell each tombstone's last write from its deadline. A tombstone written at
   * 0 with one minute is due at 1 min; lengthened to 10 minutes it moves to 10 min after its write;
   * shortened to 5 it is due 5 min after its write, never before (the restores' clocks start at 0,
   * as the write's did).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lengthenedThenShortened_noTombstoneGoesBeforeTheRetentionAfterItsWrite(
      StateBackendKind backend) throws Exception {
    OperatorSubtaskState snapshot;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        with(RETENTION, backend).open()) {
      harness.processElement(Change.delete("k1#v5")); // due at 60 s
      snapshot = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> longer =
        with(Duration.ofMinutes(10), backend).restore(snapshot)) {
      assertThat(givenDeadlines(longer)).isEqualTo(1L);
      longer.setProcessingTime(R);
      assertThat(removed(longer)).as("kept for the longer retention").isZero();
      snapshot = longer.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> shorter =
        with(Duration.ofMinutes(5), backend).restore(snapshot)) {
      assertThat(givenDeadlines(shorter)).isEqualTo(1L);
      shorter.setProcessingTime(1);
      assertThat(removed(shorter)).as("not before 5 min after its write").isZero();
      shorter.setProcessingTime(Duration.ofMinutes(5).toMillis() - 1);
      assertThat(removed(shorter)).isZero();
      shorter.setProcessingTime(Duration.ofMinutes(5).toMillis());
      assertThat(removed(shorter)).isEqualTo(1L);
    }
  }

  /**
   * On, off, on: the run without the option writes tombstones without a deadline, so the restore
   * that sets it again gives them one, and moves the deadlines still pending to a retention after
   * that restore (a tombstone written again while the option was off left no trace of it: never
   * early, later than needed for some).
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void removedAndSetAgain_tombstonesWrittenWhileOff_getADeadline(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState withOption;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        with(RETENTION, backend).open()) {
      harness.processElement(Change.delete("k1#v5")); // due at 60 s
      withOption = harness.snapshot();
    }
    OperatorSubtaskState withoutOption;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        without(backend).restore(withOption)) {
      harness.processElement(Change.delete("k2#v5")); // no deadline
      withoutOption = harness.snapshot();
    }
    try (OperatorHarness<Change<String>, Change<String>> restored =
        with(RETENTION, backend).restore(withoutOption)) {
      assertThat(givenDeadlines(restored)).isEqualTo(1L); // k2
      restored.setProcessingTime(R);
      assertThat(removed(restored)).isEqualTo(2L);
    }
  }

  private static long removed(OperatorHarness<?, ?> harness) {
    return operator(harness).deleteMarkersRemovedCount();
  }

  private static long givenDeadlines(OperatorHarness<?, ?> harness) {
    return operator(harness).markersGivenDeadlines();
  }

  private static DedupOperator<?, ?, ?, ?> operator(OperatorHarness<?, ?> harness) {
    return (DedupOperator<?, ?, ?, ?>) harness.unwrap().getOperator();
  }
}
