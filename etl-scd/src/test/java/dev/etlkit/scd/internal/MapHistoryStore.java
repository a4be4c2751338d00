package dev.etlkit.scd.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  /** How often the kept changes were iterated ({@link #changes()}) since created or reset. */
  int iterations;

  /** How often a kept change was read by its time ({@link #change}) since created or reset. */
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
  public void clear() {
    cursor = null;
    base = null;
    changes.clear();
  }

  /** The effective times of the kept changes, ascending. */
  public long[] times() {
    return changes.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** Number of kept changes. */
  public int size() {
    return changes.size();
  }
}
