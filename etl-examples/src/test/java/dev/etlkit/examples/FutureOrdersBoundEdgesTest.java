package dev.etlkit.examples;

import static dev.etlkit.examples.StepRuns.runStep;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import dev.etlkit.examples.StepRuns.StepRun;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Edges of the {@code --max-future} bound shared by the {@code valid-time} step ({@link
 * FutureTimes}) and the source's event time ({@link EventTimes}) found by a second review on
 * 2026-11-24, each failing before its fix: the two read the clock at different moments, so an order
 * the source had left out of the event time could pass the step as a valid order stamped with its
 * Kafka time (and one the source had taken could become a dead letter); a bound beyond {@code
 * Long.MAX_VALUE} milliseconds, which the options accept, failed building the job ({@code
 * Duration.toMillis}); and a bound with a fraction of a millisecond was truncated to whole
 * milliseconds. The step now measures from the record's event time or its clock, whichever is
 * earlier, and both compare with the exact bound, which saturates.
 */
class FutureOrdersBoundEdgesTest {

  private static final Duration HOUR = Duration.ofHours(1);

  private static final Instant NOW = Instant.parse("2026-11-24T03:00:00Z");

  /**
   * Before, the source's timestamp assigner and the step each read their own clock: an order more
   * than the bound ahead of the clock when the source read it kept its Kafka timestamp, but when
   * the step read the clock later (backpressure between source and parse, or another TaskManager's
   * clock) the order was within the bound and went on as a valid order, with its Kafka time as its
   * event time instead of its {@code orderedAt}.
   */
  @Test
  void orderRefusedByTheSourcesEventTime_isADeadLetterOfValidTime_evenWhenTheStepReadsLater()
      throws Exception {
    long readAt = System.currentTimeMillis();
    Instant orderedAt = Instant.ofEpochMilli(readAt).plus(HOUR).plusSeconds(60);
    long kafkaTime = readAt - 1_000;
    long eventTime = sourceEventTime(orderedAt, kafkaTime);
    assertThat(eventTime)
        .as("the source refused its orderedAt: it keeps its Kafka timestamp")
        .isEqualTo(kafkaTime);

    StepRun<Order> run = runValidTime(readAt + 120_000, orderedAt, eventTime);

    assertThat(run.output()).isEmpty();
    assertThat(run.deadLetters())
        .extracting(letter -> letter.getValue().errorMessage())
        .containsExactly(
            "orderedAt "
                + orderedAt
                + " is more than PT1H ahead of the record's event time ("
                + Instant.ofEpochMilli(kafkaTime)
                + ")");
  }

  /**
   * The mirror case: before, an order the source took as its event time (within the bound of its
   * clock) became a dead letter when the step's clock was behind the source's. The step measures
   * from the earlier of the record's timestamp and its clock (so that inputs whose timestamps are
   * the records' own times are bounded too): an order the source took is kept when the step's clock
   * is behind by less than the order's margin to the bound, here two minutes behind and three
   * minutes of margin. With a minute of margin it is a dead letter measured from the clock, as
   * FutureTimes documents: its time moved the watermark by at most the bound.
   */
  @Test
  void
      orderTakenByTheSourcesEventTime_isKeptByValidTime_whenTheStepsClockIsBehindByLessThanItsMargin()
          throws Exception {
    long readAt = System.currentTimeMillis();
    Instant threeMinutesInside = Instant.ofEpochMilli(readAt).plus(HOUR).minusSeconds(180);
    Instant oneMinuteInside = Instant.ofEpochMilli(readAt).plus(HOUR).minusSeconds(60);
    long kafkaTime = readAt - 1_000;
    long eventTime = sourceEventTime(threeMinutesInside, kafkaTime);
    long closeEventTime = sourceEventTime(oneMinuteInside, kafkaTime);
    assertThat(eventTime)
        .as("the source took its orderedAt")
        .isEqualTo(threeMinutesInside.toEpochMilli());
    assertThat(closeEventTime).isEqualTo(oneMinuteInside.toEpochMilli());

    long stepClock = readAt - 120_000;
    StepRun<Order> run = runValidTime(stepClock, threeMinutesInside, eventTime);
    StepRun<Order> close = runValidTime(stepClock, oneMinuteInside, closeEventTime);

    assertThat(run.output()).containsExactly(order(threeMinutesInside));
    assertThat(run.deadLetters()).isEmpty();
    assertThat(close.output()).isEmpty();
    assertThat(close.deadLetters())
        .extracting(letter -> letter.getValue().errorMessage())
        .containsExactly(
            "orderedAt "
                + oneMinuteInside
                + " is more than PT1H ahead of the clock ("
                + Instant.ofEpochMilli(stepClock)
                + ")");
  }

