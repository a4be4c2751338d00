package dev.etlkit.benchmarks.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.reference.ReferenceJobBenchmark.Impl;
import dev.etlkit.benchmarks.reference.ReferenceJobBenchmark.Job;
import dev.etlkit.examples.OrdersJob;
import dev.etlkit.examples.ReferenceData;
import java.util.Map;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/**
 * {@link ReferenceJobBenchmark}'s wiring (fairness of the SQL job), found by a review on
 * 2026-11-24.
 */
class ReferenceJobFairnessTest {

  /**
   * docs/benchmarks.md ("Reference job") and {@link FlinkSqlReferenceJob}'s Javadoc: "Rows stay in
   * the planner's RowData from decoder to sink, as with connectors", and the pass-through job does
   * keep RowData ({@code toRowData}). The measured SQL pipeline must then hand RowData to its sink,
   * not convert every enriched row to an external {@code Row} (DECIMAL to BigDecimal, TIMESTAMP_LTZ
   * to Instant, StringData to String), work only the SQL pipeline pays and that the pass-through
   * subtraction does not remove.
   */
  @Test
  void sqlPipeline_enrichedOrders_stayRowDataUpToTheSink() {
    ReferenceData data = ReferenceData.generate(ReferenceData.Spec.of(20));
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    env.setParallelism(1);
    ReferenceJobs.Sources sources = ReferenceJobs.Sources.of(env, data);
    try {
      Map<String, DataStream<?>> sql = ReferenceJobs.wire(Impl.FLINK_SQL, Job.PIPELINE, sources);
      assertThat(sql.get(ReferenceJobs.ENRICHED_ORDERS).getType().getTypeClass())
          .as("type the SQL pipeline's enriched orders reach the discarding sink as")
          .isEqualTo(RowData.class);
    } finally {
      sources.release();
    }
  }

  /**
   * {@code backend} is a {@link Backend}, which also has {@code HEAP_CHANGELOG} (docs: "Every
   * harness benchmark also takes -p backend=HEAP_CHANGELOG"; a run over all benchmarks with that
   * param includes this one). The job benchmark maps every backend but HEAP to "rocksdb", so a
   * HEAP_CHANGELOG trial silently measures RocksDB under the label HEAP_CHANGELOG. It must refuse a
   * backend it cannot run instead.
   */
  @Test
  void heapChangelogBackend_isRefused_notSilentlyRunOnRocksDb() {
    assertThat(ReferenceJobBenchmark.stateBackend(Backend.HEAP)).isEqualTo("hashmap");
    assertThat(ReferenceJobBenchmark.stateBackend(Backend.ROCKSDB)).isEqualTo("rocksdb");
    assertThatThrownBy(() -> ReferenceJobBenchmark.stateBackend(Backend.HEAP_CHANGELOG))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HEAP_CHANGELOG");
  }
}
