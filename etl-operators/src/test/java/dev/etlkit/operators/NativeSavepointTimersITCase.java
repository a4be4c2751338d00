package dev.etlkit.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Etl;
import dev.etlkit.operators.dedup.Dedup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A specification of Flink 2.2's timers in native savepoints: on RocksDB ({@code
 * state.backend.type: rocksdb}) and on ForSt ({@code forst}) with the timers on the heap ({@code
 * state.backend.rocksdb.timer-service.factory: HEAP}, {@code
 * state.backend.forst.timer-service.factory: HEAP}), a <b>native</b> savepoint ({@code flink stop
 * --type native}, {@link SavepointFormatType#NATIVE}) holds no timers: the job restored from it has
 * its keyed state but none of its timers, which never fire. A canonical savepoint (RocksDB only:
 * ForSt takes native savepoints only), a retained checkpoint (full or incremental), and the timers
 * in the database (RocksDB's {@code ROCKSDB}, ForSt's {@code ForStDB}, their defaults) keep them. A
 * retained checkpoint of heap timers also restores them with the timer service switched to the
 * database's ({@code HEAP} to {@code ROCKSDB}, or to {@code ForStDB}): the way to move a job's
 * timers off the heap, after which its native savepoints keep them.
 *
 * <p>The cause, in Flink 2.2.1: {@code RocksDBKeyedStateBackend} and {@code
 * ForStSyncKeyedStateBackend} write heap timers into the snapshot (as raw keyed state, the "legacy
 * synchronous timer snapshots") only when {@code requiresLegacySynchronousTimerSnapshots(type)},
 * which is true for heap timers and a snapshot that is not a savepoint: a checkpoint. A canonical
 * savepoint writes every state, the heap timers too; a native savepoint uses the backend's native
 * snapshot strategy, which writes the database's column families only, where heap timers are not.
 *
 * <p>What a user loses, with a real step: a keep-first dedup in event time ({@link
 * Dedup.DedupStep#withEventTimeOrder()}) holds each key's first row until the watermark passes it,
 * with an event-time timer. The first version of the job sees {@value #KEYS} keys without any
 * watermark (it holds one row per key, emits nothing) and is stopped with a savepoint, without
 * {@code --drain}, or cancelled after a retained checkpoint. The second version (the same job, the
 * same uids) restores it and reads new keys and the same keys again, with watermarks far past the
 * held rows: the held rows come out before the first new key does when their timers were restored,
 * and never when they were not (their rows are restored and stay in the state, held forever: the
 * keys' later rows are duplicates of them, and come out neither). A Flink release that writes heap
 * timers into native savepoints makes the "lost" cases fail here: then update docs/operations.md.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NativeSavepointTimersITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /** Keys of the first version: each key's first row is held (with a timer at its timestamp). */
  static final int KEYS = 10;

  /** Event time of the second version's rows: far past the held rows (0 to {@code KEYS - 1}). */
  static final long LATER = 1_000_000_000L;

  /**
   * New keys the second version emits before its output is looked at: by then it has emitted every
   * first version's key again, and the watermark has passed them.
   */
  static final int NEW_KEYS_SEEN = KEYS + 1;

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  /** The output of the running job. */
  static final Queue<String> OUTPUT = new ConcurrentLinkedQueue<>();

  /** Rows the running job passed to the dedup. */
  static final AtomicLong PASSED = new AtomicLong();

  /** Checkpoints taken after every key was held. */
  static final Set<Long> CHECKPOINTS_HOLDING = ConcurrentHashMap.newKeySet();

  /** Set when one of {@link #CHECKPOINTS_HOLDING} completed. */
  static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();

  @TempDir Path dir;

  /** How the first version of the job is stopped, and what the second restores. */
  enum Snapshot {
    NATIVE_SAVEPOINT,
    CANONICAL_SAVEPOINT,
    /** Cancelled after a completed checkpoint, retained on cancellation. */
    RETAINED_CHECKPOINT,
    /** The same, with incremental checkpoints. */
    RETAINED_INCREMENTAL_CHECKPOINT;

    boolean isCheckpoint() {
      return this == RETAINED_CHECKPOINT || this == RETAINED_INCREMENTAL_CHECKPOINT;
    }
  }

  /** Backend, timer service of each version, snapshot, and whether the timers are restored. */
  enum Case {
    ROCKSDB_HEAP_TIMERS_NATIVE_SAVEPOINT(
        "rocksdb", "HEAP", "HEAP", Snapshot.NATIVE_SAVEPOINT, false),
    ROCKSDB_HEAP_TIMERS_CANONICAL_SAVEPOINT(
        "rocksdb", "HEAP", "HEAP", Snapshot.CANONICAL_SAVEPOINT, true),
    ROCKSDB_TIMERS_NATIVE_SAVEPOINT(
        "rocksdb", "ROCKSDB", "ROCKSDB", Snapshot.NATIVE_SAVEPOINT, true),
    FORST_HEAP_TIMERS_NATIVE_SAVEPOINT("forst", "HEAP", "HEAP", Snapshot.NATIVE_SAVEPOINT, false),
    FORST_DB_TIMERS_NATIVE_SAVEPOINT(
        "forst", "ForStDB", "ForStDB", Snapshot.NATIVE_SAVEPOINT, true),
    ROCKSDB_HEAP_TIMERS_RETAINED_CHECKPOINT(
        "rocksdb", "HEAP", "HEAP", Snapshot.RETAINED_CHECKPOINT, true),
    ROCKSDB_HEAP_TIMERS_RETAINED_CHECKPOINT_RESTORED_WITH_ROCKSDB_TIMERS(
        "rocksdb", "HEAP", "ROCKSDB", Snapshot.RETAINED_CHECKPOINT, true),
    FORST_HEAP_TIMERS_RETAINED_CHECKPOINT(
        "forst", "HEAP", "HEAP", Snapshot.RETAINED_CHECKPOINT, true),
    FORST_HEAP_TIMERS_RETAINED_CHECKPOINT_RESTORED_WITH_FORST_DB_TIMERS(
        "forst", "HEAP", "ForStDB", Snapshot.RETAINED_CHECKPOINT, true),
    ROCKSDB_HEAP_TIMERS_RETAINED_INCREMENTAL_CHECKPOINT_RESTORED_WITH_ROCKSDB_TIMERS(
        "rocksdb", "HEAP", "ROCKSDB", Snapshot.RETAINED_INCREMENTAL_CHECKPOINT, true),
    FORST_HEAP_TIMERS_RETAINED_INCREMENTAL_CHECKPOINT_RESTORED_WITH_FORST_DB_TIMERS(
        "forst", "HEAP", "ForStDB", Snapshot.RETAINED_INCREMENTAL_CHECKPOINT, true);

    final String backend;
    final String timersBefore;
    final String timersAfter;
    final Snapshot snapshot;
    final boolean timersRestored;

    Case(
        String backend,
        String timersBefore,
        String timersAfter,
        Snapshot snapshot,
        boolean timersRestored) {
      this.backend = backend;
      this.timersBefore = timersBefore;
      this.timersAfter = timersAfter;
      this.snapshot = snapshot;
      this.timersRestored = timersRestored;
    }
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void heldRowsAfterTheRestore_comeOutOnlyWhereTheTimersWereSaved(
      Case c, @InjectMiniCluster MiniCluster cluster) throws Exception {
    String snapshot = firstVersion(c, cluster);

    List<String> output = secondVersion(c, snapshot);

    // the first version's keys: the held rows, or the same keys again if the state lost them
    List<String> heldRows =
        output.stream().filter(row -> row.startsWith("k")).collect(Collectors.toList());
    assertThat(output.get(output.size() - 1)).as("the watermark passed a new key").startsWith("c");
    if (c.timersRestored) {
      assertThat(heldRows)
          .as("the held rows come out: their timers were restored (output %s)", output)
          .containsExactlyInAnyOrderElementsOf(
              LongStream.range(0, KEYS).mapToObj(i -> "k" + i + "#" + i).toList());
      assertThat(output.subList(0, KEYS))
          .as("before the first new key, whose timer is later")
          .containsExactlyInAnyOrderElementsOf(heldRows);
    } else {
      assertThat(heldRows)
          .as(
              "the held rows never come out: the snapshot had their rows (the keys' later rows are"
                  + " duplicates of them) but no timers (output %s)",
              output)
          .isEmpty();
    }
  }

  /** Runs the first version until every key is held, stops it and returns the snapshot's path. */
  private String firstVersion(Case c, MiniCluster cluster) throws Exception {
    OUTPUT.clear();
    PASSED.set(0);
    CHECKPOINTS_HOLDING.clear();
    CHECKPOINTED.set(false);
    Configuration conf = configuration(c.backend, c.timersBefore);
    Path checkpoints = dir.resolve("checkpoints");
    if (c.snapshot.isCheckpoint()) {
      conf.set(
          CheckpointingOptions.INCREMENTAL_CHECKPOINTS,
          c.snapshot == Snapshot.RETAINED_INCREMENTAL_CHECKPOINT);
      conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
      conf.set(
          CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
          ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    if (c.snapshot.isCheckpoint()) {
      env.enableCheckpointing(100);
    }
    build(env, false);
    JobClient job = env.executeAsync("native-savepoint-timers-1-" + c);
    try {
      // a savepoint is refused until every task runs, though the source may run and emit before
      CommonTestUtils.waitForAllTaskRunning(cluster, job.getJobID(), false);
      awaitUntil(job, () -> PASSED.get() >= KEYS, "every key passed to the dedup");
      assertThat(OUTPUT).as("no watermark: every row is held").isEmpty();
      switch (c.snapshot) {
        case NATIVE_SAVEPOINT:
        case CANONICAL_SAVEPOINT:
          return job.stopWithSavepoint(
                  false,
                  dir.resolve("savepoints").toUri().toString(),
                  c.snapshot == Snapshot.NATIVE_SAVEPOINT
                      ? SavepointFormatType.NATIVE
                      : SavepointFormatType.CANONICAL)
              .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        default:
          awaitUntil(job, CHECKPOINTED::get, "a checkpoint holding every key");
          job.cancel().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
          awaitTerminal(job);
          return latestCheckpoint(checkpoints.resolve(job.getJobID().toHexString()));
      }
    } finally {
      cancelIfRunning(job);
    }
  }

  /**
   * Runs the second version from {@code snapshot} until {@value #NEW_KEYS_SEEN} new keys came out,
   * cancels it and returns its output.
   */
  private static List<String> secondVersion(Case c, String snapshot) throws Exception {
    OUTPUT.clear();
    Configuration conf = configuration(c.backend, c.timersAfter);
    conf.set(StateRecoveryOptions.SAVEPOINT_PATH, snapshot);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    build(env, true);
    JobClient job = env.executeAsync("native-savepoint-timers-2-" + c);
    try {
      awaitUntil(
          job,
          () -> OUTPUT.stream().filter(row -> row.startsWith("c")).count() >= NEW_KEYS_SEEN,
          "new keys in the output");
    } finally {
      cancelIfRunning(job);
    }
    return new ArrayList<>(OUTPUT);
  }

  private static Configuration configuration(String backend, String timers) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, backend);
    conf.setString("state.backend." + backend + ".timer-service.factory", timers);
    return conf;
  }

  /**
   * Rows {@code <key>#<event time>} → keep-first in event time → sink. The first version emits
   * {@code k<i % KEYS>#<i>} without watermarks; the second, with monotonous watermarks, the same
   * keys again ({@code k<i / 2 % KEYS>#<LATER + i>} for even {@code i}: duplicates of the held
   * rows, as long as the state holds them) between new keys ({@code c<i>#<LATER + i>} for odd
   * {@code i}). The uids are the same.
   */
  private static void build(StreamExecutionEnvironment env, boolean second) {
    GeneratorFunction<Long, String> rowAt =
        second
            ? i -> (i % 2 == 0 ? "k" + (i / 2 % KEYS) : "c" + i) + "#" + (LATER + i)
            : i -> "k" + (i % KEYS) + "#" + i;
    DataGeneratorSource<String> source =
        new DataGeneratorSource<>(
            rowAt, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.STRING);
    WatermarkStrategy<String> watermarks =
        second
            ? WatermarkStrategy.<String>forMonotonousTimestamps()
            : WatermarkStrategy.<String>noWatermarks();
    DataStream<String> rows =
        env.fromSource(
                source,
                watermarks.withTimestampAssigner(
                    (row, ts) -> Long.parseLong(row.substring(row.indexOf('#') + 1))),
                "rows")
            .uid("rows")
            .map(new Passing())
            .returns(Types.STRING)
            .uid("passing");
    Etl.from(rows, "p")
        .apply(
            Dedup.keepFirst("first", (String row) -> row.substring(0, row.indexOf('#')))
                .withKeyType(Types.STRING)
                .withEventTimeOrder())
        .toDataStream()
        .sinkTo(new QueueSink())
        .name("sink")
        .uid("sink");
  }

  /** The newest checkpoint directory ({@code chk-<n>} with its metadata) of a job. */
  private static String latestCheckpoint(Path jobCheckpoints) throws IOException {
    try (Stream<Path> dirs = Files.list(jobCheckpoints)) {
      Path latest =
          dirs.filter(d -> d.getFileName().toString().startsWith("chk-"))
              .filter(d -> Files.exists(d.resolve("_metadata")))
              .max(
                  Comparator.comparingLong(
                      d -> Long.parseLong(d.getFileName().toString().substring(4))))
              .orElse(null);
      assertThat(latest).as("a retained checkpoint in %s", jobCheckpoints).isNotNull();
      return latest.toUri().toString();
    }
  }

  private interface Condition {
    boolean holds();
  }

  private static void awaitUntil(JobClient job, Condition condition, String what) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.holds()) {
      JobStatus status = job.getJobStatus().get();
      assertThat(status.isGloballyTerminalState()).as("job ended: %s", status).isFalse();
      assertThat(System.nanoTime()).as("%s within %s", what, PATIENCE).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  private static void cancelIfRunning(JobClient job) throws Exception {
    if (!job.getJobStatus().get().isGloballyTerminalState()) {
      job.cancel().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
    awaitTerminal(job);
  }

  private static void awaitTerminal(JobClient job) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!job.getJobStatus().get().isGloballyTerminalState()) {
      assertThat(System.nanoTime()).as("job ends within %s", PATIENCE).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  /**
   * Counts the rows it passes on ({@link #PASSED}) and notes the completed checkpoints taken after
   * every key passed ({@link #CHECKPOINTED}); keeps no state.
   */
  static final class Passing
      implements MapFunction<String, String>, CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;

    @Override
    public String map(String row) {
      PASSED.incrementAndGet();
      return row;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      if (PASSED.get() >= KEYS) {
        CHECKPOINTS_HOLDING.add(context.getCheckpointId());
      }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (CHECKPOINTS_HOLDING.contains(checkpointId)) {
        CHECKPOINTED.set(true);
      }
    }
  }

  /** Adds each record to {@link #OUTPUT}. */
  static final class QueueSink implements Sink<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public SinkWriter<String> createWriter(WriterInitContext context) {
      return new SinkWriter<>() {
        @Override
        public void write(String element, Context context) {
          OUTPUT.add(element);
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
