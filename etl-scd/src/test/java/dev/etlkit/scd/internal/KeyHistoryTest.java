package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.Scd2Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** The per-key history rules in plain Java: pruning, bounded state, append emission. */
class KeyHistoryTest {

  private static final Columns<String> WHOLE =
      Columns.resolve(Types.STRING, ChangeDetection.all(), List.of());

  private final List<String> emitted = new ArrayList<>();
  private final VersionSink<String> sink = (kind, v) -> emitted.add(kind.shortString() + " " + v);

  private static KeyHistory<String> history(Scd2Output output, long horizon) {
    return new KeyHistory<>(WHOLE, HardDeletes.INVALIDATE, output, horizon, false, 0L);
  }

  @Test
  void inOrderChanges_keepOnlyTheLastOneToTwoHorizons() throws Exception {
    KeyHistory<String> history = history(Scd2Output.RETRACT, 100);
    MapHistoryStore<String> store = new MapHistoryStore<>(1L);
    int maxKept = 0;
    for (int i = 0; i < 10_000; i++) {
      history.apply(
          store, i * 10L, 0L, (i % 3 == 0) ? "a" : "b" + i, sink, 0L, KeyHistory.NO_TIMERS);
      maxKept = Math.max(maxKept, store.size());
    }
    // changes every 10 ms, horizon 100 ms: at most 2 horizons (21 changes) are ever kept
    assertThat(maxKept).isLessThanOrEqualTo(21);
    assertThat(store.cursor().version).isEqualTo(10_000);
    assertThat(store.cursor().base.version).isGreaterThan(9_970);
    assertThat(store.base()).isNull(); // the cursor holds the base
  }

  /**
   * A key that changes about ten times per horizon, in order: every prune, its first too, goes to a
   * candidate base (waiting for it when it is too recent), so no prune reads a kept change or
   * iterates the map state, and the key keeps at most three horizons.
   */
  @Test
  void inOrderChanges_pruneWithoutReadingKeptChanges_andKeepAtMostThreeHorizons() throws Exception {
    long horizon = 1_000;
    KeyHistory<String> history = history(Scd2Output.RETRACT, horizon);
    MapHistoryStore<String> store = new MapHistoryStore<>(7L);
    java.util.Random random = new java.util.Random(7);
    long time = 0;
    int prunes = 0;
    for (int i = 0; i < 20_000; i++) {
      time += 1 + (long) (-Math.log(1 - random.nextDouble()) * horizon / 10);
      long pruneTime = i == 0 ? Long.MIN_VALUE : store.cursor().pruneTime;
      history.apply(store, time, 0L, "v" + i, sink, 0L, KeyHistory.NO_TIMERS);
      if (i > 0 && store.cursor().pruneTime != pruneTime) {
        prunes++;
      }
      assertThat(time - store.cursor().pruneTime).isBetween(0L, 3 * horizon);
    }
    assertThat(prunes).isGreaterThan(1_000); // about one per horizon
    assertThat(store.iterations).isZero();
    assertThat(store.reads).isZero();
    // a store that keeps objects (the heap) is read only for the chunks a prune drops, to reuse
    // them: a map lookup there (the RocksDB-like store of the next test reads none)
    assertThat(store.chunkReads).isPositive().isLessThanOrEqualTo(store.chunkRemovals);
    // ... and without the cursor listing the kept times: the chunk index has what a prune needs
    assertThat(store.cursor().knowsEarlier()).isFalse();
  }

