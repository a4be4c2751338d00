package dev.etlkit.scd.internal;

import java.util.Arrays;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The kept changes of one key in effective-time order, for a replay: loaded from a {@link
 * HistoryStore} into arrays that are reused for every key (one instance per {@link KeyHistory},
 * single-threaded). Either iterated from the store ({@link #load}), or taken from the times the
 * key's cursor knows ({@link #use}) without iterating. A change's value is read only when asked for
 * (from its map entry, or by its time), so a caller that needs only the times pays for no value
 * (RocksDB deserializes an entry's value on access). Sorted only when the store did not return the
 * entries in order (RocksDB does, heap maps do not).
 */
@Internal
final class KeptChanges<T> {
  private static final int INITIAL_CAPACITY = 16;

  private long[] times = new long[INITIAL_CAPACITY];
  private Object[] entries = new Object[INITIAL_CAPACITY]; // Map.Entry, or null once put
  private Object[] changes = new Object[INITIAL_CAPACITY]; // StoredChange, when read or put
  private long[] sortedTimes = new long[INITIAL_CAPACITY];
  private Object[] sortedEntries = new Object[INITIAL_CAPACITY];
  private int size;

  /** Where values without a loaded map entry are read by time (set by {@link #use}). */
  @Nullable private HistoryStore<T> source;

  /** Loads the store's kept changes in effective-time order, their values not read yet. */
  void load(HistoryStore<T> store) throws Exception {
    clear();
    boolean sorted = true;
    for (Map.Entry<Long, StoredChange<T>> entry : store.changes()) {
      long time = entry.getKey();
      if (size == times.length) {
        grow();
      }
      sorted &= size == 0 || times[size - 1] < time;
      times[size] = time;
      entries[size] = entry;
      size++;
    }
    if (!sorted) {
      sort();
    }
  }

  /**
   * Takes the kept changes to be at the first {@code count} times of {@code earlier} (ascending)
   * and at {@code latest} (after them), as the key's cursor knows them, without iterating the
   * store; their values are read from {@code store} by time when asked for.
   */
  void use(HistoryStore<T> store, long[] earlier, int count, long latest) {
    clear();
    while (times.length < count + 1) {
      grow();
    }
    System.arraycopy(earlier, 0, times, 0, count);
    times[count] = latest;
    size = count + 1;
    source = store;
  }

  /**
   * Sets {@code cursor}'s earlier times to the times from index {@code from} up to the last one
   * excluded (the key's latest change); forgets them when there are too many.
   */
  void earlierInto(KeyCursor<T> cursor, int from) {
    cursor.setEarlier(times, from, Math.max(0, size - 1 - from));
  }

  /** Number of kept changes. */
  int size() {
    return size;
  }

  /** Effective time of the {@code i}th change. */
  long time(int i) {
    return times[i];
  }

  /** The {@code i}th change, read from its entry (or the store) on first access. */
  @SuppressWarnings("unchecked")
  StoredChange<T> change(int i) throws Exception {
    Object change = changes[i];
    if (change == null) {
      Object entry = entries[i];
      if (entry != null) {
        change = ((Map.Entry<Long, StoredChange<T>>) entry).getValue();
      } else {
        change = source == null ? null : source.change(times[i]);
        if (change == null) {
          throw new IllegalStateException("no kept change at " + times[i]);
        }
      }
      changes[i] = change;
    }
    return (StoredChange<T>) change;
  }

  /** Puts {@code change} at {@code time}, replacing a change at the same time, keeping order. */
  void put(long time, StoredChange<T> change) {
    int at = indexOf(time);
    if (at < size && times[at] == time) {
      entries[at] = null;
      changes[at] = change;
      return;
    }
    if (size == times.length) {
      grow();
    }
    System.arraycopy(times, at, times, at + 1, size - at);
    System.arraycopy(entries, at, entries, at + 1, size - at);
    System.arraycopy(changes, at, changes, at + 1, size - at);
    times[at] = time;
    entries[at] = null;
    changes[at] = change;
    size++;
  }

  /** The first index whose time is not before {@code time}. */
  int indexOf(long time) {
    return firstNotBefore(times, size, time);
  }

  /**
   * The first index of the ascending {@code times[0, size)} whose time is not before {@code time}.
   * A time after the last (in-order input: nearly every put) is answered without a search.
   */
  static int firstNotBefore(long[] times, int size, long time) {
    if (size == 0 || times[size - 1] < time) {
      return size;
    }
    int low = 0;
    int high = size - 1;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (times[mid] < time) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** Forgets the loaded changes (and drops the references to them). */
  void clear() {
    Arrays.fill(entries, 0, size, null);
    Arrays.fill(changes, 0, size, null);
    size = 0;
    source = null;
  }

  /** Sorts by time without allocating: times are map keys, so each has one sorted position. */
  private void sort() {
    System.arraycopy(times, 0, sortedTimes, 0, size);
    Arrays.sort(sortedTimes, 0, size);
    for (int i = 0; i < size; i++) {
      sortedEntries[Arrays.binarySearch(sortedTimes, 0, size, times[i])] = entries[i];
    }
    long[] t = times;
    times = sortedTimes;
    sortedTimes = t;
    Object[] e = entries;
    entries = sortedEntries;
    sortedEntries = e;
    Arrays.fill(sortedEntries, 0, size, null);
  }

  private void grow() {
    int capacity = times.length * 2;
    times = Arrays.copyOf(times, capacity);
    entries = Arrays.copyOf(entries, capacity);
    changes = Arrays.copyOf(changes, capacity);
    sortedTimes = new long[capacity];
    sortedEntries = new Object[capacity];
  }

  @Override
  public String toString() {
    return "KeptChanges" + Arrays.toString(Arrays.copyOf(times, size));
  }
}
