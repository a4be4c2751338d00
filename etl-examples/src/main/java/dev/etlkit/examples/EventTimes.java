package dev.etlkit.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.etlkit.core.RawRecord;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.WatermarksWithIdleness;

/**
 * Event time at the Kafka source, per partition, from the payload: an order's {@code orderedAt}, a
 * change event's {@code source.ts_ms} (when the database committed it, else the envelope's {@code
 * ts_ms}). This is what {@code WATERMARK FOR ordered_at AS ordered_at - INTERVAL '5' SECOND} does
 * in a Flink SQL table: each partition's records set its watermark, so one partition read ahead of
 * the others does not make theirs late. A record without a readable time keeps its Kafka timestamp
 * (an order without one becomes a dead letter in the parse step anyway; a change without one goes
 * on at that timestamp), which does not move the watermark: Kafka times can run far ahead of the
 * records' own times (orders uploaded in batches, old data appended to a topic with {@code
 * LogAppendTime}), and one broken record would make the records after it in its partition late.
 * Watermarks follow the records' own times only, like a Flink SQL table's, whose unreadable rows
 * never reach its watermark; a partition with no record of its own time for {@code idleness} is
 * idle, as one without records is.
 *
 * <p>A time more than {@code maxFuture} ahead of the record's <em>reference time</em> (a producer
 * writing the year 2999, a database host with a wrong clock) is not used. The reference time is the
 * record's Kafka timestamp, or the wall clock when it is read if that is earlier (a producer or
 * broker whose clock is ahead) or the record has no Kafka timestamp (Flink passes Kafka's -1 for
 * none; a timestamp of 0 or less counts as none). Such a record's timestamp becomes its reference
 * time: at or before the moment it was read, and its Kafka time when that is in the past, so the
 * decision is a property of the record, the same whenever the topic is read (live, in a backfill,
 * in a replay) once its Kafka time is not ahead of the reader's clock. Neither its date nor that
 * timestamp moves the watermark (its date would make every later record of the partition late), and
 * it becomes a dead letter of its pipeline's {@code valid-time} step ({@link FutureTimes}), which
 * measures from that timestamp (or from its own clock when that is earlier). Only such records are
 * kept out: one up to {@code maxFuture} ahead is a record like any other, whose time still moves
 * its partition's watermark up to that much ahead of the clock (and makes the records behind it
 * that much later). The bound is exact to the nanosecond ({@link #isTooFarAhead}); one beyond the
 * last instant keeps every record.
 *
 * <p>The line strategies of the bundled sample ({@link #orderLines}, {@link #changeLines}) have no
 * Kafka time: they measure from the wall clock when they read a line, and a line they refuse gets
 * no timestamp (the wall clock would move the sample's historical watermark to today), so the
 * {@code valid-time} step measures it from its own clock a moment later. A line dated within those
 * few milliseconds past the bound is refused here and kept by the step, without a timestamp.
 *
 * <p>A change's time is read as {@code Debezium.decode} reads it: a value that is not an integer
 * fitting a long, or is 0 or less, is absent; when a field repeats, its last value counts; the
 * {@code payload} of Kafka Connect's {@code schema}/{@code payload} wrapper is read only when those
 * are the event's only two fields.
 */
public final class EventTimes {

  private static final JsonFactory JSON = new JsonFactory();

  private EventTimes() {}

  /**
   * Watermarks for order events read from Kafka: {@code orderedAt}, at most {@code disorder} out of
   * order; an {@code orderedAt} more than {@code maxFuture} ahead of the record's reference time
   * (its Kafka timestamp, or the clock when that is earlier or there is none) is not used.
   */
  public static WatermarkStrategy<RawRecord> orders(
      Duration disorder, Duration idleness, Duration maxFuture) {
    return strategy(
        disorder,
        idleness,
        (record, reference, read) ->
            readOrderTime(parser(record.value()), reference, maxFuture, read));
  }

  /**
   * Watermarks for Debezium change events read from Kafka: {@code source.ts_ms}, else {@code
   * ts_ms}, at most {@code disorder} out of order; a time more than {@code maxFuture} ahead of the
   * record's reference time (its Kafka timestamp, or the clock when that is earlier or there is
   * none) is not used.
   */
  public static WatermarkStrategy<RawRecord> changes(
      Duration disorder, Duration idleness, Duration maxFuture) {
    return strategy(
        disorder,
        idleness,
        (record, reference, read) ->
            readChangeTime(parser(record.value()), reference, maxFuture, read));
  }