  /**
   * A key that keeps more changes than its cursor has times for (about 100 per horizon): in-order
   * prunes, the first too, read no kept change and no chunk (on RocksDB each chunk read is a point
   * read that, at this rate, slowed the step down a hundredfold), and the key keeps at most three
   * horizons.
   */
  @Test
  void inOrderChanges_manyKept_pruneWithoutReadingChunks() throws Exception {
    long horizon = 1_000;
    KeyHistory<String> history = history(Scd2Output.RETRACT, horizon);
    MapHistoryStore<String> store =
        new MapHistoryStore<>(
            8L, org.apache.flink.api.common.typeutils.base.StringSerializer.INSTANCE);
    long pruneTime = Long.MIN_VALUE;
    int prunes = 0;
    int mostKept = 0;
    for (int i = 0; i < 5_000; i++) {
      long time = i * 10L;
      history.apply(store, time, 0L, "v" + i, sink, 0L, KeyHistory.NO_TIMERS);
      KeyCursor<String> cursor = store.cursor();
      if (i > 0 && cursor.pruneTime != pruneTime) {
        prunes++; // the first one too goes to a candidate base, remembered a horizon in
      }
      pruneTime = cursor.pruneTime;
      assertThat(time - pruneTime).isBetween(0L, 3 * horizon);
      if (i % 97 == 0) {
        mostKept = Math.max(mostKept, store.size());
      }
    }
    assertThat(prunes).isGreaterThan(20);
    assertThat(mostKept).isGreaterThan(KeyCursor.MAX_EARLIER); // the cursor could not list them
    assertThat(store.iterations).isZero();
    assertThat(store.reads).isZero();
    assertThat(store.chunkReads).isZero();
    assertThat(store.chunkRemovals).isPositive();
  }

  /**
   * In-order changes seal the open chunk at {@value KeyHistory#CHUNK_SIZE} changes where the state
   * is serialized (RocksDB: the cursor holding the open chunk is written with every change) and at
   * {@value KeyHistory#HEAP_CHUNK_SIZE} where it keeps objects (the heap: fewer map-state writes,
   * reads and removals per change).
   */
  @Test
  void inOrderChanges_sealChunksOfEightSerialized_andOf32AsObjects() throws Exception {
    KeyHistory<String> onHeap = history(Scd2Output.RETRACT, 1_000_000);
    KeyHistory<String> onRocksDb = history(Scd2Output.RETRACT, 1_000_000);
    MapHistoryStore<String> objects = new MapHistoryStore<>(9L);
    MapHistoryStore<String> serialized =
        new MapHistoryStore<>(
            9L, org.apache.flink.api.common.typeutils.base.StringSerializer.INSTANCE);
    for (int i = 0; i < 70; i++) { // nothing pruned: the latest in the cursor, 69 kept before it
      onHeap.apply(objects, i, 0L, "v" + i, sink, 0L, KeyHistory.NO_TIMERS);
      onRocksDb.apply(serialized, i, 0L, "v" + i, sink, 0L, KeyHistory.NO_TIMERS);
    }
    assertThat(objects.cursor().chunkCount).isEqualTo(2); // 0..31 and 32..63, 64..68 open
    assertThat(objects.largestChunk()).isEqualTo(KeyHistory.HEAP_CHUNK_SIZE);
    assertThat(serialized.cursor().chunkCount).isEqualTo(8); // eight of 8, 64..68 open
    assertThat(serialized.largestChunk()).isEqualTo(KeyHistory.CHUNK_SIZE);
    assertThat(objects.size()).isEqualTo(69);
    assertThat(serialized.size()).isEqualTo(69);
  }

