package dev.etlkit.examples;

import dev.etlkit.core.Steps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Orders dated too far ahead of the clock are bad input: a producer that writes the year 2999 (or a
 * wrong time zone) would otherwise have the order written to Kafka with that timestamp, which a
 * Kafka 4 broker refuses ({@code log.message.timestamp.after.max.ms}, one hour by default), failing
 * the job on every restart. The source's event time leaves such an order out of the watermarks
 * ({@link EventTimes}); this step makes it a dead letter with its reason, counted as dead-lettered,
 * before anything keeps state about it (so a corrected order with the same id is not a duplicate).
 */
final class FutureOrders implements FilterFunction<Order> {
  private static final long serialVersionUID = 1L;

  private final Duration maxFuture;
  private final long maxFutureMillis;
  private final Clock clock;

  private FutureOrders(Duration maxFuture, Clock clock) {
    this.maxFuture = maxFuture;
    this.maxFutureMillis = maxFuture.toMillis();
    this.clock = clock;
  }

  /**
   * The step {@code stepName}: keeps every order whose {@code orderedAt} is at most {@code
   * maxFuture} ahead of {@code clock} when the step reads it; the others become dead letters
   * ({@code IllegalArgumentException}: "orderedAt ... is more than PT1H ahead of the clock"), never
   * a job failure by default. Nothing is filtered.
   */
  static Steps.FilterStep<Order> rejected(String stepName, Duration maxFuture, Clock clock) {
    return Steps.filter(stepName, new FutureOrders(maxFuture, clock));
  }

  /**
   * Keeps the order: true, or a dead letter of the step. One clock read per order, no allocation
   * unless the order is rejected.
   *
   * @throws IllegalArgumentException when the order is dated more than the bound ahead of the clock
   */
  @Override
  public boolean filter(Order order) {
    long now = clock.millis();
    if (EventTimes.isTooFarAhead(order.orderedAt(), now, maxFutureMillis)) {
      throw new IllegalArgumentException(
          "orderedAt "
              + order.orderedAt()
              + " is more than "
              + maxFuture
              + " ahead of the clock ("
              + Instant.ofEpochMilli(now)
              + ")");
    }
    return true;
  }
}
