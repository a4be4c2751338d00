package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.RawRecord;
import dev.etlkit.core.Steps;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.flink.api.common.functions.FilterFunction;
import org.junit.jupiter.api.Test;

/** Review of the valid-time step and the source's event time (FutureOrders, EventTimes). */
class ReviewFutureOrdersTest {

  private static final Duration HOUR = Duration.ofHours(1);

  /**
   * The source's timestamp assigner and the valid-time step each read their own clock. An order
   * that is more than --max-future ahead of the clock when the source reads it is left out of the
   * event time (it keeps its Kafka timestamp), but when the step reads the clock a moment later
   * (here 2 s: backpressure between source and parse, or another TaskManager's clock) the same
   * order is within the bound and passes as a valid order, with the Kafka timestamp as its event
   * time instead of its orderedAt. running-on-a-cluster.md: "an order whose orderedAt is more than
   * this ahead of the wall clock when it is read is a dead letter of the orders/valid-time step".
   */
  @Test
  void orderRefusedByTheSourcesEventTime_isADeadLetterOfValidTime_evenWhenTheStepReadsLater()
      throws Exception {
    long readAt = System.currentTimeMillis();
    Instant orderedAt = Instant.ofEpochMilli(readAt).plus(HOUR).plusMillis(1_000);
    long kafkaTime = readAt - 1_000;
    String json =
        "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,\"currency\":\"EUR\","
            + "\"orderedAt\":\""
            + orderedAt
            + "\"}";
    RawRecord record =
        new RawRecord(
            "o-1".getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8),
            "orders-0@7",
            kafkaTime);
    long eventTime =
        EventTimes.orders(Duration.ofSeconds(5), Duration.ofMinutes(1), HOUR)
            .createTimestampAssigner(null)
            .extractTimestamp(record, kafkaTime);
    assertThat(eventTime)
        .as("the source refused its orderedAt: it keeps its Kafka timestamp")
        .isEqualTo(kafkaTime);

    Clock stepClock = Clock.fixed(Instant.ofEpochMilli(readAt + 2_000), ZoneOffset.UTC);
    Order order = new Order("o-1", "c-anna", new BigDecimal("10.00"), "EUR", orderedAt);
    FilterFunction<Order> validTime =
        predicate(FutureOrders.rejected("valid-time", HOUR, stepClock));

    Throwable thrown = catchThrowable(() -> validTime.filter(order));

    assertThat(thrown)
        .as(
            "an order whose time the watermarks never saw must be a dead letter of valid-time,"
                + " not go on as a valid order stamped with its Kafka time (%s) instead of its"
                + " orderedAt (%s)",
            Instant.ofEpochMilli(kafkaTime), orderedAt)
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * JobOptions accepts any positive ISO-8601 duration for --max-future and isTooFarAhead saturates
   * an overflowing bound, but a --max-future beyond Long.MAX_VALUE milliseconds (about 292 million
   * years) makes building the job fail with an ArithmeticException (Duration.toMillis) rather than
   * run with no practical bound or be refused naming the option.
   */
  @Test
  void hugeMaxFuture_acceptedByParse_buildsTheJob() {
    Duration maxFuture = JobOptions.parse("--max-future", "P200000000000D").maxFuture();

    assertThatCode(
            () -> {
              // what OrdersJob.wire and RealMode build with options.maxFuture()
              EventTimes.orderLines(OrdersJob.SAMPLE_DISORDER, maxFuture);
              EventTimes.orders(Duration.ofSeconds(5), Duration.ofMinutes(1), maxFuture);
              FutureOrders.rejected("valid-time", maxFuture, Clock.systemUTC());
            })
        .as("the job with --max-future P200000000000D")
        .doesNotThrowAnyException();
  }

  /**
   * isTooFarAhead is "exact to the nanosecond", but FutureOrders (and EventTimes) truncate the
   * bound to whole milliseconds (Duration.toMillis): with --max-future PT1.0005S (accepted by
   * JobOptions: positive) an order 1.0003 s ahead is a dead letter whose message says it "is more
   * than PT1.0005S ahead of the clock", which is false.
   */
  @Test
  void subMillisecondMaxFuture_orderWithinTheBound_isKept() throws Exception {
    Instant now = Instant.parse("2026-11-24T03:00:00Z");
    Duration maxFuture = JobOptions.parse("--max-future", "PT1.0005S").maxFuture();
    Order order =
        new Order(
            "o-1",
            "c-anna",
            new BigDecimal("10.00"),
            "EUR",
            now.plus(Duration.ofNanos(1_000_300_000)));
    FilterFunction<Order> validTime =
        predicate(FutureOrders.rejected("valid-time", maxFuture, Clock.fixed(now, ZoneOffset.UTC)));

    Throwable thrown = catchThrowable(() -> validTime.filter(order));

    assertThat(thrown).as("1.0003 s ahead, the bound is 1.0005 s").isNull();
  }

  /** The FilterFunction of a filter step (Steps.FilterStep has no accessor). */
  @SuppressWarnings("unchecked")
  private static FilterFunction<Order> predicate(Steps.FilterStep<Order> step) throws Exception {
    Field field = Steps.FilterStep.class.getDeclaredField("predicate");
    field.setAccessible(true);
    return (FilterFunction<Order>) field.get(step);
  }
}
