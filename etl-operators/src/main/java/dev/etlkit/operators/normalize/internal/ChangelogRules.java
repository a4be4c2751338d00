package dev.etlkit.operators.normalize.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/**
 * The rules of the changelog contract check, as pure functions over a key's status: one long whose
 * two low bits tell what the key is and whose 62 high bits hold, for a full changelog, a hash of
 * the live row:
 *
 * <ul>
 *   <li>{@code 00}: not live, nothing pending. Status 0 is kept as no state;
 *   <li>{@code 10} ({@link #PENDING_UPDATE_AFTER}): not live, waiting for the {@code +U} of a
 *       {@code -U}; no hash;
 *   <li>{@code 11} ({@link #KEYED_LIVE}): live, written now with a full changelog; the high bits
 *       are 62 bits of the live row's keyed fingerprint ({@link
 *       dev.etlkit.operators.internal.RowFingerprint}, SipHash-1-3 under the step's secret key);
 *   <li>{@code 01} ({@link #LIVE}): live, without a full changelog (no hash: the high bits are
 *       zero), or written by an etlkit before keyed fingerprints, with 62 bits of the live row's
 *       {@link LegacyRowHash}. A row is compared with such a status by its legacy hash, until the
 *       key's next valid record writes its status again. Without hash bits there is nothing to
 *       compare: a full changelog's check restored from a check without {@code withFullChangelog()}
 *       accepts the retraction of such a key (rule 4b checks it from its next {@code +I} or {@code
 *       +U} on). A legacy hash whose 62 bits are all zero (one row in 2^62) is read the same way.
 * </ul>
 *
 * <p><b>Format change</b> (keyed fingerprints): earlier etlkit versions wrote only {@code 00},
 * {@code 01} (with the legacy hash in a full changelog) and {@code 10}: a key was never live and
 * pending at once, so {@code 11} marks a keyed hash without ambiguity. A new flag bit could not:
 * bit 2 and up held hash bits, so half the restored statuses would have looked keyed. Statuses
 * without a full changelog are written as before. The state is a plain {@code ValueState<Long>}: no
 * serializer version records the change, so an earlier etlkit restoring a newer savepoint of a full
 * changelog check is not refused; it reads {@code 11} as pending, and reports the key's next
 * record, unless it is a {@code +U}, as a missing {@code UPDATE_AFTER}. Restore such savepoints
 * with this etlkit or a newer one.
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

  /** Bit 0, set in both live statuses; alone, a live status without a keyed hash. */
  static final long LIVE = 1L;

  /** Not live, waiting for the {@code +U} of a {@code -U}. */
  static final long PENDING_UPDATE_AFTER = 1L << 1;

  /** Live, with 62 bits of the keyed fingerprint (never written before keyed fingerprints). */
  static final long KEYED_LIVE = LIVE | PENDING_UPDATE_AFTER;

  /** The two low bits: what the key is. */
  private static final long TAG = LIVE | PENDING_UPDATE_AFTER;

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
   * @param rowHash the keyed fingerprint of the record's row (full changelog only, else ignored)
   * @param legacyRowHash the {@link LegacyRowHash} of the record's row where {@link
   *     #holdsLegacyHash} says the status needs it, else ignored
   * @param full whether the stream claims to be a full changelog (rule 4)
   */
  public static Violation check(
      long status, RowKind kind, long rowHash, long legacyRowHash, boolean full) {
    boolean live = (status & LIVE) != 0;
    if ((status & TAG) == PENDING_UPDATE_AFTER) {
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
        return full && !sameRow(status, rowHash, legacyRowHash)
            ? Violation.RETRACTION_OF_OTHER_ROW
            : Violation.NONE;
      case DELETE:
        if (!live) {
          return Violation.DELETE_OF_NOT_LIVE_KEY;
        }
        return full && !sameRow(status, rowHash, legacyRowHash)
            ? Violation.RETRACTION_OF_OTHER_ROW
            : Violation.NONE;
      default:
        throw new IllegalArgumentException("unknown row kind " + kind);
    }
  }

  /**
   * Whether a full changelog's check needs the {@link LegacyRowHash} of a record's row to check it
   * against {@code status}: a live status written before keyed fingerprints.
   */
  public static boolean holdsLegacyHash(long status) {
    return (status & TAG) == LIVE && (status & ~TAG) != 0L;
  }

  /**
   * The key's status after a record that broke no rule.
   *
   * @param rowHash the keyed fingerprint of the record's row (full changelog only, else ignored)
   */
  public static long apply(long status, RowKind kind, long rowHash, boolean full) {
    switch (kind) {
      case INSERT:
      case UPDATE_AFTER:
        return full ? (rowHash & ~TAG) | KEYED_LIVE : LIVE;
      case UPDATE_BEFORE:
        return PENDING_UPDATE_AFTER;
      case DELETE:
        return 0L;
      default:
        throw new IllegalArgumentException("unknown row kind " + kind);
    }
  }

  /** Whether the status waits for the {@code +U} of a {@code -U}. */
  static boolean pendingUpdateAfter(long status) {
    return (status & TAG) == PENDING_UPDATE_AFTER;
  }

  /** The key's status after a rejected record: a broken pair is closed, the rest stays. */
  public static long afterViolation(long status) {
    return (status & TAG) == PENDING_UPDATE_AFTER ? 0L : status;
  }

  /**
   * Whether a live status holds the hash of the row: keyed, or legacy for an earlier status. A live
   * status without hash bits (written without a full changelog) holds none: any row passes.
   */
  private static boolean sameRow(long status, long rowHash, long legacyRowHash) {
    if (status == LIVE) {
      return true;
    }
    long hash = (status & TAG) == KEYED_LIVE ? rowHash : legacyRowHash;
    return (status & ~TAG) == (hash & ~TAG);
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