  private static WatermarkStrategy<RawRecord> strategy(
      Duration disorder, Duration idleness, PayloadTime payloadTime) {
    return new OwnTimeWatermarks(disorder, idleness, payloadTime);
  }

  /** How a Kafka strategy reads a record's own time from its payload. */
  @FunctionalInterface
  private interface PayloadTime extends Serializable {
    void read(RawRecord record, long reference, TimeRead read);
  }

  /** What was read of a record's time: its own time, none, or one too far ahead. */
  private static final class TimeRead {
    static final int OWN = 0;
    static final int NONE = 1;
    static final int REFUSED = 2;

    int kind = OWN; // until a record is read: the watermarks of another assigner move as usual
    long time;

    /** The timestamp: the own time, {@code refused} when refused, else {@code none}. */
    long timestamp(long none, long refused) {
      return kind == OWN ? time : kind == REFUSED ? refused : none;
    }
  }

  /**
   * Bounded out-of-orderness watermarks over the records' own times only: a record whose timestamp
   * is its Kafka time (no readable time) or its reference time (refused) does not move them, and a
   * partition with only such records for {@code idleness} is idle. Flink's source calls a subtask's
   * one timestamp assigner right before the generator of the record's split, so the generators read
   * what the assigner found of the record they are given.
   */
  private static final class OwnTimeWatermarks implements WatermarkStrategy<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final Duration disorder;
    private final Duration idleness;
    private final PayloadTime payloadTime;
    private transient TimeRead lastRead; // of this subtask's assigner, read by its generators

    OwnTimeWatermarks(Duration disorder, Duration idleness, PayloadTime payloadTime) {
      if (disorder.isNegative()) {
        throw new IllegalArgumentException("disorder must not be negative, was " + disorder);
      }
      if (idleness.isZero() || idleness.isNegative()) {
        throw new IllegalArgumentException("idleness must be positive, was " + idleness);
      }
      this.disorder = disorder;
      this.idleness = idleness;
      this.payloadTime = payloadTime;
    }

    private TimeRead lastRead() {
      if (lastRead == null) {
        lastRead = new TimeRead();
      }
      return lastRead;
    }

    @Override
    public TimestampAssigner<RawRecord> createTimestampAssigner(
        TimestampAssignerSupplier.Context context) {
      TimeRead read = lastRead();
      return (record, kafkaTime) -> {
        long reference = referenceTime(kafkaTime);
        payloadTime.read(record, reference, read);
        return read.timestamp(kafkaTime, reference);
      };
    }

