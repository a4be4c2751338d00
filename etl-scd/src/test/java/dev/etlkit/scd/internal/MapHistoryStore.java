package dev.etlkit.scd.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A key's history state in plain maps, for tests without Flink. {@link #changes()} returns the
 * entries in a random order, as a heap map state may: the history must not depend on it.
 */
public final class MapHistoryStore<T> implements HistoryStore<T> {
  private final Random order;
  @Nullable private KeyCursor<T> cursor;

  /** When set, cursors and chunks are kept serialized, as RocksDB keeps them: reads are copies. */
  @Nullable private final KeyCursorSerializer<T> cursors;

  @Nullable private final ChangeChunkSerializer<T> chunkSerializer;
  @Nullable private byte[] cursorBytes;
  private final Map<Long, byte[]> chunkBytes = new HashMap<>();
  @Nullable private KeyCursor<T> base;
  private final Map<Long, StoredChange<T>> changes = new HashMap<>();
  private final Map<Long, ChangeChunk<T>> chunks = new HashMap<>();

  /** How often the kept changes were iterated ({@link #changes()}) since created or reset. */
  int iterations;

  /** How often a kept change was read by its time ({@link #change}, formats 1 and 2). */
  int reads;

  /** How often a sealed chunk was read by its first time ({@link #chunk}). */
  int chunkReads;

  /** How often a sealed chunk was removed ({@link #removeChunk}). */
  int chunkRemovals;

  public MapHistoryStore(long orderSeed) {
    this(orderSeed, null);
  }

  /**
   * A store that keeps cursors and chunks as objects (as the heap backend does) when {@code rows}
   * is null, else serialized with it (as RocksDB does: what is read is a copy, what is not written
   * back is lost).
   */
  public MapHistoryStore(long orderSeed, @Nullable TypeSerializer<T> rows) {
    this.order = new Random(orderSeed);
    this.cursors = rows == null ? null : new KeyCursorSerializer<>(rows);
    this.chunkSerializer = rows == null ? null : new ChangeChunkSerializer<>(rows);
  }

