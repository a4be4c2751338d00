package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsHistory;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The streaming runs of the reference job in real mode that {@link FailoverITCase} and {@link
 * RescaleITCase} make: the job with unbounded Kafka sources and a {@link FailureInjector} after
 * each (which reports the job's progress to the test), the input produced in chunks while it runs,
 * the waits for its progress, the draining stop at the end, and the comparison of the committed
 * output.
 */
final class StreamingRuns {

  /** How long the job may take to make the progress the test waits for, at each step. */
  static final Duration PATIENCE = Duration.ofMinutes(3);

  /** How long {@link #await} waits for the job's end before it looks at its condition again. */
  private static final Duration LOOK_AGAIN = Duration.ofMillis(50);

  private StreamingRuns() {}

  /**
   * The state backend of the runs: {@code -Detlkit.streaming.backend=} {@code rocksdb} (the
   * default), {@code hashmap}, {@code hashmap-changelog} (the heap with Flink's changelog state
   * backend, its in-memory log, materialized every second: a step that changed a heap object
   * without writing it back would lose the change on recovery there), or {@code forst} (Flink's
   * ForSt state backend, whose savepoints are native: {@link #SAVEPOINT_FORMAT}).
   */
  static final String BACKEND = System.getProperty("etlkit.streaming.backend", "rocksdb");

  /**
   * How the runs checkpoint: {@code -Detlkit.streaming.checkpoints=} {@code aligned} (the default)
   * or {@code unaligned} (every checkpoint unaligned, with no aligned-checkpoint timeout: barriers
   * overtake the records and watermarks in flight, which are stored as channel state and read again
   * after a restore). Savepoints are aligned either way.
   */
  static final String CHECKPOINTS = System.getProperty("etlkit.streaming.checkpoints", "aligned");

  /**
   * The format of the runs' savepoints: canonical (restorable on any backend), except on ForSt,
   * which takes native savepoints only (a canonical one fails the job there, {@code ForStITCase}).
   */
  static final SavepointFormatType SAVEPOINT_FORMAT =
      BACKEND.equals("forst") ? SavepointFormatType.NATIVE : SavepointFormatType.CANONICAL;

  /**
   * The job's settings: the {@link #BACKEND}, the {@link #CHECKPOINTS}, and a fixed-delay restart
   * strategy with at most {@code restartAttempts} restarts (a failing job with checkpoints restarts
   * forever otherwise).
   */
  static Configuration settings(int restartAttempts) {
    Configuration conf = new Configuration();
    if (BACKEND.equals("hashmap-changelog")) {
      conf.set(StateBackendOptions.STATE_BACKEND, "hashmap");
      conf.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
      conf.set(StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL, Duration.ofSeconds(1));
    } else {
      conf.set(StateBackendOptions.STATE_BACKEND, BACKEND);
    }
    switch (CHECKPOINTS) {
      case "aligned" -> {}
      case "unaligned" -> {
        conf.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        conf.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, Duration.ZERO);
      }
      default ->
          throw new IllegalArgumentException(
              "etlkit.streaming.checkpoints is aligned or unaligned, not " + CHECKPOINTS);
    }
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
    return conf;
  }

  /**
   * The job of {@code run} with {@code settings} at {@code parallelism}, a {@link FailureInjector}
   * after each source, its Kafka sinks with {@code guarantee}: ready to execute.
   */
  static StreamExecutionEnvironment job(
      RealSystems.Run run, Configuration settings, int parallelism, DeliveryGuarantee guarantee) {
    StreamExecutionEnvironment env = RealMode.environment(run.options(), settings);
    env.setParallelism(parallelism);
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
    return env;
  }

  /** A part of the input: the customer changes up to the time of the last of the orders. */
  record Chunk(List<ReferenceData.Event> changes, List<ReferenceData.Event> orders) {}

  /**
   * The input in {@code n} chunks as it happens in time: orders in {@code n} parts of (nearly)
   * equal size, each with the changes made by its last order's time (the last part with all the
   * rest). Producing a chunk's changes before its orders keeps both topics' event times in step, as
   * in production, so that neither input holds the other's watermark back or runs ahead of it.
   */
  static List<Chunk> chunks(ReferenceData data, int n) {
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
  static Callable<Void> producing(RealSystems.Run run, Chunk chunk) {
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
  static void awaitRead(JobClient job, RealSystems.Run run, Map<String, Long> chunkStart)
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
  static void awaitCheckpoint(JobClient job) throws Exception {
    int checkpoints = FailureInjector.CHECKPOINTS_IN_LATEST_ATTEMPT.get();
    await(
        job,
        "a completed checkpoint",
        () -> FailureInjector.CHECKPOINTS_IN_LATEST_ATTEMPT.get() > checkpoints);
  }

  /**
   * Checks that the job's checkpoints were taken as {@link #CHECKPOINTS} says: with {@code
   * unaligned}, some of its recent completed checkpoints were unaligned; with {@code aligned},
   * none. Otherwise a setting that did not take effect would pass as tested.
   */
  static void assertCheckpointsAsConfigured(MiniCluster cluster, JobClient job) throws Exception {
    CheckpointStatsHistory history =
        cluster
            .getExecutionGraph(job.getJobID())
            .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)
            .getCheckpointStatsSnapshot()
            .getHistory();
    // The history keeps the last few attempts only: on a loaded machine they can all be aborted
    // or still pending, so the latest completed checkpoint, which the history keeps apart, counts.
    Map<Long, Boolean> completed = new TreeMap<>();
    for (AbstractCheckpointStats c : history.getCheckpoints()) {
      if (c.getStatus().isCompleted()) {
        completed.put(c.getCheckpointId(), c.isUnalignedCheckpoint());
      }
    }
    CompletedCheckpointStats latest = history.getLatestCompletedCheckpoint();
    if (latest != null) {
      completed.put(latest.getCheckpointId(), latest.isUnalignedCheckpoint());
    }
    List<Boolean> unaligned = List.copyOf(completed.values());
    assertThat(unaligned).as("recent completed checkpoints: unaligned?").isNotEmpty();
    if (CHECKPOINTS.equals("unaligned")) {
      assertThat(unaligned).as("recent completed checkpoints: unaligned?").contains(true);
    } else {
      assertThat(unaligned).as("recent completed checkpoints: unaligned?").doesNotContain(true);
    }
  }

  /**
   * Ends the job as a streaming job is ended once its input is complete: waits until a completed
   * checkpoint holds every input record ({@link #checkpointedTo}), then stops it with a savepoint
   * into {@code savepoints} that drains it (the end of event time).
   *
   * @return the record accounting of the job's last attempt
   */
  static RecordAccounting drain(JobClient job, RealSystems.Run run, Path savepoints)
      throws Exception {
    Map<String, Long> end = run.inputEndOffsets();
    await(job, "a checkpoint after every input record", () -> checkpointedTo(run, end));
    job.stopWithSavepoint(true, savepoints.toString(), SAVEPOINT_FORMAT)
        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    return RecordAccounting.of(
        job.getJobExecutionResult().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
  }

  /** Cancels the job unless it has ended. */
  static void cancelIfRunning(JobClient job) throws Exception {
    if (!job.getJobStatus().get().isGloballyTerminalState()) {
      job.cancel().get();
    }
  }

  /**
   * Whether a completed checkpoint holds every input partition's end as its position (the sources
   * commit their positions to the consumer group when a checkpoint completes): the job has read all
   * input, and no restore can make it read any again.
   */
  static boolean checkpointedTo(RealSystems.Run run, Map<String, Long> end) {
    try {
      Map<String, Long> checkpointed = run.checkpointedInputOffsets();
      return end.entrySet().stream()
          .allMatch(
              e -> e.getValue() == 0 || checkpointed.getOrDefault(e.getKey(), -1L) >= e.getValue());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until {@code condition} holds; fails when the job ends first or {@link #PATIENCE} runs
   * out. Between two looks at the condition it waits up to {@link #LOOK_AGAIN} on the job's result
   * future, so a job that ends is seen at once, and no thread sleeps: the conditions (a Kafka
   * consumer group's offsets, the injectors' counters) have no future of their own to wait on.
   */
  static void await(JobClient job, String what, BooleanSupplier condition) throws Exception {
    CompletableFuture<JobExecutionResult> end = job.getJobExecutionResult();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + PATIENCE);
      }
      try {
        end.get(LOOK_AGAIN.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillRunning) {
        continue;
      } catch (ExecutionException failed) {
        // the job ended: reported below, with its failure
      }
      throw new AssertionError(
          "the job ended (" + job.getJobStatus().get() + ") while waiting for " + what,
          failureOf(job));
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

  /**
   * The dead letters as comparable lines, sorted: key, value, Kafka timestamp and every header but
   * {@value KafkaIo#SOURCE_HEADER}, whose {@code topic-partition@offset} names the run's own topic.
   */
  static List<String> deterministicDeadLetters(List<ConsumerRecord<byte[], byte[]>> letters) {
    return letters.stream()
        .map(
            r ->
                String.join(
                    " | ",
                    new String(r.key(), StandardCharsets.UTF_8),
                    String.valueOf(r.timestamp()),
                    RealSystems.header(r, KafkaIo.STEP_HEADER),
                    RealSystems.header(r, KafkaIo.ERROR_CLASS_HEADER),
                    RealSystems.header(r, KafkaIo.ERROR_MESSAGE_HEADER),
                    RealSystems.header(r, KafkaIo.TRUNCATED_HEADER),
                    RealSystems.header(r, KafkaIo.ATTEMPT_HEADER),
                    RealSystems.header(r, KafkaIo.PAYLOAD_ENCODING_HEADER),
                    r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8)))
        .sorted()
        .toList();
  }

  /** The enriched orders as comparable lines (see {@link FinalTables#comparable}), sorted. */
  static List<String> deterministic(List<EnrichedOrder> orders) {
    return orders.stream().map(FinalTables::comparable).sorted().toList();
  }

  /** The multiset difference {@code a - b}: each element of a not matched by one of b. */
  static List<String> difference(List<String> a, List<String> b) {
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

  /** The order ids of the lines as ranges of consecutive numbers, for a failure message. */
  static String ranges(List<String> lines) {
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
}
