package dev.etlkit.operators.enrich.internal.join;

import java.util.Comparator;
import java.util.Objects;
import org.apache.flink.annotation.Internal;

/**
 * A fact waiting in state for its dimension row: the fact, its record timestamp (if it has one) and
 * the time its wait ends (processing time for a latest join, event time for a point-in-time join).
 * Immutable.
 *
 * @param <F> fact type
 */
@Internal
public final class PendingFact<F> {

  /** Orders facts by their timestamp (a sort by it is stable: equal times keep their order). */
  static final Comparator<PendingFact<?>> BY_TIMESTAMP = Comparator.comparingLong(p -> p.timestamp);

  final long deadline;
  final boolean hasTimestamp;
  final long timestamp;
  final F fact;

  public PendingFact(long deadline, boolean hasTimestamp, long timestamp, F fact) {
    this.deadline = deadline;
    this.hasTimestamp = hasTimestamp;
    this.timestamp = hasTimestamp ? timestamp : 0L;
    this.fact = Objects.requireNonNull(fact, "fact");
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PendingFact)) {
      return false;
    }
    PendingFact<?> that = (PendingFact<?>) o;
    return deadline == that.deadline
        && hasTimestamp == that.hasTimestamp
        && timestamp == that.timestamp
        && fact.equals(that.fact);
  }

  @Override
  public int hashCode() {
    return Objects.hash(deadline, hasTimestamp, timestamp, fact);
  }

  @Override
  public String toString() {
    return "PendingFact{deadline="
        + deadline
        + (hasTimestamp ? ", timestamp=" + timestamp : "")
        + "}";
  }
}
