package dev.etlkit.scd.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The key's state as a change sees it: its store, with the latest change read from (and written to)
 * the cursor that holds it, and the change that was the latest before this one kept aside until the
 * change is done: written to the store then, unless pruned meanwhile.
 */
final class KeyState<T> implements HistoryStore<T> {

  /** The most emptied chunks a history keeps for reuse. */
  static final int MAX_SPARES = 64;

  private HistoryStore<T> store;
  private KeyCursor<T> cursor;
  private boolean pending;
  private long pendingTime;
  @Nullable private StoredChange<T> pendingChange;

  /** Whether the cursor is the object the last change wrote: see {@link KeyCursor#resident}. */
  private boolean resident;

  /**
   * Whether this change seals chunks of {@link KeyHistory#HEAP_CHUNK_SIZE}: the cursor is resident
   * and its last write was not serialized ({@link KeyCursor#writeSerialized}).
   */
  private boolean largeChunks;

  /**
   * Chunks a prune removed or emptied during this change: spares once it ends (resident keys only).
   */
  private final List<ChangeChunk<T>> freed = new ArrayList<>();

  /**
   * Emptied chunks to open instead of new ones: a heap backend's pruned chunks, so that a key's
   * steady state allocates no long-lived objects (a chunk lives for a lateness horizon or two, so
   * every new one would be copied by young collections, tenured and left for the old generation's
   * collections).
   */
  private final ArrayDeque<ChangeChunk<T>> spares = new ArrayDeque<>();

  /** Sealed chunks read during this change, by first time (a store read each at most once). */
  private final Map<Long, ChangeChunk<T>> loaded = new HashMap<>();

  /**
   * Starts a change of the key whose state is {@code keyStore} and cursor {@code keyCursor}; moves
   * a restored key's kept changes from the map state of formats 1 and 2 into chunks.
   */
  KeyState<T> start(HistoryStore<T> keyStore, KeyCursor<T> keyCursor) throws Exception {
    store = keyStore;
    cursor = keyCursor;
    pending = false;
    resident = keyCursor.resident;
    largeChunks = resident && !keyCursor.writeSerialized;
    keyCursor.resident = false; // until written again
    if (keyCursor.legacyChanges) {
      moveIntoChunks();
    }
    return this;
  }

  /**
   * Moves the key's kept changes from the map state of formats 1 and 2 into chunks, and writes the
   * cursor at once (whatever the change then does, the moved changes are not lost).
   */
  private void moveIntoChunks() throws Exception {
    List<Map.Entry<Long, StoredChange<T>>> legacy = new ArrayList<>();
    for (Map.Entry<Long, StoredChange<T>> entry : store.changes()) {
      legacy.add(new AbstractMap.SimpleImmutableEntry<>(entry.getKey(), entry.getValue()));
    }
    legacy.sort(Map.Entry.comparingByKey());
    cursor.legacyChanges = false;
    cursor.chunkCount = 0;
    cursor.chunkFloor = Long.MIN_VALUE;
    cursor.open = null;
    for (Map.Entry<Long, StoredChange<T>> entry : legacy) {
      putChunked(entry.getKey(), entry.getValue());
    }
    for (Map.Entry<Long, StoredChange<T>> entry : legacy) {
      store.removeChange(entry.getKey());
    }
    store.updateCursor(cursor);
  }

  /** Keeps {@code change} at {@code time} aside until {@link #flush}. */
  void pend(long time, StoredChange<T> change) {
    pending = true;
    pendingTime = time;
    pendingChange = change;
  }

  /** Writes the change kept aside, if it was not removed. */
  void flush() throws Exception {
    if (pending) {
      putChunked(pendingTime, pendingChange);
      pending = false;
      pendingChange = null;
    }
  }

  /**
   * The change was rejected before it wrote anything: the cursor is as the last change wrote it
   * (see {@link #start}).
   */
  void rejected() {
    cursor.resident = resident;
  }

  /** Drops the references to the key's state. */
  void end() {
    KeyCursor<T> keyCursor = cursor;
    store = null;
    cursor = null;
    pending = false;
    pendingChange = null;
    loaded.clear();
    if (!freed.isEmpty()) {
      // only after a change that wrote its cursor (one that failed half-way reuses nothing)
      if (keyCursor.resident) {
        for (int i = 0; i < freed.size() && spares.size() < MAX_SPARES; i++) {
          ChangeChunk<T> chunk = freed.get(i);
          chunk.clear();
          spares.push(chunk);
        }
      }
      freed.clear();
    }
  }

