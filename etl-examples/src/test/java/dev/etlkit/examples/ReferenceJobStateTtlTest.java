package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateInventory;
import dev.etlkit.scd.Scd2Row;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference job keeps the customers for as long as they exist: a customer whose row does not
 * change for weeks (most of them) is neither forgotten by the point-in-time join of the orders nor
 * by the normalizer and the SCD2 history of the customers, whose state a pipeline default TTL would
 * otherwise expire (docs/enrichment-state.md, docs/scd2.md: a forgotten key starts again at version
 * 1 while the table still holds its old current version).
 */
class ReferenceJobStateTtlTest {

  private static final Duration UNCHANGED = Duration.ofDays(31); // the customers TTL was 30 days

  @Test
  void customerStates_haveNoTtl_whileDedupAndRevenueExpireAfterAWeek() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            env.fromData(OrdersJob.sampleLines(), Types.STRING),
            env.fromData(OrdersJob.customerChangeLines(), Types.STRING));

    List<String> ttls = new ArrayList<>();
    for (StateInventory inventory :
        List.of(outputs.revenue().stateInventory(), outputs.customers().stateInventory())) {
      for (StateInventory.Entry e : inventory.entries()) {
        ttls.add(e.uid() + " " + e.state().name() + " " + e.state().ttl().orElse(null));
      }
    }

    assertThat(ttls)
        .contains(
            "orders/dedup dedup PT168H",
            "orders/revenue-per-customer revenue PT168H",
            "orders/customer join-versions null",
            "customers/normalize row null",
            "customers/dimension cursor null");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"heap", "rocksdb"})
  void customerDimension_customerUnchangedForAMonth_keepsOneCurrentVersion(String backend)
      throws Exception {
    Customer before = new Customer("c-anna", "Anna", "standard", "Oslo");
    Customer after = new Customer("c-anna", "Anna", "gold", "Oslo");
    long created = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    long changed = created + UNCHANGED.toMillis();

    List<Change<Scd2Row<Customer>>> history = new ArrayList<>();
    try (var harness = dimensionHarness(backend)) {
      harness.setProcessingTime(created);
      harness.processElement(Change.insert(before).withEventTime(created).withSourcePosition(1), 0);
      harness.setProcessingTime(changed); // the customer did not change for a month
      harness.processElement(
          Change.updateBefore(before).withEventTime(changed).withSourcePosition(2), 0);
      harness.processElement(
          Change.updateAfter(after).withEventTime(changed).withSourcePosition(2), 0);
      history.addAll(harness.extractOutputValues());
    }

    // the table the PostgreSQL sink keeps: one row per (customer, validFrom)
    Map<String, Scd2Row<Customer>> table = new TreeMap<>();
    for (Change<Scd2Row<Customer>> change : history) {
      String key = change.value().key() + "@" + change.value().validFrom();
      if (change.isAccumulate()) {
        table.put(key, change.value());
      } else {
        table.remove(key);
      }
    }
    assertThat(table.values())
        .as("the customer's history: the first version closed, the gold one current")
        .extracting(v -> v.version() + ":" + v.value().tier() + ":" + v.isCurrent())
        .containsExactly("1:standard:false", "2:gold:true");
  }

  @SuppressWarnings("unchecked")
  private static KeyedOneInputStreamOperatorTestHarness<
          String, Change<Customer>, Change<Scd2Row<Customer>>>
      dimensionHarness(String backend) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Transformation<?> last =
        OrdersJob.customerDimension(
                OrdersJob.customersPipeline(
                    env.fromData(OrdersJob.customerChangeLines(), Types.STRING)))
            .toDataStream()
            .getTransformation();
    var step =
        (OneInputTransformation<Change<Customer>, Change<Scd2Row<Customer>>>)
            StepRuns.upstream(last, "customers/dimension");
    var operator =
        (OneInputStreamOperator<Change<Customer>, Change<Scd2Row<Customer>>>)
            ((SimpleOperatorFactory<Change<Scd2Row<Customer>>>) step.getOperatorFactory())
                .getOperator();
    var harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            operator,
            (org.apache.flink.api.java.functions.KeySelector<Change<Customer>, String>)
                step.getStateKeySelector(),
            (TypeInformation<String>) step.getStateKeyType());
    harness.setStateBackend(backend(backend));
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    harness.getExecutionConfig().configure(noKryo, ReferenceJobStateTtlTest.class.getClassLoader());
    harness.setup(
        step.getOutputType().createSerializer(harness.getExecutionConfig().getSerializerConfig()));
    harness.open();
    return harness;
  }

  private static StateBackend backend(String name) {
    return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
  }
}
