package dev.etlkit.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.etlkit.core.RawRecord;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time at the Kafka source, per partition, from the payload: an order's {@code orderedAt}, a
 * change event's {@code source.ts_ms} (when the database committed it, else the envelope's {@code
 * ts_ms}). This is what {@code WATERMARK FOR ordered_at AS ordered_at - INTERVAL '5' SECOND} does
 * in a Flink SQL table: each partition's records set its watermark, so one partition read ahead of
 * the others does not make theirs late. The time is read with a streaming scan that stops at the
 * field; a record without a readable time keeps its Kafka timestamp (it becomes a dead letter in
 * the parse step anyway).
 *
 * <p>A time more than {@code maxFuture} ahead of the wall clock when it is read (a producer writing
 * the year 2999, a database host with a wrong clock) is handled like a missing time: the record
 * keeps its Kafka timestamp, so its date never reaches the watermark generator, which would
 * otherwise make every later record of the partition late, and it becomes a dead letter of its
 * pipeline's {@code valid-time} step ({@link FutureTimes}), which tells it by that timestamp. Only
 * such records are kept out: one up to {@code maxFuture} ahead is a record like any other, whose
 * time still moves its partition's watermark up to that much ahead of the clock (and makes the
 * records behind it that much later). The bound is exact to the nanosecond ({@link
 * #isTooFarAhead}); one beyond the last instant keeps every record.
 */
public final class EventTimes {

  private static final JsonFactory JSON = new JsonFactory();

  private EventTimes() {}

  /**
   * Watermarks for order events: {@code orderedAt}, at most {@code disorder} out of order; an
   * {@code orderedAt} more than {@code maxFuture} ahead of the clock is not used.
   */
  public static WatermarkStrategy<RawRecord> orders(
      Duration disorder, Duration idleness, Duration maxFuture) {
    return strategy(
        disorder, idleness, (record, kafkaTime) -> orderTime(record, kafkaTime, maxFuture));
  }

  /**
   * Watermarks for Debezium change events: {@code source.ts_ms}, else {@code ts_ms}, at most {@code
   * disorder} out of order; a time more than {@code maxFuture} ahead of the clock is not used.
   */
  public static WatermarkStrategy<RawRecord> changes(
      Duration disorder, Duration idleness, Duration maxFuture) {
    return strategy(
        disorder, idleness, (record, kafkaTime) -> changeTime(record, kafkaTime, maxFuture));
  }

  private static WatermarkStrategy<RawRecord> strategy(
      Duration disorder, Duration idleness, SerializableTimestampAssigner<RawRecord> assigner) {
    return WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(disorder)
        .withTimestampAssigner(assigner)
        .withIdleness(idleness);
  }

  /**
   * {@link #orderLines(Duration, Duration)} with the default {@code --max-future}, {@link
   * JobOptions#DEFAULT_MAX_FUTURE}.
   */
  public static WatermarkStrategy<String> orderLines(Duration disorder) {
    return orderLines(disorder, JobOptions.DEFAULT_MAX_FUTURE);
  }

  /**
   * Watermarks for order lines of text (the bundled sample): {@code orderedAt}, at most {@code
   * disorder} out of order; a line without a readable time, or with one more than {@code maxFuture}
   * ahead of the clock, has none.
   */
  public static WatermarkStrategy<String> orderLines(Duration disorder, Duration maxFuture) {
    return WatermarkStrategy.<String>forBoundedOutOfOrderness(disorder)
        .withTimestampAssigner((line, ts) -> orderTime(parser(line), ts, maxFuture));
  }

  /**
   * {@link #changeLines(Duration, Duration)} with the default {@code --max-future}, {@link
   * JobOptions#DEFAULT_MAX_FUTURE}.
   */
  public static WatermarkStrategy<String> changeLines(Duration disorder) {
    return changeLines(disorder, JobOptions.DEFAULT_MAX_FUTURE);
  }

  /**
   * Watermarks for Debezium change events as lines of text (the bundled sample): {@code
   * source.ts_ms}, else {@code ts_ms}, at most {@code disorder} out of order; a line without a
   * readable time, or with one more than {@code maxFuture} ahead of the clock, has none.
   */
  public static WatermarkStrategy<String> changeLines(Duration disorder, Duration maxFuture) {
    return WatermarkStrategy.<String>forBoundedOutOfOrderness(disorder)
        .withTimestampAssigner((line, ts) -> changeTime(parser(line), ts, maxFuture));
  }

  /** The record's {@code orderedAt}, with the default {@code --max-future}. */
  static long orderTime(RawRecord record, long fallback) {
    return orderTime(record, fallback, JobOptions.DEFAULT_MAX_FUTURE);
  }

  static long orderTime(RawRecord record, long fallback, Duration maxFuture) {
    return orderTime(parser(record.value()), fallback, maxFuture);
  }

  /**
   * True when {@code time} is more than {@code maxAhead} after {@code nowMillis}: the rule of both
   * the source's event time and the pipelines' {@code valid-time} steps. Exact to the nanosecond
   * for any instant and any bound (one beyond the last instant is never exceeded), without
   * allocating.
   */
  static boolean isTooFarAhead(Instant time, long nowMillis, Duration maxAhead) {
    return isTooFarAhead(time.getEpochSecond(), time.getNano(), nowMillis, maxAhead);
  }

  /**
   * {@link #isTooFarAhead(Instant, long, Duration)} of a time in epoch milliseconds (a change's
   * {@code ts_ms}), for any two longs.
   */
  static boolean isTooFarAhead(long timeMillis, long nowMillis, Duration maxAhead) {
    return isTooFarAhead(
        Math.floorDiv(timeMillis, 1000L),
        Math.floorMod(timeMillis, 1000L) * 1_000_000L,
        nowMillis,
        maxAhead);
  }

  private static boolean isTooFarAhead(
      long epochSecond, long nano, long nowMillis, Duration maxAhead) {
    // time - now as seconds and nanos: fits a long for any Instant or epoch millis and any now
    long seconds = epochSecond - Math.floorDiv(nowMillis, 1000L);
    long nanos = nano - Math.floorMod(nowMillis, 1000L) * 1_000_000L;
    if (nanos < 0) {
      seconds--;
      nanos += 1_000_000_000L;
    }
    return seconds != maxAhead.getSeconds()
        ? seconds > maxAhead.getSeconds()
        : nanos > maxAhead.getNano();
  }

  /** The record's change time, with the default {@code --max-future}. */
  static long changeTime(RawRecord record, long fallback) {
    return changeTime(record, fallback, JobOptions.DEFAULT_MAX_FUTURE);
  }

  static long changeTime(RawRecord record, long fallback, Duration maxFuture) {
    return changeTime(parser(record.value()), fallback, maxFuture);
  }

  /** A parser over the text, or null when there is none or it cannot be read. */
  @Nullable
  private static JsonParser parser(@Nullable String text) {
    try {
      return text == null ? null : JSON.createParser(text);
    } catch (IOException e) {
      return null;
    }
  }

  @Nullable
  private static JsonParser parser(@Nullable byte[] bytes) {
    try {
      return bytes == null ? null : JSON.createParser(bytes);
    } catch (IOException e) {
      return null;
    }
  }

  private static long orderTime(@Nullable JsonParser json, long fallback, Duration maxFuture) {
    if (json == null) {
      return fallback;
    }
    try (JsonParser parser = json) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return fallback;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("orderedAt") && value == JsonToken.VALUE_STRING) {
          Instant orderedAt = Instant.parse(parser.getText().trim()); // as the parse step
          return isTooFarAhead(orderedAt, System.currentTimeMillis(), maxFuture)
              ? fallback // a dead letter of valid-time: its date must not move the watermark
              : orderedAt.toEpochMilli();
        }
        parser.skipChildren();
      }
    } catch (IOException | DateTimeParseException | ArithmeticException e) {
      // ArithmeticException: a date hundreds of millions of years back, beyond epoch millis
      return fallback;
    }
    return fallback;
  }

  private static long changeTime(@Nullable JsonParser json, long fallback, Duration maxFuture) {
    if (json == null) {
      return fallback;
    }
    Long[] times = new Long[3]; // source.ts_ms, ts_ms, the payload wrapper's time
    try (JsonParser parser = json) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return fallback;
      }
      readChangeTimes(parser, times);
    } catch (IOException e) {
      // broken JSON: the times read before the break count
    }
    Long time = firstOf(times); // the time Debezium.decode gives the change
    return time != null && !isTooFarAhead(time, System.currentTimeMillis(), maxFuture)
        ? time
        : fallback; // none, or a dead letter of valid-time: it must not move the watermark
  }

  /**
   * Reads the change event the parser is in to its end into {@code times}: its {@code
   * source.ts_ms}, its {@code ts_ms}, and the time of the {@code payload} of Kafka Connect's {@code
   * schema}/{@code payload} wrapper (as {@code Debezium.decode} reads them).
   */
  private static void readChangeTimes(JsonParser parser, Long[] times) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (field.equals("source") && value == JsonToken.START_OBJECT) {
        times[0] = positiveLongField(parser, "ts_ms");
      } else if (field.equals("ts_ms") && value == JsonToken.VALUE_NUMBER_INT) {
        times[1] = parser.getLongValue() > 0 ? parser.getLongValue() : null;
      } else if (field.equals("payload") && value == JsonToken.START_OBJECT) {
        Long[] inner = new Long[3];
        try {
          readChangeTimes(parser, inner);
        } finally {
          times[2] = firstOf(inner);
        }
      } else {
        parser.skipChildren();
      }
    }
  }

  @Nullable
  private static Long firstOf(Long[] times) {
    for (Long time : times) {
      if (time != null) {
        return time;
      }
    }
    return null;
  }

  /** Reads the object the parser is at to its end; the named positive integer field, if any. */
  @Nullable
  private static Long positiveLongField(JsonParser parser, String name) throws IOException {
    Long found = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (field.equals(name) && value == JsonToken.VALUE_NUMBER_INT && parser.getLongValue() > 0) {
        found = parser.getLongValue();
      } else {
        parser.skipChildren();
      }
    }
    return found;
  }
}
