package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.SavepointCheck.Finding;
import dev.etlkit.core.SavepointCheck.Kind;
import dev.etlkit.core.SavepointCheck.Report;
import dev.etlkit.core.internal.ProcessOperatorTimers;
import java.io.FileNotFoundException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SavepointCheck} against real savepoints of a running job (a source, a counting step and a
 * sink, all with uids), stopped on a MiniCluster. Where the check says what a restore does, the
 * test also does the restore and compares: a restore the check accepts starts, one it refuses fails
 * with Flink's own message, and a step it says starts empty counts from 1 again.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SavepointCheckITCase {

  private static final String PIPELINE = "p";
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @TempDir static Path savepoints;

  /** The output of the running job: {@code "<key>=<count>"}. */
  static final Queue<String> OUTPUT = new ConcurrentLinkedQueue<>();

  /** The savepoint of the first version of the job, taken once per kind. */
  private static final Map<Saved, String> SAVED = new EnumMap<>(Saved.class);

  /** The backends and savepoint formats the check reads. */
  enum Saved {
    HEAP_CANONICAL("hashmap", SavepointFormatType.CANONICAL),
    ROCKSDB_CANONICAL("rocksdb", SavepointFormatType.CANONICAL),
    ROCKSDB_NATIVE("rocksdb", SavepointFormatType.NATIVE),
    FORST_NATIVE("forst", SavepointFormatType.NATIVE); // ForSt takes native savepoints only

    final String backend;
    final SavepointFormatType format;

    Saved(String backend, SavepointFormatType format) {
      this.backend = backend;
      this.format = format;
    }
  }

  /**
   * One version of the job: the name of its counting step, the states the step declares (it creates
   * {@code count}, and Flink the timer service {@code user-timers}), whether it keeps the count as
   * text, the TTL of the count (null: none) and the max parallelism it sets (0: none).
   */
  record Version(
      String step,
      List<String> declared,
      boolean countAsText,
      boolean longKeys,
      Duration ttl,
      int maxParallelism,
      boolean seenAsText) {
    static final Version FIRST =
        new Version("count", List.of("count", "user-timers"), false, false, null, 0, false);

    Version renamed(String name) {
      return new Version(name, declared, countAsText, longKeys, ttl, maxParallelism, seenAsText);
    }

    Version declaring(List<String> states) {
      return new Version(step, states, countAsText, longKeys, ttl, maxParallelism, seenAsText);
    }

    Version countingAsText() {
      return new Version(step, declared, true, longKeys, ttl, maxParallelism, seenAsText);
    }

    Version keyedByLongs() {
      return new Version(step, declared, countAsText, true, ttl, maxParallelism, seenAsText);
    }

    Version withTtl(Duration countTtl) {
      return new Version(
          step, declared, countAsText, longKeys, countTtl, maxParallelism, seenAsText);
    }

    Version withMaxParallelism(int max) {
      return new Version(step, declared, countAsText, longKeys, ttl, max, seenAsText);
    }

    Version keepingSeenAsText() {
      return new Version(step, declared, countAsText, longKeys, ttl, maxParallelism, true);
    }
  }

  @AfterAll
  static void clearOutput() {
    OUTPUT.clear();
  }

  @ParameterizedTest
  @EnumSource(Saved.class)
  void theSameJob_restores_everyDeclaredStateIsSaved_andTheRestoreCarriesTheCounts(Saved saved)
      throws Exception {
    String savepoint = savepoint(saved);
    StreamExecutionEnvironment env = environment(saved, savepoint, false);
    StateInventory inventory = build(env, Version.FIRST);

    Report report = SavepointCheck.of(env, inventory).against(savepoint);

    assertThat(report.restores()).isTrue();
    assertThat(report.findings()).isEmpty();
    assertThat(report.savedStates("p/count")).hasValue(new TreeSet<>(Version.FIRST.declared()));
    assertThat(report.savedStates("keys")).hasValueSatisfying(s -> assertThat(s).isNotEmpty());
    assertThat(report.toTable()).contains("restores into this job");
    // the check left the job on the environment: it runs, from the savepoint
    assertThat(firstCountsAfterRestore(env))
        .allSatisfy((key, count) -> assertThat(count).isGreaterThan(1));
  }

  @ParameterizedTest
  @EnumSource(Saved.class)
  void aRenamedStep_isNotInTheJob_andItsNewNameStartsEmpty_asTheRestoreShows(Saved saved)
      throws Exception {
    String savepoint = savepoint(saved);
    Version renamed = Version.FIRST.renamed("count-v2");
    StreamExecutionEnvironment env = environment(saved, null, false);
    StateInventory inventory = build(env, renamed);

    Report refused = SavepointCheck.of(env, inventory).against(savepoint);
    Report allowed =
        SavepointCheck.of(env, inventory).withAllowNonRestoredState(true).against(savepoint);

    assertThat(refused.restores()).isFalse();
    assertThat(refused.findings())
        .extracting(Finding::kind, Finding::operator, f -> List.copyOf(f.states()))
        .containsExactly(
            tuple(Kind.NOT_IN_JOB, "p/count", List.of("count", "user-timers")),
            tuple(Kind.NOT_IN_SAVEPOINT, "p/count-v2", List.of("count", "user-timers")));
    assertThat(refused.toTable()).contains("does NOT restore");
    assertThat(allowed.restores()).isTrue();
    assertThat(allowed.findings("p/count"))
        .singleElement()
        .satisfies(f -> assertThat(f.message()).contains("dropped"));

    // Flink agrees: without --allowNonRestoredState it refuses, with it the step counts from 1
    assertThat(restoreFailure(saved, savepoint, renamed))
        .contains("Cannot map checkpoint/savepoint state");
    StreamExecutionEnvironment allowing = environment(saved, savepoint, true);
    build(allowing, renamed);
    assertThat(firstCountsAfterRestore(allowing))
        .allSatisfy((key, count) -> assertThat(count).isEqualTo(1));
  }

  @Test
  void aStateTheStepNewlyDeclares_isNotInTheSavepoint_oneItNoLongerDeclares_isCarried()
      throws Exception {
    String savepoint = savepoint(Saved.HEAP_CANONICAL);
    StreamExecutionEnvironment env = environment(Saved.HEAP_CANONICAL, null, false);
    StateInventory inventory = build(env, Version.FIRST.declaring(List.of("count", "seen")));

    Report report = SavepointCheck.of(env, inventory).against(savepoint);

    assertThat(report.restores()).isTrue();
    assertThat(report.findings())
        .extracting(Finding::kind, f -> List.copyOf(f.states()))
        .containsExactly(
            tuple(Kind.STATE_NOT_IN_SAVEPOINT, List.of("seen")),
            tuple(Kind.STATE_NOT_DECLARED, List.of("user-timers")));
  }

  /** The count kept as text instead of a long: a changed state layout. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void aChangedStateLayout_isIncompatible_asTheRestoreFails(Saved saved) throws Exception {
    Report report = refusedAsFlinkRefuses(saved, Version.FIRST.countingAsText(), "incompatible");

    assertThat(report.findings())
        .extracting(Finding::kind, Finding::operator, f -> List.copyOf(f.states()))
        .containsExactly(tuple(Kind.STATE_INCOMPATIBLE, "p/count", List.of("count")));
    assertThat(report.findings().get(0).message())
        .contains("the savepoint's state was written by LongSerializer")
        .contains("the job's step writes StringSerializer")
        .doesNotContain("@") // no Object.toString() of a serializer
        .doesNotContain("org.apache.flink");
  }

  /** The step keyed by a long instead of the word: Flink cannot read the saved keys. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void anotherKeyType_isIncompatible_asTheRestoreFails(Saved saved) throws Exception {
    Report report = refusedAsFlinkRefuses(saved, Version.FIRST.keyedByLongs(), "key serializer");

    assertThat(report.findings())
        .extracting(Finding::kind, Finding::operator)
        .containsExactly(tuple(Kind.KEY_INCOMPATIBLE, "p/count"));
    assertThat(report.findings().get(0).message())
        .contains("StringSerializer")
        .contains("LongSerializer");
  }

  /**
   * Flink's state TTL switched on for the count: the heap and RocksDB backends migrate the state
   * (the counts go on), the ForSt backend fails the restore; the check says which, from the backend
   * the job's configuration names.
   */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void ttlSwitchedOn_migratesOnHeapAndRocksDb_andFailsOnForSt(Saved saved) throws Exception {
    assertTtlSwitch(saved, savepoint(saved), Version.FIRST.withTtl(Duration.ofDays(1)));
  }

  /** Flink's state TTL switched off: the same. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void ttlSwitchedOff_migratesOnHeapAndRocksDb_andFailsOnForSt(Saved saved) throws Exception {
    assertTtlSwitch(
        saved, savepointOf(saved, Version.FIRST.withTtl(Duration.ofDays(1))), Version.FIRST);
  }

  private static void assertTtlSwitch(Saved saved, String savepoint, Version next)
      throws Exception {
    StreamExecutionEnvironment env = environment(saved, savepoint, false);
    StateInventory inventory = build(env, next);

    Report report = SavepointCheck.of(env, inventory).against(savepoint);

    Kind expected = saved.backend.equals("forst") ? Kind.STATE_INCOMPATIBLE : Kind.STATE_MIGRATES;
    assertThat(report.findings())
        .extracting(Finding::kind, f -> List.copyOf(f.states()))
        .containsExactly(tuple(expected, List.of("count")));
    assertThat(report.findings().get(0).message()).contains("TTL switched");
    if (expected == Kind.STATE_MIGRATES && next.ttl() == null) {
      assertThat(report.findings().get(0).message())
          .contains("expired but is still in the snapshot")
          .contains("canonical savepoint");
    }
    if (expected == Kind.STATE_MIGRATES) {
      assertThat(report.restores()).isTrue();
      assertThat(firstCountsAfterRestore(env))
          .allSatisfy((key, count) -> assertThat(count).isGreaterThan(1));
    } else {
      assertThat(report.restores()).isFalse();
      assertThat(restoreFailure(saved, savepoint, next)).contains("migrate");
    }
  }

  /** The {@code seen} step's operator list state of strings instead of longs. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void anOperatorStateOfAnotherType_isIncompatible_asTheRestoreFails(Saved saved) throws Exception {
    Report report = refusedAsFlinkRefuses(saved, Version.FIRST.keepingSeenAsText(), "incompatible");

    assertThat(report.findings())
        .extracting(Finding::kind, Finding::operator, f -> List.copyOf(f.states()))
        .containsExactly(tuple(Kind.STATE_INCOMPATIBLE, "p/seen", List.of("seen")));
  }

  /**
   * The check of {@code next} against the first version's savepoint, which says the restore fails,
   * after the restore was tried in Flink and failed with {@code flinkMessage}.
   */
  private static Report refusedAsFlinkRefuses(Saved saved, Version next, String flinkMessage)
      throws Exception {
    String savepoint = savepoint(saved);
    StreamExecutionEnvironment env = environment(saved, null, false);
    StateInventory inventory = build(env, next);

    Report report = SavepointCheck.of(env, inventory).against(savepoint);

    assertThat(report.restores()).as(report.toTable()).isFalse();
    assertThat(restoreFailure(saved, savepoint, next)).contains(flinkMessage);
    return report;
  }

  @Test
  void anotherMaxParallelism_blocksTheRestore_asFlinkRefusesIt() throws Exception {
    String savepoint = savepoint(Saved.HEAP_CANONICAL);
    Version other = Version.FIRST.withMaxParallelism(64); // the savepoint's is Flink's 128
    StreamExecutionEnvironment env = environment(Saved.HEAP_CANONICAL, null, false);
    StateInventory inventory = build(env, other);

    Report report = SavepointCheck.of(env, inventory).against(savepoint);

    assertThat(report.restores()).isFalse();
    assertThat(report.findings())
        .filteredOn(f -> f.kind() == Kind.MAX_PARALLELISM_CHANGED)
        .extracting(Finding::operator)
        .contains("p/count", "keys");
    assertThat(report.findings())
        .allSatisfy(f -> assertThat(f.kind()).isEqualTo(Kind.MAX_PARALLELISM_CHANGED));
    assertThat(report.findings().get(0).message()).contains("64").contains("128");

    assertThat(restoreFailure(Saved.HEAP_CANONICAL, savepoint, other))
        .contains("Max parallelism mismatch");
  }

  /**
   * Settings only the cluster has reach the check when the environment is made with the cluster's
   * configuration, as a job submitted there is: a max parallelism, and the ForSt backend.
   */
  @Test
  void theClustersConfiguration_reachesTheCheck_throughTheEnvironment() throws Exception {
    String savepoint = savepointOf(Saved.HEAP_CANONICAL, Version.FIRST.withTtl(Duration.ofDays(1)));
    Configuration cluster = new Configuration(); // e.g. GlobalConfiguration.loadConfiguration(dir)
    cluster.set(PipelineOptions.MAX_PARALLELISM, 64);
    cluster.set(StateBackendOptions.STATE_BACKEND, "forst");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(cluster);
    StateInventory inventory = build(env, Version.FIRST);

    Report report = SavepointCheck.of(env, inventory).against(savepoint);

    assertThat(report.findings())
        .extracting(Finding::kind)
        .contains(Kind.MAX_PARALLELISM_CHANGED, Kind.STATE_INCOMPATIBLE);
    assertThat(report.findings("p/count"))
        .extracting(Finding::kind)
        .containsExactlyInAnyOrder(Kind.MAX_PARALLELISM_CHANGED, Kind.STATE_INCOMPATIBLE);
  }

  @Test
  void anEnvironmentWithoutAJob_orAMissingSavepoint_isRefused() throws Exception {
    StreamExecutionEnvironment empty = environment(Saved.HEAP_CANONICAL, null, false);
    assertThatThrownBy(() -> SavepointCheck.of(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("build the job");

    StreamExecutionEnvironment env = environment(Saved.HEAP_CANONICAL, null, false);
    StateInventory inventory = build(env, Version.FIRST);
    assertThatThrownBy(
            () ->
                SavepointCheck.of(env, inventory)
                    .against(savepoints.resolve("no-such-savepoint").toString()))
        .isInstanceOf(FileNotFoundException.class);
  }

  // --- the job -----------------------------------------------------------------------------------

  private static StreamExecutionEnvironment environment(
      Saved saved, String restoreFrom, boolean allowNonRestoredState) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, saved.backend);
    if (restoreFrom != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
      conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, allowNonRestoredState);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    return env;
  }

  /** Builds {@code version} of the job onto {@code env}: keys → counting step → sink. */
  private static StateInventory build(StreamExecutionEnvironment env, Version version) {
    if (version.maxParallelism() > 0) {
      env.setMaxParallelism(version.maxParallelism());
    }
    DataGeneratorSource<String> source =
        new DataGeneratorSource<>(
            i -> "k" + (i % 10), Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.STRING);
    DataStream<String> keys =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "keys").uid("keys");
    EtlStream<String> counted =
        Etl.from(keys, PIPELINE).apply(new Seen(version.seenAsText())).apply(new Counting(version));
    counted.toDataStream().sinkTo(new QueueSink()).name("sink").uid("sink");
    return counted.pipeline().stateInventory();
  }

  /** The first version, run until it has counted, then stopped with a savepoint. */
  private static String savepoint(Saved saved) throws Exception {
    String existing = SAVED.get(saved);
    if (existing == null) {
      existing = savepointOf(saved, Version.FIRST);
      SAVED.put(saved, existing);
    }
    return existing;
  }

  /** {@code version}, run until it has counted, then stopped with a savepoint. */
  private static String savepointOf(Saved saved, Version version) throws Exception {
    StreamExecutionEnvironment env = environment(saved, null, false);
    build(env, version);
    OUTPUT.clear();
    JobClient job = env.executeAsync("savepoint-check-" + saved);
    awaitOutput(job, 100);
    return job.stopWithSavepoint(false, savepoints.toString(), saved.format)
        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs the job on {@code env} until each key has been counted, and the first count of each. */
  private static Map<String, Integer> firstCountsAfterRestore(StreamExecutionEnvironment env)
      throws Exception {
    OUTPUT.clear();
    JobClient job = env.executeAsync("savepoint-check-restored");
    try {
      awaitOutput(job, 30);
    } finally {
      job.cancel().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
    Map<String, Integer> first = new TreeMap<>();
    for (String line : new ArrayList<>(OUTPUT)) {
      String[] keyAndCount = line.split("=");
      first.putIfAbsent(keyAndCount[0], Integer.parseInt(keyAndCount[1]));
    }
    assertThat(first).as("keys counted after the restore").isNotEmpty();
    return first;
  }

  /**
   * Starts {@code version} from {@code savepoint} (unclaimed state not allowed) and its failure.
   */
  private static String restoreFailure(Saved saved, String savepoint, Version version)
      throws Exception {
    StreamExecutionEnvironment env = environment(saved, savepoint, false);
    build(env, version);
    JobClient job = env.executeAsync("savepoint-check-refused");
    try {
      job.getJobExecutionResult().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      return ExceptionUtils.stringifyException(e);
    } finally {
      if (!job.getJobStatus().get().isGloballyTerminalState()) {
        job.cancel().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    throw new AssertionError("the restore was expected to fail, and the job finished");
  }

  private static void awaitOutput(JobClient job, int records) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (OUTPUT.size() < records) {
      JobStatus status = job.getJobStatus().get();
      assertThat(status.isGloballyTerminalState()).as("job ended: %s", status).isFalse();
      assertThat(System.nanoTime()).as("output within %s", PATIENCE).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  /** Counts per key (the first word) in {@code count}; declares the version's states. */
  static final class Counting implements EtlStep<String, String> {
    private final Version version;

    Counting(Version version) {
      this.version = version;
    }

    @Override
    public String name() {
      return version.step();
    }

    @Override
    public DataStream<String> expand(DataStream<String> input, StepContext context) {
      if (version.longKeys()) {
        KeyedStream<String, Long> byHash = input.keyBy(new WordHash(), Types.LONG);
        for (String state : version.declared()) {
          context.declareState(byHash.getKeyType(), declaration(state));
        }
        return context.named(byHash.process(new TestSteps.CountFunction<Long>(null), Types.STRING));
      }
      KeyedStream<String, String> keyed = input.keyBy(new TestSteps.FirstWord(), Types.STRING);
      for (String state : version.declared()) {
        context.declareState(keyed.getKeyType(), declaration(state));
      }
      return context.named(
          version.countAsText()
              ? keyed.process(new CountAsText(), Types.STRING)
              : keyed.process(new TestSteps.CountFunction<String>(version.ttl()), Types.STRING));
    }

    private StateDeclaration declaration(String state) {
      switch (state) {
        case ProcessOperatorTimers.NAME:
          return ProcessOperatorTimers.unused();
        case TestSteps.CountPerKey.STATE_NAME:
          return StateDeclaration.value(state, version.countAsText() ? Types.STRING : Types.LONG)
              .withTtl(version.ttl());
        default:
          return StateDeclaration.value(state, Types.LONG);
      }
    }
  }

  /** Counts as {@link TestSteps.CountFunction} does, keeping the count as text. */
  static final class CountAsText extends KeyedProcessFunction<String, String, String> {
    private transient ValueState<String> count;

    @Override
    public void open(OpenContext openContext) {
      count =
          getRuntimeContext()
              .getState(new ValueStateDescriptor<>(TestSteps.CountPerKey.STATE_NAME, Types.STRING));
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      String current = count.value();
      long next = current == null ? 1 : Long.parseLong(current) + 1;
      count.update(Long.toString(next));
      out.collect(ctx.getCurrentKey() + "=" + next);
    }
  }

  /**
   * Passes records on and keeps how many it saw in an operator list state {@code seen}, as a long
   * or as text; declares it.
   */
  static final class Seen implements EtlStep<String, String> {
    private final boolean asText;

    Seen(boolean asText) {
      this.asText = asText;
    }

    @Override
    public String name() {
      return "seen";
    }

    @Override
    public DataStream<String> expand(DataStream<String> input, StepContext context) {
      context.declareState(
          Types.VOID, StateDeclaration.list("seen", asText ? Types.STRING : Types.LONG));
      return context.named(input.map(new SeenFunction(asText)).returns(Types.STRING));
    }
  }

  static final class SeenFunction implements MapFunction<String, String>, CheckpointedFunction {
    private final boolean asText;
    private transient ListState<Object> seen;
    private long count;

    SeenFunction(boolean asText) {
      this.asText = asText;
    }

    @Override
    public String map(String value) {
      count++;
      return value;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void initializeState(FunctionInitializationContext context) throws Exception {
      TypeInformation type = asText ? Types.STRING : Types.LONG;
      seen = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("seen", type));
      for (Object restored : seen.get()) {
        count += asText ? Long.parseLong((String) restored) : (Long) restored;
      }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      seen.update(List.of(asText ? (Object) Long.toString(count) : (Object) count));
    }
  }

  /** The hash of the first word, as a long. */
  static final class WordHash implements KeySelector<String, Long> {
    @Override
    public Long getKey(String value) {
      return (long) new TestSteps.FirstWord().getKey(value).hashCode();
    }
  }

  /** Adds each record to {@link #OUTPUT}. */
  static final class QueueSink implements Sink<String> {
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
