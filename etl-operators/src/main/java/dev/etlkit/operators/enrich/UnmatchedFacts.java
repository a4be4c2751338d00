package dev.etlkit.operators.enrich;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What a {@link DimensionJoin} does with a fact that gets no dimension row: statuses {@link
 * JoinStatus#NOT_FOUND}, {@link JoinStatus#TIMED_OUT}, {@link JoinStatus#DELETED} and {@link
 * JoinStatus#NULL_KEY}.
 */
@PublicEvolving
public enum UnmatchedFacts {
  /**
   * Pass the fact on: the combiner gets {@code null} as the dimension and the status (like a left
   * outer join). The default.
   */
  EMIT,
  /**
   * Send the fact to the dead letters with a {@link DimensionJoinException} of reason {@link
   * DimensionJoinException.Reason#UNMATCHED} naming the status (like an inner join that keeps what
   * it drops).
   */
  DEAD_LETTER
}
