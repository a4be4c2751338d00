package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Etl;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A user's own configured dedup step (key, key type, TTL), harnessed as their pipeline wires it
 * with {@link KeyedHarness#forStream}, on heap and RocksDB (docs/testing.md).
 */
class OrdersDedupHarnessTest {

  private static final Duration TTL = Duration.ofHours(24);

  // tag::step-harness[]
  /** The dedup step of the orders pipeline, as the pipeline adds it. */
  static KeyedHarness<Object, Order, Order> dedupOfOrders() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Order> orders = env.fromData(Order.TYPE_INFO, order("o-1")); // never executed
    DataStream<Order> deduplicated =
        Etl.from(orders, "orders")
            .apply(
                Dedup.keepFirst("dedup", Order::orderId)
                    .withKeyType(Types.STRING)
                    .withStateTtl(TTL))
            .toDataStream();
    return KeyedHarness.forStream(deduplicated, orders.getType());
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void sameOrderTwice_keepsTheFirst_acrossARestore(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Order, Order> dedup = dedupOfOrders().on(backend);
    OperatorSubtaskState state;
    try (OperatorHarness<Order, Order> harness = dedup.open()) {
      harness.processElement(order("o-1"), 10);
      harness.processElement(order("o-1"), 11);
      assertThat(harness.output()).containsExactly(order("o-1"));
      state = harness.snapshot();
    }

    try (OperatorHarness<Order, Order> restored = dedup.restore(state)) {
      restored.processElement(order("o-1"), 12);
      restored.processElement(order("o-2"), 13);
      assertThat(restored.output()).containsExactly(order("o-2"));
    }
  }

  // end::step-harness[]

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void sameOrderAfterTheTtl_isKeptAgain(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Order, Order> harness = dedupOfOrders().on(backend).open()) {
      harness.processElement(order("o-1"), 10);
      harness.setStateTtlTime(TTL.toMillis() + 1); // no write for longer than the step's TTL
      harness.processElement(order("o-1"), 11);

      assertThat(harness.output()).containsExactly(order("o-1"), order("o-1"));
    }
  }

  private static Order order(String orderId) {
    return new Order(
        orderId, "c-anna", new BigDecimal("10.00"), "EUR", Instant.parse("2026-01-01T00:00:00Z"));
  }
}