    @Override
    public WatermarkGenerator<RawRecord> createWatermarkGenerator(
        WatermarkGeneratorSupplier.Context context) {
      TimeRead read = lastRead();
      WatermarkGenerator<RawRecord> ownTimes =
          new WatermarksWithIdleness<>(
              new BoundedOutOfOrdernessWatermarks<>(disorder),
              idleness,
              context.getInputActivityClock());
      return new WatermarkGenerator<>() {
        @Override
        public void onEvent(RawRecord event, long timestamp, WatermarkOutput output) {
          if (read.kind == TimeRead.OWN) {
            ownTimes.onEvent(event, timestamp, output);
          }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
          ownTimes.onPeriodicEmit(output);
        }
      };
    }
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
   * ahead of the clock when it is read, has none.
   */
  public static WatermarkStrategy<String> orderLines(Duration disorder, Duration maxFuture) {
    return WatermarkStrategy.<String>forBoundedOutOfOrderness(disorder)
        .withTimestampAssigner((line, ts) -> orderLineTime(line, ts, maxFuture));
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
   * readable time, or with one more than {@code maxFuture} ahead of the clock when it is read, has
   * none.
   */
  public static WatermarkStrategy<String> changeLines(Duration disorder, Duration maxFuture) {
    return WatermarkStrategy.<String>forBoundedOutOfOrderness(disorder)
        .withTimestampAssigner((line, ts) -> changeLineTime(line, ts, maxFuture));
  }

  /** {@link #orderTime(RawRecord, long, Duration)} with the default {@code --max-future}. */
  static long orderTime(RawRecord record, long kafkaTime) {
    return orderTime(record, kafkaTime, JobOptions.DEFAULT_MAX_FUTURE);
  }

  /**
   * The event time the Kafka source gives an order read with the Kafka timestamp {@code kafkaTime}
   * ({@link #orders}): its {@code orderedAt}; its reference time when that is more than {@code
   * maxFuture} ahead of it; {@code kafkaTime} when it has no readable {@code orderedAt}.
   */
  static long orderTime(RawRecord record, long kafkaTime, Duration maxFuture) {
    long reference = referenceTime(kafkaTime);
    TimeRead read = new TimeRead();
    readOrderTime(parser(record.value()), reference, maxFuture, read);
    return read.timestamp(kafkaTime, reference);
  }

  /** {@link #changeTime(RawRecord, long, Duration)} with the default {@code --max-future}. */
  static long changeTime(RawRecord record, long kafkaTime) {
    return changeTime(record, kafkaTime, JobOptions.DEFAULT_MAX_FUTURE);
  }

  /**
   * The event time the Kafka source gives a change event read with the Kafka timestamp {@code
   * kafkaTime} ({@link #changes}): its change time; its reference time when that is more than
   * {@code maxFuture} ahead of it; {@code kafkaTime} when it has no change time.
   */
  static long changeTime(RawRecord record, long kafkaTime, Duration maxFuture) {
    long reference = referenceTime(kafkaTime);
    TimeRead read = new TimeRead();
    readChangeTime(parser(record.value()), reference, maxFuture, read);
    return read.timestamp(kafkaTime, reference);
  }

  /**
   * The time a Kafka record's time is measured from: its Kafka timestamp, or the wall clock when
   * that is earlier or the record has none (not positive: Kafka's -1, Flink's {@code
   * Long.MIN_VALUE}). One clock read.
   */
  private static long referenceTime(long kafkaTime) {
    long now = System.currentTimeMillis();
    return kafkaTime > 0 ? Math.min(kafkaTime, now) : now;
  }

  private static long orderLineTime(String line, long timestamp, Duration maxFuture) {
    TimeRead read = new TimeRead();
    readOrderTime(parser(line), System.currentTimeMillis(), maxFuture, read);
    // refused: no timestamp rather than the clock, which would move the sample's watermark to today
    return read.timestamp(timestamp, timestamp);
  }

  private static long changeLineTime(String line, long timestamp, Duration maxFuture) {
    TimeRead read = new TimeRead();
    readChangeTime(parser(line), System.currentTimeMillis(), maxFuture, read);
    return read.timestamp(timestamp, timestamp);
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

  /**
   * Reads the order's {@code orderedAt} in epoch milliseconds into {@code read}: refused when it is
   * more than {@code maxFuture} ahead of {@code reference}; none when it has no readable one. A
   * repeated {@code orderedAt} counts by its last value, as in the parse step (the last key wins);
   * the order has no readable one when that value is not a readable instant.
   */
  private static void readOrderTime(
      @Nullable JsonParser json, long reference, Duration maxFuture, TimeRead read) {
    read.kind = TimeRead.NONE;
    if (json == null) {
      return;
    }
    try (JsonParser parser = json) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      String text = null; // the last orderedAt's text, null when the last one is not a string
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        boolean orderedAt = parser.currentName().equals("orderedAt");
        JsonToken value = parser.nextToken();
        if (orderedAt) {
          text = value == JsonToken.VALUE_STRING ? parser.getText() : null;
        }
        parser.skipChildren();
      }
      if (text == null) {
        return;
      }
      Instant orderedAt = Instant.parse(text.trim()); // as the parse step
      if (isTooFarAhead(orderedAt, reference, maxFuture)) {
        read.kind =
            TimeRead.REFUSED; // a dead letter of valid-time: its date must not move the watermark
      } else {
        read.time = orderedAt.toEpochMilli();
        read.kind = TimeRead.OWN;
      }
    } catch (IOException | DateTimeParseException | ArithmeticException e) {
      // ArithmeticException: a date hundreds of millions of years back, beyond epoch millis
      read.kind = TimeRead.NONE;
    }
  }

