package dev.etlkit.operators.dedup;

import dev.etlkit.core.internal.Names;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
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
 * DedupOrder.by("version", Order::version)             // the same, named in savepoints
 * }</pre>
 *
 * <p>An order that starts with {@link #byEventTime()} is an <em>event-time</em> order: records at
 * or behind the watermark are late, and keep-first append output holds a row until the watermark
 * passes it. Any other order is a custom order, with no notion of lateness. At most {@value
 * #MAX_COMPONENTS} components. Immutable and serializable; the key functions must be too.
 *
 * <p><b>In savepoints.</b> A dedup step's state records, per component, whether it is event time or
 * a key, and the key's name when it has one ({@link #by(String, Key)}, {@link #thenBy(String,
 * Key)}); a restore into an order that differs there fails instead of comparing stored values with
 * values of another kind. A key function itself has no identity: replacing one unnamed key with
 * another goes unnoticed, so name the keys of a long-running step, and treat a name like the step's
 * name: never change it while the step's state should be kept.
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

  /** The name of each key, null where unnamed; parallel to {@link #keys}. */
  private final List<String> names;

  private DedupOrder(boolean eventTime, List<Key<T>> keys, List<String> names) {
    this.eventTime = eventTime;
    this.keys = keys;
    this.names = names;
  }

  /** Orders by the record's timestamp (its event time, as assigned by the watermark strategy). */
  public static <T> DedupOrder<T> byEventTime() {
    return new DedupOrder<>(true, Collections.emptyList(), Collections.emptyList());
  }

  /** Orders by a long read from the row. */
  public static <T> DedupOrder<T> by(Key<T> key) {
    return DedupOrder.<T>empty().append(null, key);
  }

  /**
   * Orders by a long read from the row, under a name that the step's savepoints record: a restore
   * into an order whose key at this place has another name, or none, fails (see {@link
   * DedupOrder}).
   *
   * @param name 1 to 64 letters, digits, {@code .}, {@code _} or {@code -}, for example the field
   *     the key reads: {@code "version"}
   * @throws IllegalArgumentException if the name is not valid
   */
  public static <T> DedupOrder<T> by(String name, Key<T> key) {
    return DedupOrder.<T>empty().append(requireValidName(name), key);
  }

  /**
   * This order, with {@code key} breaking its ties.
   *
   * @throws IllegalArgumentException when the order would have more than {@value #MAX_COMPONENTS}
   *     components
   */
  public DedupOrder<T> thenBy(Key<T> key) {
    return append(null, key);
  }

  /**
   * This order, with {@code key}, named as in {@link #by(String, Key)}, breaking its ties.
   *
   * @throws IllegalArgumentException when the name is not valid or already names a key of this
   *     order, or when the order would have more than {@value #MAX_COMPONENTS} components
   */
  public DedupOrder<T> thenBy(String name, Key<T> key) {
    String valid = requireValidName(name);
    if (names.contains(valid)) {
      throw new IllegalArgumentException(
          "key name '" + valid + "' is already used in this order (" + this + ")");
    }
    return append(valid, key);
  }

  private static <T> DedupOrder<T> empty() {
    return new DedupOrder<>(false, Collections.emptyList(), Collections.emptyList());
  }

  private static String requireValidName(String name) {
    return Names.requireValid(name, "key name");
  }

  private DedupOrder<T> append(@Nullable String name, Key<T> key) {
    Objects.requireNonNull(key, "key");
    if (size() >= MAX_COMPONENTS) {
      throw new IllegalArgumentException(
          "an order has at most " + MAX_COMPONENTS + " components, was " + (size() + 1));
    }
    List<Key<T>> moreKeys = new ArrayList<>(keys);
    moreKeys.add(key);
    List<String> moreNames = new ArrayList<>(names);
    moreNames.add(name);
    return new DedupOrder<>(
        eventTime, Collections.unmodifiableList(moreKeys), Collections.unmodifiableList(moreNames));
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
   * The name of each key component, in order, null where unnamed; event time is not among them.
   * Recorded in the dedup state's savepoints.
   */
  @Internal
  public List<String> keyNames() {
    return names;
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

  /**
   * For example {@code eventTime, then 1 key}, or with named keys {@code eventTime, then lsn}:
   * named keys by name, runs of unnamed ones counted.
   */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (eventTime) {
      parts.add("eventTime");
    }
    int unnamed = 0;
    for (String name : names) {
      if (name == null) {
        unnamed++;
      } else {
        addUnnamed(parts, unnamed);
        unnamed = 0;
        parts.add(name);
      }
    }
    addUnnamed(parts, unnamed);
    return String.join(", then ", parts);
  }

  private static void addUnnamed(List<String> parts, int unnamed) {
    if (unnamed > 0) {
      parts.add(unnamed + (unnamed == 1 ? " key" : " keys"));
    }
  }
}
