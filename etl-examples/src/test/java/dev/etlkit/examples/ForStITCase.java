package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.etlkit.core.Etl;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.testkit.Soak;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.annotation.Nullable;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference job and etlkit state on Flink's ForSt state backend ({@code state.backend.type:
 * forst}) on a local MiniCluster (docs/operations.md#the-forst-state-backend):
 *
 * <ul>
 *   <li>the whole reference job (dedup, the point-in-time join, the async lookup, normalize, SCD2)
 *       fails once after ForSt's incremental checkpoints have completed, restarts from the latest,
 *       and ends with the final tables of a failure-free run on the heap;
 *   <li>a job moves to ForSt from a canonical savepoint of RocksDB only with ForSt's timers on the
 *       heap, and ForSt takes native savepoints only (the canonical one fails, as Flink 2.2 says).
 * </ul>
 *
 * <p>The sources release a fixed number of records per completed checkpoint (as {@code
 * Scd2PostgresITCase} does), so that the failure comes after checkpoints and a savepoint finds the
 * job running, whatever the machine's speed. Seven jobs, about 15 s: they run under {@code -Psoak}
 * only; the default build checks the steps on ForSt in harnesses ({@code *ForStTest}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ForStITCase {

  @BeforeAll
  static void onlyUnderSoak() {
    assumeTrue(Soak.isEnabled(), "MiniCluster jobs on ForSt run under -Psoak");
  }

  /** Generated orders of the failover run. */
  private static final int ORDERS = 2_000;

  /** The order source fails once, when it is about to emit this order. */
  private static final long FAIL_AT = 1_200;

  /** Set when the order source failed (a static: the source is recreated on restart). */
  private static final AtomicBoolean FAILED = new AtomicBoolean();

  /** The first order the order source emitted after the restart: where the checkpoint left it. */
  private static final AtomicLong FIRST_AFTER_RESTART = new AtomicLong(-1);

  @Test
  void referenceJob_failsOnceOnForSt_restoresFromAnIncrementalCheckpoint_givesTheHeapTables()
      throws Exception {
    FAILED.set(false);
    FIRST_AFTER_RESTART.set(-1);
    ReferenceData data = ReferenceData.generate(ReferenceData.Spec.of(ORDERS));
    FinalTables heap =
        FinalTables.of(
            ReferenceRuns.generated(data, RuntimeExecutionMode.STREAMING, "hashmap", "forst-it"));

    Configuration conf = failOnceAndRestart();
    StreamExecutionEnvironment env = environment("forst", conf);
    env.setParallelism(2);
    env.enableCheckpointing(50); // before the outputs are collected: exactly-once collect sinks
    OrdersJob.Outputs outputs =
        OrdersJob.wire(
            OrdersJob.partitionLikeKafka(replayed(env, data.customerChanges(), "changes", -1)),
            replayed(env, data.orders(), "orders", FAIL_AT),
            new FxRates());
    FinalTables forSt = FinalTables.of(OrdersRun.execute(env, outputs, "forst-failover"));

    assertThat(FAILED).as("the order source failed once, the job restarted").isTrue();
    assertThat(FIRST_AFTER_RESTART.get())
        .as("the restart resumed from a checkpoint, not from the start")
        .isPositive();
    // with a restart, the record accounting is the last attempt's
    assertThat(forSt.withoutAccounting().differencesFrom(heap.withoutAccounting())).isEmpty();
  }

  /**
   * RocksDB's canonical savepoint restores on ForSt with its timers on the heap, and the dedup
   * state carries on: only the keys the first job never saw come out.
   */
  @Test
  void canonicalSavepointOfRocksDb_restoresOnForStWithHeapTimers(@TempDir Path savepoints)
      throws Exception {
    String savepoint = firstRun("rocksdb", savepoints, SavepointFormatType.CANONICAL);

    Configuration heapTimers = new Configuration();
    heapTimers.setString("state.backend.forst.timer-service.factory", "HEAP");
    assertThat(secondRun("forst", heapTimers, savepoint)).hasSize(SECOND_KEYS - FIRST_KEYS);
  }

  /** With ForSt's own timers (its default), Flink 2.2 cannot restore a canonical savepoint. */
  @Test
  void canonicalSavepointOfRocksDb_failsOnForStWithItsOwnTimers(@TempDir Path savepoints)
      throws Exception {
    String savepoint = firstRun("rocksdb", savepoints, SavepointFormatType.CANONICAL);

    assertThatThrownBy(() -> secondRun("forst", new Configuration(), savepoint))
        .hasStackTraceContaining("Not support restoring yet for ForStStateBackend");
  }

  /**
   * A canonical savepoint of a job on ForSt fails the job: the task fails while it triggers the
   * savepoint (a job with restarts restarts from its latest checkpoint). {@code flink stop} and
   * {@code flink savepoint} take canonical savepoints unless told {@code --type native}.
   */
  @Test
  void canonicalSavepointOfAJobOnForSt_failsTheJob(@TempDir Path savepoints) throws Exception {
    StreamExecutionEnvironment env = savepointJob("forst", new Configuration(), null);
    CloseableIterator<String> firsts = keepFirst(firstRows(env)).collectAsync();
    JobClient job = env.executeAsync("forst-canonical-savepoint");
    try {
      awaitFirstKeys(firsts);
      assertThatThrownBy(
              () ->
                  job.triggerSavepoint(savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                      .get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      assertThatThrownBy(() -> job.getJobExecutionResult().get(60, TimeUnit.SECONDS))
          .hasStackTraceContaining("does not support CANONICAL savepoints");
    } finally {
      firsts.close();
    }
  }

  /** ForSt's native savepoint restores on ForSt. */
  @Test
  void nativeSavepointOfForSt_restoresOnForSt(@TempDir Path savepoints) throws Exception {
    String savepoint = firstRun("forst", savepoints, SavepointFormatType.NATIVE);

    assertThat(secondRun("forst", new Configuration(), savepoint))
        .hasSize(SECOND_KEYS - FIRST_KEYS);
  }

  /** Keys of the first job's input (each seen again and again while it runs). */
  private static final int FIRST_KEYS = 40;

  /** Keys of the second job's input: the first job's and as many new ones. */
  private static final int SECOND_KEYS = 80;

  /**
   * Runs keep-first over {@value #FIRST_KEYS} keys on {@code backend} until every key came out,
   * then stops with a savepoint of {@code format} and returns its path.
   */
  private static String firstRun(String backend, Path savepoints, SavepointFormatType format)
      throws Exception {
    StreamExecutionEnvironment env = savepointJob(backend, new Configuration(), null);
    CloseableIterator<String> firsts = keepFirst(firstRows(env)).collectAsync();
    JobClient job = env.executeAsync("forst-savepoint-first-" + backend);
    try {
      awaitFirstKeys(firsts);
      return job.stopWithSavepoint(false, savepoints.toUri().toString(), format)
          .get(60, TimeUnit.SECONDS);
    } finally {
      firsts.close();
    }
  }

  /** Rows of {@value #FIRST_KEYS} keys, again and again, as many per completed checkpoint. */
  private static DataStream<String> firstRows(StreamExecutionEnvironment env) {
    return env.fromSource(
            new DataGeneratorSource<>(
                index -> "k" + (index % FIRST_KEYS) + "#v" + index,
                Long.MAX_VALUE,
                RateLimiterStrategy.perCheckpoint(FIRST_KEYS),
                Types.STRING),
            WatermarkStrategy.noWatermarks(),
            "first-rows")
        .uid("first-rows");
  }

  /** Waits until every key of the first job came out: all are in the dedup state. */
  private static void awaitFirstKeys(CloseableIterator<String> firsts) {
    for (int i = 0; i < FIRST_KEYS; i++) {
      assertThat(firsts.hasNext()).isTrue();
      firsts.next();
    }
  }

  /**
   * Restores the savepoint on {@code backend} with {@code options} and runs keep-first over {@value
   * #SECOND_KEYS} keys (a new source), returning what came out.
   */
  private static List<String> secondRun(String backend, Configuration options, String savepoint)
      throws Exception {
    StreamExecutionEnvironment env = savepointJob(backend, options, savepoint);
    DataStream<String> rows =
        env.fromSource(
                new DataGeneratorSource<>(index -> "k" + index + "#w", SECOND_KEYS, Types.STRING),
                WatermarkStrategy.noWatermarks(),
                "second-rows")
            .uid("second-rows");
    List<String> out = new ArrayList<>();
    try (CloseableIterator<String> it = keepFirst(rows).collectAsync()) {
      env.execute("forst-savepoint-second-" + backend);
      it.forEachRemaining(out::add);
    }
    return out;
  }

  private static DataStream<String> keepFirst(DataStream<String> rows) {
    return Etl.from(rows, "rows")
        .apply(Dedup.keepFirst("first", (String row) -> row.substring(0, row.indexOf('#'))))
        .toDataStream();
  }

  private static StreamExecutionEnvironment savepointJob(
      String backend, Configuration options, @Nullable String savepoint) {
    Configuration conf = new Configuration(options);
    if (savepoint != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
      conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true); // the first source
    }
    StreamExecutionEnvironment env = environment(backend, conf);
    env.setParallelism(1);
    env.enableCheckpointing(50);
    return env;
  }

  /**
   * A local environment as {@link OrdersJob#localEnvironment} makes it (generic types off, no
   * restarts), on {@code backend}, with {@code options} on top.
   */
  private static StreamExecutionEnvironment environment(String backend, Configuration options) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, backend);
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.addAll(options);
    return StreamExecutionEnvironment.getExecutionEnvironment(conf);
  }

  /** One restart at most, from the latest checkpoint; incremental checkpoints. */
  private static Configuration failOnceAndRestart() {
    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    return conf;
  }

  /**
   * The events' lines as {@link ReferenceRuns#timestamped} gives them, from a source that releases
   * 200 events per completed checkpoint and, at event {@code failAt} (unless negative), fails once.
   */
  private static DataStream<String> replayed(
      StreamExecutionEnvironment env, List<ReferenceData.Event> events, String name, long failAt) {
    return ReferenceRuns.timestamped(
        env.fromSource(
                new DataGeneratorSource<>(
                    new Replay(events, failAt),
                    events.size(),
                    RateLimiterStrategy.perCheckpoint(200),
                    TypeInformation.of(ReferenceData.Event.class)),
                WatermarkStrategy.noWatermarks(),
                name)
            .setParallelism(1)
            .uid(name),
        name,
        ReferenceRuns.GENERATED_DISORDER);
  }

  /** Event {@code i} of a list, in plain arrays (the function is serialized into the job). */
  private static final class Replay implements GeneratorFunction<Long, ReferenceData.Event> {
    private static final long serialVersionUID = 1L;

    private final String[] keys;
    private final long[] timestamps;
    private final String[] lines;
    private final long failAt;
    private transient boolean first;

    Replay(List<ReferenceData.Event> events, long failAt) {
      keys = new String[events.size()];
      timestamps = new long[events.size()];
      lines = new String[events.size()];
      for (int i = 0; i < events.size(); i++) {
        keys[i] = events.get(i).key();
        timestamps[i] = events.get(i).timestamp();
        lines[i] = events.get(i).line();
      }
      this.failAt = failAt;
    }

    @Override
    public void open(SourceReaderContext readerContext) {
      first = true;
    }

    @Override
    public ReferenceData.Event map(Long index) {
      if (failAt >= 0) {
        if (first && FAILED.get()) {
          FIRST_AFTER_RESTART.compareAndSet(-1, index);
        }
        first = false;
        if (index == failAt && FAILED.compareAndSet(false, true)) {
          throw new IllegalStateException("injected failure at event " + index);
        }
      }
      int i = Math.toIntExact(index);
      return new ReferenceData.Event(keys[i], timestamps[i], lines[i]);
    }
  }
}