  /**
   * Reads the change's time in epoch milliseconds ({@link dev.etlkit.core.Change#eventTime()} as
   * {@code Debezium.decode} sets it) into {@code read}: refused when it is more than {@code
   * maxFuture} ahead of {@code reference}; none when it has none.
   */
  private static void readChangeTime(
      @Nullable JsonParser json, long reference, Duration maxFuture, TimeRead read) {
    read.kind = TimeRead.NONE;
    if (json == null) {
      return;
    }
    ChangeTimes times = new ChangeTimes();
    try (JsonParser parser = json) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      times.read(parser);
    } catch (IOException e) {
      // broken JSON: the times read before the break count (the decoder rejects it anyway)
    }
    long time = times.time();
    if (time == ChangeTimes.NONE) {
      return;
    }
    if (isTooFarAhead(time, reference, maxFuture)) {
      read.kind = TimeRead.REFUSED; // a dead letter of valid-time: it must not move the watermark
    } else {
      read.time = time;
      read.kind = TimeRead.OWN;
    }
  }

  /**
   * The times of a change event as {@code Debezium.decode} reads them ({@code SourcePositions}):
   * {@code source.ts_ms}, else the envelope's {@code ts_ms}, each only when it is an integer that
   * fits a long and is positive, the last value of a repeated field counting; those of the {@code
   * payload} when the event is Kafka Connect's {@code schema}/{@code payload} wrapper (exactly
   * these two fields).
   */
  private static final class ChangeTimes {
    /** No time: times are positive. */
    static final long NONE = 0L;

    private long sourceTime = NONE;
    private long envelopeTime = NONE;
    private long payloadTime = NONE;
    private boolean schema;
    private boolean payload;
    private boolean others;

    /** Reads the event the parser is in (after its {@code START_OBJECT}) to its end. */
    void read(JsonParser parser) throws IOException {
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (field) {
          case "schema" -> schema = true;
          case "payload" -> {
            payload = true;
            payloadTime = NONE; // the last payload counts, whatever it is
            if (value == JsonToken.START_OBJECT) {
              ChangeTimes inner = new ChangeTimes();
              try {
                inner.readEnvelope(parser);
              } finally {
                payloadTime = inner.envelopeOnly();
              }
            }
          }
          default -> {
            others = true;
            envelopeField(parser, field, value);
          }
        }
        parser.skipChildren(); // a value not read above; a no-op at the end of one read
      }
    }

    /** The change's time, or {@link #NONE}. */
    long time() {
      return schema && payload && !others ? payloadTime : envelopeOnly();
    }

    /** Reads an envelope the parser is in to its end: its source and own times only. */
    private void readEnvelope(JsonParser parser) throws IOException {
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        envelopeField(parser, field, parser.nextToken());
        parser.skipChildren();
      }
    }

    private void envelopeField(JsonParser parser, String field, JsonToken value)
        throws IOException {
      if (field.equals("source")) {
        sourceTime = value == JsonToken.START_OBJECT ? positiveLongField(parser, "ts_ms") : NONE;
      } else if (field.equals("ts_ms")) {
        envelopeTime = positiveLong(parser, value);
      }
    }

    private long envelopeOnly() {
      return sourceTime != NONE ? sourceTime : envelopeTime;
    }
  }

  /**
   * Reads the object the parser is at to its end; the last value of the named field if that is a
   * positive integer fitting a long, else {@link ChangeTimes#NONE}.
   */
  private static long positiveLongField(JsonParser parser, String name) throws IOException {
    long found = ChangeTimes.NONE;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (field.equals(name)) {
        found = positiveLong(parser, value);
      }
      parser.skipChildren();
    }
    return found;
  }

  /**
   * The value the parser is at, if it is a positive integer that fits a long (a larger integer is
   * Jackson's {@code BIG_INTEGER}: absent, never an error that would end the scan); else {@link
   * ChangeTimes#NONE}.
   */
  private static long positiveLong(JsonParser parser, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      return ChangeTimes.NONE;
    }
    JsonParser.NumberType type = parser.getNumberType();
    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
      return ChangeTimes.NONE;
    }
    long time = parser.getLongValue();
    return time > 0 ? time : ChangeTimes.NONE;
  }
}