  /**
   * On the heap (a store that keeps objects), the sealed chunks a prune drops are reused as later
   * open chunks, of any key: over many keys with late, redelivered and deleted changes, no chunk
   * object is ever held twice, the output and the kept changes are those of a store that copies
   * everything (as RocksDB does, where nothing is reused), and once the keys prune, in-order
   * changes open almost no new chunk (without reuse: one per {@value KeyHistory#CHUNK_SIZE}
   * changes).
   */
  @Test
  void heap_prunedChunksAreReused_neverHeldTwice_andChangeNothing() throws Exception {
    long horizon = 1_000;
    int keys = 5;
    List<String> onHeap = new ArrayList<>();
    List<String> copied = new ArrayList<>();
    KeyHistory<String> heapHistory = history(Scd2Output.RETRACT, horizon);
    KeyHistory<String> copyHistory = history(Scd2Output.RETRACT, horizon);
    List<MapHistoryStore<String>> heapStores = new ArrayList<>();
    List<MapHistoryStore<String>> copyStores = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      heapStores.add(new MapHistoryStore<>(k));
      copyStores.add(
          new MapHistoryStore<>(
              k, org.apache.flink.api.common.typeutils.base.StringSerializer.INSTANCE));
    }
    java.util.Random random = new java.util.Random(11);
    long[] latest = new long[keys];
    java.util.Set<ChangeChunk<String>> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    int changes = 40_000;
    int seenAtHalf = 0;
    for (int i = 0; i < changes; i++) {
      int k = random.nextInt(keys);
      boolean inOrderOnly = i >= changes / 2;
      long time =
          !inOrderOnly && random.nextInt(8) == 0
              ? latest[k] - random.nextInt((int) horizon + 200) // late, some past the horizon
              : latest[k] + 1 + random.nextInt(20);
      latest[k] = Math.max(latest[k], time);
      String row = !inOrderOnly && random.nextInt(16) == 0 ? null : "v" + random.nextInt(4);
      heapHistory.apply(
          heapStores.get(k),
          time,
          0L,
          row,
          (kind, v) -> onHeap.add(kind.shortString() + " " + v),
          0L,
          KeyHistory.NO_TIMERS);
      copyHistory.apply(
          copyStores.get(k),
          time,
          0L,
          row,
          (kind, v) -> copied.add(kind.shortString() + " " + v),
          0L,
          KeyHistory.NO_TIMERS);
      java.util.Set<ChangeChunk<String>> held =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (MapHistoryStore<String> store : heapStores) {
        for (ChangeChunk<String> chunk : store.chunkObjects()) {
          assertThat(held.add(chunk)).as("chunk held twice after change %d", i).isTrue();
        }
      }
      seen.addAll(held);
      if (i == changes / 2 + changes / 4) { // the keys pruned since in-order changes began
        seenAtHalf = seen.size();
      }
    }
    assertThat(onHeap).isEqualTo(copied);
    for (int k = 0; k < keys; k++) {
      assertThat(describe(heapStores.get(k).kept())).isEqualTo(describe(copyStores.get(k).kept()));
    }
    int sealedInLastQuarter = changes / 4 / KeyHistory.CHUNK_SIZE; // about, without reuse
    assertThat(seen.size() - seenAtHalf).isLessThan(sealedInLastQuarter / 10);
    assertThat(heapStores.stream().mapToInt(s -> s.chunkReads).sum()).isPositive();
    assertThat(copyStores.stream().mapToInt(s -> s.chunkRemovals).sum()).isPositive();
  }

  private static List<String> describe(Map<Long, StoredChange<String>> kept) {
    List<String> described = new ArrayList<>();
    kept.forEach(
        (time, change) ->
            described.add(time + " " + change.sequence + " " + change.delete + " " + change.row));
    return described;
  }

  @Test
  void zeroHorizon_keepsTheLatestChangeOnly() throws Exception {
    KeyHistory<String> history = history(Scd2Output.RETRACT, 0);
    MapHistoryStore<String> store = new MapHistoryStore<>(2L);
    for (int i = 0; i < 100; i++) {
      history.apply(store, i, 0L, "v" + (i % 2), sink, 0L, KeyHistory.NO_TIMERS);
      assertThat(store.size()).isLessThanOrEqualTo(1);
    }
    assertThat(history.apply(store, 98, 0L, "late", sink, 0L, KeyHistory.NO_TIMERS))
        .isEqualTo(KeyHistory.Outcome.LATE);
    assertThat(history.apply(store, 99, 0L, "tie", sink, 0L, KeyHistory.NO_TIMERS))
        .isEqualTo(KeyHistory.Outcome.CHANGED);
  }

  @Test
  void appendOutput_emitsEachClosedVersionOnce_whenPastTheHorizon() throws Exception {
    KeyHistory<String> history = history(Scd2Output.APPEND, 10);
    MapHistoryStore<String> store = new MapHistoryStore<>(3L);
    history.apply(store, 0, 0L, "a", sink, 0L, KeyHistory.NO_TIMERS);
    history.apply(store, 5, 0L, "b", sink, 0L, KeyHistory.NO_TIMERS);
    history.apply(store, 14, 0L, "c", sink, 0L, KeyHistory.NO_TIMERS);
    assertThat(emitted).isEmpty(); // [0,5) ends at 5, and 14 - 10 = 4 is before it

    history.apply(
        store, 16, 0L, "c", sink, 0L, KeyHistory.NO_TIMERS); // 16 - 10 = 6: [0,5) is final
    assertThat(emitted).containsExactly("+I v1[0, 5) a");

    history.apply(store, 100, 0L, "d", sink, 0L, KeyHistory.NO_TIMERS);
    assertThat(emitted).containsExactly("+I v1[0, 5) a", "+I v2[5, 14) b");
    assertThat(store.size()).isZero(); // the latest change is all that is kept: in the cursor
    assertThat(store.cursor().latestChange.row).isEqualTo("d");
    // append output prunes often, reading the pruned changes by the times its cursor lists
    assertThat(store.cursor().knowsEarlier()).isTrue();
  }

  @Test
  void processingTime_aChangeBeforeTheLatest_isATieAtTheLatest() throws Exception {
    KeyHistory<String> history =
        new KeyHistory<>(WHOLE, HardDeletes.INVALIDATE, Scd2Output.RETRACT, 0, true, 0L);
    MapHistoryStore<String> store = new MapHistoryStore<>(4L);
    history.apply(store, 50, 0L, "a", sink, 0L, KeyHistory.NO_TIMERS);

    assertThat(history.apply(store, 10, 0L, "b", sink, 0L, KeyHistory.NO_TIMERS))
        .isEqualTo(KeyHistory.Outcome.CHANGED);
    assertThat(emitted)
        .containsExactly("+I v1[50, open) a", "-U v1[50, open) a", "+U v1[50, open) b");
  }

  @Test
  void driver_outputMaterializesByVersion() throws Exception {
    HistoryDriver<String> driver =
        new HistoryDriver<>(
            new Scd2Config<>(
                Types.STRING,
                Types.STRING,
                false,
                s -> s,
                dev.etlkit.scd.EffectiveTime.processingTime(),
                dev.etlkit.scd.TieBreak.arrival(),
                WHOLE,
                HardDeletes.INVALIDATE,
                null,
                Scd2Output.RETRACT,
                java.time.Duration.ofMillis(10),
                dev.etlkit.scd.LateChanges.SIDE_OUTPUT,
                null,
                null),
            5L);
    driver.apply("k", Change.insert("a"), 0, 0);
    driver.apply("k", Change.of(RowKind.UPDATE_AFTER, "b"), 5, 0);

    Map<String, Scd2Row<String>> table = dev.etlkit.scd.Scd2Invariants.materialize(driver.output());
    assertThat(table).hasSize(2);
  }

  @Test
  void cleanupTimer_forgetsAnUnwrittenKey_andSurvivesTtlSwitchedOffAndOn() throws Exception {
    List<Long> timers = new ArrayList<>();
    KeyHistory<String> withTtl =
        new KeyHistory<>(WHOLE, HardDeletes.INVALIDATE, Scd2Output.RETRACT, 0, false, 100);
    KeyHistory<String> withoutTtl =
        new KeyHistory<>(WHOLE, HardDeletes.INVALIDATE, Scd2Output.RETRACT, 0, false, 0);
    MapHistoryStore<String> store = new MapHistoryStore<>(6L);

    withTtl.apply(store, 1, 0L, "a", sink, 1_000, timers::add);
    withTtl.apply(store, 2, 0L, "b", sink, 1_050, timers::add);
    assertThat(timers).containsExactly(1_100L);
    assertThat(withTtl.onCleanupTimer(store, 1_100, timers::add, sink))
        .isFalse(); // written at 1050
    assertThat(timers).containsExactly(1_100L, 1_150L);

    assertThat(withoutTtl.onCleanupTimer(store, 1_150, timers::add, sink)).isFalse(); // TTL now off
    assertThat(store.cursor().cleanupAt).isZero();
    withTtl.apply(store, 3, 0L, "c", sink, 5_000, timers::add); // and on again
    assertThat(timers).containsExactly(1_100L, 1_150L, 5_100L);
    assertThat(withTtl.onCleanupTimer(store, 5_100, timers::add, sink)).isTrue();
    assertThat(store.cursor()).isNull();
    assertThat(store.size()).isZero();
  }
}
