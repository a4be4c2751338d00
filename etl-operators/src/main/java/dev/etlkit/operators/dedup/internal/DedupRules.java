package dev.etlkit.operators.dedup.internal;

import java.util.Arrays;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The rules of deduplication, in plain Java: given a key's {@link DedupEntry} and one record, what
 * the step emits and what it keeps. The operator wires state, timers and metrics around them.
 *
 * <p>Rows are ordered by their ordering key (none under processing time), then by arrival: for
 * equal keys, keep-first keeps the earlier-arrived row and keep-last takes the later-arrived one.
 *
 * <ul>
 *   <li><b>Keep-first</b>: the first row of a key is kept and emitted; a later row is a duplicate.
 *       With an ordering, an earlier-ordered row arriving later replaces the kept one (unless it is
 *       identical: then only the kept order moves). On a changelog (processing time only), a delete
 *       of a live key retracts its row and the next row starts the key anew.
 *   <li><b>Keep-last</b>: every row not older than the kept one replaces it, unless it is identical
 *       (a no-op: nothing emitted). A delete retracts the kept row; with an ordering it leaves a
 *       tombstone so that older records arriving later stay stale.
 *   <li>Update-before records are not given to the rules (the operator filters them).
 * </ul>
 *
 * <p>Identical means the same serialized form, as {@link RowIdentity} decides: the kept row
 * compared with the new one, or their fingerprints. A record's fingerprint is computed only when it
 * is needed (to compare, or to keep), at most once per record.
 *
 * <p>After {@link #apply}, the accessors describe the result: the entry to keep ({@link #entry},
 * null to clear), whether state must be written ({@link #mustWrite()}), and the row to retract
 * ({@link #retracted()}). The given entry may be changed in place. Not thread-safe: one instance
 * per operator.
 *
 * @param <T> the row type
 */
@Internal
public final class DedupRules<T> {

  /** What a record did. */
  public enum Outcome {
    /** The key had no kept row; this record's row is kept and emitted. */
    INSERT,
    /** The kept row is replaced by this record's row (retract {@link #retracted()} first). */
    UPDATE,
    /** The kept row is deleted (emit {@link #retracted()} as the delete). */
    DELETE,
    /** Keep-first append in event time: the row is the key's held candidate from now on. */
    HOLD,
    /** Nothing to emit: a duplicate, a no-op, a stale record or a delete of a key not live. */
    DUPLICATE
  }

  private final boolean keepLast;
  private final boolean ordered;
  private final boolean keepsHash;
  private final boolean keepsRow;
  @Nullable private final RowIdentity<T> identity;

  /** The entry of every key when the layout keeps nothing but a marker: never changed in place. */
  @Nullable private final DedupEntry<T> marker;

  private final DedupEntry<T> emittedMarker = new DedupEntry<>(true, null, false, 0L, null);

  /**
   * Whether the last call chose another entry than the one it was given ({@link #replacement}). The
   * given entry is not stored in a field: a reference stored into this long-lived object on every
   * record costs a garbage-collector barrier that, under G1, is a full memory fence.
   */
  private boolean replaced;

  /** The entry to keep when {@link #replaced}: a new entry, or null to clear the key's state. */
  @Nullable private DedupEntry<T> replacement;

  private boolean write;
  @Nullable private T retracted;
  private long displacedTimestamp;
  private boolean displaced;

  /** The fingerprint of the current record's row, once computed ({@link #fingerprint}). */
  private long rowHash;

  private boolean rowHashed;

  /**
   * @param keepLast keep-last (else keep-first)
   * @param layout what the key's entry holds: an ordering key (ordered), a fingerprint, the row
   * @param identity how rows are compared; required when the layout keeps fingerprints, and where
   *     it keeps rows needed for a mini-batch to tell whether its changes cancel out ({@link
   *     #unchanged})
   */
  public DedupRules(boolean keepLast, DedupLayout layout, @Nullable RowIdentity<T> identity) {
    if (layout.hash() && identity == null) {
      throw new IllegalArgumentException("a layout with fingerprints needs a row identity");
    }
    this.keepLast = keepLast;
    this.ordered = layout.orderSize() > 0;
    this.keepsHash = layout.hash();
    this.keepsRow = layout.row();
    this.identity = layout.hash() || layout.row() ? identity : null;
    if (!ordered && !keepsHash && !keepsRow) {
      marker = new DedupEntry<>();
      marker.live = true;
    } else {
      marker = null;
    }
  }

  /**
   * Applies one insert, update-after or delete.
   *
   * @param current the key's entry, or null when it has none
   * @param delete whether the record is a delete
   * @param order its ordering key (not kept: copied when needed), or null under processing time
   * @param row its row (kept by reference when the layout keeps rows)
   */
  public Outcome apply(
      @Nullable DedupEntry<T> current, boolean delete, @Nullable long[] order, T row) {
    replaced = false;
    write = false;
    retracted = null;
    displaced = false;
    rowHashed = false;
    return keepLast
        ? keepLast(current, delete, order, row)
        : keepFirst(current, delete, order, row);
  }

  private Outcome keepFirst(
      @Nullable DedupEntry<T> current, boolean delete, @Nullable long[] order, T row) {
    if (delete) {
      // Keep-first on a changelog is processing-time ordered: no tombstones are needed.
      if (current == null || !current.live) {
        return Outcome.DUPLICATE;
      }
      retracted = keepsRow ? current.row : row;
      keepInstead(null);
      write = true;
      return Outcome.DELETE;
    }
    if (current == null || !current.live) {
      keepInstead(newEntry(order, row));
      write = true;
      return Outcome.INSERT;
    }
    if (!ordered || compare(order, current.order) >= 0) {
      return Outcome.DUPLICATE; // later, or equal and later-arrived: the kept row stays first
    }
    if (keepsHash && sameAsKept(current, row)) {
      copyOrder(current, order); // same row, earlier: only the order moves
      write = true;
      return Outcome.DUPLICATE;
    }
    retracted = current.row;
    replace(current, order, row);
    write = true;
    return Outcome.UPDATE;
  }

  private Outcome keepLast(
      @Nullable DedupEntry<T> current, boolean delete, @Nullable long[] order, T row) {
    if (ordered && current != null && compare(order, current.order) < 0) {
      return Outcome.DUPLICATE; // stale: older than the kept row or the tombstone
    }
    if (delete) {
      if (current == null || !current.live) {
        if (ordered && (current == null || compare(order, current.order) > 0)) {
          DedupEntry<T> tombstone = current;
          if (tombstone == null) {
            tombstone = new DedupEntry<>();
            keepInstead(tombstone);
          }
          copyOrder(tombstone, order); // the tombstone moves forward
          write = true;
        }
        return Outcome.DUPLICATE;
      }
      retracted = keepsRow ? current.row : row;
      if (ordered) {
        current.live = false;
        current.hasHash = false;
        current.hash = 0L;
        current.row = null;
        copyOrder(current, order);
      } else {
        keepInstead(null);
      }
      write = true;
      return Outcome.DELETE;
    }
    if (current == null || !current.live) {
      if (current == null) {
        keepInstead(newEntry(order, row));
      } else {
        current.live = true;
        replace(current, order, row);
      }
      write = true;
      return Outcome.INSERT;
    }
    if (keepsHash && sameAsKept(current, row)) {
      if (ordered && compare(order, current.order) > 0) {
        copyOrder(current, order); // same row, newer: only the order moves
        write = true;
      }
      return Outcome.DUPLICATE;
    }
    retracted = current.row;
    replace(current, order, row);
    write = true;
    return Outcome.UPDATE;
  }

  /** Whether {@code row} is identical to the live entry's row. */
  private boolean sameAsKept(DedupEntry<T> kept, T row) {
    if (identity.comparesRows() && kept.row != null) {
      return identity.sameRows(kept.row, row);
    }
    if (kept.hasHash) {
      return kept.hash == fingerprint(row);
    }
    // Kept without a fingerprint by a step that compared rows, whose row type has since become
    // one compared by fingerprints (a schema change): fingerprint the kept row.
    return kept.row != null && identity.fingerprint(kept.row) == fingerprint(row);
  }

  /** The current record's fingerprint, computed once. */
  private long fingerprint(T row) {
    if (!rowHashed) {
      rowHash = identity.fingerprint(row);
      rowHashed = true;
    }
    return rowHash;
  }

  /**
   * Whether a key's live entry after a mini-batch keeps the same row as before it (given as it was
   * then: the entry is changed in place), so that the bundle's changes cancel out.
   */
  public boolean unchanged(
      boolean beforeHasHash, long beforeHash, @Nullable T beforeRow, DedupEntry<T> after) {
    if (identity == null) {
      return false; // a marker: the rows are not known
    }
    if (identity.comparesRows() && beforeRow != null && after.row != null) {
      return identity.sameRows(beforeRow, after.row);
    }
    if ((!beforeHasHash && beforeRow == null) || (!after.hasHash && after.row == null)) {
      return false;
    }
    long before = beforeHasHash ? beforeHash : identity.fingerprint(beforeRow);
    return before == (after.hasHash ? after.hash : identity.fingerprint(after.row));
  }

  /**
   * Keep-first append in event time: whether the record becomes the key's held candidate. The
   * candidate is emitted by the operator once the watermark passes its timestamp ({@link
   * #emitted}).
   *
   * @param emitted the key's emitted marker, or null when no row was emitted yet
   * @param pending the key's held candidate, or null
   */
  public Outcome hold(
      @Nullable DedupEntry<T> emitted, @Nullable DedupEntry<T> pending, long[] order, T row) {
    replaced = false;
    write = false;
    retracted = null;
    displaced = false;
    if (emitted != null && emitted.live) {
      return Outcome.DUPLICATE; // a non-late record is later than the emitted row
    }
    if (pending == null) {
      DedupEntry<T> candidate = new DedupEntry<>();
      candidate.live = true;
      candidate.order = order.clone();
      candidate.row = row;
      keepInstead(candidate);
      write = true;
      return Outcome.HOLD;
    }
    if (compare(order, pending.order) >= 0) {
      return Outcome.DUPLICATE;
    }
    displaced = true;
    displacedTimestamp = pending.order[0];
    copyOrder(pending, order);
    pending.row = row;
    write = true;
    return Outcome.HOLD;
  }

  /** The marker a key keeps once its held candidate was emitted (shared, never changed). */
  public DedupEntry<T> emitted() {
    return emittedMarker;
  }

  /**
   * The entry to keep after the last call, or null to clear the key's state.
   *
   * @param given the entry the last call was given ({@code current} or {@code pending}): kept
   *     unless the call replaced it
   */
  @Nullable
  public DedupEntry<T> entry(@Nullable DedupEntry<T> given) {
    return replaced ? replacement : given;
  }

  /** The last call keeps {@code chosen} instead of the entry it was given. */
  private void keepInstead(@Nullable DedupEntry<T> chosen) {
    replaced = true;
    replacement = chosen;
  }

  /** Whether the key's state must be written (updated, or cleared when {@link #entry} is null). */
  public boolean mustWrite() {
    return write;
  }

  /** The row to retract for an {@code UPDATE} or a {@code DELETE} (null when not kept). */
  @Nullable
  public T retracted() {
    return retracted;
  }

  /** For a {@code HOLD}: whether it displaced an earlier candidate. */
  public boolean displaced() {
    return displaced;
  }

  /** For a {@code HOLD} that displaced a candidate: that candidate's timestamp (its timer). */
  public long displacedTimestamp() {
    return displacedTimestamp;
  }

  /**
   * Whether {@code next}, arriving after {@code kept} with no delete between them, wins over it.
   * The base of mini-batch pre-reduction: a run of rows of one key can be replaced by its winner.
   */
  public boolean prefers(@Nullable long[] next, @Nullable long[] kept) {
    if (keepLast) {
      return !ordered || compare(next, kept) >= 0;
    }
    return ordered && compare(next, kept) < 0;
  }

  private DedupEntry<T> newEntry(@Nullable long[] order, T row) {
    if (marker != null) {
      return marker; // keep-first by processing time: one shared, unchanging marker
    }
    DedupEntry<T> created = new DedupEntry<>();
    created.live = true;
    replace(created, order, row);
    return created;
  }

  private void replace(DedupEntry<T> target, @Nullable long[] order, T row) {
    if (ordered) {
      copyOrder(target, order);
    }
    if (keepsHash) {
      // An entry whose row is compared needs no fingerprint (one restored with it loses it here).
      boolean hashed = !identity.comparesRows();
      target.hasHash = hashed;
      target.hash = hashed ? fingerprint(row) : 0L;
    }
    target.row = keepsRow ? row : null;
  }

  private static void copyOrder(DedupEntry<?> target, @Nullable long[] order) {
    if (order == null) {
      return;
    }
    if (target.order == null || target.order.length != order.length) {
      target.order = order.clone();
    } else {
      System.arraycopy(order, 0, target.order, 0, order.length);
    }
  }

  /** Lexicographic order of signed longs (equal lengths: the layout fixes them). */
  static int compare(@Nullable long[] a, @Nullable long[] b) {
    if (a == null || b == null) {
      return 0;
    }
    return Arrays.compare(a, b);
  }
}
