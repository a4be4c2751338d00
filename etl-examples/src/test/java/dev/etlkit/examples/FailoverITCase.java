package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
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
 * output of the run with failures must equal the failure-free run's exactly: 0 lost, 0 duplicated.
 * A negative control runs the same kinds of failures, twice as many, with at-least-once Kafka sinks
 * and must see duplicates, which proves the comparison can see them.
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

  private static final boolean SOAK = Boolean.getBoolean("etlkit.soak");
  private static final int ORDERS =
      Integer.getInteger("etlkit.failover.orders", SOAK ? 1_000_000 : DEFAULT_ORDERS);
  private static final int FAILURES =
      Integer.getInteger("etlkit.failover.failures", SOAK ? 20 : DEFAULT_FAILURES);

  /** How long the job may take to make the progress the test waits for, at each step. */
  private static final Duration PATIENCE = Duration.ofMinutes(3);

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
    data = ReferenceData.generate(ReferenceData.Spec.of(ORDERS));
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
    assertThat(failing.deadLettersByReason()).isEqualTo(reference.deadLettersByReason());
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

  /** The order ids of the lines as ranges of consecutive numbers, for a failure message. */
  private static String ranges(List<String> lines) {
    List<Integer> ids =
        lines.stream()
            .map(l -> l.replaceAll(".*orderId=o-(\\d+).*", "$1"))
            .map(Integer::valueOf)
            .sorted()
            .toList();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < ids.size(); i++) {
      int from = ids.get(i);
      while (i + 1 < ids.size() && ids.get(i + 1) <= ids.get(i) + 1) {
        i++;
      }
      out.append(out.length() == 0 ? "" : ", ").append(from).append("..").append(ids.get(i));
      if (out.length() > 2_000) {
        return out + " ...";
      }
    }
    return out.toString();
  }

  /** The multiset difference {@code a - b}: each element of a not matched by one of b. */
  private static List<String> difference(List<String> a, List<String> b) {
    Map<String, Integer> remaining = new HashMap<>();
    b.forEach(line -> remaining.merge(line, 1, Integer::sum));
    List<String> extra = new ArrayList<>();
    for (String line : a) {
      if (remaining.merge(line, -1, Integer::sum) < 0) {
        extra.add(line);
      }
    }
    return extra;
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
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, failures + 1);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
    StreamExecutionEnvironment env = RealMode.environment(run.options(), conf);
    env.setParallelism(2);
    RealMode.Sources sources = RealMode.sources(env, run.options());
    DataStream<RawRecord> changes =
        sources
            .customerChanges()
            .map(new FailureInjector())
            .name("changes-failure-injector")
            .uid("changes-failure-injector");
    DataStream<RawRecord> orders =
        sources
            .orders()
            .map(new FailureInjector())
            .name("orders-failure-injector")
            .uid("orders-failure-injector");
    RealMode.sink(
        RealMode.wire(new RealMode.Sources(changes, orders), run.options()),
        run.options(),
        guarantee);

    int injectedBefore = FailureInjector.INJECTED.get();
    List<Chunk> chunks = chunks(failures + 1);
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
      Map<String, Long> end = run.inputEndOffsets();
      await(job, "a checkpoint after every input record", () -> checkpointedTo(run, end));
      job.stopWithSavepoint(true, savepoints.toString(), SavepointFormatType.CANONICAL)
          .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      RecordAccounting accounting =
          RecordAccounting.of(
              job.getJobExecutionResult().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
      if (failures == 0) { // with restarts, the counts are the last attempt's
        assertThat(accounting.step(OrdersJob.PIPELINE, "parse").in())
            .as("the job read every order event")
            .isEqualTo(data.orders().size());
      }
    } finally {
      producer.shutdownNow();
      if (!job.getJobStatus().get().isGloballyTerminalState()) {
        job.cancel().get();
      }
    }
    assertThat(FailureInjector.INJECTED.get() - injectedBefore)
        .as("exceptions injected into run " + name)
        .isEqualTo(failures - failures / 3);
    return run;
  }

  /** A part of the input: the customer changes up to the time of the last of the orders. */
  private record Chunk(List<ReferenceData.Event> changes, List<ReferenceData.Event> orders) {}

  /**
   * The input in {@code n} chunks as it happens in time: orders in {@code n} parts of (nearly)
   * equal size, each with the changes made by its last order's time (the last part with all the
   * rest). Producing a chunk's changes before its orders keeps both topics' event times in step, as
   * in production, so that neither input holds the other's watermark back or runs ahead of it.
   */
  private static List<Chunk> chunks(int n) {
    List<ReferenceData.Event> orders = data.orders();
    List<ReferenceData.Event> changes = data.customerChanges();
    List<Chunk> chunks = new ArrayList<>();
    int change = 0;
    for (int i = 0; i < n; i++) {
      List<ReferenceData.Event> part =
          orders.subList(orders.size() * i / n, orders.size() * (i + 1) / n);
      long until = part.stream().mapToLong(ReferenceData.Event::timestamp).max().orElseThrow();
      int from = change;
      while (change < changes.size() && (i == n - 1 || changes.get(change).timestamp() <= until)) {
        change++;
      }
      chunks.add(new Chunk(changes.subList(from, change), part));
    }
    return chunks;
  }

  /**
   * Produces a chunk: its changes, then its orders in slices of 1,000, each sent and acknowledged
   * before the next.
   */
  private static Callable<Void> producing(RealSystems.Run run, Chunk chunk) {
    return () -> {
      run.produceCustomerChanges(chunk.changes());
      List<ReferenceData.Event> orders = chunk.orders();
      for (int from = 0; from < orders.size(); from += 1_000) {
        run.produceOrders(orders.subList(from, Math.min(orders.size(), from + 1_000)));
      }
      return null;
    };
  }

  /**
   * Waits until the job's current attempt has read a record of the newest chunk: one at or after
   * {@code chunkStart} in some partition of the orders topic.
   */
  private static void awaitRead(JobClient job, RealSystems.Run run, Map<String, Long> chunkStart)
      throws Exception {
    await(
        job,
        "a record of the newest chunk read",
        () ->
            chunkStart.entrySet().stream()
                .filter(e -> e.getKey().startsWith(run.options().ordersTopic() + "-"))
                .anyMatch(
                    e -> FailureInjector.lastOffsetInLatestAttempt(e.getKey()) >= e.getValue()));
  }

  /** Waits until the job's current attempt completes another checkpoint. */
  private static void awaitCheckpoint(JobClient job) throws Exception {
    int checkpoints = FailureInjector.CHECKPOINTS_IN_LATEST_ATTEMPT.get();
    await(
        job,
        "a completed checkpoint",
        () -> FailureInjector.CHECKPOINTS_IN_LATEST_ATTEMPT.get() > checkpoints);
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

  /**
   * Whether a completed checkpoint holds every input partition's end as its position (the sources
   * commit their positions to the consumer group when a checkpoint completes): the job has read all
   * input, and no restore can make it read any again.
   */
  private static boolean checkpointedTo(RealSystems.Run run, Map<String, Long> end) {
    try {
      Map<String, Long> checkpointed = run.checkpointedInputOffsets();
      return end.entrySet().stream()
          .allMatch(
              e -> e.getValue() == 0 || checkpointed.getOrDefault(e.getKey(), -1L) >= e.getValue());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(JobClient job, String what, BooleanSupplier condition)
      throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      JobStatus status = job.getJobStatus().get();
      if (status.isGloballyTerminalState()) {
        throw new AssertionError(
            "the job ended (" + status + ") while waiting for " + what, failureOf(job));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + PATIENCE);
      }
      Thread.sleep(50);
    }
  }

  private static Throwable failureOf(JobClient job) {
    try {
      job.getJobExecutionResult().get();
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  /** The enriched orders as comparable lines (see {@link FinalTables#comparable}), sorted. */
  private static List<String> deterministic(List<EnrichedOrder> orders) {
    return orders.stream().map(FinalTables::comparable).sorted().toList();
  }
}
