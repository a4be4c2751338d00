package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.Soak;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reference job with Flink's object reuse on ({@code pipeline.object-reuse}) gives the final
 * tables it gives with object reuse off (revenue per customer, the customers table, the SCD2
 * dimension, the multiset of enriched orders, dead letters by reason and the record accounting), on
 * generated data with duplicates, disorder, deletes and history, on the heap backend (which keeps
 * the objects a step writes). With object reuse on, Flink hands every operator of a chain the
 * objects its upstream emitted, uncopied: the decoders, the dedup key check, the async lookup and
 * the output steps share them.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OrdersJobObjectReuseITCase {

  /** Generated orders per run: a few thousand by default, more under {@code -Psoak}. */
  private static final int GENERATED_ORDERS = Soak.count(3_000, 100_000);

  @Test
  void generatedData_withObjectReuse_givesTheTablesOfARunWithout() throws Exception {
    ReferenceData data = ReferenceData.generate(ReferenceData.Spec.of(GENERATED_ORDERS));
    OrdersRun withoutRun =
        ReferenceRuns.generated(data, RuntimeExecutionMode.STREAMING, "hashmap", "no-reuse");
    StreamExecutionEnvironment env =
        ReferenceRuns.environment(RuntimeExecutionMode.STREAMING, "hashmap");
    env.getConfig().enableObjectReuse();
    assertThat(env.getConfig().isObjectReuseEnabled()).isTrue();

    FinalTables with = FinalTables.of(ReferenceRuns.generated(data, env, "object-reuse"));

    assertThat(with.differencesFrom(FinalTables.of(withoutRun))).isEmpty();
    // The comparison covers every way an order meets its customer, and real history.
    assertThat(withoutRun.enrichedOrders())
        .hasSize(GENERATED_ORDERS)
        .extracting(EnrichedOrder::customerStatus)
        .contains(JoinStatus.FOUND, JoinStatus.NOT_FOUND, JoinStatus.DELETED);
    assertThat(with.dimension().size()).isGreaterThan(data.spec().customers());
  }
}
