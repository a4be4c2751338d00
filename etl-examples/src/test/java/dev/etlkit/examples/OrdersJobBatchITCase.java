package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.Soak;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batch = streaming: the reference job over bounded input in {@code RuntimeExecutionMode.BATCH}
 * gives the final tables of the streaming job (revenue per customer, the customers table, the SCD2
 * dimension, the multiset of enriched orders, dead letters by reason and the record accounting), on
 * both state backends (batch mode keeps its state per key in memory whichever is configured).
 *
 * <p>In batch mode Flink sorts the input of every keyed step by key and, within a key, by record
 * timestamp; records without a timestamp come in no defined order. The order-sensitive steps (the
 * normalizer drops changes older than the key's last one, SCD2 reports changes behind the key's
 * latest by more than its lateness horizon) therefore see a key's changes in the order streaming
 * does only when event time is assigned before them, at the sources, as a real job reading Kafka
 * does. The sample as {@link OrdersJob#main} wires it assigns event time only after the parallel
 * steps; its order-independent tables are the same in batch, the customers' history is not.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OrdersJobBatchITCase {

  /** Generated orders per run: a few thousand by default, more under {@code -Psoak}. */
  private static final int GENERATED_ORDERS = Soak.count(3_000, 100_000);

  /** The README's job: the sample as wired, streaming, on RocksDB. */
  private static OrdersRun jobRun;

  private static FinalTables job;

  @BeforeAll
  static void runTheStreamingJob() throws Exception {
    jobRun = ReferenceRuns.sampleAsWired(RuntimeExecutionMode.STREAMING, "rocksdb");
    job = FinalTables.of(jobRun);
  }

  @Test
  void sampleWithEventTimeAtTheSources_batchAndStreaming_giveTheStreamingJobsTables()
      throws Exception {
    FinalTables streaming =
        FinalTables.of(
            ReferenceRuns.sampleWithSourceTime(RuntimeExecutionMode.STREAMING, "hashmap"));
    FinalTables batch =
        FinalTables.of(ReferenceRuns.sampleWithSourceTime(RuntimeExecutionMode.BATCH, "rocksdb"));

    assertThat(streaming.differencesFrom(job)).as("streaming vs the job").isEmpty();
    assertThat(batch.differencesFrom(job)).as("batch vs the job").isEmpty();
    assertThat(job.dimension()).hasSize(11); // the tables are not empty (see OrdersJobTest)
    assertThat(job.enrichedOrders()).hasSize(21);
  }

  @Test
  void sampleAsWired_batch_givesTheOrderIndependentTables_withGenericTypesOff() throws Exception {
    StreamExecutionEnvironment env =
        ReferenceRuns.environment(RuntimeExecutionMode.BATCH, "hashmap");
    assertThat(env.getConfiguration().get(ExecutionOptions.RUNTIME_MODE))
        .isEqualTo(RuntimeExecutionMode.BATCH);
    assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();

    OrdersRun run = ReferenceRuns.sampleAsWired(RuntimeExecutionMode.BATCH, "hashmap");
    FinalTables batch = FinalTables.of(run);

    assertThat(batch.revenue()).isEqualTo(job.revenue());
    // The normalizer keeps the change with the highest LSN, whatever the order of arrival.
    assertThat(batch.customers()).isEqualTo(job.customers());
    assertThat(batch.deadLetters()).isEqualTo(job.deadLetters());
    assertThat(withoutCustomerHistory(batch.accounting()))
        .isEqualTo(withoutCustomerHistory(job.accounting()));
    assertThat(run.accounting().isBalanced()).as(run.accounting().toTable()).isTrue();
    // Not compared: the dimension, the customer columns of the enriched orders and the accounting
    // of the steps that see the customers' changes in the (undefined) batch order; see above.
    assertThat(ordersAndAmounts(run)).isEqualTo(ordersAndAmounts(jobRun));
  }

  @Test
  void generatedData_batchAndStreaming_giveTheSameTables_onBothBackends() throws Exception {
    ReferenceData data = ReferenceData.generate(ReferenceData.Spec.of(GENERATED_ORDERS));

    OrdersRun heapRun =
        ReferenceRuns.generated(data, RuntimeExecutionMode.STREAMING, "hashmap", "generated");
    FinalTables heap = FinalTables.of(heapRun);
    FinalTables rocksdb =
        FinalTables.of(
            ReferenceRuns.generated(data, RuntimeExecutionMode.STREAMING, "rocksdb", "generated"));
    FinalTables batch =
        FinalTables.of(
            ReferenceRuns.generated(data, RuntimeExecutionMode.BATCH, "rocksdb", "generated"));

    assertThat(rocksdb.differencesFrom(heap)).as("streaming, RocksDB vs heap").isEmpty();
    assertThat(batch.differencesFrom(heap)).as("batch vs streaming").isEmpty();
    // The comparison covers every way an order meets its customer, and real history.
    assertThat(heapRun.enrichedOrders())
        .hasSize(GENERATED_ORDERS)
        .extracting(EnrichedOrder::customerStatus)
        .contains(JoinStatus.FOUND, JoinStatus.NOT_FOUND, JoinStatus.DELETED);
    assertThat(heap.dimension().size()).isGreaterThan(data.spec().customers());
    assertThat(heap.accounting().get("orders/dedup"))
        .contains("deduplicated=" + data.duplicateLines() + " ");
  }

  /** The accounting without the steps that see the customers' changes in arrival order. */
  private static SortedMap<String, String> withoutCustomerHistory(
      SortedMap<String, String> accounting) {
    SortedMap<String, String> kept = new TreeMap<>(accounting);
    for (String step :
        List.of("customers/normalize", "customers/dimension", "orders/customer/dimension")) {
      assertThat(kept.remove(step)).as(step).isNotNull();
    }
    return kept;
  }

  /** The enriched orders without what the customer join added: id, amount in euros, fx status. */
  private static Map<String, Long> ordersAndAmounts(OrdersRun run) {
    SortedMap<String, Long> orders = new TreeMap<>();
    for (EnrichedOrder o : run.enrichedOrders()) {
      orders.merge(o.orderId() + " " + o.amountEur() + " " + o.fxStatus(), 1L, Long::sum);
    }
    return orders;
  }
}
