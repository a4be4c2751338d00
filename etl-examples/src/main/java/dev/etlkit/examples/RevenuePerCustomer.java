package dev.etlkit.examples;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.StepMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

// tag::custom-stateful-step[]
/**
 * A custom stateful step, written the way users write their own: keeps a running revenue per
 * customer in keyed state and emits the new total after every order.
 *
 * <p>State: one {@link CustomerRevenue} per customer, with the step's TTL if set, else the
 * pipeline's default TTL. Orders in another currency than the report currency are rejected as dead
 * letters (there are no exchange rates in this example). Immutable; {@code withX} returns a copy.
 */
public final class RevenuePerCustomer implements EtlStep<Order, CustomerRevenue> {

  /** The state's descriptor name: part of the savepoint layout, never rename it. */
  static final String STATE_NAME = "revenue";

  private static final Pattern ISO_4217 = Pattern.compile("[A-Z]{3}");

  private final String currency;
  @Nullable private final Duration stateTtl;

  private RevenuePerCustomer(String currency, @Nullable Duration stateTtl) {
    this.currency = currency;
    this.stateTtl = stateTtl;
  }

  /**
   * Sums the orders in {@code currency} per customer; orders in other currencies are rejected.
   *
   * @throws IllegalArgumentException if {@code currency} is not three letters A-Z, as ISO 4217
   *     codes are (a lower-case "eur" would reject every order in "EUR")
   */
  public static RevenuePerCustomer in(String currency) {
    if (currency == null || !ISO_4217.matcher(currency).matches()) {
      throw new IllegalArgumentException(
          "currency must be an ISO 4217 code (three letters A-Z), was '" + currency + "'");
    }
    return new RevenuePerCustomer(currency, null);
  }

  /**
   * Overrides the pipeline's default state TTL for this step; {@link Duration#ZERO} means no TTL
   * (totals kept for ever), whatever the pipeline's default.
   *
   * @throws IllegalArgumentException if negative, or positive but not a whole number of
   *     milliseconds, at least one
   */
  public RevenuePerCustomer withStateTtl(Duration ttl) {
    return new RevenuePerCustomer(currency, StateTtls.requireValidTtlOrZero(ttl, "stateTtl"));
  }

  @Override
  public String name() {
    return "revenue-per-customer";
  }

  @Override
  public DataStream<CustomerRevenue> expand(DataStream<Order> input, StepContext context) {
    Duration ttl = context.stateTtl(stateTtl).orElse(null); // step override, else pipeline default
    KeyedStream<Order, String> byCustomer = input.keyBy(Order::customerId, Types.STRING);
    context.declareState(
        byCustomer.getKeyType(),
        StateDeclaration.value(STATE_NAME, CustomerRevenue.TYPE_INFO)
            .withTtl(ttl)
            .withGrowth("one running total per customer"));
    SingleOutputStreamOperator<CustomerRevenue> revenue =
        context.named( // name and uid "<pipeline>/revenue-per-customer"
            byCustomer.process(
                new RevenueFunction(currency, ttl, context.errorHandler(null)),
                CustomerRevenue.TYPE_INFO));
    context.addDeadLettersOf(revenue);
    return revenue;
  }

  /** The step's function: state, accounting and dead letters wired by hand. */
  static final class RevenueFunction extends KeyedProcessFunction<String, Order, CustomerRevenue> {
    private final String currency;
    @Nullable private final Duration ttl;
    private final ErrorHandler errors;
    private transient ValueState<CustomerRevenue> revenue;
    private transient StepMetrics metrics;

    RevenueFunction(String currency, @Nullable Duration ttl, ErrorHandler errors) {
      this.currency = currency;
      this.ttl = ttl;
      this.errors = Objects.requireNonNull(errors, "errors");
    }

    @Override
    public void open(OpenContext openContext) {
      ValueStateDescriptor<CustomerRevenue> descriptor =
          new ValueStateDescriptor<>(STATE_NAME, CustomerRevenue.TYPE_INFO);
      if (ttl != null) {
        descriptor.enableTimeToLive(StateTtls.config(ttl));
      }
      revenue = getRuntimeContext().getState(descriptor);
      metrics = StepMetrics.register(getRuntimeContext(), errors.step());
      errors.open(metrics);
    }

    @Override
    public void processElement(Order order, Context ctx, Collector<CustomerRevenue> out)
        throws Exception {
      metrics.in();
      if (!currency.equals(order.currency())) {
        IllegalArgumentException error =
            new IllegalArgumentException(
                "currency " + order.currency() + " is not the report currency " + currency);
        long now = ctx.timerService().currentProcessingTime();
        ctx.output(DeadLetter.OUTPUT_TAG, errors.reject(error, order, ctx.timestamp(), null, now));
        return;
      }
      CustomerRevenue current = revenue.value(); // null: never seen, or its state expired
      CustomerRevenue next =
          (current == null ? CustomerRevenue.none(ctx.getCurrentKey(), currency) : current)
              .plus(order);
      revenue.update(next);
      out.collect(next);
      metrics.out();
    }
  }
}
// end::custom-stateful-step[]
