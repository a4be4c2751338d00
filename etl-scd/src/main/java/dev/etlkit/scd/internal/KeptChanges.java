package dev.etlkit.scd.internal;

import java.util.Arrays;
import java.util.Map;
import org.apache.flink.annotation.Internal;

/**
 * The kept changes of one key in effective-time order, for a replay: loaded from a {@link
 * HistoryStore} into arrays that are reused for every key (one instance per {@link KeyHistory},
 * single-threaded). A change's value is read from its map entry only when asked for, so a caller
 * that needs only the times pays for no value (RocksDB deserializes an entry's value on access).
 * Sorted only when the store did not return the entries in order (RocksDB does, heap maps do not).
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

  /** Number of kept changes. */
  int size() {
    return size;
  }

  /** Effective time of the {@code i}th change. */
  long time(int i) {
    return times[i];
  }

  /** The {@code i}th change, read from its entry on first access. */
  @SuppressWarnings("unchecked")
  StoredChange<T> change(int i) {
    Object change = changes[i];
    if (change == null) {
      change = ((Map.Entry<Long, StoredChange<T>>) entries[i]).getValue();
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
    int low = 0;
    int high = size;
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