  private static <V> byte[] write(TypeSerializer<V> serializer, V value) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(64);
      serializer.serialize(value, out);
      return out.getCopyOfBuffer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <V> V read(TypeSerializer<V> serializer, byte[] bytes) {
    try {
      DataInputDeserializer in = new DataInputDeserializer(bytes);
      V value = serializer.deserialize(in);
      if (in.available() != 0) {
        throw new AssertionError(in.available() + " bytes left after " + value);
      }
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  @Nullable
  public KeyCursor<T> cursor() {
    if (cursors != null) {
      return cursorBytes == null ? null : read(cursors, cursorBytes);
    }
    return cursor;
  }

  @Override
  public void updateCursor(KeyCursor<T> value) {
    if (cursors != null) {
      cursorBytes = write(cursors, value);
      return;
    }
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
    chunkReads++;
    if (chunkSerializer != null) {
      byte[] bytes = chunkBytes.get(first);
      return bytes == null ? null : read(chunkSerializer, bytes);
    }
    return chunks.get(first);
  }

  @Override
  public void putChunk(long first, ChangeChunk<T> chunk) {
    if (chunkSerializer != null) {
      chunkBytes.put(first, write(chunkSerializer, chunk));
      return;
    }
    chunks.put(first, chunk);
  }

  @Override
  public Iterable<Map.Entry<Long, ChangeChunk<T>>> chunks() {
    iterations++;
    List<Map.Entry<Long, ChangeChunk<T>>> entries = new ArrayList<>();
    if (chunkSerializer != null) {
      chunkBytes.forEach(
          (first, bytes) ->
              entries.add(
                  new AbstractMap.SimpleImmutableEntry<>(first, read(chunkSerializer, bytes))));
    } else {
      entries.addAll(chunks.entrySet());
    }
    Collections.shuffle(entries, order);
    return entries;
  }

  @Override
  public void removeChunk(long first) {
    chunkRemovals++;
    chunkBytes.remove(first);
    chunks.remove(first);
  }

  /** The chunk objects held: the sealed ones and the cursor's open one (object stores only). */
  List<ChangeChunk<T>> chunkObjects() {
    if (chunkSerializer != null) {
      throw new IllegalStateException("a serializing store holds no chunk objects");
    }
    List<ChangeChunk<T>> held = new ArrayList<>(chunks.values());
    if (cursor != null && cursor.open != null) {
      held.add(cursor.open);
    }
    return held;
  }

  @Override
  public void clear() {
    cursor = null;
    cursorBytes = null;
    base = null;
    changes.clear();
    chunks.clear();
    chunkBytes.clear();
  }

  /**
   * The kept changes but the cursor's latest change, by time: the map of formats 1 and 2, the
   * sealed chunks the cursor's index names (their changes not pruned), the open chunk. Fails when a
   * chunk the index names is missing or a sealed chunk is not in the index.
   */
  public TreeMap<Long, StoredChange<T>> kept() throws IOException {
    TreeMap<Long, StoredChange<T>> kept = new TreeMap<>(changes);
    KeyCursor<T> current = cursor();
    if (current == null) {
      return kept;
    }
    int stored = chunkSerializer != null ? chunkBytes.size() : chunks.size();
    if (stored != current.chunkCount) {
      throw new AssertionError(stored + " chunks stored, the cursor knows " + current);
    }
    for (int i = 0; i < current.chunkCount; i++) {
      ChangeChunk<T> chunk = storedChunk(current.chunkFirst[i]);
      if (chunk == null
          || chunk.first() != current.chunkFirst[i]
          || chunk.last() != current.chunkLast[i]) {
        throw new AssertionError("chunk " + i + " is " + chunk + "; " + current);
      }
      for (int j = 0; j < chunk.size(); j++) {
        if (chunk.time(j) >= current.chunkFloor) {
          kept.put(chunk.time(j), chunk.change(j));
        }
      }
    }
    ChangeChunk<T> open = current.open;
    if (open != null) {
      for (int j = 0; j < open.size(); j++) {
        kept.put(open.time(j), open.change(j));
      }
    }
    return kept;
  }

  /** A stored chunk, not counted as a read. */
  @Nullable
  private ChangeChunk<T> storedChunk(long first) {
    if (chunkSerializer != null) {
      byte[] bytes = chunkBytes.get(first);
      return bytes == null ? null : read(chunkSerializer, bytes);
    }
    return chunks.get(first);
  }

  /** The most changes a stored sealed chunk holds (0 for none). */
  public int largestChunk() {
    int largest = 0;
    for (ChangeChunk<T> chunk : chunks.values()) {
      largest = Math.max(largest, chunk.size());
    }
    for (byte[] bytes : chunkBytes.values()) {
      largest = Math.max(largest, read(chunkSerializer, bytes).size());
    }
    return largest;
  }

  /** The effective times of the kept changes (but a latest one the cursor holds), ascending. */
  public long[] times() throws IOException {
    return kept().keySet().stream().mapToLong(Long::longValue).toArray();
  }

  /** Number of kept changes (but a latest one the cursor holds). */
  public int size() throws IOException {
    return kept().size();
  }

  /**
   * Turns the key's chunks into the map of formats 1 and 2, as a cursor restored from them (which
   * does not know whether its key pruned: formats before 4 kept no mark).
   */
  public void asFormat2() throws IOException {
    KeyCursor<T> current = cursor();
    if (current == null || current.legacyChanges) {
      return;
    }
    TreeMap<Long, StoredChange<T>> kept = kept();
    chunks.clear();
    chunkBytes.clear();
    changes.clear();
    changes.putAll(kept);
    current.legacyChanges = true;
    current.pruned = false;
    current.prunedKnown = false;
    current.chunkCount = 0;
    current.chunkFloor = Long.MIN_VALUE;
    current.open = null;
    updateCursor(current);
  }
}
