package dev.etlkit.operators.dedup.internal;

import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * What a dedup step keeps per key; only the fields its mode needs are set (see {@link
 * DedupLayout}).
 *
 * <ul>
 *   <li>{@code live}: a row is kept for the key. A keep-last entry that is not live but has an
 *       order is a tombstone: the key was deleted at that order, and older records are stale.
 *   <li>{@code order}: the ordering key of the kept row (keep-last: of the newest record seen).
 *   <li>{@code hash}: the keyed fingerprint of the kept row ({@link RowIdentity#fingerprint}), for
 *       no-op suppression; not kept where the row itself is kept and compared ({@link
 *       RowIdentity#comparesRows()}).
 *   <li>{@code row}: the kept row itself, when the step must retract it ({@code -U}, {@code -D}) or
 *       emit it later (a held candidate).
 * </ul>
 *
 * <p>Mutable: the operator updates the entry of the current key in place and writes it back.
 *
 * @param <T> the row type
 */
@Internal
public final class DedupEntry<T> {
  boolean live;
  @Nullable long[] order;
  boolean hasHash;
  long hash;
  @Nullable T row;

  public DedupEntry() {}

  DedupEntry(boolean live, @Nullable long[] order, boolean hasHash, long hash, @Nullable T row) {
    this.live = live;
    this.order = order;
    this.hasHash = hasHash;
    this.hash = hash;
    this.row = row;
  }

  public boolean isLive() {
    return live;
  }

  @Nullable
  public long[] order() {
    return order;
  }

  public boolean hasHash() {
    return hasHash;
  }

  public long hash() {
    return hash;
  }

  @Nullable
  public T row() {
    return row;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DedupEntry)) {
      return false;
    }
    DedupEntry<?> that = (DedupEntry<?>) o;
    return live == that.live
        && hasHash == that.hasHash
        && hash == that.hash
        && Arrays.equals(order, that.order)
        && Objects.equals(row, that.row);
  }

  @Override
  public int hashCode() {
    return Objects.hash(live, hasHash, hash, Arrays.hashCode(order), row);
  }

  /** Never prints the row: entries can show up in exception messages. */
  @Override
  public String toString() {
    return "DedupEntry{live="
        + live
        + (order != null ? ", order=" + Arrays.toString(order) : "")
        + (hasHash ? ", hash=" + Long.toHexString(hash) : "")
        + (row != null ? ", row=<set>" : "")
        + "}";
  }
}
