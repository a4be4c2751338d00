package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Row;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import javax.annotation.Nullable;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.types.RowKind;

/**
 * Drives {@link KeyHistory} over changes of many keys without Flink, the way the step's function
 * does (update-befores skipped, ignored deletes dropped), one {@link MapHistoryStore} per key.
 *
 * <p>Before some changes (one in eight, by the seed) it turns the key's cursor into one restored
 * from a savepoint written before cursors held the base, the kept times and the latest change: the
 * base moves to the base state, the times are forgotten ({@link KeyCursor#base} and {@link
 * KeyCursor#earlier} null), its latest change moves to the map state; before some others it only
 * forgets the times. After each change it checks that the map state holds the kept changes but the
 * latest one when the cursor holds that, that the times a cursor knows are exactly the kept changes
 * before the latest one, and that a candidate base is where the history stands at its time.
 */
public final class HistoryDriver<T> {
  private final KeyHistory<T> history;
  private final Columns<T> columns;
  private final HardDeletes deletes;
  @Nullable private final Long validToCurrent;
  private final long orderSeed;
  private final Random forget;
  private final Map<String, MapHistoryStore<T>> stores = new HashMap<>();

  /** Cursors and chunks are kept serialized with it, as RocksDB keeps them; null: as objects. */
  @Nullable private final TypeSerializer<T> rows;

  private final List<Change<Scd2Row<T>>> output = new ArrayList<>();
  private int late;

  /** Turns cursors into ones restored from older formats and forgets kept times, by the seed. */
  private final boolean simulateRestores;

  public HistoryDriver(Scd2Config<?, T> config, long orderSeed) {
    this(config, orderSeed, true);
  }

  /**
   * @param simulateRestores whether some changes (one in eight each) first find their key's cursor
   *     turned into one restored from state format 1 or 2, or its kept times forgotten
   */
  public HistoryDriver(Scd2Config<?, T> config, long orderSeed, boolean simulateRestores) {
    this(config, orderSeed, simulateRestores, false);
  }

  /**
   * @param simulateRestores as above; with {@code keepsObjects} a simulated restore also gives the
   *     key a cursor that is not resident, as a restored one is
   * @param keepsObjects whether the stores keep cursors and chunks as objects, as the heap backend
   *     does (cursors stay {@linkplain KeyCursor#resident resident}, chunks are sealed at {@link
   *     KeyHistory#HEAP_CHUNK_SIZE} and reused), instead of serialized, as RocksDB keeps them
   */
  public HistoryDriver(
      Scd2Config<?, T> config, long orderSeed, boolean simulateRestores, boolean keepsObjects) {
    this.simulateRestores = simulateRestores;
    this.history = config.history();
    this.columns = config.columns();
    this.deletes = config.hardDeletes();
    this.validToCurrent = config.validToCurrent();
    this.orderSeed = orderSeed;
    this.forget = new Random(orderSeed ^ 0x5CD2L);
    this.rows =
        keepsObjects ? null : config.valueType().createSerializer(new SerializerConfigImpl());
  }

  /** Applies one change of {@code key} at {@code time}. */
  public void apply(String key, Change<T> change, long time, long sequence) throws Exception {
    if (change.kind() == RowKind.UPDATE_BEFORE) {
      return;
    }
    boolean delete = change.kind() == RowKind.DELETE;
    if (delete && deletes == HardDeletes.IGNORE) {
      return;
    }
    MapHistoryStore<T> store =
        stores.computeIfAbsent(key, k -> new MapHistoryStore<>(orderSeed + k.hashCode(), rows));
    if (simulateRestores && store.cursor() != null) {
      int dice = forget.nextInt(8);
      if (dice == 0 || dice == 2) {
        store.asFormat2();
      }
      KeyCursor<T> cursor = store.cursor();
      if (dice == 0) {
        asRestoredFromFormat1(store, cursor);
      } else if (dice == 1) {
        cursor.forgetEarlier();
      }
      store.updateCursor(cursor);
      if (dice < 3) {
        cursor.resident = false; // as restored (objects: the store holds this one)
      }
    }
    KeyHistory.Outcome outcome =
        history.apply(
            store,
            time,
            sequence,
            delete ? null : change.value(),
            (kind, version) -> output.add(Change.of(kind, version.toRow(key, validToCurrent))),
            0L,
            KeyHistory.NO_TIMERS);
    if (outcome == KeyHistory.Outcome.LATE) {
      late++;
    }
    checkEarlier(key, store);
    checkCandidate(key, store);
  }

