package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.normalize.Normalize;
import java.time.Duration;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The examples of docs/enrichment-state.md, compiled and applied to a pipeline. */
class DimensionJoinExamplesTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();
  private final DataStream<Order> orders =
      env.fromSequence(0, 1).map(new Never<>(), Order.TYPE_INFO);
  private final DataStream<Change<Customer>> customers =
      env.fromSequence(0, 1).map(new Never<>(), Change.typeInfo(Customer.TYPE_INFO));

  @Test
  void latest() {
    // tag::latest[]
    EtlStream<EnrichedOrder> enriched =
        Etl.from(orders, "orders")
            .apply(
                DimensionJoin.latest(
                        "customer", // step name: part of the uid, never rename it
                        customers, // DataStream<Change<Customer>>, e.g. decoded CDC
                        Order::customerId, // the fact's key
                        Customer::id, // the dimension row's key, same type
                        EnrichedOrder::of, // (order, customer or null, status) -> output
                        EnrichedOrder.TYPE_INFO)
                    .withMaxWait(Duration.ofSeconds(30))); // facts before their customer wait
    // end::latest[]

    assertThat(enriched.pipeline().uids())
        .containsExactly(
            "orders/customer", "orders/customer/fact-keys", "orders/customer/dimension-keys");
  }

  @Test
  void asOf() {
    // tag::as-of[]
    EtlStream<EnrichedOrder> enriched =
        Etl.from(orders, "orders")
            .apply(
                DimensionJoin.asOf(
                        "customer-at-order-time",
                        customers, // record timestamps = when each version took effect
                        Order::customerId,
                        Customer::id,
                        EnrichedOrder::of,
                        EnrichedOrder.TYPE_INFO)
                    .withAllowedLateness(Duration.ofMinutes(1))
                    .withMaxWait(Duration.ofSeconds(10)) // event time, after the order's time
                    .withUnmatchedFacts(UnmatchedFacts.DEAD_LETTER));
    // end::as-of[]

    assertThat(enriched.type()).isEqualTo(EnrichedOrder.TYPE_INFO);
  }

  @Test
  void fromAnUpsertStream() {
    DataStream<Change<Customer>> customerUpserts = customers;
    // tag::normalized[]
    EtlPipeline pipeline = Etl.pipeline("shop");
    DataStream<Change<Customer>> customerTable =
        pipeline
            .from(customerUpserts) // +U and -D only, e.g. from an upsert-kafka topic
            .apply(Normalize.upserts("customers", Customer::id, Types.STRING))
            .toDataStream();
    EtlStream<EnrichedOrder> enriched =
        pipeline
            .from(orders)
            .apply(
                DimensionJoin.latest(
                        "customer",
                        customerTable,
                        Order::customerId,
                        Customer::id,
                        EnrichedOrder::of,
                        EnrichedOrder.TYPE_INFO)
                    .withStateTtl(Duration.ofDays(400)));
    // end::normalized[]

    assertThat(enriched.pipeline().stepNames()).containsExactly("customers", "customer");
  }

  @Test
  void inventory() {
    EtlPipeline pipeline = Etl.pipeline("orders");
    EtlStream<Order> facts = pipeline.from(orders);
    facts.apply(
        DimensionJoin.latest(
                "customer",
                customers,
                Order::customerId,
                Customer::id,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO)
            .withMaxWait(Duration.ofSeconds(30))
            .withStateTtl(Duration.ofDays(400)));
    facts.apply(
        DimensionJoin.asOf(
                "customer-at-order-time",
                customers,
                Order::customerId,
                Customer::id,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO)
            .withMaxWait(Duration.ofSeconds(10)));
    StateInventory inventory = pipeline.stateInventory();

    System.out.println(inventory.toTable());
    assertThat(inventory.entries()).hasSize(15);
  }

  private static final class Never<T> implements MapFunction<Long, T> {
    private static final long serialVersionUID = 1L;

    @Override
    public T map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
