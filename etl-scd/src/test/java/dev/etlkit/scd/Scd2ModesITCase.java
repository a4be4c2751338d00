package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each {@link HardDeletes} in {@code STREAMING} and {@code BATCH} mode (parallelism 2, heap and
 * RocksDB), in one job per mode: the same history table, the reference's, and the same records in,
 * filtered and dead-lettered ("In batch mode" in docs/scd2.md). The changes carry their effective
 * time as record timestamp, so that batch mode gives each key's changes in time order, ties are
 * broken by source position, and the horizon covers the input: nothing is late in either order. And
 * batch mode ignores the step's state TTL and delete retention: however short, they forget nothing
 * there.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Scd2ModesITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /** Nothing is late in any order: the history is order-independent. */
  private static final long WHOLE_INPUT = Duration.ofDays(1).toMillis();

  private static final List<Change<Account>> DELIVERED =
      Scd2Generator.messy().withKeys(8).withLength(300).generate(7L);

  static Scd2Variant variant(HardDeletes deletes) {
    return new Scd2Variant(
        Scd2Output.RETRACT, deletes, ChangeDetection.all(), List.of(), true, WHOLE_INPUT, null);
  }

  private record Run(
      Map<HardDeletes, Map<String, Scd2Row<Account>>> tables,
      List<String> letters,
      List<RecordAccounting.StepCounts> counts) {}

  private static StreamExecutionEnvironment environment(
      RuntimeExecutionMode mode, StateBackendKind backend) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(
        StateBackendOptions.STATE_BACKEND,
        backend == StateBackendKind.ROCKSDB ? "rocksdb" : "hashmap");
    conf.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    return env;
  }

  /** One pipeline per {@link HardDeletes}, named after it, over the same input. */
  private static Run run(RuntimeExecutionMode mode, StateBackendKind backend) throws Exception {
    StreamExecutionEnvironment env = environment(mode, backend);
    DataStream<Change<Account>> input =
        env.fromData(DELIVERED, Change.typeInfo(Account.TYPE))
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Change<Account>>noWatermarks()
                    .withTimestampAssigner((change, previous) -> change.eventTime()));
    Map<HardDeletes, CloseableIterator<Change<Scd2Row<Account>>>> histories =
        new EnumMap<>(HardDeletes.class);
    List<CloseableIterator<DeadLetter>> deadLetters = new ArrayList<>();
    for (HardDeletes deletes : HardDeletes.values()) {
      EtlPipeline pipeline =
          Etl.pipeline(deletes.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      EtlStream<Change<Scd2Row<Account>>> history =
          pipeline.from(input).apply(variant(deletes).step());
      histories.put(deletes, history.toDataStream().collectAsync());
      deadLetters.add(pipeline.deadLetters().collectAsync());
    }
    JobExecutionResult result = env.execute("scd2-modes-" + mode + "-" + backend);

    Map<HardDeletes, Map<String, Scd2Row<Account>>> tables = new EnumMap<>(HardDeletes.class);
    for (Map.Entry<HardDeletes, CloseableIterator<Change<Scd2Row<Account>>>> history :
        histories.entrySet()) {
      tables.put(history.getKey(), table(drain(history.getValue())));
    }
    List<String> letters = new ArrayList<>();
    for (CloseableIterator<DeadLetter> pipelineLetters : deadLetters) {
      for (DeadLetter letter : drain(pipelineLetters)) {
        letters.add(letter.uid() + " " + letter.errorMessage() + " | " + letter.payloadAsText());
      }
    }
    letters.sort(Comparator.naturalOrder());
    List<RecordAccounting.StepCounts> counts = new ArrayList<>(RecordAccounting.of(result).steps());
    counts.sort(Comparator.comparing(RecordAccounting.StepCounts::pipeline));
    return new Run(tables, letters, counts);
  }

  /**
   * The table a sink holds after {@code changelog}. The collecting sink merges the two subtasks'
   * output, which can put another key's row between a {@code -U} and its {@code +U}: the changes
   * are grouped by key first (a stable sort: each key's in the order its subtask emitted them).
   */
  private static Map<String, Scd2Row<Account>> table(List<Change<Scd2Row<Account>>> changelog) {
    List<Change<Scd2Row<Account>>> byKey = new ArrayList<>(changelog);
    byKey.sort(Comparator.comparing(change -> change.value().key()));
    return Scd2Invariants.materialize(byKey);
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> all = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(all::add);
    }
    return all;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void everyHardDeletes_sameHistoryAndCounters_inBatchAndStreaming(StateBackendKind backend)
      throws Exception {
    Run streaming = run(RuntimeExecutionMode.STREAMING, backend);
    Run batch = run(RuntimeExecutionMode.BATCH, backend);

    long deletes = DELIVERED.stream().filter(c -> c.kind().name().equals("DELETE")).count();
    assertThat(deletes).as("deletes in the input").isGreaterThan(10L);
    for (HardDeletes hardDeletes : HardDeletes.values()) {
      Scd2Variant variant = variant(hardDeletes);
      Scd2Reference.Result<Account> expected = variant.expected(DELIVERED);
      assertThat(expected.late()).as("nothing is late in the delivered order").isEmpty();
      assertThat(streaming.tables().get(hardDeletes))
          .as("%s in streaming mode", hardDeletes)
          .isEqualTo(expected.byVersion());
      assertThat(batch.tables().get(hardDeletes))
          .as("%s in batch mode", hardDeletes)
          .isEqualTo(streaming.tables().get(hardDeletes));
      variant.invariants().check(batch.tables().get(hardDeletes).values());
    }
    assertThat(streaming.tables().get(HardDeletes.IGNORE))
        .as("deletes change the history")
        .isNotEqualTo(streaming.tables().get(HardDeletes.INVALIDATE))
        .isNotEqualTo(streaming.tables().get(HardDeletes.NEW_RECORD));
    assertThat(batch.letters()).isEqualTo(streaming.letters());
    // What a change does to the history depends on the order the step sees: streaming gets changes
    // out of order and splices them in (more out, emitted), batch mode gets them in time order and
    // finds more of them unchanged (deduplicated). What reaches the step, and what it drops
    // unread (the -U and, under IGNORE, the deletes) or rejects, is counted the same.
    assertThat(batch.counts())
        .extracting(c -> c.pipeline(), c -> c.in(), c -> c.filtered(), c -> c.deadLettered())
        .isEqualTo(
            streaming.counts().stream()
                .map(c -> tuple(c.pipeline(), c.in(), c.filtered(), c.deadLettered()))
                .toList());
    assertThat(streaming.counts()).hasSize(3).allMatch(RecordAccounting.StepCounts::isBalanced);
    assertThat(batch.counts()).hasSize(3).allMatch(RecordAccounting.StepCounts::isBalanced);
  }

  /** One millisecond of the generated input's event time becomes an hour. */
  private static final long HOUR_PER_MILLI = Duration.ofHours(1).toMillis();

  /** {@link #DELIVERED} with its event times spread out: a key's changes are hours apart. */
  private static final List<Change<Account>> SPREAD =
      DELIVERED.stream()
          .map(
              c ->
                  Change.of(
                      c.kind(), c.value(), c.eventTime() * HOUR_PER_MILLI, c.sourcePosition()))
          .toList();

  /**
   * The history of {@code variant} over {@link #SPREAD} in {@code mode} (heap), with this state TTL
   * (zero: none) and delete retention (zero: none).
   */
  private static Map<String, Scd2Row<Account>> spreadHistory(
      RuntimeExecutionMode mode, Scd2Variant variant, Duration ttl, Duration deleteRetention)
      throws Exception {
    Scd2Step<Change<Account>, Account> step = variant.step().withStateTtl(ttl);
    if (!deleteRetention.isZero()) {
      step = step.withDeleteRetention(deleteRetention);
    }
    StreamExecutionEnvironment env = environment(mode, StateBackendKind.HEAP);
    DataStream<Change<Account>> input =
        env.fromData(SPREAD, Change.typeInfo(Account.TYPE))
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Change<Account>>noWatermarks()
                    .withTimestampAssigner((change, previous) -> change.eventTime()));
    CloseableIterator<Change<Scd2Row<Account>>> history =
        Etl.from(input, "accounts").apply(step).toDataStream().collectAsync();
    env.execute("scd2-ttl-" + mode + "-" + variant.output() + "-" + ttl + "-" + deleteRetention);
    return table(drain(history));
  }

  /**
   * Batch mode ignores SCD2's state TTL and delete retention, as it ignores Flink's state TTL: a
   * backfill whose changes of a key are hours or days apart in event time, with a TTL and a
   * retention of one millisecond (far shorter than the run spends on a key), forgets no key: the
   * history is the one without them, the reference, and streaming mode's (with a TTL of a minute,
   * which the run never reaches). With append output, no version that was not final at the end is
   * emitted.
   */
  @ParameterizedTest
  @EnumSource(
      value = Scd2Output.class,
      names = {"RETRACT", "APPEND"})
  void stateTtlAndDeleteRetention_inBatch_areIgnored(Scd2Output output) throws Exception {
    long horizon = output == Scd2Output.APPEND ? 200 * HOUR_PER_MILLI : 100 * WHOLE_INPUT;
    Scd2Variant variant =
        new Scd2Variant(
            output, HardDeletes.INVALIDATE, ChangeDetection.all(), List.of(), true, horizon, null);
    Duration minute = Duration.ofMinutes(1);
    Scd2Reference.Result<Account> expected = variant.expected(SPREAD);
    assertThat(expected.late()).as("nothing is late in the delivered order").isEmpty();
    if (output == Scd2Output.APPEND) {
      long closed =
          variant
              .withHorizon(horizon)
              .reference()
              .withOutput(Scd2Output.RETRACT)
              .replay(Scd2Generator.inputs(SPREAD, true))
              .rows()
              .stream()
              .filter(row -> !row.isCurrent())
              .count();
      assertThat((long) expected.rows().size())
          .as("final versions: some, and not every closed one (a forgotten key would emit those)")
          .isPositive()
          .isLessThan(closed);
    }

    Duration milli = Duration.ofMillis(1);
    Map<String, Scd2Row<Account>> batchWithTtl =
        spreadHistory(RuntimeExecutionMode.BATCH, variant, milli, milli);
    assertThat(batchWithTtl).isEqualTo(expected.byVersion());
    assertThat(spreadHistory(RuntimeExecutionMode.BATCH, variant, Duration.ZERO, Duration.ZERO))
        .isEqualTo(batchWithTtl);
    assertThat(spreadHistory(RuntimeExecutionMode.STREAMING, variant, minute, Duration.ZERO))
        .isEqualTo(batchWithTtl);
  }
}
