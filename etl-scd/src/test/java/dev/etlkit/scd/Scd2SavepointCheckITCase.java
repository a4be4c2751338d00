package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.SavepointCheck;
import dev.etlkit.core.SavepointCheck.Finding;
import dev.etlkit.core.SavepointCheck.Kind;
import dev.etlkit.core.SavepointCheck.Report;
import dev.etlkit.core.StateInventory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
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
import org.apache.flink.core.testutils.CommonTestUtils;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SavepointCheck} on real savepoints of a running SCD2 job (state format 5) whose step is
 * switched from APPEND to RETRACT: it reports {@code STATE_INCOMPATIBLE} for the cursor and base
 * states, and the restore it predicts to fail does fail, with the step's message. A canonical heap
 * savepoint and a native savepoint of RocksDB with incremental checkpoints (its files are those of
 * an incremental checkpoint). Found by a review of state format 5 on 2026-11-26.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class Scd2SavepointCheckITCase {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @TempDir static Path savepoints;

  /** The rows the running job's SCD2 step has emitted. */
  static final AtomicLong EMITTED = new AtomicLong();

  enum Saved {
    HEAP_CANONICAL("hashmap", SavepointFormatType.CANONICAL),
    ROCKSDB_INCREMENTAL_NATIVE("rocksdb", SavepointFormatType.NATIVE);

    final String backend;
    final SavepointFormatType format;

    Saved(String backend, SavepointFormatType format) {
      this.backend = backend;
      this.format = format;
    }
  }

  @ParameterizedTest
  @EnumSource(Saved.class)
  void appendSwitchedToRetract_isStateIncompatible_andTheRestoreFailsWithTheStepsMessage(
      Saved saved) throws Exception {
    String savepoint = savepointOf(saved, Scd2Output.APPEND);

    StreamExecutionEnvironment sameMode = environment(saved, savepoint);
    Report same =
        SavepointCheck.of(sameMode, build(sameMode, Scd2Output.APPEND)).against(savepoint);
    assertThat(same.findings()).isEmpty();
    assertThat(same.restores()).isTrue();

    StreamExecutionEnvironment switched = environment(saved, savepoint);
    Report report =
        SavepointCheck.of(switched, build(switched, Scd2Output.RETRACT)).against(savepoint);
    assertThat(report.restores()).isFalse();
    assertThat(report.findings())
        .filteredOn(f -> f.kind() == Kind.STATE_INCOMPATIBLE)
        .allSatisfy(f -> assertThat(f.operator()).isEqualTo("p/customers"))
        .flatExtracting(Finding::states)
        .containsExactlyInAnyOrder("cursor", "base");
    assertThat(report.findings())
        .filteredOn(f -> f.kind() == Kind.STATE_INCOMPATIBLE)
        .extracting(Finding::message)
        .allSatisfy(
            message ->
                assertThat(message)
                    .contains(
                        "the savepoint's state was written by KeyCursorSerializer(output APPEND, ")
                    .contains(
                        "the job's step writes KeyCursorSerializer(output RETRACT or UPSERT, ")
                    .doesNotContain("@"));
    assertThat(report.toTable()).contains("cursor").contains("output APPEND");

    assertThat(restoreFailure(switched))
        .contains(
            "SCD2 step 'p/customers' cannot restore its state with output RETRACT: it was"
                + " written with output APPEND");
  }

  private static StreamExecutionEnvironment environment(Saved saved, String restoreFrom) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, saved.backend);
    conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    if (restoreFrom != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    return env;
  }

  /** Five customers, each changing segment once a day, read at 200 changes a second. */
  private static StateInventory build(StreamExecutionEnvironment env, Scd2Output output) {
    GeneratorFunction<Long, Change<Customer>> changes =
        i ->
            Change.updateAfter(
                new Customer(
                    "c" + (i % 5), "s" + (i / 5 % 2), "1", Instant.ofEpochSecond(86_400L * i)));
    DataGeneratorSource<Change<Customer>> source =
        new DataGeneratorSource<>(
            changes, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Scd2Test.CHANGES);
    var read = env.fromSource(source, WatermarkStrategy.noWatermarks(), "changes").uid("changes");
    EtlStream<Change<Scd2Row<Customer>>> history =
        Etl.from(read, "p").apply(Scd2Test.customers().withOutput(output));
    history
        .toDataStream()
        .map(new Counted<>(), history.toDataStream().getType())
        .uid("counted")
        .sinkTo(new DiscardingSink<>())
        .name("sink")
        .uid("sink");
    return history.pipeline().stateInventory();
  }

  private static String savepointOf(Saved saved, Scd2Output output) throws Exception {
    StreamExecutionEnvironment env = environment(saved, null);
    build(env, output);
    EMITTED.set(0);
    JobClient job = env.executeAsync("scd2-savepoint-check-" + saved);
    CommonTestUtils.waitUtil(
        () -> EMITTED.get() >= 20 || job.getJobStatus().join().isGloballyTerminalState(),
        PATIENCE,
        "the step emitted 20 rows");
    assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    return job.stopWithSavepoint(false, savepoints.toString(), saved.format)
        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs the job on {@code env}, expected to fail at its restore: the failure, as text. */
  private static String restoreFailure(StreamExecutionEnvironment env) throws Exception {
    JobClient job = env.executeAsync("scd2-savepoint-check-refused");
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

  private static final class Counted<T> implements MapFunction<T, T> {
    private static final long serialVersionUID = 1L;

    @Override
    public T map(T row) {
      EMITTED.incrementAndGet();
      return row;
    }
  }
}
