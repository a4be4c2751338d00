package dev.etlkit.examples;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.StepMetrics;
import java.io.Serializable;
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
 * Records dated too far ahead of the clock are bad input, in both pipelines of the example job (the
 * {@code valid-time} steps, {@code --max-future}):
 *
 * <ul>
 *   <li>an order dated in the year 2999 (a producer's bug, or a wrong time zone) would be written
 *       to Kafka with that timestamp, which a Kafka 4 broker refuses ({@code
 *       log.message.timestamp.after.max.ms}, one hour by default), failing the job on every restart
 *       ({@link #orders});
 *   <li>a customer change whose {@code ts_ms} is in 2999 (a database host with a wrong clock) would
 *       move its customer's latest effective time in the SCD2 history there, and the step measures
 *       its lateness horizon per key from that time, so every later change of the customer would be
 *       late, a dead letter, for ever; the point-in-time join would have that version in force only
 *       from 2999 ({@link #changes}).
 * </ul>
 *
 * <p>The source's event time leaves such a record out of the watermarks ({@link EventTimes}); this
 * step makes it a dead letter with its reason, counted as dead-lettered, before anything keeps
 * state about it (so a corrected order with the same id is not a duplicate, and neither the
 * normalizer nor the SCD2 history ever holds the change).
 *
 * <p>The step measures a record's time from its <em>reference time</em>: the record's timestamp or
 * the step's clock, whichever is earlier (one clock read per record), or the clock for a record
 * without a timestamp. So a time more than the bound ahead of the clock when the step reads it is a
 * dead letter whatever timestamp its record carries, also on an input whose timestamps are the
 * records' own times (another watermark strategy, or {@link EventTimes} with a larger bound). The
 * dead letter's message names the reference: "... ahead of the record's event time (...)" when it
 * was the timestamp, "... ahead of the clock (...)" when it was the clock. A dead letter keeps its
 * record's timestamp: on such an input the far-future time itself, which a Kafka 4 broker refuses
 * as a record timestamp: a dead-letter sink there must not write it as one.
 *
 * <p>Downstream of the job's own sources ({@link EventTimes}) the step and the source agree:
 *
 * <ul>
 *   <li>a record whose time the source refused carries the source's reference time (its Kafka
 *       timestamp, or the source's clock when that was earlier), which its time is more than the
 *       bound ahead of; the step's reference is at most that timestamp, so the record is a dead
 *       letter, whatever the clocks;
 *   <li>a record whose time the source took carries that time, at most the bound ahead of the
 *       source's reference: kept, as long as the step's clock is not behind the clock of the source
 *       when it read the record. A step on a TaskManager whose clock is behind by d may refuse a
 *       record the source took up to d before the bound: it is then a dead letter whose time
 *       already moved its partition's watermark, by at most {@code --max-future} ahead of the
 *       source's clock;
 *   <li>a sample line the source refused has no timestamp ({@link EventTimes#orderLines}), and the
 *       step measures it from its own clock a few milliseconds later: a line dated within those
 *       milliseconds past the bound is kept, without a timestamp.
 * </ul>
 *
 * <p>Event times are whole milliseconds, so an {@code orderedAt} can be up to a millisecond ahead
 * of its own event time: {@code --max-future} is at least 1 ms ({@link JobOptions}), so such an
 * order is kept.
 *
 * @param <T> the records the step judges: orders or changes
 */
final class FutureTimes<T> implements EtlStep<T, T> {

  private final String name;
  private final Duration maxFuture;
  private final Clock clock;
  private final Dating<T> dating;

  private FutureTimes(String name, Duration maxFuture, Clock clock, Dating<T> dating) {
    this.name = name;
    this.maxFuture = Objects.requireNonNull(maxFuture, "maxFuture");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.dating = dating;
  }

  /**
   * The step {@code stepName} over orders: keeps every order whose {@code orderedAt} is at most
   * {@code maxFuture} ahead of its record's timestamp and of {@code clock} when the step reads it
   * (of the clock alone for a record without a timestamp; exact to the nanosecond; a bound beyond
   * the last instant keeps every order). The others become dead letters ({@code
   * IllegalArgumentException}: "orderedAt ... is more than PT55M ahead of the record's event time
   * (...)", or "... of the clock (...)"), never a job failure by default; so does an order without
   * an {@code orderedAt} ("orderedAt is missing"). Nothing is filtered.
   */
  static FutureTimes<Order> orders(String stepName, Duration maxFuture, Clock clock) {
    return new FutureTimes<>(stepName, maxFuture, clock, new OrderedAt());
  }

  /**
   * The step {@code stepName} over a changelog: keeps every change whose {@link Change#eventTime()}
   * (Debezium's {@code source.ts_ms}, else {@code ts_ms}, as {@code Debezium.decode} sets it) is at
   * most {@code maxFuture} ahead of its record's timestamp and of {@code clock} when the step reads
   * it (of the clock alone for a record without a timestamp); the others become dead letters
   * ({@code IllegalArgumentException}: "event time (ts_ms) 2999-01-01T00:00:00Z is more than PT55M
   * ahead of the record's event time (...)", or "... of the clock (...)"). Each change record is
   * judged on its own: an update decoded with its before-image ({@code -U} and {@code +U}, one
   * time) is two dead letters. A change without an event time is passed on unchanged: this step
   * bounds times, it does not require them (normalize and the point-in-time join take it, the join
   * at its record's timestamp; the SCD2 history makes it a dead letter of its own). Nothing is
   * filtered.
   *
   * @param <V> the changed values
   */
  static <V> FutureTimes<Change<V>> changes(String stepName, Duration maxFuture, Clock clock) {
    return new FutureTimes<>(stepName, maxFuture, clock, new ChangeEventTime<>());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DataStream<T> expand(DataStream<T> input, StepContext context) {
    SingleOutputStreamOperator<T> kept =
        context.named( // name and uid "<pipeline>/<step>"
            input.process(
                new ValidTimeFunction<>(maxFuture, clock, dating, context.errorHandler(null)),
                input.getType()));
    context.addDeadLettersOf(kept);
    return kept;
  }

  /** The time the step judges: how it is read from a record and named in the dead letters. */
  interface Dating<T> extends Serializable {

    /** How the dead letters' messages name the time: "orderedAt". */
    String name();

    /**
     * True when the record is a dead letter: its time is more than {@code maxFuture} ahead of
     * {@code nowMillis}, or it has none and needs one. Per record: must not allocate.
     */
    boolean rejects(T record, long nowMillis, Duration maxFuture);

    /** The record's time, or null when it has none; read for rejected records only. */
    @Nullable
    Instant time(T record);

    /**
     * Where the record came from, for its dead letter ({@link DeadLetter#sourcePosition()}), or
     * null; read for rejected records only.
     */
    @Nullable
    String sourcePosition(T record);
  }

  /** An order's {@code orderedAt}, which it must have. */
  static final class OrderedAt implements Dating<Order> {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
      return "orderedAt";
    }

    @Override
    public boolean rejects(Order order, long nowMillis, Duration maxFuture) {
      Instant orderedAt = order.orderedAt();
      return orderedAt == null || EventTimes.isTooFarAhead(orderedAt, nowMillis, maxFuture);
    }

    @Override
    @Nullable
    public Instant time(Order order) {
      return order.orderedAt();
    }

    @Override
    @Nullable
    public String sourcePosition(Order order) {
      return null; // a typed order carries no position
    }
  }

  /** A change's event time ({@code ts_ms}), judged when it has one. */
  static final class ChangeEventTime<V> implements Dating<Change<V>> {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
      return "event time (ts_ms)";
    }

    @Override
    public boolean rejects(Change<V> change, long nowMillis, Duration maxFuture) {
      Long eventTime = change.eventTime();
      return eventTime != null && EventTimes.isTooFarAhead(eventTime, nowMillis, maxFuture);
    }

    @Override
    @Nullable
    public Instant time(Change<V> change) {
      Long eventTime = change.eventTime();
      return eventTime == null ? null : Instant.ofEpochMilli(eventTime);
    }

    /** The change's position (an LSN), as every other step over a changelog gives it. */
    @Override
    @Nullable
    public String sourcePosition(Change<V> change) {
      Long position = change.sourcePosition();
      return position == null ? null : Long.toString(position);
    }
  }

  /**
   * The step's function. One clock read per record; no allocation unless the record is rejected.
   */
  static final class ValidTimeFunction<T> extends ProcessFunction<T, T> {
    private static final long serialVersionUID = 1L;

    private final Duration maxFuture;
    private final Clock clock;
    private final Dating<T> dating;
    private final ErrorHandler errors;
    private transient StepMetrics metrics;

    ValidTimeFunction(Duration maxFuture, Clock clock, Dating<T> dating, ErrorHandler errors) {
      this.maxFuture = maxFuture;
      this.clock = clock;
      this.dating = dating;
      this.errors = Objects.requireNonNull(errors, "errors");
    }

    @Override
    public void open(OpenContext openContext) {
      metrics = StepMetrics.register(getRuntimeContext(), errors.step());
      errors.open(metrics);
    }

    @Override
    public void processElement(T record, Context ctx, Collector<T> out) {
      metrics.in();
      Long timestamp = ctx.timestamp();
      long now = clock.millis();
      // the earlier of the two: the source's own reference for a record whose time it refused
      boolean ofEventTime =
          timestamp != null && timestamp != TimestampAssigner.NO_TIMESTAMP && timestamp <= now;
      long reference = ofEventTime ? timestamp : now;
      if (dating.rejects(record, reference, maxFuture)) {
        ctx.output(
            DeadLetter.OUTPUT_TAG,
            errors.reject(
                rejection(dating.time(record), reference, ofEventTime),
                record,
                timestamp,
                dating.sourcePosition(record),
                ctx.timerService().currentProcessingTime()));
        return;
      }
      out.collect(record);
      metrics.out();
    }

    private IllegalArgumentException rejection(
        @Nullable Instant time, long reference, boolean ofEventTime) {
      if (time == null) {
        return new IllegalArgumentException(dating.name() + " is missing");
      }
      return new IllegalArgumentException(
          dating.name()
              + " "
              + time
              + " is more than "
              + maxFuture
              + (ofEventTime ? " ahead of the record's event time (" : " ahead of the clock (")
              + Instant.ofEpochMilli(reference)
              + ")");
    }
  }
}
