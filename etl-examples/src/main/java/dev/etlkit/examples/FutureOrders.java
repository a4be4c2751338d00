package dev.etlkit.examples;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.StepMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Orders dated too far ahead of the clock are bad input: a producer that writes the year 2999 (or a
 * wrong time zone) would otherwise have the order written to Kafka with that timestamp, which a
 * Kafka 4 broker refuses ({@code log.message.timestamp.after.max.ms}, one hour by default), failing
 * the job on every restart. The source's event time leaves such an order out of the watermarks
 * ({@link EventTimes}); this step makes it a dead letter with its reason, counted as dead-lettered,
 * before anything keeps state about it (so a corrected order with the same id is not a duplicate).
 *
 * <p>The step decides from the record's event time, which the source's timestamp assigner set when
 * it read the order, so the two agree whatever the clocks of the source and of this step say: an
 * order whose event time is its {@code orderedAt} is kept, and one the assigner left with its Kafka
 * timestamp (at or before the moment it was read) is more than the bound ahead of that timestamp.
 * Only a record without a timestamp (a sample line the assigner gave none) is checked against the
 * clock when the step reads it. Event times are whole milliseconds, so an {@code orderedAt} can be
 * up to a millisecond ahead of its own event time: {@code --max-future} is at least 1 ms ({@link
 * JobOptions}), so such an order is kept.
 */
final class FutureOrders implements EtlStep<Order, Order> {

  private final String name;
  private final Duration maxFuture;
  private final Clock clock;

  private FutureOrders(String name, Duration maxFuture, Clock clock) {
    this.name = name;
    this.maxFuture = maxFuture;
    this.clock = clock;
  }

  /**
   * The step {@code stepName}: keeps every order whose {@code orderedAt} is at most {@code
   * maxFuture} ahead of its event time, or, for a record without one, of {@code clock} when the
   * step reads it (exact to the nanosecond; a bound beyond the last instant keeps every order). The
   * others become dead letters ({@code IllegalArgumentException}: "orderedAt ... is more than PT1H
   * ahead of the record's event time (...)", or "... of the clock (...)"), never a job failure by
   * default; so does an order without an {@code orderedAt} ("orderedAt is missing"). Nothing is
   * filtered.
   */
  static FutureOrders rejected(String stepName, Duration maxFuture, Clock clock) {
    return new FutureOrders(
        stepName,
        Objects.requireNonNull(maxFuture, "maxFuture"),
        Objects.requireNonNull(clock, "clock"));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DataStream<Order> expand(DataStream<Order> input, StepContext context) {
    SingleOutputStreamOperator<Order> kept =
        context.named( // name and uid "<pipeline>/<step>"
            input.process(
                new ValidTimeFunction(maxFuture, clock, context.errorHandler(null)),
                input.getType()));
    context.addDeadLettersOf(kept);
    return kept;
  }

  /**
   * The step's function. One clock read per order without a timestamp, none otherwise; no
   * allocation unless the order is rejected.
   */
  static final class ValidTimeFunction extends ProcessFunction<Order, Order> {
    private static final long serialVersionUID = 1L;

    private final Duration maxFuture;
    private final Clock clock;
    private final ErrorHandler errors;
    private transient StepMetrics metrics;

    ValidTimeFunction(Duration maxFuture, Clock clock, ErrorHandler errors) {
      this.maxFuture = maxFuture;
      this.clock = clock;
      this.errors = Objects.requireNonNull(errors, "errors");
    }

    @Override
    public void open(OpenContext openContext) {
      metrics = StepMetrics.register(getRuntimeContext(), errors.step());
      errors.open(metrics);
    }

    @Override
    public void processElement(Order order, Context ctx, Collector<Order> out) {
      metrics.in();
      Long timestamp = ctx.timestamp();
      boolean hasTimestamp = timestamp != null && timestamp != TimestampAssigner.NO_TIMESTAMP;
      long now = hasTimestamp ? timestamp : clock.millis();
      Instant orderedAt = order.orderedAt();
      if (orderedAt == null || EventTimes.isTooFarAhead(orderedAt, now, maxFuture)) {
        ctx.output(
            DeadLetter.OUTPUT_TAG,
            errors.reject(
                rejection(orderedAt, now, hasTimestamp),
                order,
                timestamp,
                null,
                ctx.timerService().currentProcessingTime()));
        return;
      }
      out.collect(order);
      metrics.out();
    }

    private IllegalArgumentException rejection(
        @Nullable Instant orderedAt, long now, boolean ofEventTime) {
      if (orderedAt == null) {
        return new IllegalArgumentException("orderedAt is missing");
      }
      return new IllegalArgumentException(
          "orderedAt "
              + orderedAt
              + " is more than "
              + maxFuture
              + (ofEventTime ? " ahead of the record's event time (" : " ahead of the clock (")
              + Instant.ofEpochMilli(now)
              + ")");
    }
  }
}
