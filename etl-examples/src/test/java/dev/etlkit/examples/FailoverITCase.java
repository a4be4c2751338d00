package dev.etlkit.examples;

import static dev.etlkit.examples.StreamingRuns.await;
import static dev.etlkit.examples.StreamingRuns.awaitCheckpoint;
import static dev.etlkit.examples.StreamingRuns.awaitRead;
import static dev.etlkit.examples.StreamingRuns.deterministic;
import static dev.etlkit.examples.StreamingRuns.deterministicDeadLetters;
import static dev.etlkit.examples.StreamingRuns.difference;
import static dev.etlkit.examples.StreamingRuns.producing;
import static dev.etlkit.examples.StreamingRuns.ranges;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RecordAccounting;
import dev.etlkit.examples.StreamingRuns.Chunk;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once under failures: the reference job in real mode (Kafka in, Kafka exactly-once and
 * PostgreSQL out, checkpoints every 200 ms, RocksDB, parallelism 2 on two TaskManagers) over
 * {@value #DEFAULT_ORDERS} generated orders, once without failures and once with {@value
 * #DEFAULT_FAILURES} failures: an exception at a record, an exception while a checkpoint is taken
 * and the loss of a TaskManager (then, with more failures, again in that order). The committed
 * output of the run with failures, the enriched orders and the dead letters of the invalid order
 * lines among them ({@link #INVALID_SHARE}), must equal the failure-free run's exactly: 0 lost, 0
 * duplicated. A negative control runs the same kinds of failures, twice as many, with at-least-once
 * Kafka sinks and must see duplicates, which proves the comparison can see them.
 *
 * <p>The job runs as a streaming job does: its Kafka sources are unbounded, the orders arrive in
 * chunks while it runs, one chunk per failure, and the test ends it with a stop-with-savepoint that
 * drains it (the end of event time) once it has read every input record. Each failure is injected
 * after the job's current attempt has read some of the newest chunk and completed a checkpoint, so
 * every planned failure happens and every attempt makes progress, however fast the machine is.
 *
 * <p>Sizes: {@code -Detlkit.failover.orders} (default {@value #DEFAULT_ORDERS}) and {@code
 * -Detlkit.failover.failures} (default {@value #DEFAULT_FAILURES}); the {@code soak} profile
 * ({@code -Psoak}) runs 1,000,000 orders and 20 failures.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class FailoverITCase {

  static final int DEFAULT_ORDERS = 100_000;
  static final int DEFAULT_FAILURES = 3;

  /**
   * The share of invalid order lines: each is a dead letter of {@code orders/parse}, so that the
   * exactly-once dead-letter topic is compared too, not only the enriched orders.
   */
  static final double INVALID_SHARE = 0.01;

  private static final boolean SOAK = Boolean.getBoolean("etlkit.soak");
  private static final int ORDERS =
      Integer.getInteger("etlkit.failover.orders", SOAK ? 1_000_000 : DEFAULT_ORDERS);
  private static final int FAILURES =
      Integer.getInteger("etlkit.failover.failures", SOAK ? 20 : DEFAULT_FAILURES);

  /** Two TaskManagers with one slot each: the job (parallelism 2) runs on both. */
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(1)
              .build());

  private static RealSystems systems;
  private static ReferenceData data;

  /** TaskManagers terminated so far: the next live one has this index. */
  private static int terminated;

  @TempDir static Path savepoints;

  @BeforeAll
  static void start() throws Exception {
    systems = RealSystems.start();
    data = ReferenceData.generate(ReferenceData.Spec.of(ORDERS).withInvalidShare(INVALID_SHARE));
  }

  @AfterAll
  static void stop() throws Exception {
    if (systems != null) {
      systems.close();
    }
  }

  @Test
  void injectedFailures_committedOutputEqualsTheFailureFreeRun_andAtLeastOnceDuplicates(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    RealSystems.Run reference = run("reference", DeliveryGuarantee.EXACTLY_ONCE, 0, cluster);
    List<String> expected = deterministic(reference.enrichedOrders());
    assertThat(expected)
        .as("every valid order, enriched; dead letters: %s", reference.deadLettersByReason())
        .hasSize(ORDERS);
    assertThat(Set.copyOf(expected)).as("each once").hasSize(ORDERS);

    RealSystems.Run failing = run("failures", DeliveryGuarantee.EXACTLY_ONCE, FAILURES, cluster);
    List<String> committed = deterministic(failing.enrichedOrders());
    List<String> lost = difference(expected, committed);
    List<String> extra = difference(committed, expected);
    assertThat(lost)
        .as("lost: %d records in the failure-free run only: %s", lost.size(), ranges(lost))
        .isEmpty();
    assertThat(extra).as("duplicated or wrong: %d extra records", extra.size()).isEmpty();
    List<String> expectedLetters = deterministicDeadLetters(reference.deadLetters());
    assertThat(expectedLetters)
        .as("a dead letter of orders/parse per invalid line: %s", reference.deadLettersByReason())
        .hasSize(data.invalidLines())
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l).contains(" | orders/parse | "));
    List<String> letters = deterministicDeadLetters(failing.deadLetters());
    List<String> lostLetters = difference(expectedLetters, letters);
    List<String> extraLetters = difference(letters, expectedLetters);
    assertThat(lostLetters).as("dead letters lost: %d", lostLetters.size()).isEmpty();
    assertThat(extraLetters).as("dead letters duplicated or wrong: %s", extraLetters).isEmpty();
    assertThat(failing.deadLetters())
        .extracting(r -> RealSystems.header(r, KafkaIo.SOURCE_HEADER))
        .as("each from its own input record")
        .doesNotHaveDuplicates()
        .allSatisfy(s -> assertThat(s).matches(failing.options().ordersTopic() + "-[01]@\\d+"));
    assertThat(failing.dimension())
        .as("the dimension table converges to the failure-free run's")
        .containsExactlyElementsOf(reference.dimension());
    failing.assertDimensionInvariants();

    // An at-least-once sink replays output after a restore only if it wrote some after the restored
    // checkpoint: the control injects each failure once the test has seen output written after the
    // latest checkpoint (with failures at random points, three and then six failures were seen to
    // give no duplicates in CI runs).
    RealSystems.Run control =
        run("at-least-once", DeliveryGuarantee.AT_LEAST_ONCE, 2 * FAILURES, cluster);
    List<String> replayed = deterministic(control.enrichedOrders());
    assertThat(difference(replayed, expected))
        .as("negative control: at-least-once sinks replay output after a restore")
        .isNotEmpty();
    assertThat(Set.copyOf(replayed)).as("... and lose nothing").isEqualTo(Set.copyOf(expected));
  }

  /**
   * Runs the job over fresh topics and tables with {@code failures} failures, the orders arriving
   * in {@code failures + 1} chunks, and stops it with a draining savepoint once it has read them.
   */
  private static RealSystems.Run run(
      String name, DeliveryGuarantee guarantee, int failures, MiniCluster cluster)
      throws Exception {
    FailureInjector.reset();
    RealSystems.Run run = systems.newStreamingRun(name);
    // One restart per failure, and one more per task manager terminated: after a termination the
    // next attempt can fail before any of its tasks runs (in a -Psoak run on ForSt, attempts 33
    // and 40 of the at-least-once run, each right after a termination, left no task in the logs,
    // and 40 failures used up 41 restarts). Still bounded, so a job that keeps failing fails the
    // test.
    int terminations = failures / 3; // every third failure, as below
    StreamExecutionEnvironment env =
        StreamingRuns.job(run, StreamingRuns.settings(failures + terminations + 1), 2, guarantee);

    int injectedBefore = FailureInjector.INJECTED.get();
    List<Chunk> chunks = StreamingRuns.chunks(data, failures + 1);
    Random random = new Random(failures);
    JobClient job = env.executeAsync(name);
    ExecutorService producer = Executors.newSingleThreadExecutor();
    try {
      Map<String, Long> chunkStart = run.inputEndOffsets();
      producing(run, chunks.get(0)).call();
      for (int failure = 0; failure < failures; failure++) {
        // the current attempt works: it read the newest chunk and completed a checkpoint after
        awaitRead(job, run, chunkStart);
        awaitCheckpoint(job);
        // the next chunk flows through the job when the failure comes: it is produced in slices
        // on another thread, while the failure is injected
        chunkStart = run.inputEndOffsets();
        Future<?> producing = producer.submit(producing(run, chunks.get(failure + 1)));
        awaitRead(job, run, chunkStart);
        if (guarantee == DeliveryGuarantee.AT_LEAST_ONCE) {
          awaitOutputAfterCheckpoint(job, run);
        }
        int attempt = FailureInjector.LATEST_ATTEMPT.get();
        switch (failure % 3) {
          case 0 -> {
            FailureInjector.FAIL_AT_RECORD.set(
                FailureInjector.RECORDS.get() + 1 + random.nextInt(1_000));
            FailureInjector.ARMED.set(FailureInjector.Kind.RECORD);
          }
          case 1 -> FailureInjector.ARMED.set(FailureInjector.Kind.CHECKPOINT);
          default -> {
            cluster.terminateTaskManager(terminated++).get();
            cluster.startTaskManager();
          }
        }
        await(
            job,
            "failure " + (failure + 1) + " and a restart",
            () -> FailureInjector.LATEST_ATTEMPT.get() > attempt);
        producing.get();
      }
      StreamingRuns.assertCheckpointsAsConfigured(cluster, job);
      RecordAccounting accounting = StreamingRuns.drain(job, run, savepoints);
      if (failures == 0) { // with restarts, the counts are the last attempt's
        assertThat(accounting.step(OrdersJob.PIPELINE, "parse").in())
            .as("the job read every order event")
            .isEqualTo(data.orders().size());
      }
    } finally {
      producer.shutdownNow();
      StreamingRuns.cancelIfRunning(job);
    }
    assertThat(FailureInjector.INJECTED.get() - injectedBefore)
        .as("exceptions injected into run " + name)
        .isEqualTo(failures - failures / 3);
    return run;
  }

  /**
   * Waits until the output topic has grown since the test saw the current attempt's latest
   * checkpoint complete, with no checkpoint completed since: the output a failure now makes an
   * at-least-once sink write again after the restore.
   */
  private static void awaitOutputAfterCheckpoint(JobClient job, RealSystems.Run run)
      throws Exception {
    int[] checkpoints = {-1};
    long[] outputAtCheckpoint = {0};
    await(
        job,
        "output written after the latest checkpoint",
        () -> {
          int completed = FailureInjector.CHECKPOINTS_IN_LATEST_ATTEMPT.get();
          long output = run.enrichedEndOffset();
          if (completed != checkpoints[0]) {
            checkpoints[0] = completed;
            outputAtCheckpoint[0] = output;
            return false;
          }
          // no checkpoint completed while the output was read
          return output > outputAtCheckpoint[0]
              && FailureInjector.CHECKPOINTS_IN_LATEST_ATTEMPT.get() == completed;
        });
  }
}
