package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The step in a job on a local MiniCluster (parallelism 2, RocksDB, generic types disabled, state
 * TTL and delete retention, neither reached): in each output mode, in streaming and in batch mode,
 * its output materializes to the reference history, and its record accounting balances.
 *
 * <p>The changes get their effective time as record timestamp at the source, so that batch mode
 * gives each key's changes to the step in time order (docs/scd2.md, "In batch mode"). Retract and
 * upsert output run with a horizon longer than the input, so nothing is late in any order. Append
 * output emits only versions a horizon behind their key's latest change, so it runs with a horizon
 * that covers the delivery's disorder but not the input: most versions are final, the rest are not
 * emitted at the end of input, in either mode. Not even by the key's TTL or delete retention: in
 * streaming mode Flink drops processing-time timers not yet due when the input ends; in batch mode
 * it fires them early, when the key's records end, and the step then does nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Scd2ITCase {

  /** The logger of Flink's batch-mode timer service, which warns of every timer it ignores. */
  private static final String BATCH_TIMERS =
      "org.apache.flink.streaming.api.operators.sorted.state.BatchExecutionInternalTimeService";

  /** Nothing is late in any order: the history is order-independent. */
  private static final long WHOLE_INPUT = Duration.ofDays(1).toMillis();

  /** Covers the generated delivery's disorder, not its span: the step's output needs no order. */
  private static final long APPEND_HORIZON = 200;

  /** The variant of each output mode (one per mode, so the variants' spread is not needed here). */
  static Scd2Variant variant(Scd2Output output) {
    return switch (output) {
      case RETRACT ->
          new Scd2Variant(
              output,
              HardDeletes.NEW_RECORD,
              ChangeDetection.allExcept("note"),
              List.of("email"),
              true,
              WHOLE_INPUT,
              null);
      case UPSERT ->
          new Scd2Variant(
              output,
              HardDeletes.NEW_RECORD,
              ChangeDetection.all(),
              List.of(),
              true,
              WHOLE_INPUT,
              Scd2.END_OF_TIME);
      case APPEND ->
          new Scd2Variant(
              output,
              HardDeletes.INVALIDATE,
              ChangeDetection.allExcept("note"),
              List.of("email"),
              true,
              APPEND_HORIZON,
              null);
    };
  }

  static Stream<Arguments> outputsAndModes() {
    return Stream.of(Scd2Output.values())
        .flatMap(
            output ->
                Stream.of(RuntimeExecutionMode.STREAMING, RuntimeExecutionMode.BATCH)
                    .map(mode -> Arguments.of(output, mode)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("outputsAndModes")
  void job_materializesToTheReference_inStreamingAndBatchMode(
      Scd2Output output, RuntimeExecutionMode mode) throws Exception {
    Scd2Variant variant = variant(output);
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    List<Change<Account>> delivered =
        Scd2Generator.messy().withKeys(8).withLength(300).generate(42L);
    Scd2Reference.Result<Account> expected = variant.expected(delivered);
    assertThat(expected.late()).as("nothing is late in the delivered order").isEmpty();
    if (output == Scd2Output.APPEND) {
      long closed =
          variant
              .reference()
              .withOutput(Scd2Output.RETRACT)
              .replay(Scd2Generator.inputs(delivered, true))
              .rows()
              .stream()
              .filter(row -> !row.isCurrent())
              .count();
      assertThat((long) expected.rows().size())
          .as("final versions: many, and not every closed one")
          .isGreaterThan(50L)
          .isLessThan(closed);
    }

    DataStream<Change<Account>> input =
        env.fromData(delivered, Change.typeInfo(Account.TYPE))
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Change<Account>>noWatermarks()
                    .withTimestampAssigner((change, previous) -> change.eventTime()));
    EtlStream<Change<Scd2Row<Account>>> history =
        Etl.from(input, "accounts")
            .apply(
                variant
                    .step()
                    .withStateTtl(Duration.ofDays(1)) // never expires here
                    .withDeleteRetention(Duration.ofHours(12))); // nor is a deleted key forgotten
    CloseableIterator<Change<Scd2Row<Account>>> collected = history.toDataStream().collectAsync();
    JobExecutionResult result;
    AtomicInteger ignoredTimers = new AtomicInteger();
    try (WarningCounter counter = new WarningCounter(BATCH_TIMERS, ignoredTimers)) {
      result = env.execute("scd2-it-" + output + "-" + mode);
    }

    List<Change<Scd2Row<Account>>> changes = new ArrayList<>();
    try (collected) {
      collected.forEachRemaining(changes::add);
    }
    // The collect sink interleaves the two subtasks' records, which may part an UPDATE_BEFORE from
    // its UPDATE_AFTER; a stable sort by key keeps each key's records in the order its subtask
    // emitted them.
    changes.sort(Comparator.comparing(change -> change.value().key()));
    Map<String, Scd2Row<Account>> table = Scd2Invariants.materialize(changes);
    assertThat(table).isEqualTo(expected.byVersion());
    variant.invariants().check(table.values());
    assertThat(RecordAccounting.of(result).isBalanced()).isTrue();
    assertThat(RecordAccounting.of(result).step("accounts", "accounts").in())
        .isEqualTo(delivered.size());
    // Batch mode ignores the TTL and the delete retention: the step sets no cleanup timer, so none
    // fires at a key's end, where setting one again would be ignored with a warning per key.
    assertThat(ignoredTimers).hasValue(0);
  }

  /** Counts the warnings of one logger while it is open (the job runs in this JVM). */
  private static final class WarningCounter extends AbstractAppender implements AutoCloseable {
    private final String logger;
    private final AtomicInteger count;

    WarningCounter(String logger, AtomicInteger count) {
      super("warning-counter", null, null, true, Property.EMPTY_ARRAY);
      this.logger = logger;
      this.count = count;
      start();
      LoggerContext context = (LoggerContext) LogManager.getContext(false);
      context.getConfiguration().getRootLogger().addAppender(this, Level.WARN, null);
      context.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
      if (event.getLoggerName().equals(logger)) {
        count.incrementAndGet();
      }
    }

    @Override
    public void close() {
      LoggerContext context = (LoggerContext) LogManager.getContext(false);
      context.getConfiguration().getRootLogger().removeAppender(getName());
      context.updateLoggers();
      stop();
    }
  }
}
