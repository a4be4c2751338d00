package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.junit.jupiter.api.Test;

class EventTimesTest {

  private static final Duration HOUR = Duration.ofHours(1);

  private static final long ORDERED_AT = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  /** The Kafka timestamp of the records: produced a second after the order, in the past. */
  private static final long KAFKA_TIME = ORDERED_AT + 1_000;

  private static final long IN_2999_MS = 32472144000000L; // 2999-01-01T00:00:00Z

  @Test
  void orderTime_readsOrderedAt_wherever_itIsInTheDocument() {
    assertThat(EventTimes.orderTime(record("{\"orderedAt\":\"2026-11-02T09:15:00Z\"}"), KAFKA_TIME))
        .isEqualTo(ORDERED_AT);
    assertThat(
            EventTimes.orderTime(
                record(
                    "{\"orderId\":\"o-1\",\"items\":[{\"orderedAt\":\"x\"}],"
                        + "\"orderedAt\":\"2026-11-02T09:15:00Z\"}"),
                KAFKA_TIME))
        .as("a nested field of the same name is skipped")
        .isEqualTo(ORDERED_AT);
  }

  /**
   * A repeated {@code orderedAt} counts by its last value, as the parse step reads it (the last key
   * wins): the source's event time and the order the pipeline judges are the same time.
   */
  @Test
  void orderTime_repeatedOrderedAt_theLastCounts_asInTheParseStep() {
    assertThat(
            EventTimes.orderTime(
                record(
                    "{\"orderedAt\":\"2999-01-01T00:00:00Z\","
                        + "\"orderedAt\":\"2026-11-02T09:15:00Z\"}"),
                KAFKA_TIME))
        .isEqualTo(ORDERED_AT);
    assertThat(
            EventTimes.orderTime(
                record(
                    "{\"orderedAt\":\"2026-11-02T09:00:00Z\","
                        + "\"orderedAt\":\"2026-11-02T09:15:00Z\"}"),
                KAFKA_TIME))
        .isEqualTo(ORDERED_AT);
    assertThat(
            EventTimes.orderTime(
                record("{\"orderedAt\":\"2026-11-02T09:15:00Z\",\"orderedAt\":null}"), KAFKA_TIME))
        .as("the last orderedAt is null: the order has no time (the parse step rejects it)")
        .isEqualTo(KAFKA_TIME);
  }

