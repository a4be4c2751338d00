package dev.etlkit.operators.normalize.internal;

import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * What the upsert normalizer keeps per key when it is versioned or keeps projected rows: the live
 * row (or its projection), or none for a deleted key; the sequence of the last change applied; the
 * hash of the full live row when only a projection is kept. Immutable.
 *
 * <p>Serialized by {@link RowStateSerializer}; the layout is part of savepoints.
 *
 * @param <V> the kept row type (the row, or its projection)
 */
@Internal
public final class RowState<V> {

  @Nullable private final V value;
  private final boolean hasSequence;
  private final long sequence;
  private final boolean hasRowHash;
  private final long rowHash;

  public RowState(
      @Nullable V value, boolean hasSequence, long sequence, boolean hasRowHash, long rowHash) {
    this.value = value;
    this.hasSequence = hasSequence;
    this.sequence = hasSequence ? sequence : 0L;
    this.hasRowHash = hasRowHash;
    this.rowHash = hasRowHash ? rowHash : 0L;
  }

  /** The kept row of a live key, or null when the key is deleted. */
  @Nullable
  public V value() {
    return value;
  }

  /** True when the key's row is live (not deleted). */
  public boolean isLive() {
    return value != null;
  }

  public boolean hasSequence() {
    return hasSequence;
  }

  /** Sequence of the last change applied; 0 when {@link #hasSequence()} is false. */
  public long sequence() {
    return sequence;
  }

  public boolean hasRowHash() {
    return hasRowHash;
  }

  /** Hash of the full live row; 0 when {@link #hasRowHash()} is false. */
  public long rowHash() {
    return rowHash;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RowState)) {
      return false;
    }
    RowState<?> that = (RowState<?>) o;
    return hasSequence == that.hasSequence
        && sequence == that.sequence
        && hasRowHash == that.hasRowHash
        && rowHash == that.rowHash
        && Objects.equals(value, that.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, hasSequence, sequence, hasRowHash, rowHash);
  }

  @Override
  public String toString() {
    return "RowState{"
        + (value != null ? "live" : "deleted")
        + (hasSequence ? ", sequence=" + sequence : "")
        + (hasRowHash ? ", rowHash=" + Long.toHexString(rowHash) : "")
        + "}";
  }
}
