package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.SavepointCheck.Report;
import dev.etlkit.core.internal.ProcessOperatorTimers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
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
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SavepointCheck} case by case, beside {@code SavepointCheckITCase}: for each change between
 * version 1 and version 2 of a small job (a source, the step {@code p/probe}, a sink), the check's
 * verdict against a real savepoint of version 1, and the real restore of version 2 from it on a
 * MiniCluster. Most tests assert that the check's {@code restores()} agrees with Flink: state kinds
 * changed under the same name, map state keys and values, timers, key types, keyed state dropped by
 * an operator that is no longer keyed, operator and broadcast states, operators without uid,
 * parallelism and max parallelism. The rest pin what the check cannot see (documented in
 * docs/operations.md): states no inventory declares (the report names their operators in {@code
 * notCompared()}), and a step whose declarations do not say what it registers (a union list state
 * declared as a split one).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class SavepointCheckCasesITCase {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(4)
              .build());

  @TempDir static Path savepoints;

  static final Queue<String> OUTPUT = new ConcurrentLinkedQueue<>();

  enum Saved {
    HEAP_CANONICAL("hashmap", SavepointFormatType.CANONICAL),
    ROCKSDB_CANONICAL("rocksdb", SavepointFormatType.CANONICAL),
    ROCKSDB_NATIVE("rocksdb", SavepointFormatType.NATIVE),
    FORST_NATIVE("forst", SavepointFormatType.NATIVE);

    final String backend;
    final SavepointFormatType format;

    Saved(String backend, SavepointFormatType format) {
      this.backend = backend;
      this.format = format;
    }
  }

  /** One version of the job: what the step "p/probe" between the source and the sink does. */
  interface Expand {
    SingleOutputStreamOperator<String> apply(DataStream<String> in, StepContext context);
  }

  /** A version built outside any pipeline: keys → this → sink, no inventory. */
  interface Raw extends Expand {
    DataStream<String> raw(DataStream<String> in);

    @Override
    default SingleOutputStreamOperator<String> apply(DataStream<String> in, StepContext context) {
      throw new UnsupportedOperationException();
    }
  }

  /** How a job is run: parallelism, max parallelism (0: unset), more configuration. */
  record Setup(int parallelism, int maxParallelism, Consumer<Configuration> extra) {
    static final Setup DEFAULT = new Setup(2, 0, c -> {});

    Setup withParallelism(int p) {
      return new Setup(p, maxParallelism, extra);
    }

    Setup withMaxParallelism(int m) {
      return new Setup(parallelism, m, extra);
    }

    Setup with(Consumer<Configuration> more) {
      return new Setup(parallelism, maxParallelism, extra.andThen(more));
    }
  }

  /** The check's report and the restore's failure (null: the restore ran). */
  record Outcome(Report report, String failure) {
    boolean restored() {
      return failure == null;
    }
  }

  // --- 1. state kind changed, same name ---------------------------------------------------------

  /** ValueState<Map<String,Long>> to MapState<String,Long>: both write a MapSerializer. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void valueOfMap_toMapState(Saved saved) throws Exception {
    MapTypeInfo<String, Long> map = new MapTypeInfo<>(Types.STRING, Types.LONG);
    Outcome o =
        probe(
            "valueOfMap_toMapState",
            saved,
            keyed(Types.STRING, new StateFn(SK.VALUE, map, null), StateDeclaration.value("s", map)),
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, Types.STRING, Types.LONG),
                StateDeclaration.map("s", Types.STRING, Types.LONG)),
            false);
    assertAgrees(o);
  }

  /** ValueState<List<Long>> to ListState<Long>: both write a ListSerializer. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void valueOfList_toListState(Saved saved) throws Exception {
    ListTypeInfo<Long> list = new ListTypeInfo<>(Types.LONG);
    Outcome o =
        probe(
            "valueOfList_toListState",
            saved,
            keyed(
                Types.STRING, new StateFn(SK.VALUE, list, null), StateDeclaration.value("s", list)),
            keyed(
                Types.STRING,
                new StateFn(SK.LIST, Types.LONG, null),
                StateDeclaration.list("s", Types.LONG)),
            false);
    assertAgrees(o);
  }

  /** ValueState<Long> to ReducingState<Long>, declared as REDUCING (no types can be given). */
  @Test
  void value_toReducingState() throws Exception {
    Outcome o =
        probe(
            "value_toReducingState",
            Saved.HEAP_CANONICAL,
            longValue(),
            keyed(
                Types.STRING,
                new StateFn(SK.REDUCING, Types.LONG, null),
                StateDeclaration.of("s", StateDeclaration.Kind.REDUCING, "Long")),
            false);
    assertAgrees(o);
  }

  // --- 2. map state key/value types -------------------------------------------------------------

  @Test
  void mapUserKey_stringToLong() throws Exception {
    Outcome o =
        probe(
            "mapUserKey_stringToLong",
            Saved.HEAP_CANONICAL,
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, Types.STRING, Types.LONG),
                StateDeclaration.map("s", Types.STRING, Types.LONG)),
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, Types.LONG, Types.LONG),
                StateDeclaration.map("s", Types.LONG, Types.LONG)),
            false);
    assertAgrees(o);
  }

  @Test
  void mapUserValue_longToString() throws Exception {
    Outcome o =
        probe(
            "mapUserValue_longToString",
            Saved.HEAP_CANONICAL,
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, Types.STRING, Types.LONG),
                StateDeclaration.map("s", Types.STRING, Types.LONG)),
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, Types.STRING, Types.STRING),
                StateDeclaration.map("s", Types.STRING, Types.STRING)),
            false);
    assertAgrees(o);
  }

  /**
   * MapState user key a POJO that gains a field: the serializer migrates; the heap backend does it,
   * RocksDB (and ForSt) refuse to migrate a MapState's user keys.
   */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void mapUserKey_pojoGainsAField(Saved saved) throws Exception {
    Outcome o =
        probe(
            "mapUserKey_pojoGainsAField",
            saved,
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, PKEY_A, Types.LONG),
                StateDeclaration.map("s", PKEY_A, Types.LONG)),
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, PKEY_AB, Types.LONG),
                StateDeclaration.map("s", PKEY_AB, Types.LONG)),
            false);
    assertAgrees(o);
  }

  /**
   * MapState user keys whose serializer is reconfigured while the values migrate: RocksDB (and
   * ForSt) migrate a MapState only when its keys' serializer is compatible as is, so they refuse;
   * the heap backend migrates.
   */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void mapUserKey_reconfigured_whileTheValuesMigrate(Saved saved) throws Exception {
    Outcome o =
        probe(
            "mapUserKey_reconfigured_whileTheValuesMigrate",
            saved,
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, new ReconfiguredStrings(1), PKEY_A),
                StateDeclaration.map("s", new ReconfiguredStrings(1), PKEY_A)),
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, new ReconfiguredStrings(2), PKEY_AB),
                StateDeclaration.map("s", new ReconfiguredStrings(2), PKEY_AB)),
            false);
    assertAgrees(o);
  }

  /** MapState user keys reconfigured, values as they were: every backend restores. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void mapUserKey_reconfigured_valuesAsTheyWere(Saved saved) throws Exception {
    Outcome o =
        probe(
            "mapUserKey_reconfigured_valuesAsTheyWere",
            saved,
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, new ReconfiguredStrings(1), Types.LONG),
                StateDeclaration.map("s", new ReconfiguredStrings(1), Types.LONG)),
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, new ReconfiguredStrings(2), Types.LONG),
                StateDeclaration.map("s", new ReconfiguredStrings(2), Types.LONG)),
            false);
    assertThat(o.restored()).as("restored: %s", o.failure()).isTrue();
    assertAgrees(o);
  }

  /** The same POJO change in a MapState's value: every backend migrates values. */
  @ParameterizedTest
  @EnumSource(Saved.class)
  void mapUserValue_pojoGainsAField(Saved saved) throws Exception {
    Outcome o =
        probe(
            "mapUserValue_pojoGainsAField",
            saved,
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, Types.STRING, PKEY_A),
                StateDeclaration.map("s", Types.STRING, PKEY_A)),
            keyed(
                Types.STRING,
                new StateFn(SK.MAP, Types.STRING, PKEY_AB),
                StateDeclaration.map("s", Types.STRING, PKEY_AB)),
            false);
    assertAgrees(o);
  }

  // --- 3. timers ---------------------------------------------------------------------------------

  /** Timers set in version 1; version 2 keeps the key but sets no timers. */
  @ParameterizedTest
  @EnumSource(
      value = Saved.class,
      names = {"HEAP_CANONICAL", "ROCKSDB_NATIVE"})
  void timers_thenNoTimers(Saved saved) throws Exception {
    Outcome o =
        probe(
            "timers_thenNoTimers",
            saved,
            keyed(Types.STRING, new StateFn(SK.TIMERS, null, null)),
            longValue(),
            false);
    assertAgrees(o);
  }

  /** Timers only (no keyed value state), keyed by String then by Long. */
  @ParameterizedTest
  @EnumSource(
      value = Saved.class,
      names = {"HEAP_CANONICAL", "ROCKSDB_NATIVE"})
  void timersOnly_keyChanged(Saved saved) throws Exception {
    Outcome o =
        probe(
            "timersOnly_keyChanged",
            saved,
            keyed(Types.STRING, new StateFn(SK.TIMERS, null, null)),
            keyed(Types.LONG, new StateFn(SK.TIMERS, null, null)),
            false);
    assertAgrees(o);
  }

  /** Timers only, keyed by String then by Long, the step declaring nothing (a user's operator). */
  @Test
  void timersOnly_keyChanged_undeclared() throws Exception {
    Outcome o =
        probe(
            "timersOnly_keyChanged_undeclared",
            Saved.HEAP_CANONICAL,
            undeclaredKeyed(Types.STRING, new StateFn(SK.TIMERS, null, null)),
            undeclaredKeyed(Types.LONG, new StateFn(SK.TIMERS, null, null)),
            false);
    assertAgrees(o);
  }

  /**
   * RocksDB with heap timers writes no timers into a native savepoint (Flink 2.2.1; the timers are
   * lost, as {@code NativeSavepointTimersITCase} in etl-operators shows): the restore runs, and the
   * check says the step's timers are not in the savepoint.
   */
  @Test
  void rocksDbHeapTimers_native_sameJob_theTimersAreNotInTheSavepoint() throws Exception {
    Setup heapTimers =
        Setup.DEFAULT.with(c -> c.setString("state.backend.rocksdb.timer-service.factory", "HEAP"));
    Expand v = keyed(Types.STRING, new StateFn(SK.TIMERS, null, null));
    Outcome o =
        probe(
            "rocksDbHeapTimers_native", Saved.ROCKSDB_NATIVE, v, heapTimers, v, heapTimers, false);
    assertAgrees(o);
    assertThat(o.report().findings("p/probe"))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.kind()).isEqualTo(SavepointCheck.Kind.STATE_NOT_IN_SAVEPOINT);
              assertThat(f.states()).containsExactly(ProcessOperatorTimers.NAME);
              assertThat(f.message()).contains("timers the step had set are lost");
            });
  }

  /**
   * RocksDB with heap timers writes the timers of a checkpoint (not of a savepoint) into raw keyed
   * state (Flink 2.2.1), and a restore from the retained checkpoint reads them back ({@code
   * NativeSavepointTimersITCase} in etl-operators): the check must not say they are lost.
   */
  @Test
  void rocksDbHeapTimers_retainedCheckpoint_sameJob_theTimersAreKept() throws Exception {
    Setup heapTimers =
        Setup.DEFAULT.with(c -> c.setString("state.backend.rocksdb.timer-service.factory", "HEAP"));
    Expand v = keyed(Types.STRING, new StateFn(SK.TIMERS, null, null));
    String checkpoint =
        retainedCheckpointOf("rocksDbHeapTimers_retained", Saved.ROCKSDB_NATIVE, v, heapTimers);
    StreamExecutionEnvironment checked = environment(Saved.ROCKSDB_NATIVE, null, false, heapTimers);
    Report report = SavepointCheck.of(checked, build(checked, v, heapTimers)).against(checkpoint);
    assertThat(report.restores()).as(report.toTable()).isTrue();
    assertThat(report.findings("p/probe")).as(report.toTable()).isEmpty();
  }

  /**
   * A retained checkpoint with file merging: Flink writes an empty operator state handle it cannot
   * open for each operator without operator state, and skips it at the restore; the check must read
   * the keyed states beside it.
   */
  @Test
  void fileMergingRetainedCheckpoint_sameJob_matches() throws Exception {
    Setup merging =
        Setup.DEFAULT.with(
            c -> c.setString("execution.checkpointing.file-merging.enabled", "true"));
    Expand v = longValue();
    String checkpoint = retainedCheckpointOf("fileMerging", Saved.HEAP_CANONICAL, v, merging);
    StreamExecutionEnvironment checked = environment(Saved.HEAP_CANONICAL, null, false, merging);
    Report report = SavepointCheck.of(checked, build(checked, v, merging)).against(checkpoint);
    assertThat(report.findings()).as(report.toTable()).isEmpty();
    assertThat(report.savedStates("p/probe")).hasValue(new TreeSet<>(List.of("s", "user-timers")));
  }

  /**
   * The keyed states the check calls "restored and carried on" when the step becomes non-keyed
   * (STATE_NOT_DECLARED): restore version 2, take its savepoint, and see that Flink dropped them;
   * the check's finding must say they are dropped.
   */
  @Test
  void keyedStep_becomesNonKeyed_theKeyedStatesAreDropped() throws Exception {
    Saved saved = Saved.HEAP_CANONICAL;
    Expand v1 = longValue();
    Expand v2 = operator(new OpFn(false, Types.LONG), StateDeclaration.list("ops", Types.LONG));
    String first = savepointOf("nonKeyedCarried", saved, v1, Setup.DEFAULT);
    StreamExecutionEnvironment checked = environment(saved, null, false, Setup.DEFAULT);
    Report before = SavepointCheck.of(checked, build(checked, v2, Setup.DEFAULT)).against(first);

    StreamExecutionEnvironment env = environment(saved, first, false, Setup.DEFAULT);
    build(env, v2, Setup.DEFAULT);
    OUTPUT.clear();
    JobClient job = env.executeAsync("probe-v2-savepoint");
    awaitOutput(job, 50);
    String second =
        job.stopWithSavepoint(false, savepoints.toString(), saved.format)
            .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    StreamExecutionEnvironment again = environment(saved, null, false, Setup.DEFAULT);
    Report after = SavepointCheck.of(again, build(again, v2, Setup.DEFAULT)).against(second);

    assertThat(after.savedStates("p/probe").orElseThrow()).doesNotContain("s", "user-timers");
    assertThat(before.findings("p/probe"))
        .filteredOn(f -> f.states().contains("s"))
        .singleElement()
        .satisfies(f -> assertThat(f.kind()).isEqualTo(SavepointCheck.Kind.KEYED_STATE_DROPPED));
  }

  /** The key a POJO that gains a field: Flink never migrates keys. */
  @Test
  void keyPojoGainsAField() throws Exception {
    Outcome o =
        probe(
            "keyPojoGainsAField",
            Saved.HEAP_CANONICAL,
            keyedByPojo(PKEY_A),
            keyedByPojo(PKEY_AB),
            false);
    assertAgrees(o);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Expand keyedByPojo(TypeInformation<PKey> keyType) {
    return (in, ctx) -> {
      KeyedStream<String, PKey> keyed = in.keyBy(new PKeySelector(), keyType);
      ctx.declareState(keyType, ProcessOperatorTimers.unused());
      ctx.declareState(keyType, StateDeclaration.value("s", Types.LONG));
      return ctx.named(
          ((KeyedStream) keyed).process(new StateFn(SK.VALUE, Types.LONG, null), Types.STRING));
    };
  }

  static final class PKeySelector implements KeySelector<String, PKey> {
    @Override
    public PKey getKey(String value) {
      PKey k = new PKey();
      k.a = new TestSteps.FirstWord().getKey(value);
      return k;
    }
  }

  // --- 4. a user's own state, not declared
  // --------------------------------------------------------

  @ParameterizedTest
  @EnumSource(
      value = Saved.class,
      names = {"HEAP_CANONICAL", "ROCKSDB_NATIVE"})
  void undeclaredKeyedState_longToString(Saved saved) throws Exception {
    Outcome o =
        probe(
            "undeclaredKeyedState_longToString",
            saved,
            undeclaredKeyed(Types.STRING, new StateFn(SK.VALUE, Types.LONG, null)),
            undeclaredKeyed(Types.STRING, new StateFn(SK.VALUE, Types.STRING, null)),
            false);
    assertNotCompared(o, "p/probe");
  }

  /** Keyed state of a step that becomes a non-keyed operator with the same uid. */
  @ParameterizedTest
  @EnumSource(
      value = Saved.class,
      names = {"HEAP_CANONICAL", "ROCKSDB_NATIVE"})
  void keyedStep_becomesNonKeyed(Saved saved) throws Exception {
    Outcome o =
        probe(
            "keyedStep_becomesNonKeyed",
            saved,
            longValue(),
            operator(new OpFn(false, Types.LONG), StateDeclaration.list("ops", Types.LONG)),
            false);
    assertAgrees(o);
  }

  // --- 5. operator state
  // --------------------------------------------------------------------------

  @Test
  void operatorList_toUnion_declared() throws Exception {
    Outcome o =
        probe(
            "operatorList_toUnion_declared",
            Saved.HEAP_CANONICAL,
            operator(new OpFn(false, Types.LONG), StateDeclaration.list("ops", Types.LONG)),
            operator(
                new OpFn(true, Types.LONG),
                StateDeclaration.list("ops", Types.LONG).withUnionDistribution()),
            false);
    assertAgrees(o);
    assertThat(o.failure()).contains("Incompatible state assignment modes");
    assertThat(o.report().findings("p/probe"))
        .singleElement()
        .satisfies(f -> assertThat(f.kind()).isEqualTo(SavepointCheck.Kind.STATE_INCOMPATIBLE));
  }

  /**
   * The same, the step declaring its state as it was (split): the declaration is wrong, not the
   * check.
   */
  @Test
  void operatorList_toUnion_declaredAsItWas() throws Exception {
    Outcome o =
        probe(
            "operatorList_toUnion_declaredAsItWas",
            Saved.HEAP_CANONICAL,
            operator(new OpFn(false, Types.LONG), StateDeclaration.list("ops", Types.LONG)),
            operator(new OpFn(true, Types.LONG), StateDeclaration.list("ops", Types.LONG)),
            false);
    // the check trusts the declarations: a step must declare its union list states as such
    assertThat(o.report().restores()).isTrue();
    assertThat(o.failure()).contains("Incompatible state assignment modes");
  }

  @Test
  void operatorUnion_longToString_declared() throws Exception {
    Outcome o =
        probe(
            "operatorUnion_longToString_declared",
            Saved.HEAP_CANONICAL,
            operator(
                new OpFn(true, Types.LONG),
                StateDeclaration.list("ops", Types.LONG).withUnionDistribution()),
            operator(
                new OpFn(true, Types.STRING),
                StateDeclaration.list("ops", Types.STRING).withUnionDistribution()),
            false);
    assertAgrees(o);
  }

  @Test
  void operatorList_longToString_undeclared() throws Exception {
    Outcome o =
        probe(
            "operatorList_longToString_undeclared",
            Saved.HEAP_CANONICAL,
            operator(new OpFn(false, Types.LONG)),
            operator(new OpFn(false, Types.STRING)),
            false);
    assertNotCompared(o, "p/probe");
  }

  /** A broadcast state's value type changes; declared as a MAP state (the only way to). */
  @Test
  void broadcastValue_longToString_declared() throws Exception {
    Outcome o =
        probe(
            "broadcastValue_longToString_declared",
            Saved.HEAP_CANONICAL,
            broadcast(Types.LONG, StateDeclaration.map("bc", Types.STRING, Types.LONG)),
            broadcast(Types.STRING, StateDeclaration.map("bc", Types.STRING, Types.STRING)),
            false);
    assertAgrees(o);
  }

  @Test
  void broadcastValue_longToString_undeclared() throws Exception {
    Outcome o =
        probe(
            "broadcastValue_longToString_undeclared",
            Saved.HEAP_CANONICAL,
            broadcast(Types.LONG),
            broadcast(Types.STRING),
            false);
    assertNotCompared(o, "p/probe");
  }

  /**
   * A removed operator with state, its state allowed to be dropped, beside a state the step can no
   * longer read: the finding that blocks the restore comes first, in the findings and the table.
   */
  @Test
  void findingsThatBlock_comeFirst_withNonRestoredStateAllowed() throws Exception {
    Expand v1 =
        (in, ctx) ->
            longValue()
                .apply(
                    in.map(new OpFn(false, Types.LONG)).returns(Types.STRING).uid("removed"), ctx);
    Expand v2 =
        keyed(
            Types.STRING,
            new StateFn(SK.VALUE, Types.STRING, null),
            StateDeclaration.value("s", Types.STRING));
    Outcome o = probe("findingsThatBlock_comeFirst", Saved.HEAP_CANONICAL, v1, v2, true);
    assertAgrees(o);
    assertThat(o.report().findings())
        .extracting(SavepointCheck.Finding::kind)
        .containsExactly(SavepointCheck.Kind.STATE_INCOMPATIBLE, SavepointCheck.Kind.NOT_IN_JOB);
  }

  // --- 6. operators without uid
  // -------------------------------------------------------------------

  /** An operator without uid holding operator state, moved by a map inserted before it. */
  @Test
  void noUid_movedByAnInsertedMap() throws Exception {
    Expand v1 = (in, ctx) -> in.map(new OpFn(false, Types.LONG)).returns(Types.STRING);
    Expand v2 =
        (in, ctx) ->
            in.map(new Identity())
                .returns(Types.STRING)
                .map(new OpFn(false, Types.LONG))
                .returns(Types.STRING);
    Outcome refused = probe("noUid_moved", Saved.HEAP_CANONICAL, v1, v2, false);
    assertAgrees(refused);
    Outcome allowed = probe("noUid_moved_allowed", Saved.HEAP_CANONICAL, v1, v2, true);
    assertAgrees(allowed);
  }

  // --- 7. max parallelism ---------------------------------------------------------------------

  /** Saved with max parallelism 2; version 2 sets none and runs with parallelism 3. */
  @Test
  void parallelismAboveTheSavedMaxParallelism() throws Exception {
    Expand v = longValue();
    Outcome o =
        probe(
            "parallelismAboveTheSavedMaxParallelism",
            Saved.HEAP_CANONICAL,
            v,
            Setup.DEFAULT.withMaxParallelism(2),
            v,
            Setup.DEFAULT.withParallelism(3),
            false);
    assertAgrees(o);
  }

  /**
   * Saved with max parallelism 2; version 2 runs only a stateless operator (own vertex, uid) with
   * parallelism 3: does Flink check a vertex without state?
   */
  @Test
  void parallelismAboveTheSavedMaxParallelism_statelessVertexOnly() throws Exception {
    Expand v1 = afterAStatelessMap(map -> map);
    Expand v2 = afterAStatelessMap(map -> map.setParallelism(3));
    Outcome o =
        probe(
            "parallelismAboveTheSavedMaxParallelism_statelessVertexOnly",
            Saved.HEAP_CANONICAL,
            v1,
            Setup.DEFAULT.withMaxParallelism(2),
            v2,
            Setup.DEFAULT,
            false);
    assertAgrees(o);
  }

  /**
   * Saved with max parallelism 2; a stateless map (uid) chained to the source, which holds state,
   * runs in version 2 in a vertex of its own with parallelism 3. Flink records an empty state for
   * every operator of a vertex that holds state, and refuses to assign it above its max
   * parallelism.
   */
  @Test
  void parallelismAboveTheSavedMaxParallelism_statelessOperatorChainedToAStatefulOne()
      throws Exception {
    Expand v1 = (in, ctx) -> in.map(new Identity()).returns(Types.STRING).uid("chained");
    Expand v2 =
        (in, ctx) -> in.map(new Identity()).returns(Types.STRING).uid("chained").setParallelism(3);
    Outcome o =
        probe(
            "parallelismAboveTheSavedMaxParallelism_statelessOperatorChainedToAStatefulOne",
            Saved.HEAP_CANONICAL,
            v1,
            Setup.DEFAULT.withMaxParallelism(2),
            v2,
            Setup.DEFAULT,
            false);
    assertAgrees(o);
    assertThat(o.report().findings("chained"))
        .extracting(SavepointCheck.Finding::kind)
        .containsExactly(SavepointCheck.Kind.PARALLELISM_ABOVE_MAX_PARALLELISM);
  }

  /** Saved with max parallelism 64 set on the environment; version 2 sets none. */
  @Test
  void maxParallelismSettingRemoved() throws Exception {
    Expand v = longValue();
    Outcome o =
        probe(
            "maxParallelismSettingRemoved",
            Saved.HEAP_CANONICAL,
            v,
            Setup.DEFAULT.withMaxParallelism(64),
            v,
            Setup.DEFAULT,
            false);
    assertAgrees(o);
  }

  /** A stateless operator in a vertex of its own gets another max parallelism (only it). */
  @Test
  void maxParallelismChangedOnAStatelessOperatorOnly() throws Exception {
    Expand v1 = afterAStatelessMap(map -> map);
    Expand v2 = afterAStatelessMap(map -> map.setMaxParallelism(64));
    Outcome o =
        probe("maxParallelismChangedOnAStatelessOperatorOnly", Saved.HEAP_CANONICAL, v1, v2, false);
    assertAgrees(o);
  }

  /** Max parallelism 64 set on the stateful operator only (the savepoint's is 128). */
  @Test
  void maxParallelismChangedOnTheStatefulOperatorOnly() throws Exception {
    Expand v1 = longValue();
    Expand v2 =
        (in, ctx) -> {
          SingleOutputStreamOperator<String> op = v1.apply(in, ctx);
          op.setMaxParallelism(64);
          return op;
        };
    Outcome o =
        probe(
            "maxParallelismChangedOnTheStatefulOperatorOnly", Saved.HEAP_CANONICAL, v1, v2, false);
    assertAgrees(o);
  }

  /** A ValueState of a POJO that gains a field. */
  @ParameterizedTest
  @EnumSource(
      value = Saved.class,
      names = {"HEAP_CANONICAL", "FORST_NATIVE"})
  void value_pojoGainsAField(Saved saved) throws Exception {
    Outcome o =
        probe(
            "value_pojoGainsAField",
            saved,
            keyed(
                Types.STRING,
                new StateFn(SK.VALUE, PKEY_A, null),
                StateDeclaration.value("s", PKEY_A)),
            keyed(
                Types.STRING,
                new StateFn(SK.VALUE, PKEY_AB, null),
                StateDeclaration.value("s", PKEY_AB)),
            false);
    assertAgrees(o);
  }

  // --- a step whose state is in an additional operator (ctx.named(op, suffix))
  // --------------------

  /**
   * The state lives in the step's additional operator "p/probe/buffer", declared for it: the same
   * job twice matches, with nothing to report.
   */
  @Test
  void stateInAnAdditionalOperator_sameJob() throws Exception {
    Expand v =
        secondary(new StateFn(SK.VALUE, Types.LONG, null), StateDeclaration.value("s", Types.LONG));
    Outcome o = probe("stateInAnAdditionalOperator_sameJob", Saved.HEAP_CANONICAL, v, v, false);
    assertAgrees(o);
    assertThat(o.report().findings()).isEmpty();
    assertThat(o.report().notCompared()).doesNotContain("p/probe/buffer");
  }

  /** The same, the state's type changed from Long to String: incompatible, as Flink finds. */
  @Test
  void stateInAnAdditionalOperator_longToString() throws Exception {
    Outcome o =
        probe(
            "stateInAnAdditionalOperator_longToString",
            Saved.HEAP_CANONICAL,
            secondary(
                new StateFn(SK.VALUE, Types.LONG, null), StateDeclaration.value("s", Types.LONG)),
            secondary(
                new StateFn(SK.VALUE, Types.STRING, null),
                StateDeclaration.value("s", Types.STRING)),
            false);
    assertAgrees(o);
    assertThat(o.report().findings("p/probe/buffer"))
        .extracting(SavepointCheck.Finding::kind)
        .containsExactly(SavepointCheck.Kind.STATE_INCOMPATIBLE);
  }

  /**
   * The same change, the step declaring the state for its main operator (as if it lived there): the
   * check cannot compare it, and names the operator it did not compare.
   */
  @Test
  void stateInAnAdditionalOperator_declaredForTheMainOne_isNotCompared() throws Exception {
    Outcome o =
        probe(
            "stateInAnAdditionalOperator_declaredForTheMainOne",
            Saved.HEAP_CANONICAL,
            secondary(
                new StateFn(SK.VALUE, Types.LONG, null),
                StateDeclaration.value("s", Types.LONG),
                false),
            secondary(
                new StateFn(SK.VALUE, Types.STRING, null),
                StateDeclaration.value("s", Types.STRING),
                false),
            false);
    assertNotCompared(o, "p/probe/buffer");
  }

  /** The step keeps a Long value state {@code s}, declared, keyed by the record. */
  private static Expand longValue() {
    return keyed(
        Types.STRING,
        new StateFn(SK.VALUE, Types.LONG, null),
        StateDeclaration.value("s", Types.LONG));
  }

  /**
   * {@link #longValue()} behind a stateless map with uid {@code stateless} in a vertex of its own,
   * set up by {@code configure}.
   */
  private static Expand afterAStatelessMap(
      UnaryOperator<SingleOutputStreamOperator<String>> configure) {
    return (in, ctx) ->
        longValue()
            .apply(
                configure
                    .apply(in.map(new Identity()).returns(Types.STRING).uid("stateless"))
                    .disableChaining(),
                ctx);
  }

  private static Expand secondary(StateFn fn, StateDeclaration declaration) {
    return secondary(fn, declaration, true);
  }

  /**
   * The step keeps {@code fn}'s state in its additional operator {@code buffer}, declared for that
   * operator or (not {@code forIt}) for the step's main operator.
   */
  private static Expand secondary(StateFn fn, StateDeclaration declaration, boolean forIt) {
    return (in, ctx) -> {
      if (forIt) {
        ctx.declareState("buffer", Types.STRING, ProcessOperatorTimers.unused());
        ctx.declareState("buffer", Types.STRING, declaration);
      } else {
        ctx.declareState(Types.STRING, ProcessOperatorTimers.unused());
        ctx.declareState(Types.STRING, declaration);
      }
      SingleOutputStreamOperator<String> buffered =
          ctx.named(process(keyBy(in, Types.STRING), fn), "buffer");
      return ctx.named(buffered.map(new Identity()).returns(Types.STRING));
    };
  }

  // --- operators without uid, outside any pipeline
  // ------------------------------------------------

  /** keys → map with operator state (no uid) → sink; version 2 inserts a map (no uid) before it. */
  @Test
  void noUidOutsideAPipeline_movedByAnInsertedMap() throws Exception {
    Raw v1 = in -> in.map(new OpFn(false, Types.LONG)).returns(Types.STRING);
    Raw v2 =
        in ->
            in.map(new Identity())
                .returns(Types.STRING)
                .map(new OpFn(false, Types.LONG))
                .returns(Types.STRING);
    assertAgrees(probe("noUidRaw_moved", Saved.HEAP_CANONICAL, v1, v2, false));
    assertAgrees(probe("noUidRaw_moved_allowed", Saved.HEAP_CANONICAL, v1, v2, true));
  }

  /** Version 2 adds a map after it (changes the number of chained outputs only). */
  @Test
  void noUidOutsideAPipeline_mapAddedDownstream() throws Exception {
    Raw v1 = in -> in.map(new OpFn(false, Types.LONG)).returns(Types.STRING);
    Raw v2 =
        in ->
            in.map(new OpFn(false, Types.LONG))
                .returns(Types.STRING)
                .map(new Identity())
                .returns(Types.STRING);
    assertAgrees(probe("noUidRaw_downstream", Saved.HEAP_CANONICAL, v1, v2, false));
  }

  /**
   * A change of a state no inventory declares: the check cannot see it (it says the savepoint
   * restores, Flink refuses), and the report names the operator among those whose states it did not
   * compare.
   */
  private static void assertNotCompared(Outcome o, String operator) {
    assertThat(o.restored()).as("Flink's restore of a changed state type").isFalse();
    assertThat(o.report().restores()).as(o.report().toTable()).isTrue();
    assertThat(o.report().notCompared()).contains(operator);
    assertThat(o.report().toTable()).contains("states not compared (no inventory declares them)");
  }

  private static void assertAgrees(Outcome o) {
    assertThat(o.report().restores())
        .as(
            "the check says restores()=%s, Flink's restore %s%n%s",
            o.report().restores(),
            o.restored() ? "succeeded" : "failed: " + o.failure(),
            o.report().toTable())
        .isEqualTo(o.restored());
  }

  private static Outcome probe(String name, Saved saved, Expand v1, Expand v2, boolean allow)
      throws Exception {
    return probe(name, saved, v1, Setup.DEFAULT, v2, Setup.DEFAULT, allow);
  }

  private static Outcome probe(
      String name, Saved saved, Expand v1, Setup s1, Expand v2, Setup s2, boolean allow)
      throws Exception {
    String savepoint = savepointOf(name, saved, v1, s1);
    StreamExecutionEnvironment checked = environment(saved, null, false, s2);
    StateInventory inventory = build(checked, v2, s2);
    Report report =
        SavepointCheck.of(checked, inventory).withAllowNonRestoredState(allow).against(savepoint);
    String failure = restoreFailure(saved, savepoint, v2, s2, allow);
    return new Outcome(report, failure);
  }

  private static StreamExecutionEnvironment environment(
      Saved saved, String restoreFrom, boolean allow, Setup setup) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, saved.backend);
    setup.extra().accept(conf);
    if (restoreFrom != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
      conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, allow);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(setup.parallelism());
    if (setup.maxParallelism() > 0) {
      env.setMaxParallelism(setup.maxParallelism());
    }
    return env;
  }

  /** keys (uid "keys") → step "p/probe" → sink (uid "sink"). */
  private static StateInventory build(StreamExecutionEnvironment env, Expand expand, Setup setup) {
    DataGeneratorSource<String> source =
        new DataGeneratorSource<>(
            i -> "k" + (i % 10), Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.STRING);
    DataStream<String> keys =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "keys").uid("keys");
    if (expand instanceof Raw) {
      ((Raw) expand).raw(keys).sinkTo(new QueueSink()).name("sink").uid("sink");
      return new StateInventory(List.of());
    }
    EtlStream<String> out = Etl.from(keys, "p").apply(new Probe(expand));
    out.toDataStream().sinkTo(new QueueSink()).name("sink").uid("sink");
    return out.pipeline().stateInventory();
  }

  private static String savepointOf(String name, Saved saved, Expand v1, Setup setup)
      throws Exception {
    StreamExecutionEnvironment env = environment(saved, null, false, setup);
    build(env, v1, setup);
    OUTPUT.clear();
    JobClient job = env.executeAsync("probe-v1-" + name);
    awaitOutput(job, 100);
    return job.stopWithSavepoint(false, savepoints.toString(), saved.format)
        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Runs version 1 with checkpoints retained on cancellation until a checkpoint completes after its
   * first 100 records, cancels it and returns the latest retained checkpoint.
   */
  private static String retainedCheckpointOf(String name, Saved saved, Expand v1, Setup setup)
      throws Exception {
    Path checkpoints = savepoints.resolve("checkpoints-" + name);
    Setup retaining =
        setup.with(
            c -> {
              c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
              c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
              c.set(
                  CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                  ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
              c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
            });
    StreamExecutionEnvironment env = environment(saved, null, false, retaining);
    build(env, v1, retaining);
    OUTPUT.clear();
    JobClient job = env.executeAsync("probe-v1-" + name);
    Path jobCheckpoints = checkpoints.resolve(job.getJobID().toHexString());
    try {
      awaitOutput(job, 100);
      long before = latestCheckpoint(jobCheckpoints);
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (latestCheckpoint(jobCheckpoints) <= before) {
        assertThat(System.nanoTime()).as("a checkpoint within %s", PATIENCE).isLessThan(deadline);
        TimeUnit.MILLISECONDS.sleep(20);
      }
    } finally {
      job.cancel().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!job.getJobStatus().get().isGloballyTerminalState()) {
      assertThat(System.nanoTime()).as("cancelled within %s", PATIENCE).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(20);
    }
    return jobCheckpoints.resolve("chk-" + latestCheckpoint(jobCheckpoints)).toUri().toString();
  }

  /** The number of the latest checkpoint in {@code jobCheckpoints} with metadata; -1 if none. */
  private static long latestCheckpoint(Path jobCheckpoints) throws IOException {
    if (!Files.isDirectory(jobCheckpoints)) {
      return -1;
    }
    try (Stream<Path> dirs = Files.list(jobCheckpoints)) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("chk-"))
          .filter(d -> Files.exists(d.resolve("_metadata")))
          .mapToLong(d -> Long.parseLong(d.getFileName().toString().substring(4)))
          .max()
          .orElse(-1);
    }
  }

  /** Restores version 2 from the savepoint: null when it runs and emits, else its failure. */
  private static String restoreFailure(
      Saved saved, String savepoint, Expand v2, Setup setup, boolean allow) throws Exception {
    StreamExecutionEnvironment env = environment(saved, savepoint, allow, setup);
    build(env, v2, setup);
    OUTPUT.clear();
    JobClient job = env.executeAsync("probe-v2");
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    try {
      while (OUTPUT.size() < 50) {
        if (job.getJobStatus().get().isGloballyTerminalState()) {
          try {
            job.getJobExecutionResult().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            return "finished without failure, but early";
          } catch (ExecutionException e) {
            return causes(e);
          }
        }
        assertThat(System.nanoTime()).as("output within %s", PATIENCE).isLessThan(deadline);
        TimeUnit.MILLISECONDS.sleep(20);
      }
      TimeUnit.MILLISECONDS.sleep(300); // a failure after the first records would show now
      if (job.getJobStatus().get().isGloballyTerminalState()) {
        try {
          job.getJobExecutionResult().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          return causes(e);
        }
      }
      return null;
    } finally {
      if (!job.getJobStatus().get().isGloballyTerminalState()) {
        job.cancel().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** The deepest causes' messages, the root last. */
  private static String causes(Throwable t) {
    List<String> messages = new ArrayList<>();
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getClass().getSimpleName() + ": " + c.getMessage();
      messages.add(m.split("\n")[0]);
    }
    int from = Math.max(0, messages.size() - 3);
    return String.join(" <- ", messages.subList(from, messages.size()));
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

  // --- versions of the step
  // -------------------------------------------------------------------------

  /** A keyed process function keyed by String (first word) or Long (its hash), declaring states. */
  private static Expand keyed(
      TypeInformation<?> keyType,
      KeyedProcessFunction<Object, String, String> fn,
      StateDeclaration... declarations) {
    return (in, ctx) -> {
      KeyedStream<String, ?> keyed = keyBy(in, keyType);
      ctx.declareState(keyType, ProcessOperatorTimers.unused());
      for (StateDeclaration d : declarations) {
        ctx.declareState(keyType, d);
      }
      return ctx.named(process(keyed, fn));
    };
  }

  /** The same, declaring nothing: a user's own operator no inventory lists. */
  private static Expand undeclaredKeyed(
      TypeInformation<?> keyType, KeyedProcessFunction<Object, String, String> fn) {
    return (in, ctx) -> ctx.named(process(keyBy(in, keyType), fn));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static SingleOutputStreamOperator<String> process(
      KeyedStream<String, ?> keyed, KeyedProcessFunction<Object, String, String> fn) {
    return ((KeyedStream) keyed).process(fn, Types.STRING);
  }

  private static KeyedStream<String, ?> keyBy(DataStream<String> in, TypeInformation<?> keyType) {
    if (keyType.equals(Types.LONG)) {
      return in.keyBy(new WordHash(), Types.LONG);
    }
    return in.keyBy(new TestSteps.FirstWord(), Types.STRING);
  }

  /** A map with operator list state "ops", declared with the given declarations (key VOID). */
  private static Expand operator(OpFn fn, StateDeclaration... declarations) {
    return (in, ctx) -> {
      for (StateDeclaration d : declarations) {
        ctx.declareState(Types.VOID, d);
      }
      return ctx.named(in.map(fn).returns(Types.STRING));
    };
  }

  /** A broadcast process function with broadcast state "bc" of String to valueType. */
  private static Expand broadcast(TypeInformation<?> valueType, StateDeclaration... declarations) {
    return (in, ctx) -> {
      for (StateDeclaration d : declarations) {
        ctx.declareState(Types.VOID, d);
      }
      DataGeneratorSource<String> rules =
          new DataGeneratorSource<>(
              i -> "r" + (i % 5), Long.MAX_VALUE, RateLimiterStrategy.perSecond(20), Types.STRING);
      DataStream<String> ruleStream =
          in.getExecutionEnvironment()
              .fromSource(rules, WatermarkStrategy.noWatermarks(), "rules")
              .uid("rules");
      BcFn fn = new BcFn(valueType);
      return ctx.named(in.connect(ruleStream.broadcast(fn.descriptor())).process(fn, Types.STRING));
    };
  }

  static final class Probe implements EtlStep<String, String> {
    private final Expand expand;

    Probe(Expand expand) {
      this.expand = expand;
    }

    @Override
    public String name() {
      return "probe";
    }

    @Override
    public DataStream<String> expand(DataStream<String> input, StepContext context) {
      return expand.apply(input, context);
    }
  }

  enum SK {
    VALUE,
    MAP,
    LIST,
    REDUCING,
    TIMERS
  }

  /** Keeps one state "s" of a kind and types, writing a sample value per record. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static final class StateFn extends KeyedProcessFunction<Object, String, String> {
    private final SK kind;
    private final TypeInformation t1;
    private final TypeInformation t2;
    private transient Object state;

    StateFn(SK kind, TypeInformation<?> t1, TypeInformation<?> t2) {
      this.kind = kind;
      this.t1 = t1;
      this.t2 = t2;
    }

    @Override
    public void open(OpenContext openContext) {
      switch (kind) {
        case VALUE:
          state = getRuntimeContext().getState(new ValueStateDescriptor<>("s", t1));
          break;
        case MAP:
          state = getRuntimeContext().getMapState(new MapStateDescriptor<>("s", t1, t2));
          break;
        case LIST:
          state = getRuntimeContext().getListState(new ListStateDescriptor<>("s", t1));
          break;
        case REDUCING:
          state =
              getRuntimeContext()
                  .getReducingState(
                      new ReducingStateDescriptor<>("s", (ReduceFunction) new First(), t1));
          break;
        default:
          break;
      }
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      switch (kind) {
        case VALUE:
          ((ValueState) state).update(sample(t1));
          break;
        case MAP:
          ((MapState) state).put(sample(t1), sample(t2));
          break;
        case LIST:
          ((ListState) state).add(sample(t1));
          break;
        case REDUCING:
          ((ReducingState) state).add(sample(t1));
          break;
        case TIMERS:
          ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 10);
          ctx.timerService()
              .registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 3_600_000L);
          break;
        default:
          break;
      }
      out.collect(ctx.getCurrentKey() + "=1");
    }
  }

  static final class First implements ReduceFunction<Object> {
    @Override
    public Object reduce(Object a, Object b) {
      return a;
    }
  }

  /** A map with operator list state "ops" (union or split), of elements of a type. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static final class OpFn implements MapFunction<String, String>, CheckpointedFunction {
    private final boolean union;
    private final TypeInformation type;
    private transient ListState<Object> ops;

    OpFn(boolean union, TypeInformation<?> type) {
      this.union = union;
      this.type = type;
    }

    @Override
    public String map(String value) {
      return value;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      ListStateDescriptor d = new ListStateDescriptor<>("ops", type);
      ops =
          union
              ? context.getOperatorStateStore().getUnionListState(d)
              : context.getOperatorStateStore().getListState(d);
      for (Object ignored : ops.get()) {
        // read it
      }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      ops.update(List.of(sample(type)));
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static final class BcFn extends BroadcastProcessFunction<String, String, String> {
    private final TypeInformation valueType;

    BcFn(TypeInformation<?> valueType) {
      this.valueType = valueType;
    }

    MapStateDescriptor<String, Object> descriptor() {
      return new MapStateDescriptor<>("bc", Types.STRING, valueType);
    }

    @Override
    public void processElement(String value, ReadOnlyContext ctx, Collector<String> out) {
      out.collect(value + "=1");
    }

    @Override
    public void processBroadcastElement(String value, Context ctx, Collector<String> out)
        throws Exception {
      ctx.getBroadcastState(descriptor()).put(value, sample(valueType));
    }
  }

  static final class Identity implements MapFunction<String, String> {
    @Override
    public String map(String value) {
      return value;
    }
  }

  static final class WordHash implements KeySelector<String, Long> {
    @Override
    public Long getKey(String value) {
      return (long) new TestSteps.FirstWord().getKey(value).hashCode();
    }
  }

  /** A POJO whose type information names field {@code a} only, or {@code a} and {@code b}. */
  public static class PKey {
    public String a;
    public Long b;

    public PKey() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof PKey
          && Objects.equals(a, ((PKey) o).a)
          && Objects.equals(b, ((PKey) o).b);
    }

    @Override
    public int hashCode() {
      return Objects.hash(a, b);
    }
  }

  static final TypeInformation<PKey> PKEY_A = Types.POJO(PKey.class, Map.of("a", Types.STRING));
  static final TypeInformation<PKey> PKEY_AB =
      Types.POJO(PKey.class, Map.of("a", Types.STRING, "b", Types.LONG));

  static Object sample(TypeInformation<?> t) {
    if (t.equals(Types.STRING) || t instanceof ReconfiguredStrings) {
      return "x";
    }
    if (t.equals(Types.LONG)) {
      return 1L;
    }
    if (t instanceof MapTypeInfo) {
      Map<Object, Object> m = new HashMap<>();
      MapTypeInfo<?, ?> map = (MapTypeInfo<?, ?>) t;
      m.put(sample(map.getKeyTypeInfo()), sample(map.getValueTypeInfo()));
      return m;
    }
    if (t instanceof ListTypeInfo) {
      List<Object> l = new ArrayList<>();
      l.add(sample(((ListTypeInfo<?>) t).getElementTypeInfo()));
      return l;
    }
    if (t instanceof PojoTypeInfo) {
      PKey k = new PKey();
      k.a = "x";
      k.b = ((PojoTypeInfo<?>) t).getArity() > 1 ? 1L : null;
      return k;
    }
    throw new IllegalArgumentException("no sample of " + t);
  }

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
