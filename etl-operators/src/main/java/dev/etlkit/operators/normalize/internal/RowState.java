package dev.etlkit.operators.normalize.internal;

import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * What the upsert normalizer keeps per key when it is versioned or keeps projected rows: the live
 * row (or its projection), or none for a deleted key; the sequence of the last change applied; the
 * hash of the full live row when only a projection is kept. Immutable.
 *
 * <p>The row hash is the step's keyed fingerprint ({@link
 * dev.etlkit.operators.internal.RowFingerprint}) in every entry written now; an entry read from
 * state written before keyed fingerprints holds the {@link LegacyRowHash} instead ({@link
 * #keyedHash()} false), until the key's entry is next written.
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
  private final boolean keyedHash;
  private final long rowHash;

  /**
   * @param keyedHash whether {@code rowHash} is the keyed fingerprint (false: a {@link
   *     LegacyRowHash}); ignored without a row hash
   */
  public RowState(
      @Nullable V value,
      boolean hasSequence,
      long sequence,
      boolean hasRowHash,
      boolean keyedHash,
      long rowHash) {
    this.value = value;
    this.hasSequence = hasSequence;
    this.sequence = hasSequence ? sequence : 0L;
    this.hasRowHash = hasRowHash;
    this.keyedHash = hasRowHash && keyedHash;
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

  /**
   * Whether {@link #rowHash()} is the step's keyed fingerprint; false without a row hash, and for a
   * {@link LegacyRowHash} read from state written before keyed fingerprints.
   */
  public boolean keyedHash() {
    return keyedHash;
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
        && keyedHash == that.keyedHash
        && rowHash == that.rowHash
        && Objects.equals(value, that.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, hasSequence, sequence, hasRowHash, keyedHash, rowHash);
  }

  @Override
  public String toString() {
    return "RowState{"
        + (value != null ? "live" : "deleted")
        + (hasSequence ? ", sequence=" + sequence : "")
        + (hasRowHash
            ? (keyedHash ? ", keyed" : ", legacy") + " rowHash=" + Long.toHexString(rowHash)
            : "")
        + "}";
  }
}
