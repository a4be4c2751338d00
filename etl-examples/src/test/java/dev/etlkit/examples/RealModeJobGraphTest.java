package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.StateInventory;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.checkpoint.CheckpointRetentionPolicy;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.tasks.CheckpointCoordinatorConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The reference job in real mode as {@link RealMode#run} builds it, inspected before it runs (no
 * Kafka or database is contacted): what running-on-a-cluster.md promises of its graph. Every
 * operator has a uid, so a savepoint restores into a changed job; the job sets exactly-once
 * checkpoints at {@code --checkpoint-interval} and turns generic types off; everything else a
 * production job tunes (checkpoint timeout, pause, retention, unaligned checkpoints, max
 * parallelism, restart strategy, state backend) comes from the cluster's configuration.
 */
class RealModeJobGraphTest {

  private static final JobOptions OPTIONS =
      JobOptions.parse(
          "--kafka",
          "broker:9092",
          "--jdbc",
          "jdbc:postgresql://db:5432/shop",
          "--checkpoint-interval",
          "PT30S");

  @Test
  void everyOperator_hasAUidOfItsOwn_theSourcesAndSinksToo() {
    StreamGraph graph = jobGraph(new Configuration()).graph();

    List<String> uids =
        graph.getStreamNodes().stream().map(StreamNode::getTransformationUID).toList();
    assertThat(uids)
        .as("no operator left to a uid Flink derives from the graph's shape")
        .doesNotContainNull()
        .doesNotHaveDuplicates()
        .contains(
            "kafka-orders",
            "kafka-customer-changes",
            "kafka-enriched-orders",
            "kafka-dead-letters",
            "postgres-customer-dimension");
    assertThat(uids)
        .as("every stateful step of the state inventories is an operator of the job")
        .containsAll(
            stateInventoryUids(
                RealMode.wire(RealMode.sources(RealMode.environment(OPTIONS), OPTIONS), OPTIONS)));
  }

  @Test
  void checkpoints_exactlyOnceAtTheInterval_evenWhenTheConfigurationSaysOtherwise() {
    Configuration cluster = new Configuration();
    cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMinutes(1));
    cluster.set(
        CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.AT_LEAST_ONCE);
    cluster.set(PipelineOptions.GENERIC_TYPES, true);

    JobGraph job = jobGraph(cluster).job();

    CheckpointCoordinatorConfiguration checkpoints = checkpoints(job);
    assertThat(checkpoints.getCheckpointInterval()).isEqualTo(30_000L);
    assertThat(checkpoints.isExactlyOnce()).isTrue();
    assertThat(job.getJobConfiguration().get(PipelineOptions.GENERIC_TYPES))
        .as("nothing falls back to Kryo")
        .isFalse();
  }

  @Test
  void theRestOfAProductionJobsSettings_comeFromTheConfiguration() {
    Configuration cluster = new Configuration(); // as running-on-a-cluster.md's config.yaml
    cluster.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    cluster.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(5));
    cluster.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofSeconds(5));
    cluster.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 1);
    cluster.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    cluster.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
    cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    cluster.set(PipelineOptions.MAX_PARALLELISM, 256);

    JobGraph job = jobGraph(cluster).job();

    CheckpointCoordinatorConfiguration checkpoints = checkpoints(job);
    assertThat(checkpoints.getCheckpointTimeout()).isEqualTo(300_000L);
    assertThat(checkpoints.getMinPauseBetweenCheckpoints()).isEqualTo(5_000L);
    assertThat(checkpoints.getTolerableCheckpointFailureNumber()).isEqualTo(1);
    assertThat(checkpoints.getCheckpointRetentionPolicy())
        .isEqualTo(CheckpointRetentionPolicy.RETAIN_ON_CANCELLATION);
    assertThat(checkpoints.isUnalignedCheckpointsEnabled()).isTrue();
    assertThat(job.getVertices())
        .extracting(JobVertex::getMaxParallelism)
        .as("the key groups of every task")
        .containsOnly(256);
    assertThat(job.getJobConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY))
        .isEqualTo("exponential-delay");
    assertThat(job.getJobConfiguration().get(StateBackendOptions.STATE_BACKEND))
        .isEqualTo("rocksdb");
  }

  private record Built(StreamGraph graph, JobGraph job) {}

  /** The job as {@link RealMode#run} builds it, on an environment with {@code cluster}. */
  private static Built jobGraph(Configuration cluster) {
    StreamExecutionEnvironment env = RealMode.environment(OPTIONS, cluster);
    RealMode.sink(
        RealMode.wire(RealMode.sources(env, OPTIONS), OPTIONS),
        OPTIONS,
        DeliveryGuarantee.EXACTLY_ONCE);
    StreamGraph graph = env.getStreamGraph();
    return new Built(graph, graph.getJobGraph());
  }

  private static CheckpointCoordinatorConfiguration checkpoints(JobGraph job) {
    return job.getCheckpointingSettings().getCheckpointCoordinatorConfiguration();
  }

  private static List<String> stateInventoryUids(RealMode.Outputs outputs) {
    return outputs.stateInventories().stream()
        .flatMap(inventory -> inventory.entries().stream())
        .map(StateInventory.Entry::uid)
        .distinct()
        .toList();
  }
}
