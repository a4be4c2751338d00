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

  private static RawRecord record(String value) {
    return new RawRecord(null, value.getBytes(StandardCharsets.UTF_8), "t-0@0", FALLBACK);
  }
}
