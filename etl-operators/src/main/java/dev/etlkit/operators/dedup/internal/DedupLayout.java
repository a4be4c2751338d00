package dev.etlkit.operators.dedup.internal;

import java.io.Serializable;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Which fields a dedup state holds: the number of ordering-key components, whether a row
 * fingerprint and whether the row itself; and, when known, what they mean (the {@link Meaning}:
 * keep mode and the kind of each ordering component). Part of the state's serializer snapshot:
 * restoring a savepoint into a step whose layout differs (another ordering, keep-last where
 * keep-first was, or RETRACT where UPSERT was) fails instead of misreading the state.
 *
 * @param orderSize ordering-key components per entry, 0 when ordered by processing time
 * @param hash whether a row fingerprint is kept (entries whose row is compared leave it out, see
 *     {@link #fingerprints})
 * @param row whether the row is kept
 * @param meaning what the entries mean; null when unknown: read from a format-1 snapshot, which
 *     recorded the shape only
 */
@Internal
public record DedupLayout(int orderSize, boolean hash, boolean row, @Nullable Meaning meaning)
    implements Serializable {

  public DedupLayout {
    if (orderSize < 0 || orderSize > 127) {
      throw new IllegalArgumentException("orderSize must be in 0..127, was " + orderSize);
    }
    if (meaning != null && meaning.order().size() != orderSize) {
      throw new IllegalArgumentException(
          "meaning " + meaning + " has another number of ordering components than " + orderSize);
    }
  }

  /** A layout of the given shape whose meaning is unknown (as a format-1 snapshot records it). */
  public DedupLayout(int orderSize, boolean hash, boolean row) {
    this(orderSize, hash, row, null);
  }

  /** The shape as one int, as written into serializer snapshots. */
  int encode() {
    return orderSize << 2 | (hash ? 2 : 0) | (row ? 1 : 0);
  }

  /** The shape {@link #encode} wrote, with {@code meaning}. */
  static DedupLayout decode(int code, @Nullable Meaning meaning) {
    return new DedupLayout(code >>> 2, (code & 2) != 0, (code & 1) != 0, meaning);
  }

  /**
   * Whether this layout reads state written with {@code written} as what it is: the same shape,
   * and, where both meanings are known, the same keep mode and ordering components ({@link
   * Meaning#reads}). A format-1 snapshot (meaning unknown) is judged by its shape alone.
   */
  boolean reads(DedupLayout written) {
    if (orderSize != written.orderSize || hash != written.hash || row != written.row) {
      return false;
    }
    return meaning == null || written.meaning == null || meaning.reads(written.meaning);
  }

  /**
   * Whether entries for rows of {@code rowType} carry fingerprints: not where the row is kept and
   * compared value by value instead ({@link RowIdentity#comparesRows()}).
   */
  boolean fingerprints(TypeInformation<?> rowType) {
    return hash && !(row && RowIdentity.comparesRows(rowType));
  }

  /**
   * For example {@code marker}, {@code hash} or {@code order[2], hash, row: Order}: what entries
   * for rows of {@code rowType} (named {@code rowName}) hold.
   */
  String describe(TypeInformation<?> rowType, String rowName) {
    StringBuilder sb = new StringBuilder();
    if (orderSize > 0) {
      sb.append("order[").append(orderSize).append(']');
    }
    if (fingerprints(rowType)) {
      sb.append(sb.length() > 0 ? ", " : "").append("hash");
    }
    if (row) {
      sb.append(sb.length() > 0 ? ", " : "").append("row: ").append(rowName);
    }
    return sb.length() == 0 ? "marker" : sb.toString();
  }

  /**
   * What the fields of the entries mean, beyond their shape: whether the step keeps the first or
   * the last row (an ordering key is then the earliest kept or the newest seen), and what each
   * ordering component is.
   *
   * @param keepLast keep-last (else keep-first)
   * @param order the ordering components, in order
   * @param holdsForWatermark keep-first append in event time: the entries are markers of emitted
   *     keys, while each key's candidate row waits for the watermark in the pending state (a step
   *     in processing time would never emit those rows, so it must not read this state)
   */
  public record Meaning(boolean keepLast, List<Component> order, boolean holdsForWatermark)
      implements Serializable {

    public Meaning {
      order = List.copyOf(order);
      if (holdsForWatermark && (keepLast || !order.isEmpty())) {
        throw new IllegalArgumentException(
            "only keep-first markers are kept while rows are held for the watermark");
      }
    }

    /** Entries that are the state itself (no rows held elsewhere for the watermark). */
    public Meaning(boolean keepLast, List<Component> order) {
      this(keepLast, order, false);
    }

    /**
     * Whether entries written under {@code written} mean the same under this meaning: same keep
     * mode, same component kinds; a key named in {@code written} must have the same name here (an
     * unnamed one may be given a name).
     */
    boolean reads(Meaning written) {
      if (keepLast != written.keepLast
          || holdsForWatermark != written.holdsForWatermark
          || order.size() != written.order.size()) {
        return false;
      }
      for (int i = 0; i < order.size(); i++) {
        Component now = order.get(i);
        Component then = written.order.get(i);
        if (now.eventTime() != then.eventTime()
            || (then.name() != null && !then.name().equals(now.name()))) {
          return false;
        }
      }
      return true;
    }

    /** For example {@code keepLast by [eventTime, key 'lsn']}. */
    @Override
    public String toString() {
      return (keepLast ? "keepLast" : "keepFirst")
          + (order.isEmpty() ? "" : " by " + order)
          + (holdsForWatermark ? " holding rows for the watermark" : "");
    }
  }

  /**
   * One ordering component: the record's timestamp, or a key read from the row, named or not.
   *
   * @param eventTime the record's timestamp (then {@code name} is null)
   * @param name the key's name, null for event time or an unnamed key
   */
  public record Component(boolean eventTime, @Nullable String name) implements Serializable {

    /** The record's timestamp. */
    public static final Component EVENT_TIME = new Component(true, null);

    public Component {
      if (eventTime && name != null) {
        throw new IllegalArgumentException("event time has no name, was '" + name + "'");
      }
    }

    /** A key read from the row, named or not. */
    public static Component key(@Nullable String name) {
      return new Component(false, name);
    }

    @Override
    public String toString() {
      return eventTime ? "eventTime" : name == null ? "key" : "key '" + name + "'";
    }
  }

  @Override
  public String toString() {
    return "DedupLayout{order="
        + orderSize
        + ", hash="
        + hash
        + ", row="
        + row
        + ", "
        + (meaning == null ? "meaning unknown" : meaning.toString())
        + "}";
  }
}