  private boolean holdsLatest(long time) {
    return cursor.latestChange != null && time == cursor.latest;
  }

  /** The {@code i}th sealed chunk, read from the store once per change. */
  private ChangeChunk<T> sealed(int i) throws Exception {
    long first = cursor.chunkFirst[i];
    ChangeChunk<T> chunk = loaded.get(first);
    if (chunk == null) {
      chunk = store.chunk(first);
      if (chunk == null) {
        throw new IllegalStateException("no chunk of kept changes at " + first);
      }
      loaded.put(first, chunk);
    }
    return chunk;
  }

  /** How many kept changes the open chunk holds when it is sealed. */
  private int sealAt() {
    return largeChunks ? KeyHistory.HEAP_CHUNK_SIZE : KeyHistory.CHUNK_SIZE;
  }

  /** Puts a kept change into its chunk: a sealed one, or the open one (sealed when full). */
  private void putChunked(long time, StoredChange<T> change) throws Exception {
    if (time < cursor.chunkFloor) {
      throw new IllegalStateException(
          "a kept change at " + time + " before the pruned ones (" + cursor.chunkFloor + ")");
    }
    int i = cursor.chunkOf(time);
    if (i == cursor.chunkCount) {
      ChangeChunk<T> open = cursor.open;
      if (open == null) {
        open = spares.isEmpty() ? new ChangeChunk<>(KeyHistory.CHUNK_SIZE) : spares.pop();
        cursor.open = open;
      }
      open.put(time, change);
      if (open.size() >= sealAt()) {
        store.putChunk(open.first(), open);
        loaded.put(open.first(), open);
        cursor.addChunk(open.first(), open.last());
        cursor.open = null;
      }
      return;
    }
    ChangeChunk<T> chunk = sealed(i);
    chunk.put(time, change);
    long first = cursor.chunkFirst[i];
    if (time < first) { // its first time is its key
      store.removeChunk(first);
      loaded.remove(first);
      cursor.chunkFirst[i] = time;
      loaded.put(time, chunk);
    }
    if (chunk.size() >= 2 * sealAt()) { // late changes spliced in: split it, to keep it small
      ChangeChunk<T> rest = chunk.splitAt(chunk.size() / 2);
      cursor.insertChunk(i + 1, rest.first(), cursor.chunkLast[i]);
      cursor.chunkLast[i] = chunk.last();
      store.putChunk(rest.first(), rest);
      loaded.put(rest.first(), rest);
    }
    store.putChunk(cursor.chunkFirst[i], chunk);
  }

  @Override
  @Nullable
  public KeyCursor<T> cursor() throws Exception {
    return store.cursor();
  }

  @Override
  public void updateCursor(KeyCursor<T> value) throws Exception {
    store.updateCursor(value);
  }

  @Override
  @Nullable
  public KeyCursor<T> base() throws Exception {
    return store.base();
  }

  @Override
  public void updateBase(KeyCursor<T> value) throws Exception {
    store.updateBase(value);
  }

  @Override
  public void clearBase() throws Exception {
    store.clearBase();
  }

  @Override
  @Nullable
  public StoredChange<T> change(long time) throws Exception {
    if (holdsLatest(time)) {
      return cursor.latestChange;
    }
    if (pending && time == pendingTime) {
      return pendingChange;
    }
    if (time < cursor.chunkFloor) {
      return null;
    }
    int i = cursor.chunkOf(time);
    if (i == cursor.chunkCount) {
      return cursor.open == null ? null : cursor.open.get(time);
    }
    return time < cursor.chunkFirst[i] ? null : sealed(i).get(time);
  }

  @Override
  public void putChange(long time, StoredChange<T> change) throws Exception {
    if (holdsLatest(time)) {
      cursor.latestChange = change;
    } else if (pending && time == pendingTime) {
      pendingChange = change;
    } else {
      putChunked(time, change);
    }
  }

  @Override
  public void removeChange(long time) {
    throw new UnsupportedOperationException("kept changes are pruned by removeChangesBefore");
  }

