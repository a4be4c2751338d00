package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.ForStTtlSwitch;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * Dedup on Flink's ForSt state backend (docs/operations.md#the-forst-state-backend): the output of
 * RocksDB, record for record; restores from ForSt's snapshots and from canonical savepoints of
 * RocksDB (ForSt with its timers on the heap), including the committed savepoint files; state TTL.
 */
class DedupForStTest {

  /** ForSt with its timers on the heap, as it needs to restore canonical savepoints. */
  private static final Configuration HEAP_TIMERS = new Configuration();

  static {
    HEAP_TIMERS.setString("state.backend.forst.timer-service.factory", "HEAP");
  }

  private static final KeyedHarness<Object, String, String> KEEP_FIRST_IN_EVENT_TIME =
      DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder()).harness();

  @Test
  void keepFirstInEventTimeAndKeepLast_onForSt_emitWhatRocksDbEmits() throws Exception {
    KeyedHarness<Object, Change<String>, Change<String>> keepLast =
        DedupCutPointTest.keepLastRetractByVersion();

    assertThat(run(KEEP_FIRST_IN_EVENT_TIME.onForSt(new Configuration()), heldRows()))
        .isEqualTo(run(KEEP_FIRST_IN_EVENT_TIME.on(StateBackendKind.ROCKSDB), heldRows()))
        .isNotEmpty();
    assertThat(run(keepLast.onForSt(HEAP_TIMERS), changes()))
        .isEqualTo(run(keepLast.on(StateBackendKind.ROCKSDB), changes()))
        .isNotEmpty();
  }

  @Test
  void keepFirstInEventTime_restoredFromForStSnapshots_sameOutput() {
    CutPointCheck.of(KEEP_FIRST_IN_EVENT_TIME.onForSt(new Configuration()), heldRows())
        .withPerKeyOrder()
        .withSampledCutPoints(4, 3L)
        .verify();
  }

  @Test
  void keepLast_restoredOnForStFromRocksDbSavepoints_sameOutput() {
    CutPointCheck.of(
            DedupCutPointTest.keepLastRetractByVersion().on(StateBackendKind.ROCKSDB), changes())
        .restoringOnForSt(HEAP_TIMERS)
        .withSampledCutPoints(4, 5L)
        .verify();
  }

  /** The newest committed RocksDB savepoint of held rows: ForSt carries on as RocksDB does. */
  @Test
  void committedRocksDbSavepoint_restoredOnForSt_continuesAsOnRocksDb() throws Exception {
    var state =
        SnapshotFiles.read(
            SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY)
                .file("dedup-keep-first-event-time", 3, StateBackendKind.ROCKSDB));
    HarnessInput<String> after =
        HarnessInput.<String>builder()
            .element("k1#v0", 5) // late: behind the restored watermark
            .element("k2#v0", 28) // earlier than the held k2#v1
            .element("k1#v2", 50)
            .watermark(60)
            .build();

    List<Emitted> onRocksDb;
    try (OperatorHarness<String, String> h =
        KEEP_FIRST_IN_EVENT_TIME.on(StateBackendKind.ROCKSDB).restore(state)) {
      onRocksDb = h.run(after);
    }
    try (OperatorHarness<String, String> h =
        KEEP_FIRST_IN_EVENT_TIME.onForSt(HEAP_TIMERS).restore(state)) {
      assertThat(h.run(after)).isEqualTo(onRocksDb).hasSize(2);
      assertThat(DedupHarness.balanced(DedupHarness.counts(h))).isTrue();
    }
  }

  /**
   * An expired key is a new key on ForSt as on RocksDB: Flink's TTL filters it when read, also
   * after a restore from a snapshot that still holds its entry (a checkpoint keeps expired entries
   * until a compaction drops them, on both).
   */
  @Test
  void ttl_anExpiredKeyIsNew_alsoAfterARestore() throws Exception {
    Duration ttl = Duration.ofMinutes(1);
    KeyedHarness<Object, String, Change<String>> recipe =
        DedupHarness.rows(DedupHarness.keepLast().withStateTtl(ttl)).harness();
    for (KeyedHarness<Object, String, Change<String>> backend :
        List.of(recipe.on(StateBackendKind.ROCKSDB), recipe.onForSt(new Configuration()))) {
      try (OperatorHarness<String, Change<String>> h = backend.open()) {
        h.setStateTtlTime(0);
        h.processElement("k1#v1", 1);
        h.setStateTtlTime(2 * ttl.toMillis()); // k1 expired
        h.processElement("k2#v1", 2);

        try (OperatorHarness<String, Change<String>> restored = backend.restore(h.snapshot())) {
          restored.setStateTtlTime(2 * ttl.toMillis());
          assertThat(DedupTtlTest.keys(restored))
              .as("entries in the snapshot on %s", backend)
              .isEqualTo(2);
          restored.processElement("k1#v1", 3);
          restored.processElement("k2#v1", 4); // the same row: nothing

          assertThat(restored.output())
              .as(backend.toString())
              .containsExactly(Change.insert("k1#v1"));
        }
      }
    }
  }

  /** Flink's state TTL switched on or off fails the restore on ForSt, both ways. */
  @Test
  void ttlSwitched_failsTheRestore() throws Exception {
    Duration ttl = Duration.ofMinutes(1);
    ForStTtlSwitch.assertRefusedBothWays(
        DedupHarness.rows(DedupHarness.keepFirst()).harness(),
        DedupHarness.rows(DedupHarness.keepFirst().withStateTtl(ttl)).harness(),
        heldRows());
    ForStTtlSwitch.assertRefusedBothWays(
        DedupHarness.rows(DedupHarness.keepLast()).harness(),
        DedupHarness.rows(DedupHarness.keepLast().withStateTtl(ttl)).harness(),
        heldRows());
  }

  private static HarnessInput<String> heldRows() {
    return DedupCutPointTest.HELD_ROWS;
  }

  private static HarnessInput<Change<String>> changes() {
    return DedupCutPointTest.CHANGES;
  }

  private static <I, O> List<Emitted> run(KeyedHarness<?, I, O> recipe, HarnessInput<I> input)
      throws Exception {
    try (OperatorHarness<I, O> h = recipe.open()) {
      return h.run(input);
    }
  }
}