  /**
   * As restored from state format 1 (after {@link MapHistoryStore#asFormat2}): the latest change in
   * the map state too, the base in the base state; the kept times and the candidate base are
   * forgotten.
   */
  private static <T> void asRestoredFromFormat1(MapHistoryStore<T> store, KeyCursor<T> cursor)
      throws Exception {
    cursor.forgetEarlier();
    cursor.candidate = null;
    if (cursor.latestChange != null) {
      store.putChange(cursor.latest, cursor.latestChange);
      cursor.latestChange = null;
    }
    Position<T> base = cursor.base;
    if (base == null) {
      return;
    }
    if (base.status != KeyCursor.NONE || base.version != 0) { // else never pruned
      KeyCursor<T> legacy = KeyCursor.emptyBase();
      legacy.setPosition(base.status, base.validFrom, base.version, base.row());
      store.updateBase(legacy);
    }
    cursor.base = null;
  }

  /**
   * A candidate base the cursor holds is after its prune point and where the history stands just
   * before the candidate's time: the kept changes before it replayed from the base.
   */
  private void checkCandidate(String key, MapHistoryStore<T> store) throws Exception {
    KeyCursor<T> cursor = store.cursor();
    if (cursor == null || cursor.candidate == null) {
      return;
    }
    Position<T> candidate = cursor.candidate;
    Replay<T> replay =
        cursor.base != null
            ? Replay.from(columns, deletes, cursor.base)
            : new Replay<>(
                columns, deletes, store.base() != null ? store.base() : KeyCursor.<T>emptyBase());
    for (Map.Entry<Long, StoredChange<T>> kept : store.kept().entrySet()) {
      if (kept.getKey() < cursor.candidateTime) {
        replay.apply(kept.getKey(), kept.getValue());
      }
    }
    Position<T> expected = Position.start();
    replay.writeTo(expected);
    if (cursor.candidateTime <= cursor.pruneTime
        || expected.status != candidate.status
        || expected.version != candidate.version
        || (expected.status != KeyCursor.NONE && expected.validFrom != candidate.validFrom)
        || !Objects.equals(expected.row(), candidate.row())) {
      throw new AssertionError(
          "key "
              + key
              + ": candidate at "
              + cursor.candidateTime
              + " is "
              + candidate
              + " "
              + candidate.row()
              + ", the history there "
              + expected
              + " "
              + expected.row()
              + "; "
              + cursor);
    }
  }

  /**
   * The map state holds the kept changes but the latest one when the cursor holds that; the times
   * the cursor knows, if it does, are the kept changes before the latest one.
   */
  private static <T> void checkEarlier(String key, MapHistoryStore<T> store) throws IOException {
    KeyCursor<T> cursor = store.cursor();
    if (cursor == null) {
      return;
    }
    long[] stored = store.times();
    boolean held = cursor.latestChange != null;
    boolean latestStored = stored.length > 0 && stored[stored.length - 1] == cursor.latest;
    if (held == latestStored) {
      throw new AssertionError(
          "key " + key + ": latest change " + (held ? "held and stored" : "lost") + "; " + cursor);
    }
    if (!cursor.knowsEarlier()) {
      return;
    }
    long[] expected = held ? stored : Arrays.copyOf(stored, stored.length - 1);
    long[] known = Arrays.copyOf(cursor.earlier, cursor.earlierCount);
    if (!Arrays.equals(expected, known)) {
      throw new AssertionError(
          "key "
              + key
              + ": kept changes at "
              + Arrays.toString(stored)
              + (held ? " and the latest, " : ", ")
              + "cursor knows "
              + Arrays.toString(known)
              + " before latest "
              + cursor.latest);
    }
  }

  public List<Change<Scd2Row<T>>> output() {
    return output;
  }

  public int late() {
    return late;
  }

  /** The most changes one of the key's sealed chunks holds (0 for an unknown key). */
  public int largestChunk(String key) {
    MapHistoryStore<T> store = stores.get(key);
    return store == null ? 0 : store.largestChunk();
  }

  /** Kept changes of the key (0 for an unknown key). */
  public int keptChanges(String key) throws IOException {
    MapHistoryStore<T> store = stores.get(key);
    return store == null ? 0 : store.size();
  }
}
