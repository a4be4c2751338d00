package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.SavepointCheck;
import dev.etlkit.core.SavepointCheck.Finding;
import dev.etlkit.core.SavepointCheck.Kind;
import dev.etlkit.core.SavepointCheck.Report;
import dev.etlkit.core.StateInventory;
import dev.etlkit.operators.ModeRuns;
import dev.etlkit.testkit.StateBackendKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.testutils.CommonTestUtils;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SavepointCheck} on a real savepoint of a running keep-first dedup step checked against the
 * same step turned keep-last: the dedup state is {@code STATE_INCOMPATIBLE}, and the finding's
 * message names what the savepoint's state holds and what the job's step would write (the keep mode
 * each records in its serializer), so the user learns what differs without reading etlkit's source.
 * On heap and RocksDB.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DedupSavepointCheckITCase {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = ModeRuns.miniCluster();

  @TempDir static Path savepoints;

  /** The rows the running job's dedup step has emitted. */
  static final AtomicLong EMITTED = new AtomicLong();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstSwitchedToKeepLast_isStateIncompatible_andTheMessageNamesBothModes(
      StateBackendKind backend) throws Exception {
    String savepoint = keepFirstSavepoint(backend);

    StreamExecutionEnvironment env = ModeRuns.environment(RuntimeExecutionMode.STREAMING, backend);
    StateInventory inventory = keepLast(env);
    Report report = SavepointCheck.of(env, inventory).against(savepoint);

    assertThat(report.restores()).isFalse();
    assertThat(report.findings())
        .filteredOn(f -> f.kind() == Kind.STATE_INCOMPATIBLE)
        .isNotEmpty()
        .allSatisfy(f -> assertThat(f.operator()).isEqualTo("p/dedup"))
        .extracting(Finding::message)
        .anySatisfy(
            message ->
                assertThat(message)
                    .containsPattern("the savepoint's state was written by [^,]*\\(.*keepFirst")
                    .containsPattern("the job's step writes [^,]*\\(.*keepLast")
                    .doesNotContain("@"));
  }

  private static String keepFirstSavepoint(StateBackendKind backend) throws Exception {
    StreamExecutionEnvironment env = ModeRuns.environment(RuntimeExecutionMode.STREAMING, backend);
    EtlStream<String> kept =
        Etl.from(source(env), "p").apply(Dedup.keepFirst("dedup", DedupSavepointCheckITCase::key));
    kept.toDataStream()
        .map(new Counted<>(), Types.STRING)
        .uid("counted")
        .sinkTo(new DiscardingSink<>())
        .uid("sink");
    EMITTED.set(0);
    JobClient job = env.executeAsync("dedup-savepoint-check-" + backend);
    CommonTestUtils.waitUtil(
        () -> EMITTED.get() >= 5 || job.getJobStatus().join().isGloballyTerminalState(),
        PATIENCE,
        "the step emitted 5 rows");
    assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    return job.stopWithSavepoint(false, savepoints.toString(), SavepointFormatType.CANONICAL)
        .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next version of the job: the same step, keeping the last row of each key. */
  private static StateInventory keepLast(StreamExecutionEnvironment env) {
    EtlStream<?> kept =
        Etl.from(source(env), "p").apply(Dedup.keepLast("dedup", DedupSavepointCheckITCase::key));
    kept.toDataStream().sinkTo(new DiscardingSink<>()).uid("sink");
    return kept.pipeline().stateInventory();
  }

  /** Rows of five keys ({@code k0#3} is key k0), read at 200 a second. */
  private static DataStream<String> source(StreamExecutionEnvironment env) {
    GeneratorFunction<Long, String> rows = i -> "k" + (i % 5) + "#" + i;
    DataGeneratorSource<String> source =
        new DataGeneratorSource<>(
            rows, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.STRING);
    return env.fromSource(source, WatermarkStrategy.noWatermarks(), "rows").uid("rows");
  }

  /** The key of a row: the part before '#'. */
  static String key(String row) {
    return row.substring(0, row.indexOf('#'));
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
