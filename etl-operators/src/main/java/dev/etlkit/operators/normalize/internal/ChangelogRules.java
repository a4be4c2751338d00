package dev.etlkit.operators.normalize.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/**
 * The rules of the changelog contract check, as pure functions over a key's status: one long
 * holding two flags (live, waiting for the {@code +U} of a {@code -U}) and, for a full changelog,
 * 62 bits of the hash of the live row. Status 0 is "not live, nothing pending": no state.
 *
 * <p>Rules, per key in arrival order ({@code docs/normalize.md} prints the same):
 *
 * <ol>
 *   <li>after a {@code -U}, the key's next record must be {@code +U};
 *   <li>{@code +I} needs a key that is not live;
 *   <li>{@code -U} and {@code -D} need a live key;
 *   <li>full changelog only: {@code +U} of a live key needs a {@code -U} before it, and {@code -U}
 *       and {@code -D} must carry the live row (compared by hash).
 * </ol>
 *
 * <p>A record that breaks a rule is rejected and leaves the status as it was, except that a broken
 * {@code -U}/{@code +U} pair is closed (the {@code -U} was passed on, so the key is not live).
 */
@Internal
public final class ChangelogRules {

  static final long LIVE = 1L;
  static final long PENDING_UPDATE_AFTER = 1L << 1;
  private static final long FLAGS = LIVE | PENDING_UPDATE_AFTER;

  /** What a record breaks, if anything. */
  @Internal
  public enum Violation {
    NONE(""),
    MISSING_UPDATE_AFTER(
        "UPDATE_BEFORE not followed by its UPDATE_AFTER: the key's next change is "),
    DUPLICATE_INSERT("duplicate INSERT: the key is already live"),
    UPDATE_BEFORE_OF_NOT_LIVE_KEY("UPDATE_BEFORE of a key that is not live"),
    DELETE_OF_NOT_LIVE_KEY("DELETE of a key that is not live"),
    UPDATE_AFTER_WITHOUT_UPDATE_BEFORE(
        "UPDATE_AFTER of a live key without an UPDATE_BEFORE (full changelog)"),
    RETRACTION_OF_OTHER_ROW("retraction does not carry the live row of its key (full changelog)");

    private final String message;

    Violation(String message) {
      this.message = message;
    }

    /** The dead letter's message for a record of {@code kind}; never mentions its contents. */
    public String message(RowKind kind) {
      return this == MISSING_UPDATE_AFTER ? message + kind : message;
    }
  }

  private ChangelogRules() {}

  /**
   * The rule a record breaks.
   *
   * @param status the key's status before the record (0 when it has no state)
   * @param kind the record's kind
   * @param rowHash hash of the record's row (full changelog only, else ignored)
   * @param full whether the stream claims to be a full changelog (rule 4)
   */
  public static Violation check(long status, RowKind kind, long rowHash, boolean full) {
    boolean live = (status & LIVE) != 0;
    if ((status & PENDING_UPDATE_AFTER) != 0) {
      return kind == RowKind.UPDATE_AFTER ? Violation.NONE : Violation.MISSING_UPDATE_AFTER;
    }
    switch (kind) {
      case INSERT:
        return live ? Violation.DUPLICATE_INSERT : Violation.NONE;
      case UPDATE_AFTER:
        return live && full ? Violation.UPDATE_AFTER_WITHOUT_UPDATE_BEFORE : Violation.NONE;
      case UPDATE_BEFORE:
        if (!live) {
          return Violation.UPDATE_BEFORE_OF_NOT_LIVE_KEY;
        }
        return full && !sameRow(status, rowHash)
            ? Violation.RETRACTION_OF_OTHER_ROW
            : Violation.NONE;
      case DELETE:
        if (!live) {
          return Violation.DELETE_OF_NOT_LIVE_KEY;
        }
        return full && !sameRow(status, rowHash)
            ? Violation.RETRACTION_OF_OTHER_ROW
            : Violation.NONE;
      default:
        throw new IllegalArgumentException("unknown row kind " + kind);
    }
  }

  /** The key's status after a record that broke no rule. */
  public static long apply(long status, RowKind kind, long rowHash) {
    switch (kind) {
      case INSERT:
      case UPDATE_AFTER:
        return (rowHash & ~FLAGS) | LIVE;
      case UPDATE_BEFORE:
        return PENDING_UPDATE_AFTER;
      case DELETE:
        return 0L;
      default:
        throw new IllegalArgumentException("unknown row kind " + kind);
    }
  }

  /** The key's status after a rejected record: a broken pair is closed, the rest stays. */
  public static long afterViolation(long status) {
    return (status & PENDING_UPDATE_AFTER) != 0 ? 0L : status;
  }

  private static boolean sameRow(long status, long rowHash) {
    return (status & ~FLAGS) == (rowHash & ~FLAGS);
  }

  /**
   * The sampling threshold of a rate in (0, 1]: keys whose {@link #sampleHash} is below it are
   * checked.
   */
  public static long sampleThreshold(double rate) {
    return rate >= 1.0 ? Long.MAX_VALUE : (long) (rate * (1L << 53));
  }

  /**
   * A key's position in the sample, in [0, 2^53): a mix of its {@code hashCode} (deterministic for
   * every Flink key) different from the one Flink assigns key groups with, so sampled keys spread
   * over all subtasks.
   */
  public static long sampleHash(Object key) {
    long z = key.hashCode() * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) >>> 11;
  }
}
