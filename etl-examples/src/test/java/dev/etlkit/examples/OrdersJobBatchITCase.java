package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.Soak;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batch = streaming: the reference job over bounded input in {@code RuntimeExecutionMode.BATCH}
 * gives the final tables of the streaming job (revenue per customer, the customers table, the SCD2
 * dimension, the multiset of enriched orders, dead letters by reason and the record accounting), on
 * both state backends (batch mode keeps its state per key in memory whichever is configured).
 *
 * <p>In batch mode Flink sorts the input of every keyed step by key and, within a key, by record
 * timestamp. The order-sensitive steps (the normalizer drops changes older than the key's last one,
 * SCD2 reports changes behind the key's latest by more than its lateness horizon) therefore see a
 * key's changes in the order streaming does only because event time is assigned before them, at the
 * sources, as a real job reading Kafka does; {@link OrdersJob#wire(
 * org.apache.flink.streaming.api.datastream.DataStream,
 * org.apache.flink.streaming.api.datastream.DataStream)} does so for the sample.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OrdersJobBatchITCase {

  /** Generated orders per run: a few thousand by default, more under {@code -Psoak}. */
  private static final int GENERATED_ORDERS = Soak.count(3_000, 100_000);

  @Test
  void sample_batchAndStreaming_giveTheSameTables_onBothBackends() throws Exception {
    FinalTables job =
        FinalTables.of(ReferenceRuns.sample(RuntimeExecutionMode.STREAMING, "rocksdb"));
    FinalTables heap =
        FinalTables.of(ReferenceRuns.sample(RuntimeExecutionMode.STREAMING, "hashmap"));
    StreamExecutionEnvironment batchEnv =
        ReferenceRuns.environment(RuntimeExecutionMode.BATCH, "hashmap");
    assertThat(batchEnv.getConfiguration().get(ExecutionOptions.RUNTIME_MODE))
        .isEqualTo(RuntimeExecutionMode.BATCH);
    assertThat(batchEnv.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    FinalTables batch = FinalTables.of(ReferenceRuns.sample(RuntimeExecutionMode.BATCH, "rocksdb"));

    assertThat(heap.differencesFrom(job)).as("streaming, heap vs RocksDB").isEmpty();
    assertThat(batch.differencesFrom(job)).as("batch vs streaming").isEmpty();
    assertThat(job.dimension()).hasSize(11); // the tables are not empty (see OrdersJobTest)
    assertThat(job.enrichedOrders()).hasSize(21);
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
}
