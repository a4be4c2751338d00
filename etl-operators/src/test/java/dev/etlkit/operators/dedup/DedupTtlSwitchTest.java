package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * docs/operations.md (upgrading with savepoints): "change a step's TTL, or switch TTL on or off |
 * yes | ... Switched on, state written before expires a TTL after the restore". Checked for dedup
 * on both backends, from a checkpoint and from a savepoint.
 */
class DedupTtlSwitchTest {

  private static final Duration TTL = Duration.ofMinutes(1);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_ttlSwitchedOn_keepsTheKeysAndExpiresThemATtlAfterTheRestore(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> without =
        DedupHarness.rows(DedupHarness.keepFirst()).harness().on(backend);
    KeyedHarness<Object, String, String> with =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(TTL)).harness().on(backend);
    for (boolean savepoint : new boolean[] {false, true}) {
      OperatorSubtaskState state;
      try (OperatorHarness<String, String> h = without.open()) {
        h.processElement("k1#v1", 1);
        state = savepoint ? h.savepoint() : h.snapshot();
      }
      try (OperatorHarness<String, String> h = with.restore(state)) { // restored at TTL time 0
        h.setStateTtlTime(TTL.toMillis() - 1);
        h.processElement("k1#v2", 2); // within a TTL of the restore: still a duplicate
        h.setStateTtlTime(TTL.toMillis() + 1);
        h.processElement("k1#v3", 3); // a TTL after the restore: expired, new

        assertThat(h.output()).as("savepoint: %s", savepoint).containsExactly("k1#v3");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_ttlSwitchedOff_keepsTheKeysForever(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> with =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(TTL)).harness().on(backend);
    KeyedHarness<Object, String, String> without =
        DedupHarness.rows(DedupHarness.keepFirst()).harness().on(backend);
    for (boolean savepoint : new boolean[] {false, true}) {
      OperatorSubtaskState state;
      try (OperatorHarness<String, String> h = with.open()) {
        h.processElement("k1#v1", 1);
        state = savepoint ? h.savepoint() : h.snapshot();
      }
      try (OperatorHarness<String, String> h = without.restore(state)) {
        h.setStateTtlTime(10 * TTL.toMillis());
        h.processElement("k1#v2", 2); // no TTL any more: still a duplicate

        assertThat(h.output()).as("savepoint: %s", savepoint).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_ttlSwitchedOnAndOff_restoresTheKeptRows(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, Change<String>> without =
        DedupHarness.rows(DedupHarness.keepLast()).harness().on(backend);
    KeyedHarness<Object, String, Change<String>> with =
        DedupHarness.rows(DedupHarness.keepLast().withStateTtl(TTL)).harness().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<String, Change<String>> h = without.open()) {
      h.processElement("k1#v1", 1);
      state = h.savepoint();
    }
    try (OperatorHarness<String, Change<String>> h = with.restore(state)) {
      h.processElement("k1#v1", 2); // identical to the kept row: nothing
      h.processElement("k1#v2", 3);
      assertThat(h.output()).containsExactly(Change.updateAfter("k1#v2"));
      state = h.savepoint();
    }
    try (OperatorHarness<String, Change<String>> h = without.restore(state)) {
      h.setStateTtlTime(10 * TTL.toMillis());
      h.processElement("k1#v2", 4); // identical again: nothing
      assertThat(h.output()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_underTheChangelogBackend_ttlSwitchedOnAndOff_restores(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> without =
        DedupHarness.rows(DedupHarness.keepFirst()).harness().on(backend).withStateChangelog();
    KeyedHarness<Object, String, String> with =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(TTL))
            .harness()
            .on(backend)
            .withStateChangelog();
    OperatorSubtaskState state;
    try (OperatorHarness<String, String> h = without.open()) {
      h.processElement("k1#v1", 1);
      state = h.snapshot();
    }
    try (OperatorHarness<String, String> h = with.restore(state)) {
      h.setStateTtlTime(TTL.toMillis() - 1);
      h.processElement("k1#v2", 2); // still a duplicate
      h.processElement("k2#v1", 3);
      state = h.snapshot();
      assertThat(h.output()).containsExactly("k2#v1");
    }
    try (OperatorHarness<String, String> h = without.restore(state)) {
      h.setStateTtlTime(10 * TTL.toMillis());
      h.processElement("k2#v2", 4); // no TTL any more: still a duplicate
      assertThat(h.output()).isEmpty();
    }
  }

  /**
   * docs/concepts.md (state TTL): an expired entry still in the snapshot comes back when the
   * restore switches TTL off or makes it longer; RocksDB's checkpoints hold such entries (they copy
   * its files), heap snapshots and canonical savepoints leave them out.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void
      keepFirst_keyExpiredBeforeTheSnapshot_ttlSwitchedOffOrLonger_comesBackOnlyFromARocksDbCheckpoint(
          StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> with =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(TTL)).harness().on(backend);
    KeyedHarness<Object, String, String> off =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(Duration.ZERO))
            .harness()
            .on(backend);
    KeyedHarness<Object, String, String> longer =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(TTL.multipliedBy(100)))
            .harness()
            .on(backend);
    for (boolean savepoint : new boolean[] {false, true}) {
      OperatorSubtaskState state;
      try (OperatorHarness<String, String> h = with.open()) {
        h.processElement("k1#v1", 1);
        h.setStateTtlTime(TTL.toMillis() + 1); // k1 expired
        state = savepoint ? h.savepoint() : h.snapshot();
      }
      // k1 is live again only where the snapshot still held it
      List<String> expected =
          backend == StateBackendKind.ROCKSDB && !savepoint ? List.of() : List.of("k1#v2");
      try (OperatorHarness<String, String> h = off.restore(state)) {
        h.processElement("k1#v2", 2);

        assertThat(h.output()).as("TTL off, savepoint: %s", savepoint).isEqualTo(expected);
      }
      try (OperatorHarness<String, String> h = longer.restore(state)) {
        h.setStateTtlTime(TTL.toMillis() + 2);
        h.processElement("k1#v2", 2);

        assertThat(h.output()).as("longer TTL, savepoint: %s", savepoint).isEqualTo(expected);
      }
    }
  }

  /** Under the changelog state backend a checkpoint replays the writes: on both backends. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_underTheChangelogBackend_keyExpiredBeforeACheckpoint_comesBackWithTtlOff(
      StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> with =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(TTL))
            .harness()
            .on(backend)
            .withStateChangelog();
    KeyedHarness<Object, String, String> off =
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(Duration.ZERO))
            .harness()
            .on(backend)
            .withStateChangelog();
    OperatorSubtaskState state;
    try (OperatorHarness<String, String> h = with.open()) {
      h.processElement("k1#v1", 1);
      h.setStateTtlTime(TTL.toMillis() + 1); // k1 expired
      state = h.snapshot();
    }
    try (OperatorHarness<String, String> h = off.restore(state)) {
      h.processElement("k1#v2", 2); // k1 is live again: a duplicate

      assertThat(h.output()).isEmpty();
    }
  }
}
