package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
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
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The step in a job on a local MiniCluster (parallelism 2, RocksDB, generic types disabled, state
 * TTL and delete retention, neither reached): in streaming and in batch mode its output
 * materializes to the reference history, and its record accounting balances.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Scd2ITCase {

  /** The logger of Flink's batch-mode timer service, which warns of every timer it ignores. */
  private static final String BATCH_TIMERS =
      "org.apache.flink.streaming.api.operators.sorted.state.BatchExecutionInternalTimeService";

  private static final Scd2Variant VARIANT =
      new Scd2Variant(
          Scd2Output.RETRACT,
          HardDeletes.NEW_RECORD,
          ChangeDetection.allExcept("note"),
          List.of("email"),
          true,
          Duration.ofDays(1).toMillis(), // nothing is late: the history is order-independent
          null);

  @ParameterizedTest
  @EnumSource(
      value = RuntimeExecutionMode.class,
      names = {"STREAMING", "BATCH"})
  void job_materializesToTheReference_inStreamingAndBatchMode(RuntimeExecutionMode mode)
      throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    List<Change<Account>> delivered =
        Scd2Generator.messy().withKeys(8).withLength(300).generate(42L);

    EtlStream<Change<Scd2Row<Account>>> history =
        Etl.from(env.fromData(delivered, Change.typeInfo(Account.TYPE)), "accounts")
            .apply(
                VARIANT
                    .step()
                    .withStateTtl(Duration.ofDays(1)) // never expires here
                    .withDeleteRetention(Duration.ofHours(12))); // nor is a deleted key forgotten
    CloseableIterator<Change<Scd2Row<Account>>> output = history.toDataStream().collectAsync();
    JobExecutionResult result;
    AtomicInteger ignoredTimers = new AtomicInteger();
    try (WarningCounter counter = new WarningCounter(BATCH_TIMERS, ignoredTimers)) {
      result = env.execute("scd2-it-" + mode);
    }

    List<Change<Scd2Row<Account>>> changes = new ArrayList<>();
    try (output) {
      output.forEachRemaining(changes::add);
    }
    Map<String, Scd2Row<Account>> table =
        Scd2Invariants.materialize(changes); // a key's records stay in order
    assertThat(table).isEqualTo(VARIANT.expected(delivered).byVersion());
    VARIANT.invariants().check(table.values());
    assertThat(RecordAccounting.of(result).isBalanced()).isTrue();
    assertThat(RecordAccounting.of(result).step("accounts", "accounts").in())
        .isEqualTo(delivered.size());
    // Batch mode fires each key's cleanup timer early, when the key's records end; setting it
    // again there would be ignored with a warning per key.
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
