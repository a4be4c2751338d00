package dev.etlkit.operators.enrich;

import org.apache.flink.annotation.PublicEvolving;

/**
 * How a fact of a {@link DimensionJoin} was enriched: the third argument of the {@link
 * DimensionJoin.Combiner}, counted per status in the step's metrics.
 *
 * <p>Only {@link #FOUND} and {@link #FOUND_AFTER_WAIT} come with a dimension row; for the other
 * statuses the combiner gets {@code null} (or, with {@link UnmatchedFacts#DEAD_LETTER}, the fact
 * becomes a dead letter instead).
 */
@PublicEvolving
public enum JoinStatus {
  /** The dimension row was in state when the fact was joined. */
  FOUND,
  /** The fact waited in state for its dimension row, which arrived within the maximum wait. */
  FOUND_AFTER_WAIT,
  /** No dimension row for the fact's key, and the step does not wait (maximum wait zero). */
  NOT_FOUND,
  /** No dimension row for the fact's key arrived within the maximum wait. */
  TIMED_OUT,
  /** The fact's dimension row was deleted (at the fact's time, for a point-in-time join). */
  DELETED,
  /**
   * The fact's key is {@code null}, or a tuple with a {@code null} field, also a tuple inside a
   * {@code Row}, POJO or record key (a missing foreign key): it is never looked up. The key is
   * checked first: a point-in-time join's fact without a timestamp or behind the watermark gets
   * this status too, at once, never {@link DimensionJoinException.Reason#NO_TIMESTAMP} or {@link
   * DimensionJoinException.Reason#LATE}.
   */
  NULL_KEY;

  /** True for the statuses that come with a dimension row. */
  public boolean isMatched() {
    return this == FOUND || this == FOUND_AFTER_WAIT;
  }
}
