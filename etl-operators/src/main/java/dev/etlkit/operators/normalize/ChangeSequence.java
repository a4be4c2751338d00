package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import java.io.Serializable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The version of a change within its key: a PostgreSQL LSN, a binlog position, a version column, an
 * update timestamp. {@link UpsertNormalize#withSequence} uses it to tell a stale change from a
 * newer one; a change is applied only when its sequence is greater than the stored one.
 *
 * <p>Sequences must grow strictly with every change of a key at the source. A timestamp with ties
 * (two updates in one millisecond) does not: make it strict by combining it with a tie-breaker, for
 * example {@code ts * 1_000 + offsetWithinTheMillisecond}.
 *
 * <p>The function runs once per record. If it throws (a change without the field it reads), the
 * record becomes a dead letter, per the step's error policy; keep record contents out of the
 * exception message.
 *
 * <pre>{@code
 * Normalize.upserts("customers", Customer::id, Types.STRING)
 *     .withSequence(change -> change.value().version());
 * }</pre>
 *
 * @param <T> the changed value's type
 */
@PublicEvolving
@FunctionalInterface
public interface ChangeSequence<T> extends Serializable {

  /** The sequence of {@code change}; higher is newer. */
  long sequenceOf(Change<T> change) throws Exception;

  /**
   * The change's {@link Change#sourcePosition() source position} (LSN, offset). A change without
   * one is rejected (dead letter): positions are only comparable within one source partition, so
   * use this for sources that keep all changes of a key in one partition (CDC of one table, an
   * upsert topic keyed by the primary key). On PostgreSQL, the changes of a transaction that was
   * open when Debezium took its initial snapshot carry positions below the snapshot rows' and are
   * taken for stale against them: see "PostgreSQL's source.lsn at the initial snapshot" in
   * docs/formats-cdc.md.
   */
  static <T> ChangeSequence<T> sourcePosition() {
    return change -> {
      Long position = change.sourcePosition();
      if (position == null) {
        throw new IllegalArgumentException("change has no source position to order it by");
      }
      return position;
    };
  }

  /**
   * The change's {@link Change#eventTime() event time}. A change without one is rejected (dead
   * letter). Event times tie easily; see the class comment.
   */
  static <T> ChangeSequence<T> eventTime() {
    return change -> {
      Long eventTime = change.eventTime();
      if (eventTime == null) {
        throw new IllegalArgumentException("change has no event time to order it by");
      }
      return eventTime;
    };
  }
}
