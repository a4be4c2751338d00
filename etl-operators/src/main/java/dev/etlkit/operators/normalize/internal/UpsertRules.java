package dev.etlkit.operators.normalize.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/**
 * The rules of upsert normalization, as a pure function from (input kind, what the key's state
 * says, sequences) to an {@link Outcome}. The functions apply the outcome to state and output;
 * {@code docs/normalize.md} prints the same table.
 *
 * <p>Unversioned (no sequence):
 *
 * <pre>
 * input        | key not live        | key live, same row | key live, other row
 * +I / +U      | INSERT              | NO_OP              | UPDATE
 * -D           | UNKNOWN_KEY_DELETE  | DELETE             | DELETE
 * -U           | UPDATE_BEFORE_IGNORED (always)
 * </pre>
 *
 * <p>Versioned: a key with state (live, or deleted with its delete's sequence kept) first compares
 * sequences. Lower than stored: {@code STALE}. Equal: {@code DUPLICATE} when it is the same event
 * again (an upsert of the identical live row, or a delete of a deleted key), else {@code STALE}.
 * Higher: the unversioned table, except that {@code NO_OP} advances the stored sequence. A key
 * without state (never seen, or expired) follows the unversioned table.
 */
@Internal
public final class UpsertRules {

  /** What to do with one input change. */
  @Internal
  public enum Outcome {
    /** Emit {@code +I}(new); store it. */
    INSERT,
    /** Emit {@code -U}(stored), {@code +U}(new); store the new row. */
    UPDATE,
    /** The live row again: emit nothing; a versioned key stores the newer sequence. */
    NO_OP,
    /** The stored version delivered again: emit nothing, change nothing. */
    DUPLICATE,
    /** Emit {@code -D}(stored); the key is no longer live. */
    DELETE,
    /** A delete of a key that is not live (never seen, deleted, or expired): route it. */
    UNKNOWN_KEY_DELETE,
    /** A change not newer than the stored one: route it, change nothing. */
    STALE,
    /** An input {@code -U}: the stored row is the before-image, so it is dropped (filtered). */
    UPDATE_BEFORE_IGNORED;

    /** True for the outcomes counted as deduplicated. */
    public boolean isDeduplicated() {
      return this == NO_OP || this == DUPLICATE;
    }
  }

  private UpsertRules() {}

  /**
   * The outcome of an unversioned change.
   *
   * @param kind the input's kind
   * @param live whether the key has a live row
   * @param sameRow whether the input row equals the live row (only read when live and upserting)
   */
  public static Outcome unversioned(RowKind kind, boolean live, boolean sameRow) {
    switch (kind) {
      case INSERT:
      case UPDATE_AFTER:
        if (!live) {
          return Outcome.INSERT;
        }
        return sameRow ? Outcome.NO_OP : Outcome.UPDATE;
      case DELETE:
        return live ? Outcome.DELETE : Outcome.UNKNOWN_KEY_DELETE;
      case UPDATE_BEFORE:
        return Outcome.UPDATE_BEFORE_IGNORED;
      default:
        throw new IllegalArgumentException("unknown row kind " + kind);
    }
  }

  /**
   * The outcome of a versioned change.
   *
   * @param kind the input's kind
   * @param hasState whether the key has state (a live row or a deleted key's sequence)
   * @param live whether the key has a live row
   * @param sameRow whether the input row equals the live row (only read when live and upserting)
   * @param sequence the input's sequence
   * @param storedSequence the sequence in state (only read when {@code hasState})
   */
  public static Outcome versioned(
      RowKind kind,
      boolean hasState,
      boolean live,
      boolean sameRow,
      long sequence,
      long storedSequence) {
    if (kind == RowKind.UPDATE_BEFORE) {
      return Outcome.UPDATE_BEFORE_IGNORED;
    }
    if (hasState) {
      if (sequence < storedSequence) {
        return Outcome.STALE;
      }
      if (sequence == storedSequence) {
        boolean upsert = kind != RowKind.DELETE;
        boolean sameEvent = upsert ? live && sameRow : !live;
        return sameEvent ? Outcome.DUPLICATE : Outcome.STALE;
      }
    }
    return unversioned(kind, live, sameRow);
  }
}
