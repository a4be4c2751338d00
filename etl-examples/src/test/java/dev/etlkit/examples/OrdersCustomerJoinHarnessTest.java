package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A user's own point-in-time join of orders with the customers changelog (key, key type, TTL, as in
 * {@link OrdersJob#enrichedOrders}), harnessed as their pipeline wires it with {@link
 * KeyedHarness#forTwoInputStream}, on heap and RocksDB (docs/testing.md).
 */
class OrdersCustomerJoinHarnessTest {

  // tag::two-input-step-harness[]
  /** The customer join of the orders pipeline, as the pipeline adds it. */
  static KeyedHarness<Object, Either<Order, Change<Customer>>, EnrichedOrder> customerJoin() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Order> orders = env.fromData(Order.TYPE_INFO, order("o-1", 0)); // never executed
    DataStream<Change<Customer>> customers =
        env.fromData(Change.typeInfo(Customer.TYPE_INFO), Change.insert(anna("Anna")));
    DataStream<EnrichedOrder> enriched =
        Etl.from(orders, "orders")
            .apply(
                DimensionJoin.asOf(
                        "customer",
                        customers,
                        Order::customerId,
                        Customer::id,
                        EnrichedOrder::withCustomer,
                        EnrichedOrder.TYPE_INFO)
                    .withKeyType(Types.STRING)
                    .withStateTtl(Duration.ZERO))
            .toDataStream();
    // the join's output is a union with the path of orders without a customer id: the recipe
    // harnesses the join behind it, orders as Left (first input), customer changes as Right
    return KeyedHarness.forTwoInputStream(enriched, orders.getType(), customers.getType());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void order_getsTheCustomerAsTheyWereWhenItWasPlaced_acrossARestore(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, Either<Order, Change<Customer>>, EnrichedOrder> join =
        customerJoin().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Either<Order, Change<Customer>>, EnrichedOrder> harness = join.open()) {
      harness.processElement(Either.Right(Change.insert(anna("Anna"))), 5);
      harness.processElement(Either.Left(order("o-1", 10)), 10);
      harness.processWatermark(10); // to both inputs: an order waits for the watermark to pass it
      assertThat(names(harness.output())).containsExactly("o-1 Anna");
      state = harness.snapshot();
    }

    try (OperatorHarness<Either<Order, Change<Customer>>, EnrichedOrder> restored =
        join.restore(state)) {
      restored.processElement(Either.Right(Change.updateAfter(anna("Anna B."))), 20);
      restored.processElement(Either.Left(order("o-2", 15)), 15); // placed before the change
      restored.processElement(Either.Left(order("o-3", 25)), 25);
      restored.processWatermark(25);
      assertThat(names(restored.output())).containsExactly("o-2 Anna", "o-3 Anna B.");
    }
  }

  // end::two-input-step-harness[]

  private static List<String> names(List<EnrichedOrder> enriched) {
    return enriched.stream().map(e -> e.orderId() + " " + e.customerName()).toList();
  }

  private static Customer anna(String name) {
    return new Customer("c-anna", name, "gold", "Lisbon");
  }

  private static Order order(String orderId, long placedAtMillis) {
    return new Order(
        orderId,
        "c-anna",
        new BigDecimal("10.00"),
        "EUR",
        Instant.parse("2026-01-01T00:00:00Z").plusMillis(placedAtMillis));
  }
}
