package dev.etlkit.examples;

import static dev.etlkit.examples.StepRuns.runStep;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.examples.StepRuns.StepRun;
import dev.etlkit.operators.PayloadInput;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Edges of orders dated far ahead of the clock ({@link FutureTimes}, {@link EventTimes}) found by a
 * review on 2026-11-24, each failing before that day's fix: an order dated 2999 was accepted by the
 * parse step, written to Kafka with its event time as the record timestamp (which a Kafka 4 broker
 * refuses, {@code log.message.timestamp.after.max.ms} being one hour by default, failing the job on
 * every restart), and its time moved the source's watermark so far that every later order was late.
 * It is now a dead letter of the {@code valid-time} step with its reason, counted, and the source's
 * event time leaves it out of the watermarks.
 */
class FutureOrdersTest {

  private static final Instant NOW = Instant.parse("2026-11-24T03:00:00Z");

  /**
   * A clock after every record timestamp of these tests: the step measures from the earlier of the
   * two, the timestamp.
   */
  private static final Clock CLOCK_IN_2999 =
      Clock.fixed(Instant.parse("2999-12-31T00:00:00Z"), ZoneOffset.UTC);

  private static final long KAFKA_TIME = NOW.toEpochMilli() - 1_000; // produced a second ago

  private static final String IN_2999 =
      "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,\"currency\":\"EUR\","
          + "\"orderedAt\":\"2999-01-01T00:00:00Z\"}";

  /** With an event time not ahead of the clock, the step measures from it. */
  @Test
  void rejected_orderMoreThanTheBoundAheadOfItsEventTime_isADeadLetterWithItsReason_andCounted()
      throws Exception {
    Instant justOver = NOW.plus(Duration.ofHours(1)).plusMillis(1);
    Instant atTheBound = NOW.plus(Duration.ofHours(1));
    long eventTime = NOW.toEpochMilli();

    StepRun<Order> run =
        runStep(
            FutureTimes.orders("valid-time", Duration.ofHours(1), CLOCK_IN_2999),
            List.of(
                new StreamRecord<>(order("o-1", justOver), eventTime),
                new StreamRecord<>(order("o-2", atTheBound), eventTime)));

    assertThat(run.output()).extracting(Order::orderId).containsExactly("o-2");
    assertThat(run.deadLetters()).hasSize(1);
    StreamRecord<DeadLetter> letter = run.deadLetters().get(0);
    assertThat(letter.getValue().uid()).isEqualTo("orders/valid-time");
    assertThat(letter.getValue().errorClass()).isEqualTo(IllegalArgumentException.class.getName());
    assertThat(letter.getValue().errorMessage())
        .isEqualTo(
            "orderedAt 2026-11-24T04:00:00.001Z is more than PT1H ahead of the record's event"
                + " time (2026-11-24T03:00:00Z)");
    assertThat(letter.getTimestamp()).isEqualTo(eventTime);
    RecordAccounting.StepCounts counts = run.accounting().step(OrdersJob.PIPELINE, "valid-time");
    assertThat(counts.in()).isEqualTo(2);
    assertThat(counts.out()).isEqualTo(1);
    assertThat(counts.deadLettered()).isEqualTo(1);
    assertThat(counts.filtered()).isZero();
  }

  /**
   * Without an event time (a sample line the source gave none: no timestamp, or Flink's "no
   * timestamp" marker), the step measures from its clock; so it does with a record timestamp ahead
   * of the clock (an input whose timestamps are the orders' own times, from another watermark
   * strategy), which bounds nothing.
   */
  @Test
  void rejected_recordWithoutATimestamp_orWithOneAheadOfTheClock_isMeasuredFromTheClock()
      throws Exception {
    Instant justOver = NOW.plus(Duration.ofHours(1)).plusMillis(1);
    Instant atTheBound = NOW.plus(Duration.ofHours(1));

    StepRun<Order> run =
        runStep(
            FutureTimes.orders("valid-time", Duration.ofHours(1), Clock.fixed(NOW, ZoneOffset.UTC)),
            List.of(
                new StreamRecord<>(order("o-1", justOver)),
                new StreamRecord<>(order("o-2", atTheBound), TimestampAssigner.NO_TIMESTAMP),
                new StreamRecord<>(order("o-3", justOver), TimestampAssigner.NO_TIMESTAMP),
                new StreamRecord<>(order("o-4", justOver), justOver.toEpochMilli()),
                new StreamRecord<>(order("o-5", atTheBound), atTheBound.toEpochMilli())));

    assertThat(run.output()).extracting(Order::orderId).containsExactly("o-2", "o-5");
    String message =
        "orderedAt 2026-11-24T04:00:00.001Z is more than PT1H ahead of the clock"
            + " (2026-11-24T03:00:00Z)";
    assertThat(run.deadLetters())
        .extracting(letter -> letter.getValue().errorMessage())
        .containsExactly(message, message, message);
    assertThat(run.deadLetters())
        .extracting(letter -> letter.getValue().eventTime())
        .as("a dead letter keeps its record's timestamp, if any")
        .containsExactly(null, null, justOver.toEpochMilli());
  }

  @Test
  void rejected_orderWithoutOrderedAt_isADeadLetter() throws Exception {
    StepRun<Order> run =
        runStep(
            FutureTimes.orders("valid-time", Duration.ofHours(1), CLOCK_IN_2999),
            List.of(new StreamRecord<>(order("o-1", null), KAFKA_TIME)));

    assertThat(run.output()).isEmpty();
    assertThat(run.deadLetters())
        .extracting(letter -> letter.getValue().errorMessage())
        .containsExactly("orderedAt is missing");
  }

