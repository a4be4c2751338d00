package dev.etlkit.operators.dedup;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A compound ordering key for {@link Dedup}: which of two rows of a key comes first. Compared
 * component by component, as signed longs; rows with equal keys are ordered by arrival (see {@link
 * Dedup} for the tie-break).
 *
 * <pre>{@code
 * DedupOrder.<Order>byEventTime().thenBy(Order::lsn)   // event time, then log position
 * DedupOrder.by(Order::version)                        // a version column
 * }</pre>
 *
 * <p>An order that starts with {@link #byEventTime()} is an <em>event-time</em> order: records at
 * or behind the watermark are late, and keep-first append output holds a row until the watermark
 * passes it. Any other order is a custom order, with no notion of lateness. At most {@value
 * #MAX_COMPONENTS} components. Immutable and serializable; the key functions must be too.
 *
 * @param <T> the row type
 */
@PublicEvolving
public final class DedupOrder<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Most components an order can have. */
  public static final int MAX_COMPONENTS = 4;

  /**
   * One component of an ordering key: a long read from the row (a version, an LSN, an offset, epoch
   * milliseconds). It runs once per record: keep it cheap, and do not throw for valid rows; a row
   * it throws for becomes a dead letter.
   *
   * @param <T> the row type
   */
  @PublicEvolving
  @FunctionalInterface
  public interface Key<T> extends Serializable {
    long of(T row) throws Exception;
  }

  private final boolean eventTime;
  private final List<Key<T>> keys;

  private DedupOrder(boolean eventTime, List<Key<T>> keys) {
    this.eventTime = eventTime;
    this.keys = keys;
  }

  /** Orders by the record's timestamp (its event time, as assigned by the watermark strategy). */
  public static <T> DedupOrder<T> byEventTime() {
    return new DedupOrder<>(true, Collections.emptyList());
  }

  /** Orders by a long read from the row. */
  public static <T> DedupOrder<T> by(Key<T> key) {
    return new DedupOrder<T>(false, Collections.emptyList()).append(key);
  }

  /**
   * This order, with {@code key} breaking its ties.
   *
   * @throws IllegalArgumentException when the order would have more than {@value #MAX_COMPONENTS}
   *     components
   */
  public DedupOrder<T> thenBy(Key<T> key) {
    return append(key);
  }

  private DedupOrder<T> append(Key<T> key) {
    Objects.requireNonNull(key, "key");
    if (size() >= MAX_COMPONENTS) {
      throw new IllegalArgumentException(
          "an order has at most " + MAX_COMPONENTS + " components, was " + (size() + 1));
    }
    List<Key<T>> more = new ArrayList<>(keys);
    more.add(key);
    return new DedupOrder<>(eventTime, Collections.unmodifiableList(more));
  }

  /** True when the first component is the record's timestamp: lateness applies. */
  public boolean isEventTime() {
    return eventTime;
  }

  /** Number of components, event time included. */
  public int size() {
    return keys.size() + (eventTime ? 1 : 0);
  }

  /**
   * Writes the ordering key of a row into {@code into} ({@link #size()} longs). Used by the dedup
   * operator once per record; allocation-free.
   *
   * @param timestamp the record's timestamp, read when {@link #isEventTime()}
   */
  @Internal
  public void extract(T row, long timestamp, long[] into) throws Exception {
    int i = 0;
    if (eventTime) {
      into[i++] = timestamp;
    }
    for (int k = 0; k < keys.size(); k++) {
      into[i++] = keys.get(k).of(row);
    }
  }

  /** For example {@code eventTime, then 1 key}. */
  @Override
  public String toString() {
    String first = eventTime ? "eventTime" : "1 key";
    int rest = eventTime ? keys.size() : keys.size() - 1;
    return rest == 0 ? first : first + ", then " + rest + (rest == 1 ? " key" : " keys");
  }
}