  /**
   * Removes the kept changes before {@code time}: drops the sealed chunks that end before it, marks
   * the part of the one it cuts as pruned, or cuts the open chunk.
   */
  @Override
  public void removeChangesBefore(long time) throws Exception {
    if (cursor.latestChange != null && cursor.latest < time) {
      throw new IllegalStateException("the latest change is never pruned: " + cursor.latest);
    }
    if (pending && pendingTime < time) {
      pending = false;
      pendingChange = null;
    }
    int dropped = 0;
    while (dropped < cursor.chunkCount && cursor.chunkLast[dropped] < time) {
      long first = cursor.chunkFirst[dropped];
      if (resident) {
        // the heap keeps this key's objects: reading a chunk costs a map lookup, and a chunk
        // read through the state is no snapshot's (copy on write), so it may be reused
        ChangeChunk<T> chunk = loaded.get(first);
        if (chunk == null) {
          chunk = store.chunk(first);
        }
        if (chunk != null) {
          freed.add(chunk);
        }
      }
      store.removeChunk(first);
      loaded.remove(first);
      dropped++;
    }
    cursor.dropChunks(dropped);
    if (cursor.chunkCount > 0) {
      cursor.chunkFloor = Math.max(cursor.chunkFloor, time);
      return; // the open chunk's changes are after the sealed ones
    }
    ChangeChunk<T> open = cursor.open;
    if (open != null) {
      open.removeBefore(time);
      if (open.isEmpty()) {
        cursor.open = null;
        if (resident) { // the cursor's own (copied with it on a snapshot's first read)
          freed.add(open);
        }
      }
    }
  }

  /** The cursor holds the latest change: every other kept change is before it, indexed. */
  @Override
  public boolean knowsLastKept() {
    return cursor.latestChange != null;
  }

  @Override
  public long lastKeptBeforeLatest() {
    long last = pending ? pendingTime : Long.MIN_VALUE;
    if (cursor.open != null) {
      last = Math.max(last, cursor.open.last());
    }
    if (cursor.chunkCount > 0) {
      last = Math.max(last, cursor.chunkLast[cursor.chunkCount - 1]);
    }
    return last;
  }

  @Override
  public Iterable<Map.Entry<Long, StoredChange<T>>> changes() throws Exception {
    List<Map.Entry<Long, StoredChange<T>>> all = new ArrayList<>();
    if (cursor.chunkCount > 1 && loaded.size() < cursor.chunkCount) {
      // one pass over the map state rather than a point read per chunk: on RocksDB a read that
      // misses the block cache costs about as much as the whole pass
      for (Map.Entry<Long, ChangeChunk<T>> entry : store.chunks()) {
        loaded.putIfAbsent(entry.getKey(), entry.getValue());
      }
    }
    for (int i = 0; i < cursor.chunkCount; i++) {
      addAll(sealed(i), cursor.chunkFloor, all);
    }
    if (cursor.open != null) {
      addAll(cursor.open, Long.MIN_VALUE, all);
    }
    if (pending) {
      all.add(new AbstractMap.SimpleImmutableEntry<>(pendingTime, pendingChange));
    }
    if (cursor.latestChange != null) {
      all.add(new AbstractMap.SimpleImmutableEntry<>(cursor.latest, cursor.latestChange));
    }
    return all;
  }

  private static <T> void addAll(
      ChangeChunk<T> chunk, long floor, List<Map.Entry<Long, StoredChange<T>>> into) {
    for (int j = chunk.indexOf(floor); j < chunk.size(); j++) {
      into.add(new ChunkEntry<>(chunk, chunk.time(j)));
    }
  }

  @Override
  @Nullable
  public ChangeChunk<T> chunk(long first) {
    throw new UnsupportedOperationException("the view's chunks are its own");
  }

  @Override
  public void putChunk(long first, ChangeChunk<T> chunk) {
    throw new UnsupportedOperationException("the view's chunks are its own");
  }

  @Override
  public void removeChunk(long first) {
    throw new UnsupportedOperationException("the view's chunks are its own");
  }

  @Override
  public Iterable<Map.Entry<Long, ChangeChunk<T>>> chunks() {
    throw new UnsupportedOperationException("the view's chunks are its own");
  }

  @Override
  public void clear() throws Exception {
    store.clear();
  }

  /** A kept change in a chunk, its value decoded when asked for (found by its time). */
  private static final class ChunkEntry<T> implements Map.Entry<Long, StoredChange<T>> {
    private final ChangeChunk<T> chunk;
    private final long time;

    ChunkEntry(ChangeChunk<T> chunk, long time) {
      this.chunk = chunk;
      this.time = time;
    }

    @Override
    public Long getKey() {
      return time;
    }

    @Override
    public StoredChange<T> getValue() {
      try {
        StoredChange<T> change = chunk.get(time);
        if (change == null) {
          throw new IllegalStateException("no kept change at " + time + " in its chunk any more");
        }
        return change;
      } catch (IOException e) {
        throw new UncheckedIOException("could not read a kept change", e);
      }
    }

    @Override
    public StoredChange<T> setValue(StoredChange<T> value) {
      throw new UnsupportedOperationException();
    }
  }
}