  /**
   * Before, a {@code --max-future} beyond {@code Long.MAX_VALUE} milliseconds (about 292 million
   * years), which the options accept, failed building the job with an {@code ArithmeticException}
   * ({@code Duration.toMillis}). Such a bound is now no bound: an order dated 2999 is taken by both
   * timestamp assigners and kept by the step, with or without an event time.
   */
  @Test
  void hugeMaxFuture_acceptedByParse_buildsTheJob_andKeepsEveryOrder() throws Exception {
    Duration maxFuture = JobOptions.parse("--max-future", "P200000000000D").maxFuture();
    Instant in2999 = Instant.parse("2999-01-01T00:00:00Z");
    long kafkaTime = NOW.toEpochMilli();
    String line = json(in2999);

    long kafkaEventTime =
        orderAssigner(maxFuture).extractTimestamp(record(in2999, kafkaTime), kafkaTime);
    long lineEventTime =
        EventTimes.orderLines(OrdersJob.SAMPLE_DISORDER, maxFuture)
            .createTimestampAssigner(null)
            .extractTimestamp(line, Long.MIN_VALUE);
    StepRun<Order> run =
        runStep(
            FutureTimes.orders("valid-time", maxFuture, Clock.fixed(NOW, ZoneOffset.UTC)),
            List.of(
                new StreamRecord<>(order(in2999), kafkaTime), new StreamRecord<>(order(in2999))));

    assertThat(kafkaEventTime).isEqualTo(in2999.toEpochMilli());
    assertThat(lineEventTime).isEqualTo(in2999.toEpochMilli());
    assertThat(run.output()).containsExactly(order(in2999), order(in2999));
    assertThat(run.deadLetters()).isEmpty();
  }

  /**
   * Before, the step and the timestamp assigners truncated the bound to whole milliseconds: with
   * {@code --max-future PT1.0005S} an order 1.0003 s ahead was a dead letter whose message said it
   * "is more than PT1.0005S ahead of the clock", which was false.
   */
  @Test
  void subMillisecondMaxFuture_isExact_inTheStepAndTheAssigners() throws Exception {
    Duration maxFuture = JobOptions.parse("--max-future", "PT1.0005S").maxFuture();
    Instant within = NOW.plusNanos(1_000_300_000);
    Instant beyond = NOW.plusNanos(1_000_700_000);

    StepRun<Order> run =
        runStep(
            FutureTimes.orders("valid-time", maxFuture, Clock.fixed(NOW, ZoneOffset.UTC)),
            List.of(
                new StreamRecord<>(order(within)),
                new StreamRecord<>(order(beyond)),
                new StreamRecord<>(order(within), NOW.toEpochMilli()),
                new StreamRecord<>(order(beyond), NOW.toEpochMilli())));

    assertThat(run.output()).containsExactly(order(within), order(within));
    assertThat(run.deadLetters())
        .extracting(letter -> letter.getValue().errorMessage())
        .containsExactly(
            "orderedAt 2026-11-24T03:00:01.000700Z is more than PT1.0005S ahead of the clock"
                + " (2026-11-24T03:00:00Z)",
            "orderedAt 2026-11-24T03:00:01.000700Z is more than PT1.0005S ahead of the record's"
                + " event time (2026-11-24T03:00:00Z)");
    assertThat(EventTimes.isTooFarAhead(within, NOW.toEpochMilli(), maxFuture))
        .as("the assigners' rule")
        .isFalse();
    assertThat(EventTimes.isTooFarAhead(beyond, NOW.toEpochMilli(), maxFuture)).isTrue();
  }

  /** The event time the Kafka source gives the order, with the default bound, when it reads it. */
  private static long sourceEventTime(Instant orderedAt, long kafkaTime) {
    return orderAssigner(HOUR).extractTimestamp(record(orderedAt, kafkaTime), kafkaTime);
  }

  /** Runs the valid-time step, its clock at {@code clockMillis}, on the order at its event time. */
  private static StepRun<Order> runValidTime(long clockMillis, Instant orderedAt, long eventTime)
      throws Exception {
    Clock clock = Clock.fixed(Instant.ofEpochMilli(clockMillis), ZoneOffset.UTC);
    return runStep(
        FutureTimes.orders("valid-time", HOUR, clock),
        List.of(new StreamRecord<>(order(orderedAt), eventTime)));
  }

  private static TimestampAssigner<RawRecord> orderAssigner(Duration maxFuture) {
    return EventTimes.orders(Duration.ofSeconds(5), Duration.ofMinutes(1), maxFuture)
        .createTimestampAssigner(null);
  }

  private static Order order(Instant orderedAt) {
    return new Order("o-1", "c-anna", new BigDecimal("10.00"), "EUR", orderedAt);
  }

  private static String json(Instant orderedAt) {
    return "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,\"currency\":\"EUR\","
        + "\"orderedAt\":\""
        + orderedAt
        + "\"}";
  }

  private static RawRecord record(Instant orderedAt, long kafkaTime) {
    return new RawRecord(
        "o-1".getBytes(StandardCharsets.UTF_8),
        json(orderedAt).getBytes(StandardCharsets.UTF_8),
        "orders-0@7",
        kafkaTime);
  }
}
