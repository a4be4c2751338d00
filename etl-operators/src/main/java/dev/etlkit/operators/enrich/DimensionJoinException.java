package dev.etlkit.operators.enrich;

import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Why a {@link DimensionJoin} rejected a record: the error class of its dead letters (besides the
 * exceptions of the user's key selectors and combiner). The message names the reason and the
 * relevant times or limits, never the record's contents.
 */
@PublicEvolving
public final class DimensionJoinException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The reasons a join rejects a record. */
  @PublicEvolving
  public enum Reason {
    /** A fact got no dimension row and unmatched facts are dead-lettered. */
    UNMATCHED,
    /** A fact had to wait but its key already holds the maximum number of buffered facts. */
    BUFFER_FULL,
    /**
     * A fact of a point-in-time join is older than the watermark minus the allowed lateness, or
     * than the oldest version of its key's history when older versions were pruned (the one it
     * needs).
     */
    LATE,
    /**
     * A record of a point-in-time join has no timestamp, and a usable key: the key is checked first
     * ({@link JoinStatus#NULL_KEY} for a fact, {@link #NULL_KEY} for a dimension record).
     */
    NO_TIMESTAMP,
    /** A dimension record has a {@code null} key. */
    NULL_KEY
  }

  private final Reason reason;

  public DimensionJoinException(Reason reason, String message) {
    super(Objects.requireNonNull(reason, "reason") + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
