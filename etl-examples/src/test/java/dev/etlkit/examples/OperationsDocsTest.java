package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Etl;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateInventory;
import dev.etlkit.core.Steps;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The code quoted by docs/operations.md, compiled and run; {@code DocsSnippetsTest} keeps the page
 * and the tagged regions in sync.
 */
class OperationsDocsTest {

  @Test
  void requireTtl_acceptsTheExampleJob_whoseStatesWithoutTtlAreBoundedOtherwise() {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            env.fromData(OrdersJob.sampleLines(), Types.STRING),
            env.fromData(OrdersJob.customerChangeLines(), Types.STRING));

    assertThatCode(
            () -> {
              // tag::require-ttl-call[]
              requireTtl(
                  outputs.revenue().stateInventory(),
                  Set.of(
                      "orders/customer join-versions", // one history per customer of the table
                      "orders/customer join-held", // facts held until the watermark passes them
                      "orders/customer join-watermark", // operator state: one long per subtask
                      "orders/customer join-watermark-ranges", // the same, with key groups
                      "orders/customer join-held-facts", // operator state: a count per key group
                      "orders/customer join-variant", // operator state: one string per subtask
                      "orders/eur-amount _async_wait_operator_state_")); // at most 100 in flight
              requireTtl(
                  outputs.customers().stateInventory(),
                  Set.of(
                      "customers/normalize row", // one row per customer (a sequence if deleted)
                      "customers/dimension cursor", // the four: one history per customer
                      "customers/dimension base",
                      "customers/dimension chunks",
                      "customers/dimension changes",
                      "customers/dimension scd2-cleanup-timers-complete", // one flag a subtask
                      "customers/dimension scd2-cleanup-ttl")); // one long a subtask
              // end::require-ttl-call[]
            })
        .doesNotThrowAnyException();
  }

  @Test
  void requireTtl_pipelineWithoutDefaultTtl_failsNamingTheState() {
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    StateInventory inventory =
        Etl.from(env.fromData(Types.STRING, "x"), "orders")
            .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO))
            .apply(RevenuePerCustomer.in("EUR"))
            .stateInventory();

    assertThatThrownBy(() -> requireTtl(inventory, Set.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("state without a TTL: [orders/revenue-per-customer revenue]");
  }

  // tag::require-ttl[]
  /** Fails when a state can grow without bound: it has no TTL and is not accepted by name. */
  static void requireTtl(StateInventory inventory, Set<String> accepted) {
    List<String> unbounded = new ArrayList<>();
    for (StateInventory.Entry entry : inventory.entries()) {
      String state = entry.uid() + " " + entry.state().name();
      if (entry.state().kind() != StateDeclaration.Kind.TIMERS
          && entry.state().ttl().isEmpty()
          && !accepted.contains(state)) {
        unbounded.add(state);
      }
    }
    if (!unbounded.isEmpty()) {
      throw new IllegalStateException("state without a TTL: " + unbounded);
    }
  }
  // end::require-ttl[]
}
