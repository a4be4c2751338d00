package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.RawRecord;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Event times as dead letters carry them: known, or null.
 *
 * <p>A Flink source without a timestamp assigner (Flink 2's {@code fromData}, a file source, ...)
 * stamps every record with {@link TimestampAssigner#NO_TIMESTAMP} ({@code Long.MIN_VALUE}) rather
 * than leaving it without one, and {@code ProcessFunction.Context#timestamp()} passes that marker
 * on as if it were a time. It is no event time: a dead letter that said so would claim the record
 * was written 292 million years ago.
 */
@Internal
public final class EventTimes {

  private EventTimes() {}

  /**
   * The event time of {@code record} for its dead letter: its Flink {@code timestamp} when known,
   * else the record's own ({@link Change#eventTime()}, {@link RawRecord#timestamp()}), else null.
   */
  @Nullable
  public static Long of(@Nullable Long timestamp, @Nullable Object record) {
    Long known = known(timestamp);
    if (known != null) {
      return known;
    }
    if (record instanceof Change) {
      return ((Change<?>) record).eventTime();
    }
    if (record instanceof RawRecord) {
      return ((RawRecord) record).timestamp();
    }
    return null;
  }

  /** Whether {@code record} has a timestamp that is not Flink's "no timestamp" marker. */
  public static boolean hasTimestamp(StreamRecord<?> record) {
    return record.hasTimestamp() && record.getTimestamp() != TimestampAssigner.NO_TIMESTAMP;
  }

  /** {@code timestamp}, or null when it is null or Flink's "no timestamp" marker. */
  @Nullable
  public static Long known(@Nullable Long timestamp) {
    return timestamp == null || timestamp == TimestampAssigner.NO_TIMESTAMP ? null : timestamp;
  }
}
