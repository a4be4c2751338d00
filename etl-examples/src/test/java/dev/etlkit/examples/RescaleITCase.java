package dev.etlkit.examples;

import static dev.etlkit.examples.StreamingRuns.PATIENCE;
import static dev.etlkit.examples.StreamingRuns.awaitCheckpoint;
import static dev.etlkit.examples.StreamingRuns.awaitRead;
import static dev.etlkit.examples.StreamingRuns.deterministic;
import static dev.etlkit.examples.StreamingRuns.deterministicDeadLetters;
import static dev.etlkit.examples.StreamingRuns.difference;
import static dev.etlkit.examples.StreamingRuns.producing;
import static dev.etlkit.examples.StreamingRuns.ranges;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.SavepointCheck;
import dev.etlkit.examples.StreamingRuns.Chunk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrades and rescales: the reference job in real mode (as in {@link FailoverITCase}: Kafka in,
 * Kafka exactly-once and PostgreSQL out, RocksDB, checkpoints every 200 ms) is stopped with a
 * savepoint while input flows through it and started again from that savepoint with another
 * parallelism, as an operator upgrades or rescales a production job: parallelism {@code 2 -> 3 ->
 * 2}. Scaling out to 3 splits each subtask's key groups (of 128) between two new subtasks, and
 * scaling back in to 2 merges parts of three; the Kafka sources' partitions (six per input topic)
 * are reassigned. The committed output of the rescaled run must equal that of a run at parallelism
 * 2 that is never stopped, over the same input arriving in the same chunks: every enriched order
 * once, the same dead letters (of the invalid order lines among them, {@link
 * FailoverITCase#INVALID_SHARE}), the same SCD2 dimension table.
 *
 * <p>Each stop is a stop-with-savepoint without draining (the job's timers and buffered records
 * stay in the savepoint), made once the job has read some of a chunk that is still being produced.
 * The test checks that each job after a stop was restored from the savepoint the stop wrote, ran at
 * its new parallelism (every vertex), committed output (event time advanced) and read only the
 * input after the savepoint's positions: the order events the three jobs read add up to the input
 * exactly.
 *
 * <p>Size: {@code -Detlkit.rescale.orders} (default {@value #DEFAULT_ORDERS}; {@code -Psoak}:
 * 200,000).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class RescaleITCase {
  private static final Logger LOG = LoggerFactory.getLogger(RescaleITCase.class);

  static final int DEFAULT_ORDERS = 20_000;

  private static final int ORDERS =
      Integer.getInteger(
          "etlkit.rescale.orders", Boolean.getBoolean("etlkit.soak") ? 200_000 : DEFAULT_ORDERS);

  /** The parallelism of each job of the rescaled run; a stop-with-savepoint between two. */
  private static final List<Integer> PARALLELISMS = List.of(2, 3, 2);

  /**
   * Partitions per input topic: a multiple of every parallelism, so that each Kafka source subtask
   * reads some. A source subtask without partitions holds event time back until the sources'
   * idleness timeout (one minute) marks it idle: the job at parallelism 3 of topics with two
   * partitions committed no output before its stop.
   */
  private static final int PARTITIONS = 6;

  /**
   * The input in chunks: two per job but the last (one read before the stop, one flowing during
   * it), one for the last job.
   */
  private static final int CHUNKS = 2 * PARALLELISMS.size() - 1;

  /** Three TaskManagers with one slot each, for the job at parallelism 3. */
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(3)
              .setNumberSlotsPerTaskManager(1)
              .build());

  private static RealSystems systems;
  private static ReferenceData data;

  @TempDir static Path savepoints;

  @BeforeAll
  static void start() throws Exception {
    systems = RealSystems.start();
    data =
        ReferenceData.generate(
            ReferenceData.Spec.of(ORDERS).withInvalidShare(FailoverITCase.INVALID_SHARE));
  }

  @AfterAll
  static void stop() throws Exception {
    if (systems != null) {
      systems.close();
    }
  }

  @Test
  void stoppedWithSavepointsAndRestoredAtOtherParallelisms_committedOutputEqualsTheUnstoppedRun(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    List<Chunk> chunks = StreamingRuns.chunks(data, CHUNKS);

    Outcome reference = run("reference", List.of(2), chunks, cluster);
    assertThat(reference.ordersRead())
        .as("the job read every order event")
        .containsExactly(total());
    List<String> expected = deterministic(reference.systems().enrichedOrders());
    assertThat(expected)
        .as(
            "every valid order, enriched; dead letters: %s",
            reference.systems().deadLettersByReason())
        .hasSize(ORDERS);
    assertThat(Set.copyOf(expected)).as("each once").hasSize(ORDERS);

    Outcome rescaled = run("rescaled", PARALLELISMS, chunks, cluster);
    long readSoFar = 0;
    for (int i = 0; i < PARALLELISMS.size(); i++) {
      readSoFar += rescaled.ordersRead().get(i);
      // job i but the last stops while chunk 2i + 1 is produced, having read [0, readSoFar)
      LOG.info(
          "rescaled run, job {}: {}; order events read by the jobs so far: {}{}",
          i,
          rescaled.jobs().get(i),
          readSoFar,
          i == PARALLELISMS.size() - 1
              ? ""
              : String.format(
                  " (chunk %d flowing at the stop: [%d, %d))",
                  2 * i + 1, start(chunks, 2 * i + 1), start(chunks, 2 * i + 2)));
    }
    for (int i = 0; i < PARALLELISMS.size(); i++) {
      Job job = rescaled.jobs().get(i);
      assertThat(job.vertexParallelism().values())
          .as("job %d runs every vertex at parallelism %d: %s", i, PARALLELISMS.get(i), job)
          .isNotEmpty()
          .containsOnly(PARALLELISMS.get(i));
      if (i == 0) {
        assertThat(job.restoredFrom()).as("job 0 starts without state").isNull();
      } else {
        assertThat(job.restoredFrom())
            .as("job %d restored from the savepoint job %d wrote when it stopped", i, i - 1)
            .isNotNull()
            .isEqualTo(rescaled.jobs().get(i - 1).savepoint());
      }
    }
    assertThat(rescaled.jobs())
        .as("each job commits output: event time advances at each parallelism")
        .extracting(Job::committed)
        .isSorted()
        .doesNotHaveDuplicates()
        .doesNotContain(0);
    assertThat(rescaled.ordersRead())
        .as("order events read by each job: some, and only those after the savepoint's positions")
        .allSatisfy(read -> assertThat(read).isPositive().isLessThan(total()));
    assertThat(rescaled.ordersRead().stream().mapToLong(Long::longValue).sum())
        .as("order events read by the jobs together: each once")
        .isEqualTo(total());

    List<String> committed = deterministic(rescaled.systems().enrichedOrders());
    List<String> lost = difference(expected, committed);
    List<String> extra = difference(committed, expected);
    assertThat(lost)
        .as("lost: %d records in the unstopped run only: %s", lost.size(), ranges(lost))
        .isEmpty();
    assertThat(extra)
        .as("duplicated or wrong: %d extra records: %s", extra.size(), ranges(extra))
        .isEmpty();
    List<String> expectedLetters = deterministicDeadLetters(reference.systems().deadLetters());
    assertThat(expectedLetters)
        .as("a dead letter of orders/parse per invalid line")
        .hasSize(data.invalidLines())
        .isNotEmpty();
    List<String> letters = deterministicDeadLetters(rescaled.systems().deadLetters());
    assertThat(difference(expectedLetters, letters)).as("dead letters lost").isEmpty();
    assertThat(difference(letters, expectedLetters))
        .as("dead letters duplicated or wrong")
        .isEmpty();
    assertThat(rescaled.systems().dimension())
        .as("the dimension table converges to the unstopped run's")
        .containsExactlyElementsOf(reference.systems().dimension());
    rescaled.systems().assertDimensionInvariants();
  }

  /** How many order events come before chunk {@code n}. */
  private static long start(List<Chunk> chunks, int n) {
    return chunks.subList(0, Math.min(n, chunks.size())).stream()
        .mapToLong(c -> c.orders().size())
        .sum();
  }

  /** How many order events the input holds (valid, redelivered and invalid). */
  private static long total() {
    return data.orders().size();
  }

  /**
   * One job of a run.
   *
   * @param parallelism the parallelism the job was started with
   * @param restoredFrom the savepoint (or checkpoint) the job was restored from, or null
   * @param savepoint the savepoint its stop wrote, or null for the last job (drained)
   * @param ordersRead the order events its parse step read
   * @param vertexParallelism each vertex's parallelism, by name
   * @param committed how many enriched orders the output topic held committed once it ended
   */
  private record Job(
      int parallelism,
      String restoredFrom,
      String savepoint,
      long ordersRead,
      Map<String, Integer> vertexParallelism,
      int committed) {

    @Override
    public String toString() {
      return "parallelism "
          + parallelism
          + ", restored from "
          + restoredFrom
          + ", read "
          + ordersRead
          + " order events, "
          + committed
          + " enriched orders committed, "
          + (savepoint == null ? "drained" : "stopped with " + savepoint);
    }
  }

  /**
   * A run: its systems, and its jobs one after another.
   *
   * @param systems the topics and database of the run
   * @param jobs the jobs, in order
   */
  private record Outcome(RealSystems.Run systems, List<Job> jobs) {

    List<Long> ordersRead() {
      return jobs.stream().map(Job::ordersRead).toList();
    }
  }

  /**
   * The savepoint fits the reference job as {@link SavepointCheck} sees it: it restores, every
   * operator and every declared state of the job is in it, nothing else holds state, and the only
   * states no inventory declares are the Kafka and JDBC connectors'. (The test's failure injectors,
   * which the checked job lacks, are stateless.)
   */
  private static void assertFitsTheJob(String savepoint, RealSystems.Run run) throws Exception {
    SavepointCheck.Report report = RealMode.checkSavepoint(run.options(), savepoint);
    assertThat(report.findings()).as(report.toTable()).isEmpty();
    assertThat(report.restores()).isTrue();
    assertThat(report.notCompared())
        .as("only the connectors hold state no inventory declares: every etlkit step declares all")
        .containsExactlyInAnyOrder(
            "kafka-customer-changes",
            "kafka-orders",
            "kafka-enriched-orders",
            "Sink Committer: kafka-enriched-orders",
            "kafka-dead-letters",
            "Sink Committer: kafka-dead-letters",
            "postgres-customer-dimension",
            "Sink Committer: postgres-customer-dimension");
    assertThat(report.savedStates("customers/dimension"))
        .as("the SCD2 step's states")
        .hasValueSatisfying(states -> assertThat(states).isNotEmpty());
  }

  /**
   * Runs the job over fresh topics and tables, the input arriving in {@code chunks}, as one job per
   * entry of {@code parallelisms}, each after the first restored from the savepoint the one before
   * it stopped with. Each job reads a chunk produced since it started and completes a checkpoint;
   * each job but the last is then stopped with a savepoint, without draining, while the next chunk
   * is produced and read; the last job reads the rest of the chunks, each produced once the one
   * before has been read and checkpointed, and is stopped with a draining savepoint once it has
   * read them all.
   */
  private static Outcome run(
      String name, List<Integer> parallelisms, List<Chunk> chunks, MiniCluster cluster)
      throws Exception {
    RealSystems.Run run = systems.newStreamingRun(name, PARTITIONS);
    List<Job> jobs = new ArrayList<>();
    int next = 0;
    String savepoint = null;
    ExecutorService producer = Executors.newSingleThreadExecutor();
    try {
      for (int i = 0; i < parallelisms.size(); i++) {
        boolean last = i == parallelisms.size() - 1;
        FailureInjector.reset();
        Configuration settings = StreamingRuns.settings(0);
        if (savepoint != null) {
          // what `flink run -s <savepoint>` sets; unclaimed state is not allowed (the default)
          settings.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
          assertFitsTheJob(savepoint, run);
        }
        JobClient job =
            StreamingRuns.job(run, settings, parallelisms.get(i), DeliveryGuarantee.EXACTLY_ONCE)
                .executeAsync(name + "-" + i);
        RecordAccounting accounting;
        try {
          int until = last ? chunks.size() : next + 1;
          while (next < until) {
            Map<String, Long> chunkStart = run.inputEndOffsets();
            producing(run, chunks.get(next++)).call();
            awaitRead(job, run, chunkStart);
            awaitCheckpoint(job);
          }
          if (last) {
            accounting = StreamingRuns.drain(job, run, savepoints);
            savepoint = null;
          } else {
            // the next chunk flows through the job when it stops: it is produced in slices on
            // another thread, and the stop comes once the job has read some of it
            Map<String, Long> chunkStart = run.inputEndOffsets();
            Future<?> producing = producer.submit(producing(run, chunks.get(next++)));
            awaitRead(job, run, chunkStart);
            savepoint =
                job.stopWithSavepoint(false, savepoints.toString(), StreamingRuns.SAVEPOINT_FORMAT)
                    .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            accounting =
                RecordAccounting.of(
                    job.getJobExecutionResult().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
            producing.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
          }
        } finally {
          StreamingRuns.cancelIfRunning(job);
        }
        ArchivedExecutionGraph graph =
            cluster
                .getArchivedExecutionGraph(job.getJobID())
                .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, Integer> vertices = new TreeMap<>();
        for (AccessExecutionJobVertex vertex : graph.getAllVertices().values()) {
          vertices.put(vertex.getName(), vertex.getParallelism());
        }
        RestoredCheckpointStats restored =
            graph.getCheckpointStatsSnapshot().getLatestRestoredCheckpoint();
        jobs.add(
            new Job(
                parallelisms.get(i),
                restored == null
                    ? null
                    : (restored.getProperties().isSavepoint() ? "" : "(not a savepoint) ")
                        + restored.getExternalPath(),
                savepoint,
                accounting.step(OrdersJob.PIPELINE, "parse").in(),
                vertices,
                run.enrichedOrderValues().size()));
      }
    } finally {
      producer.shutdownNow();
    }
    assertThat(next).as("chunks produced").isEqualTo(chunks.size());
    return new Outcome(run, jobs);
  }
}
