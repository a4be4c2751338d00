package dev.etlkit.scd;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Where an {@link Scd2} step reads the effective time of a change: the instant from which the
 * change's state of the entity holds. It becomes the {@code validFrom} of the version the change
 * opens and the {@code validTo} of the version it closes. Kept at millisecond precision (UTC).
 *
 * <pre>{@code
 * EffectiveTime.field(Customer::updatedAt)   // a timestamp column of the row
 * EffectiveTime.changeEventTime()            // Change#eventTime(), e.g. Debezium's ts_ms
 * EffectiveTime.recordTimestamp()            // the Flink record's timestamp
 * EffectiveTime.processingTime()             // arrival at the step
 * }</pre>
 *
 * <p>A change whose effective time cannot be read (the field is null or its getter throws, the
 * record has no timestamp, the change has no event time) becomes a dead letter, per the step's
 * error policy. With {@link #processingTime()} changes are never out of order: the effective time
 * is the arrival time, or the key's latest effective time if the clock went back (after a restore
 * on another machine), so no change is ever late.
 *
 * @param <T> the entity's attribute type
 */
@PublicEvolving
public final class EffectiveTime<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Reads an instant from the attributes; null means the row has no effective time. */
  @PublicEvolving
  @FunctionalInterface
  public interface TimeField<T> extends Serializable {
    @Nullable
    Instant of(T value) throws Exception;
  }

  /** The four sources of effective times. */
  @PublicEvolving
  public enum Source {
    /** A timestamp field of the attributes ({@link #field}). */
    FIELD,
    /** The Flink record's timestamp ({@link #recordTimestamp()}). */
    RECORD_TIMESTAMP,
    /** The change's event time ({@link #changeEventTime()}), changelog input only. */
    CHANGE_EVENT_TIME,
    /** Arrival at the step ({@link #processingTime()}). */
    PROCESSING_TIME
  }

  private final Source source;
  @Nullable private final TimeField<T> field;

  private EffectiveTime(Source source, @Nullable TimeField<T> field) {
    this.source = source;
    this.field = field;
  }

  /**
   * The instant a field of the attributes holds, such as an {@code updated_at} column. On changelog
   * input it is read from the change's value, so a delete needs the field too (a Debezium delete's
   * before-image carries the time of the last update, not of the delete: prefer {@link
   * #changeEventTime()} for CDC).
   */
  public static <T> EffectiveTime<T> field(TimeField<T> field) {
    return new EffectiveTime<>(Source.FIELD, Objects.requireNonNull(field, "field"));
  }

  /** The Flink record's timestamp, as the source or a watermark strategy assigned it. */
  public static <T> EffectiveTime<T> recordTimestamp() {
    return new EffectiveTime<>(Source.RECORD_TIMESTAMP, null);
  }

  /**
   * The change's {@link dev.etlkit.core.Change#eventTime() event time}: for decoded Debezium
   * changes, when the change happened in the database. Changelog input only.
   */
  public static <T> EffectiveTime<T> changeEventTime() {
    return new EffectiveTime<>(Source.CHANGE_EVENT_TIME, null);
  }

  /** The processing time at which the change arrives at the step. */
  public static <T> EffectiveTime<T> processingTime() {
    return new EffectiveTime<>(Source.PROCESSING_TIME, null);
  }

  public Source source() {
    return source;
  }

  /**
   * The effective time of one change in epoch milliseconds. Used by the step once per record.
   *
   * @throws IllegalArgumentException when the change has none (its message names the source)
   */
  @Internal
  public long millisOf(
      T value, @Nullable Long changeEventTime, @Nullable Long recordTimestamp, long processingTime)
      throws Exception {
    switch (source) {
      case FIELD:
        Instant instant = field.of(value);
        if (instant == null) {
          throw new IllegalArgumentException("the effective-time field of the change is null");
        }
        return instant.toEpochMilli();
      case RECORD_TIMESTAMP:
        if (recordTimestamp == null) {
          throw new IllegalArgumentException(
              "the record has no timestamp to use as effective time");
        }
        return recordTimestamp;
      case CHANGE_EVENT_TIME:
        if (changeEventTime == null) {
          throw new IllegalArgumentException(
              "the change has no event time to use as effective time");
        }
        return changeEventTime;
      default:
        return processingTime;
    }
  }

  @Override
  public String toString() {
    return source.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
  }
}
