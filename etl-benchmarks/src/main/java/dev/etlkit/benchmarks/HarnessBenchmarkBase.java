package dev.etlkit.benchmarks;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.state.TestTaskStateManagerBuilder;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What every etlkit benchmark shares: a keyed operator driven through Flink's {@link
 * KeyedOneInputStreamOperatorTestHarness} on the {@link Backend} of the {@code backend} param, fed
 * from an input precomputed once per trial with a fixed seed.
 *
 * <p>Each {@code @Benchmark} method calls {@link #processBatch()} once and carries
 * {@code @OperationsPerInvocation(BATCH)}, so scores are records per second and {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} is bytes allocated per record. The input is read with a cursor that
 * wraps around; there is no per-invocation setup. The operator emits into a {@link CountingSink}
 * instead of the harness's output queue (why: there).
 *
 * <p>Subclasses provide the operator, its key selector and key type and the input records; {@link
 * #afterOpen()} may preload state so that every measured record finds the steady state of a
 * long-running job.
 *
 * <p>RocksDB gets {@link #ROCKSDB_MEMORY_BYTES} of managed memory, like the single slot of a small
 * TaskManager, instead of the harness default (3 MiB for the whole slot), which would flush
 * memtables every few thousand writes. Flink makes it a shared block cache of 5/6 of that size (213
 * MiB, write buffers of up to 85 MiB charged to it). At the default 10^4 keys every benchmark's
 * state fits it many times over; at 10^6 keys each benchmark says whether it fits.
 *
 * @param <K> key type
 * @param <IN> input record type
 * @param <OUT> output record type
 */
public abstract class HarnessBenchmarkBase<K, IN, OUT> extends BenchmarkSettings {

  /** Records per benchmark invocation: the value of every {@code @OperationsPerInvocation}. */
  public static final int BATCH = 1000;

  /** Seed of every random input; change it only together with the published results. */
  public static final long SEED = 0x5EED_E71L;

  /** Length of the precomputed input sequence: a power of two, read with a wrapping cursor. */
  public static final int SEQUENCE_LENGTH = 1 << 21;

  /** Managed memory RocksDB sizes its block cache and write buffers from. */
  public static final long ROCKSDB_MEMORY_BYTES = 256L << 20;

  /**
   * Managed memory of the harness slot: the harness declares both the operator and the state
   * backend use case, and Flink's default weights split the slot evenly between them.
   */
  private static final long SLOT_MANAGED_MEMORY_BYTES = 2 * ROCKSDB_MEMORY_BYTES;

  private static final int MAX_PARALLELISM = 128;

  @Param({"HEAP", "ROCKSDB"})
  public Backend backend;

  /** Number of distinct keys (10^4 for quick runs, 10^6 in the full pass). */
  @Param({"10000"})
  public int keyCount;

  @Param({"UNIFORM"})
  public KeyDistribution distribution;

  @Nullable private MockEnvironment environment;
  @Nullable private KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness;
  @Nullable private Path stateDir;
  private CountingSink sink = new CountingSink();
  private IN[] inputs;
  private int cursor;
  private final StreamRecord<IN> record = new StreamRecord<>(null);
  @Nullable private CountingChangelogStorage changelog;
  private long changelogBytesAtStart;
  private long changelogBytesPublished;
  private long changelogChangesPublished;
  private long batchesSinceStart;

  /** The operator under test; called once per trial. */
  protected abstract OneInputStreamOperator<IN, OUT> createOperator() throws Exception;

  protected abstract KeySelector<IN, K> keySelector();

  protected abstract TypeInformation<K> keyType();

  /**
   * The input records for the given key indexes (in {@code [0, keyCount)}, one per record). Called
   * once per trial, before the harness opens; the array length is kept (a power of two).
   */
  protected abstract IN[] createInputs(int[] keyIndexes);

  /**
   * The measured record the operator receives for the precomputed {@code value}: by default {@code
   * value} itself (allocated at setup, so in the old generation when measured); a benchmark may
   * return a new copy, as a record deserialized from the network is.
   */
  protected IN arriving(IN value) {
    return value;
  }

  /**
   * The output the operator emits into, made once per trial: by default a {@link CountingSink}; a
   * benchmark may convert records first ({@link ConvertingSink}).
   */
  protected CountingSink newSink() {
    return new CountingSink();
  }

  /** The output of the current trial. */
  protected final CountingSink sink() {
    return sink;
  }

  /** Runs after the harness opened, before measuring: preload state here. */
  protected void afterOpen() throws Exception {}

  @Setup(Level.Trial)
  public final void setUpTrial() throws Exception {
    inputs = createInputs(KeySequence.draw(distribution, keyCount, SEQUENCE_LENGTH, SEED));
    if (Integer.bitCount(inputs.length) != 1) {
      throw new IllegalStateException(
          "createInputs must keep the length, a power of two, was " + inputs.length);
    }
    cursor = 0;
    stateDir = Files.createTempDirectory("etlkit-bench-");
    MockEnvironmentBuilder environmentBuilder = new MockEnvironmentBuilder();
    changelog = null;
    if (backend == Backend.HEAP_CHANGELOG) {
      changelog = new CountingChangelogStorage();
      environmentBuilder.setTaskStateManager(
          new TestTaskStateManagerBuilder().setStateChangelogStorage(changelog).build());
    }
    environment =
        environmentBuilder
            .setTaskName(getClass().getSimpleName())
            .setManagedMemorySize(SLOT_MANAGED_MEMORY_BYTES)
            .setExecutionConfig(executionConfig())
            .setMaxParallelism(MAX_PARALLELISM)
            .setParallelism(1)
            .setSubtaskIndex(0)
            .build();
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            createOperator(), keySelector(), keyType(), environment);
    harness.setStateBackend(backend.create(stateDir));
    harness.setup();
    sink = newSink();
    emitInto(harness.getOperator(), sink);
    harness.open();
    afterOpen();
    if (changelog != null) {
      changelogBytesAtStart = changelog.bytes();
      changelogBytesPublished = changelogBytesAtStart;
      changelogChangesPublished = changelog.changes();
      batchesSinceStart = 0;
    }
  }

  /**
   * Hands what the changelog appended during the iteration to {@link FiguresProfiler} ({@link
   * Backend#HEAP_CHANGELOG} only; preloading is left out).
   */
  @TearDown(Level.Iteration)
  public final void publishChangelog() {
    if (changelog != null) {
      long bytes = changelog.bytes();
      long changes = changelog.changes();
      FiguresProfiler.addPerRecord(
          FiguresProfiler.CHANGELOG_BYTES, "B/op", bytes - changelogBytesPublished);
      FiguresProfiler.addPerRecord(
          FiguresProfiler.CHANGELOG_CHANGES, "changes/op", changes - changelogChangesPublished);
      changelogBytesPublished = bytes;
      changelogChangesPublished = changes;
    }
  }

  /**
   * Makes the operator emit into {@code sink}: it must be an {@link AbstractStreamOperator}, set up
   * and not yet opened (operators build their collectors on the output when they open).
   */
  static void emitInto(Object operator, CountingSink sink) throws ReflectiveOperationException {
    if (!(operator instanceof AbstractStreamOperator)) {
      throw new IllegalStateException(
          "cannot redirect the output of " + operator.getClass().getName());
    }
    Field output = AbstractStreamOperator.class.getDeclaredField("output");
    output.setAccessible(true);
    output.set(operator, sink);
  }

  /**
   * Bytes the changelog state backend appended per record fed after {@link #afterOpen()} ({@link
   * Backend#HEAP_CHANGELOG} only; NaN on other backends or before a batch). In a JMH run, {@link
   * FiguresProfiler} reports the same figure per iteration.
   */
  public final double changelogBytesPerRecord() {
    if (changelog == null || batchesSinceStart == 0) {
      return Double.NaN;
    }
    return (changelog.bytes() - changelogBytesAtStart) / (double) (batchesSinceStart * BATCH);
  }

  /** Records the operator emitted since setup (preload included), side outputs too. */
  public final long emitted() {
    return sink.records();
  }

  @TearDown(Level.Trial)
  public final void tearDownTrial() throws Exception {
    try {
      if (harness != null) {
        harness.close();
      }
    } finally {
      harness = null;
      try {
        if (environment != null) {
          environment.close();
        }
      } finally {
        environment = null;
        deleteRecursively(stateDir);
        stateDir = null;
      }
    }
  }

  /** Feeds the next {@link #BATCH} records of the input to the operator. */
  protected final void processBatch() throws Exception {
    KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> h = harness;
    IN[] in = inputs;
    StreamRecord<IN> r = record;
    int mask = in.length - 1;
    int c = cursor;
    for (int i = 0; i < BATCH; i++) {
      h.processElement(r.replace(arriving(in[c])));
      c = (c + 1) & mask;
    }
    cursor = c;
    batchesSinceStart++;
  }

  /**
   * Counts a batch fed record by record with {@link #process} (as a subclass that must touch each
   * record first does), as {@link #processBatch} counts its own, for {@link
   * #changelogBytesPerRecord}.
   */
  protected final void countBatch() {
    batchesSinceStart++;
  }

  /** Feeds one record to the operator outside of the measured input, for example to preload. */
  protected final void process(IN value) throws Exception {
    harness.processElement(record.replace(value));
  }

  /** Generic types off: a type that would fall back to Kryo fails the trial instead. */
  private static ExecutionConfig executionConfig() {
    Configuration configuration = new Configuration();
    configuration.set(PipelineOptions.GENERIC_TYPES, false);
    ExecutionConfig config = new ExecutionConfig();
    config.configure(configuration, HarnessBenchmarkBase.class.getClassLoader());
    return config;
  }

  private static void deleteRecursively(@Nullable Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