  @Test
  void orderTime_withoutAReadableTime_keepsTheSourceTimestamp() {
    assertThat(EventTimes.orderTime(record("{\"orderedAt\":\"yesterday\"}"), KAFKA_TIME))
        .isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.orderTime(record("{\"orderId\":\"o-1\"}"), KAFKA_TIME))
        .isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.orderTime(record("not json"), KAFKA_TIME)).isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.orderTime(record("{\"orderedAt\":"), KAFKA_TIME)).isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.orderTime(new RawRecord(null, null, null, null), KAFKA_TIME))
        .as("a tombstone")
        .isEqualTo(KAFKA_TIME);
  }

  @Test
  void changeTime_prefersTheSourceCommitTime_thenTheEnvelopeTime() {
    assertThat(
            EventTimes.changeTime(
                record("{\"ts_ms\":2000,\"source\":{\"lsn\":7,\"ts_ms\":1000},\"op\":\"u\"}"),
                KAFKA_TIME))
        .isEqualTo(1000L);
    assertThat(EventTimes.changeTime(record("{\"source\":{\"lsn\":7},\"ts_ms\":2000}"), KAFKA_TIME))
        .as("no source.ts_ms")
        .isEqualTo(2000L);
    assertThat(EventTimes.changeTime(record("{\"source\":{\"ts_ms\":0},\"ts_ms\":0}"), KAFKA_TIME))
        .as("times must be positive")
        .isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.changeTime(record("{\"ts_ms\":2000,\"source\":"), KAFKA_TIME))
        .as("broken after the envelope time")
        .isEqualTo(2000L);
  }

  @Test
  void lineStrategies_readTheSameFieldsAsTheKafkaOnes() {
    TimestampAssigner<String> orders =
        EventTimes.orderLines(Duration.ofSeconds(5)).createTimestampAssigner(null);
    TimestampAssigner<String> changes =
        EventTimes.changeLines(Duration.ofSeconds(5)).createTimestampAssigner(null);

    assertThat(orders.extractTimestamp("{\"orderedAt\":\"2026-11-02T09:15:00Z\"}", KAFKA_TIME))
        .isEqualTo(ORDERED_AT);
    assertThat(orders.extractTimestamp("{broken", KAFKA_TIME)).isEqualTo(KAFKA_TIME);
    assertThat(changes.extractTimestamp("{\"source\":{\"ts_ms\":1000},\"ts_ms\":2000}", KAFKA_TIME))
        .isEqualTo(1000L);
    assertThat(changes.extractTimestamp("{broken", KAFKA_TIME)).isEqualTo(KAFKA_TIME);
  }

  /**
   * A change whose {@code source.ts_ms} is more than {@code --max-future} ahead of the clock (a
   * database host with a wrong clock) is handled like one without a time: its date never reaches
   * the watermarks. Not its envelope {@code ts_ms} either: the decoder gives the change its {@code
   * source.ts_ms}, so the record is a dead letter of the customers' {@code valid-time} step, which
   * tells it by its timestamp: the Kafka time (here in the past, so the reference), or no timestamp
   * for a sample line. Before, the change's date was its event time.
   */
  @Test
  void changeTime_moreThanMaxFutureAheadOfTheClock_isNotUsed_inEveryStrategy() {
    long farAhead = System.currentTimeMillis() + HOUR.toMillis() + 60_000;
    String line = "{\"source\":{\"ts_ms\":" + farAhead + "},\"ts_ms\":1000}";
    String wrapped = "{\"schema\":{},\"payload\":" + line + "}";
    String in2999 = "{\"source\":{\"ts_ms\":32472144000000},\"ts_ms\":1000}";

    assertThat(EventTimes.changeTime(record(line), KAFKA_TIME, HOUR)).isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.changeTime(record(wrapped), KAFKA_TIME, HOUR))
        .as("in the schema/payload wrapper")
        .isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.changeTime(record(in2999), KAFKA_TIME))
        .as("the default bound, " + JobOptions.DEFAULT_MAX_FUTURE)
        .isEqualTo(KAFKA_TIME);
    assertThat(
            EventTimes.changes(Duration.ofSeconds(5), Duration.ofMinutes(1), HOUR)
                .createTimestampAssigner(null)
                .extractTimestamp(record(line), KAFKA_TIME))
        .isEqualTo(KAFKA_TIME);
    assertThat(
            EventTimes.changeLines(Duration.ofSeconds(5), HOUR)
                .createTimestampAssigner(null)
                .extractTimestamp(line, Long.MIN_VALUE))
        .as("a sample line: no timestamp")
        .isEqualTo(Long.MIN_VALUE);
    assertThat(
            EventTimes.changeLines(Duration.ofSeconds(5))
                .createTimestampAssigner(null)
                .extractTimestamp(in2999, Long.MIN_VALUE))
        .isEqualTo(Long.MIN_VALUE);
  }

  /**
   * Up to the bound a change time is used: one exactly {@code --max-future} ahead of its record's
   * Kafka time (in the past), or, for a record without a Kafka time and for a sample line, of the
   * clock as the test reads it (at most that far ahead when the source reads the clock later); a
   * millisecond beyond the Kafka time's bound is not. A bound beyond the last instant keeps the
   * year 2999.
   */
  @Test
  void changeTime_atTheBound_orWithAHugeBound_isTheSourceTime() {
    long atTheKafkaBound = KAFKA_TIME + HOUR.toMillis();
    long atTheBound = System.currentTimeMillis() + HOUR.toMillis();
    String line = "{\"source\":{\"ts_ms\":" + atTheBound + "},\"ts_ms\":1000}";
    String in2999 = "{\"source\":{\"ts_ms\":32472144000000},\"ts_ms\":1000}";
    Duration huge = JobOptions.parse("--max-future", "P200000000000D").maxFuture();

    assertThat(EventTimes.changeTime(record(change(atTheKafkaBound)), KAFKA_TIME, HOUR))
        .isEqualTo(atTheKafkaBound);
    assertThat(EventTimes.changeTime(record(change(atTheKafkaBound + 1)), KAFKA_TIME, HOUR))
        .isEqualTo(KAFKA_TIME);
    assertThat(EventTimes.changeTime(record(line), -1L, HOUR))
        .as("no Kafka time (Kafka's -1): the clock")
        .isEqualTo(atTheBound);
    assertThat(
            EventTimes.changeLines(Duration.ofSeconds(5), HOUR)
                .createTimestampAssigner(null)
                .extractTimestamp(line, Long.MIN_VALUE))
        .isEqualTo(atTheBound);
    assertThat(EventTimes.changeTime(record(in2999), KAFKA_TIME, huge)).isEqualTo(32472144000000L);
  }

  /**
   * The Kafka strategies' reference time is the record's Kafka timestamp, or the clock when the
   * record has none (Kafka's -1, Flink's {@code Long.MIN_VALUE}, or 0) or when the Kafka time is
   * ahead of it: a time too far ahead of it gives the record that reference, never a time ahead of
   * the clock. A record without a readable time keeps its Kafka timestamp, whatever it is.
   */
  @Test
  void kafkaStrategies_measureFromTheKafkaTime_orTheClockWhenThatIsEarlierOrNone() {
    TimestampAssigner<RawRecord> orders =
        EventTimes.orders(Duration.ofSeconds(5), Duration.ofMinutes(1), HOUR)
            .createTimestampAssigner(null);
    TimestampAssigner<RawRecord> changes =
        EventTimes.changes(Duration.ofSeconds(5), Duration.ofMinutes(1), HOUR)
            .createTimestampAssigner(null);
    long before = System.currentTimeMillis();
    long aheadOfItsKafkaTime = KAFKA_TIME + HOUR.toMillis() + 1;
    String order = "{\"orderedAt\":\"" + Instant.ofEpochMilli(aheadOfItsKafkaTime) + "\"}";
    String in2999 = "{\"orderedAt\":\"2999-01-01T00:00:00Z\"}";
    long kafkaTimeAhead = before + Duration.ofMinutes(10).toMillis();

    assertThat(orders.extractTimestamp(record(order), KAFKA_TIME))
        .as("in the past of the clock, but more than the bound after its Kafka time")
        .isEqualTo(KAFKA_TIME);
    assertThat(changes.extractTimestamp(record(change(aheadOfItsKafkaTime)), KAFKA_TIME))
        .isEqualTo(KAFKA_TIME);
    for (long none : new long[] {-1L, Long.MIN_VALUE, 0L}) {
      assertThat(orders.extractTimestamp(record(order), none))
          .as("no Kafka time: a time in the past is used")
          .isEqualTo(aheadOfItsKafkaTime);
      assertThat(orders.extractTimestamp(record(in2999), none))
          .as("no Kafka time: a refused time gets the clock")
          .isBetween(before, System.currentTimeMillis());
      assertThat(changes.extractTimestamp(record(change(IN_2999_MS)), none))
          .isBetween(before, System.currentTimeMillis());
      assertThat(orders.extractTimestamp(record("{\"orderId\":\"o-1\"}"), none))
          .as("no readable time: the Kafka timestamp, as given")
          .isEqualTo(none);
    }
    assertThat(orders.extractTimestamp(record(in2999), kafkaTimeAhead))
        .as("a Kafka time ahead of the clock: the clock")
        .isBetween(before, System.currentTimeMillis());
    assertThat(changes.extractTimestamp(record(change(IN_2999_MS)), kafkaTimeAhead))
        .isBetween(before, System.currentTimeMillis());
    assertThat(orders.extractTimestamp(record("{\"orderId\":\"o-1\"}"), kafkaTimeAhead))
        .isEqualTo(kafkaTimeAhead);
  }

  /** The rule of the changes' valid-time step: exact to the millisecond, for any two longs. */
  @Test
  void isTooFarAhead_ofEpochMillis_isExact_andNeverOverflows() {
    long now = Instant.parse("2026-11-24T03:00:00Z").toEpochMilli();
    long bound = now + HOUR.toMillis();

    assertThat(EventTimes.isTooFarAhead(bound, now, HOUR)).isFalse();
    assertThat(EventTimes.isTooFarAhead(bound + 1, now, HOUR)).isTrue();
    assertThat(EventTimes.isTooFarAhead(bound - 1, now, HOUR)).isFalse();
    assertThat(EventTimes.isTooFarAhead(bound + 1, now, HOUR.plusNanos(999_999)))
        .as("a bound with a fraction of a millisecond is not rounded")
        .isTrue();
    assertThat(EventTimes.isTooFarAhead(Long.MAX_VALUE, Long.MIN_VALUE, HOUR)).isTrue();
    assertThat(EventTimes.isTooFarAhead(Long.MIN_VALUE, Long.MAX_VALUE, HOUR)).isFalse();
    assertThat(
            EventTimes.isTooFarAhead(
                Long.MAX_VALUE, Long.MIN_VALUE, Duration.ofSeconds(Long.MAX_VALUE)))
        .isFalse();
    assertThat(EventTimes.isTooFarAhead(-1L, -HOUR.toMillis() - 1, HOUR))
        .as("before 1970, as the Instant rule")
        .isEqualTo(EventTimes.isTooFarAhead(Instant.ofEpochMilli(-1L), -HOUR.toMillis() - 1, HOUR))
        .isFalse();
  }

  /** A change event committed at {@code sourceTsMs}, written a little later. */
  private static String change(long sourceTsMs) {
    return "{\"source\":{\"ts_ms\":" + sourceTsMs + "},\"ts_ms\":" + (sourceTsMs + 40) + "}";
  }

  private static RawRecord record(String value) {
    return new RawRecord(null, value.getBytes(StandardCharsets.UTF_8), "t-0@0", KAFKA_TIME);
  }
}
