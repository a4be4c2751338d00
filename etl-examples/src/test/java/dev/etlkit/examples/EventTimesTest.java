package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.junit.jupiter.api.Test;

class EventTimesTest {

  private static final long FALLBACK = 42L;

  private static final Duration HOUR = Duration.ofHours(1);

  private static final long ORDERED_AT = Instant.parse("2026-11-02T09:15:00Z").toEpochMilli();

  @Test
  void orderTime_readsOrderedAt_wherever_itIsInTheDocument() {
    assertThat(EventTimes.orderTime(record("{\"orderedAt\":\"2026-11-02T09:15:00Z\"}"), FALLBACK))
        .isEqualTo(ORDERED_AT);
    assertThat(
            EventTimes.orderTime(
                record(
                    "{\"orderId\":\"o-1\",\"items\":[{\"orderedAt\":\"x\"}],"
                        + "\"orderedAt\":\"2026-11-02T09:15:00Z\"}"),
                FALLBACK))
        .as("a nested field of the same name is skipped")
        .isEqualTo(ORDERED_AT);
  }

  @Test
  void orderTime_withoutAReadableTime_keepsTheSourceTimestamp() {
    assertThat(EventTimes.orderTime(record("{\"orderedAt\":\"yesterday\"}"), FALLBACK))
        .isEqualTo(FALLBACK);
    assertThat(EventTimes.orderTime(record("{\"orderId\":\"o-1\"}"), FALLBACK)).isEqualTo(FALLBACK);
    assertThat(EventTimes.orderTime(record("not json"), FALLBACK)).isEqualTo(FALLBACK);
    assertThat(EventTimes.orderTime(record("{\"orderedAt\":"), FALLBACK)).isEqualTo(FALLBACK);
    assertThat(EventTimes.orderTime(new RawRecord(null, null, null, null), FALLBACK))
        .as("a tombstone")
        .isEqualTo(FALLBACK);
  }

  @Test
  void changeTime_prefersTheSourceCommitTime_thenTheEnvelopeTime() {
    assertThat(
            EventTimes.changeTime(
                record("{\"ts_ms\":2000,\"source\":{\"lsn\":7,\"ts_ms\":1000},\"op\":\"u\"}"),
                FALLBACK))
        .isEqualTo(1000L);
    assertThat(EventTimes.changeTime(record("{\"source\":{\"lsn\":7},\"ts_ms\":2000}"), FALLBACK))
        .as("no source.ts_ms")
        .isEqualTo(2000L);
    assertThat(EventTimes.changeTime(record("{\"source\":{\"ts_ms\":0},\"ts_ms\":0}"), FALLBACK))
        .as("times must be positive")
        .isEqualTo(FALLBACK);
    assertThat(EventTimes.changeTime(record("{\"ts_ms\":2000,\"source\":"), FALLBACK))
        .as("broken after the envelope time")
        .isEqualTo(2000L);
  }

  @Test
  void lineStrategies_readTheSameFieldsAsTheKafkaOnes() {
    TimestampAssigner<String> orders =
        EventTimes.orderLines(Duration.ofSeconds(5)).createTimestampAssigner(null);
    TimestampAssigner<String> changes =
        EventTimes.changeLines(Duration.ofSeconds(5)).createTimestampAssigner(null);

    assertThat(orders.extractTimestamp("{\"orderedAt\":\"2026-11-02T09:15:00Z\"}", FALLBACK))
        .isEqualTo(ORDERED_AT);
    assertThat(orders.extractTimestamp("{broken", FALLBACK)).isEqualTo(FALLBACK);
    assertThat(changes.extractTimestamp("{\"source\":{\"ts_ms\":1000},\"ts_ms\":2000}", FALLBACK))
        .isEqualTo(1000L);
    assertThat(changes.extractTimestamp("{broken", FALLBACK)).isEqualTo(FALLBACK);
  }

  /**
   * A change whose {@code source.ts_ms} is more than {@code --max-future} ahead of the clock (a
   * database host with a wrong clock) is handled like one without a time: its date never reaches
   * the watermarks. Not its envelope {@code ts_ms} either: the decoder gives the change its {@code
   * source.ts_ms}, so the record is a dead letter of the customers' {@code valid-time} step, which
   * tells it by the fallback. Before, the change's date was its event time.
   */
  @Test
  void changeTime_moreThanMaxFutureAheadOfTheClock_keepsTheFallback_inEveryStrategy() {
    long farAhead = System.currentTimeMillis() + HOUR.toMillis() + 60_000;
    String line = "{\"source\":{\"ts_ms\":" + farAhead + "},\"ts_ms\":1000}";
    String wrapped = "{\"schema\":{},\"payload\":" + line + "}";
    String in2999 = "{\"source\":{\"ts_ms\":32472144000000},\"ts_ms\":1000}";

    assertThat(EventTimes.changeTime(record(line), FALLBACK, HOUR)).isEqualTo(FALLBACK);
    assertThat(EventTimes.changeTime(record(wrapped), FALLBACK, HOUR))
        .as("in the schema/payload wrapper")
        .isEqualTo(FALLBACK);
    assertThat(EventTimes.changeTime(record(in2999), FALLBACK))
        .as("the default bound, " + JobOptions.DEFAULT_MAX_FUTURE)
        .isEqualTo(FALLBACK);
    assertThat(
            EventTimes.changes(Duration.ofSeconds(5), Duration.ofMinutes(1), HOUR)
                .createTimestampAssigner(null)
                .extractTimestamp(record(line), FALLBACK))
        .isEqualTo(FALLBACK);
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
   * Up to the bound a change time is used: one exactly {@code --max-future} ahead of the clock as
   * the test reads it is at most that far ahead when the source reads the clock later. A bound
   * beyond the last instant keeps the year 2999.
   */
  @Test
  void changeTime_atTheBound_orWithAHugeBound_isTheSourceTime() {
    long atTheBound = System.currentTimeMillis() + HOUR.toMillis();
    String line = "{\"source\":{\"ts_ms\":" + atTheBound + "},\"ts_ms\":1000}";
    String in2999 = "{\"source\":{\"ts_ms\":32472144000000},\"ts_ms\":1000}";
    Duration huge = JobOptions.parse("--max-future", "P200000000000D").maxFuture();

    assertThat(EventTimes.changeTime(record(line), FALLBACK, HOUR)).isEqualTo(atTheBound);
    assertThat(
            EventTimes.changeLines(Duration.ofSeconds(5), HOUR)
                .createTimestampAssigner(null)
                .extractTimestamp(line, Long.MIN_VALUE))
        .isEqualTo(atTheBound);
    assertThat(EventTimes.changeTime(record(in2999), FALLBACK, huge)).isEqualTo(32472144000000L);
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

  private static RawRecord record(String value) {
    return new RawRecord(null, value.getBytes(StandardCharsets.UTF_8), "t-0@0", FALLBACK);
  }
}
