package dev.etlkit.scd.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * A key's history state in plain maps, for tests without Flink. {@link #changes()} returns the
 * entries in a random order, as a heap map state may: the history must not depend on it.
 */
public final class MapHistoryStore<T> implements HistoryStore<T> {
  private final Random order;
  @Nullable private KeyCursor<T> cursor;
  @Nullable private KeyCursor<T> base;
  private final Map<Long, StoredChange<T>> changes = new HashMap<>();
  private final Map<Long, ChangeChunk<T>> chunks = new HashMap<>();

  /** How often the kept changes were iterated ({@link #changes()}) since created or reset. */
  int iterations;

  /**
   * How often kept changes were read: a change by its time ({@link #change}, formats 1 and 2) or a
   * sealed chunk ({@link #chunk}), since created or reset.
   */
  int reads;

  public MapHistoryStore(long orderSeed) {
    this.order = new Random(orderSeed);
  }

  @Override
  @Nullable
  public KeyCursor<T> cursor() {
    return cursor;
  }

  @Override
  public void updateCursor(KeyCursor<T> value) {
    cursor = value;
  }

  @Override
  @Nullable
  public KeyCursor<T> base() {
    return base;
  }

  @Override
  public void updateBase(KeyCursor<T> value) {
    base = value;
  }

  @Override
  public void clearBase() {
    base = null;
  }

  @Override
  @Nullable
  public StoredChange<T> change(long time) {
    reads++;
    return changes.get(time);
  }

  @Override
  public void putChange(long time, StoredChange<T> change) {
    changes.put(time, change);
  }

  @Override
  public void removeChange(long time) {
    changes.remove(time);
  }

  @Override
  public Iterable<Map.Entry<Long, StoredChange<T>>> changes() {
    iterations++;
    List<Map.Entry<Long, StoredChange<T>>> entries = new ArrayList<>(changes.entrySet());
    Collections.shuffle(entries, order);
    return entries;
  }

  @Override
  @Nullable
  public ChangeChunk<T> chunk(long first) {
    reads++;
    return chunks.get(first);
  }

  @Override
  public void putChunk(long first, ChangeChunk<T> chunk) {
    chunks.put(first, chunk);
  }

  @Override
  public void removeChunk(long first) {
    chunks.remove(first);
  }

  @Override
  public void clear() {
    cursor = null;
    base = null;
    changes.clear();
    chunks.clear();
  }

  /**
   * The kept changes but the cursor's latest change, by time: the map of formats 1 and 2, the
   * sealed chunks the cursor's index names (their changes not pruned), the open chunk. Fails when a
   * chunk the index names is missing or a sealed chunk is not in the index.
   */
  public TreeMap<Long, StoredChange<T>> kept() throws IOException {
    TreeMap<Long, StoredChange<T>> kept = new TreeMap<>(changes);
    if (cursor == null) {
      return kept;
    }
    if (chunks.size() != cursor.chunkCount) {
      throw new AssertionError(chunks.size() + " chunks stored, the cursor knows " + cursor);
    }
    for (int i = 0; i < cursor.chunkCount; i++) {
      ChangeChunk<T> chunk = chunks.get(cursor.chunkFirst[i]);
      if (chunk == null
          || chunk.first() != cursor.chunkFirst[i]
          || chunk.last() != cursor.chunkLast[i]) {
        throw new AssertionError("chunk " + i + " is " + chunk + "; " + cursor);
      }
      for (int j = 0; j < chunk.size(); j++) {
        if (chunk.time(j) >= cursor.chunkFloor) {
          kept.put(chunk.time(j), chunk.change(j));
        }
      }
    }
    ChangeChunk<T> open = cursor.open;
    if (open != null) {
      for (int j = 0; j < open.size(); j++) {
        kept.put(open.time(j), open.change(j));
      }
    }
    return kept;
  }

  /** The effective times of the kept changes (but a latest one the cursor holds), ascending. */
  public long[] times() throws IOException {
    return kept().keySet().stream().mapToLong(Long::longValue).toArray();
  }

  /** Number of kept changes (but a latest one the cursor holds). */
  public int size() throws IOException {
    return kept().size();
  }

  /** Turns the key's chunks into the map of formats 1 and 2, as a cursor restored from them. */
  public void asFormat2() throws IOException {
    if (cursor == null || cursor.legacyChanges) {
      return;
    }
    TreeMap<Long, StoredChange<T>> kept = kept();
    chunks.clear();
    changes.clear();
    changes.putAll(kept);
    cursor.legacyChanges = true;
    cursor.chunkCount = 0;
    cursor.chunkFloor = Long.MIN_VALUE;
    cursor.open = null;
  }
}