  /**
   * The order of 2999 through the job's own orders pipeline: the step right after {@code parse}
   * (before {@code dedup} remembers its id, so a corrected order with the same id still counts)
   * makes it a dead letter, which goes to the dead-letter topic with the Kafka timestamp the source
   * kept for it; nothing goes on to the enriched-orders topic.
   */
  @Test
  void validOrders_orderIn2999_isADeadLetterOfValidTime_writtenWithTheSourceTimestamp()
      throws Exception {
    RawRecord record = record(IN_2999);
    long eventTime = EventTimes.orderTime(record, KAFKA_TIME, Duration.ofHours(1));
    assertThat(eventTime).as("the source's event time: its Kafka timestamp").isEqualTo(KAFKA_TIME);

    List<String> steps = new ArrayList<>();
    StepRun<Order> run = runValidTimeOfTheOrdersPipeline(parsed(), eventTime, steps);

    assertThat(steps).containsSubsequence("orders/parse", "orders/valid-time", "orders/dedup");
    assertThat(run.output()).as("on to dedup and the enriched-orders topic").isEmpty();
    assertThat(run.deadLetters()).hasSize(1);
    StreamRecord<DeadLetter> letter = run.deadLetters().get(0);
    assertThat(letter.getValue().uid()).isEqualTo("orders/valid-time");
    assertThat(letter.getValue().errorMessage())
        .isEqualTo(
            "orderedAt 2999-01-01T00:00:00Z is more than PT1H ahead of the record's event time"
                + " (2026-11-24T02:59:59Z)");
    assertThat(run.accounting().step(OrdersJob.PIPELINE, "valid-time").deadLettered()).isEqualTo(1);

    assertThat(StepRuns.writtenTimestamp(letter))
        .as("a timestamp a Kafka 4 broker takes: not ahead of the clock")
        .isEqualTo(KAFKA_TIME);
  }

  @Test
  void orderTimestampAssigners_doNotHandAFarFutureTimeToTheWatermarkGenerator() {
    TimestampAssigner<RawRecord> kafka =
        EventTimes.orders(Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofHours(1))
            .createTimestampAssigner(null);
    TimestampAssigner<String> lines =
        EventTimes.orderLines(Duration.ofSeconds(5), Duration.ofHours(1))
            .createTimestampAssigner(null);

    assertThat(kafka.extractTimestamp(record(IN_2999), KAFKA_TIME))
        .as("as for an order without a time: its Kafka timestamp")
        .isEqualTo(KAFKA_TIME);
    assertThat(lines.extractTimestamp(IN_2999, Long.MIN_VALUE))
        .as("a sample line: no timestamp")
        .isEqualTo(Long.MIN_VALUE);
  }

  /** The source's event time and the valid-time step draw the line at the same instant. */
  @Test
  void isTooFarAhead_isExactToTheNanosecond_andNeverOverflows() {
    long now = NOW.toEpochMilli();
    Duration hour = Duration.ofHours(1);
    Instant bound = NOW.plus(hour);

    assertThat(EventTimes.isTooFarAhead(bound, now, hour)).isFalse();
    assertThat(EventTimes.isTooFarAhead(bound.plusNanos(1), now, hour)).isTrue();
    assertThat(EventTimes.isTooFarAhead(bound.minusNanos(1), now, hour)).isFalse();
    assertThat(EventTimes.isTooFarAhead(Instant.MAX, now, hour)).isTrue();
    assertThat(EventTimes.isTooFarAhead(Instant.MIN, now, hour)).isFalse();
    assertThat(EventTimes.isTooFarAhead(Instant.MAX, now, Duration.ofSeconds(Long.MAX_VALUE)))
        .as("a bound past the last instant is never exceeded")
        .isFalse();
    assertThat(EventTimes.isTooFarAhead(Instant.MAX, Long.MIN_VALUE, hour)).isTrue();
    assertThat(EventTimes.isTooFarAhead(Instant.MIN, Long.MAX_VALUE, hour)).isFalse();
  }

  private static Order order(String id, Instant orderedAt) {
    return new Order(id, "c-anna", new BigDecimal("10.00"), "EUR", orderedAt);
  }

  private static Order parsed() {
    return order("o-1", Instant.parse("2999-01-01T00:00:00Z"));
  }

  private static RawRecord record(String value) {
    return new RawRecord(
        "o-1".getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8),
        "orders-0@7",
        KAFKA_TIME);
  }

  /**
   * Runs the {@code valid-time} operator of {@link OrdersJob#validOrders} on the parsed order; the
   * uids of the pipeline's operators, from the source on, go to {@code steps}.
   */
  private static StepRun<Order> runValidTimeOfTheOrdersPipeline(
      Order order, long timestamp, List<String> steps) throws Exception {
    DataStream<RawRecord> input =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromData(List.of(record(IN_2999)), RawRecord.TYPE_INFO);
    Transformation<?> last =
        OrdersJob.validOrders(input, PayloadInput.rawRecords(), Duration.ofHours(1))
            .toDataStream()
            .getTransformation();
    steps.addAll(StepRuns.uidsUpTo(last));
    return StepRuns.run(
        StepRuns.upstream(last, "orders/valid-time"),
        List.of(new StreamRecord<>(order, timestamp)));
  }
}
