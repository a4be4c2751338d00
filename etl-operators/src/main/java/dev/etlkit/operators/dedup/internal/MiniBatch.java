package dev.etlkit.operators.dedup.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The records a dedup operator buffers on the heap between flushes, per key in arrival order, so a
 * key's state is read and written once per bundle. Consecutive rows of one key (no delete between
 * them) are reduced to the one the rules prefer on arrival; the other is reported as superseded.
 * Never part of a snapshot: the operator flushes before every checkpoint barrier.
 *
 * @param <K> key type
 * @param <T> row type
 */
@Internal
final class MiniBatch<K, T> {

  /** One buffered insert, update-after or delete. */
  static final class Item<T> {
    boolean delete;
    T row;
    @Nullable long[] order;
    boolean hasTimestamp;
    long timestamp;

    /** The change it came from (changelog input), for the output's metadata; else null. */
    @Nullable Object source;

    void set(
        boolean delete,
        T row,
        @Nullable long[] order,
        boolean hasTimestamp,
        long timestamp,
        @Nullable Object source) {
      this.delete = delete;
      this.row = row;
      if (order != null) {
        if (this.order == null || this.order.length != order.length) {
          this.order = order.clone();
        } else {
          System.arraycopy(order, 0, this.order, 0, order.length);
        }
      }
      this.hasTimestamp = hasTimestamp;
      this.timestamp = timestamp;
      this.source = source;
    }
  }

  private final DedupRules<T> rules;
  private final LinkedHashMap<K, List<Item<T>>> byKey = new LinkedHashMap<>();
  private int records;

  MiniBatch(DedupRules<T> rules) {
    this.rules = rules;
  }

  /**
   * Buffers a record of {@code key}.
   *
   * @return true when a row was superseded on arrival (the new one or a buffered one): one record
   *     is settled as a duplicate
   */
  boolean add(
      K key,
      boolean delete,
      T row,
      @Nullable long[] order,
      boolean hasTimestamp,
      long timestamp,
      @Nullable Object source) {
    records++;
    List<Item<T>> items = byKey.get(key);
    if (items == null) {
      items = new ArrayList<>(1);
      byKey.put(key, items);
    }
    if (!delete && !items.isEmpty()) {
      Item<T> last = items.get(items.size() - 1);
      if (!last.delete) {
        if (rules.prefers(order, last.order)) {
          last.set(false, row, order, hasTimestamp, timestamp, source);
        }
        return true;
      }
    }
    Item<T> item = new Item<>();
    item.set(delete, row, order, hasTimestamp, timestamp, source);
    items.add(item);
    return false;
  }

  /** Records added since the last {@link #clear()}, superseded ones included. */
  int records() {
    return records;
  }

  boolean isEmpty() {
    return records == 0;
  }

  /** The buffered keys in first-arrival order, each with its items in arrival order. */
  Iterator<Map.Entry<K, List<Item<T>>>> keys() {
    return byKey.entrySet().iterator();
  }

  void clear() {
    byKey.clear();
    records = 0;
  }
}
