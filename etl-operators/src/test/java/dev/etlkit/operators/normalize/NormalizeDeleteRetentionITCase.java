package dev.etlkit.operators.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Acct;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
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
 * {@code withDeleteRetention} in a job: the output is the step's output without the option, in
 * streaming and in batch mode, where Flink fires a key's processing-time timers at the end of the
 * key's input (so the markers go then, when no record of the key is left to read them).
 */
@Timeout(120)
class NormalizeDeleteRetentionITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final TypeInformation<Change<Acct>> CHANGE =
      Change.typeInfo(TypeInformation.of(Acct.class));

  @ParameterizedTest
  @EnumSource(
      value = RuntimeExecutionMode.class,
      names = {"STREAMING", "BATCH"})
  void output_isTheOutputWithoutTheOption(RuntimeExecutionMode mode) throws Exception {
    StreamExecutionEnvironment env = environment(mode);
    EtlPipeline pipeline = Etl.pipeline("crm");
    EtlStream<Change<Acct>> input = pipeline.from(input(env));
    ChangeSequence<Acct> version = change -> change.value().ver();
    EtlStream<Change<Acct>> kept =
        input.apply(Normalize.upserts("kept", Acct::id, Types.STRING).withSequence(version));
    EtlStream<Change<Acct>> retained =
        input.apply(
            Normalize.upserts("retained", Acct::id, Types.STRING)
                .withSequence(version)
                .withDeleteRetention(Duration.ofHours(1)));
    CloseableIterator<Change<Acct>> keptOutput = kept.toDataStream().collectAsync();
    CloseableIterator<Change<Acct>> retainedOutput = retained.toDataStream().collectAsync();

    JobExecutionResult result = env.execute("normalize-delete-retention-" + mode);

    Map<String, List<String>> expected = byKey(keptOutput);
    assertThat(expected.get("k1")).containsExactly("+Ik1#a/1", "-Dk1#a/1", "+Ik1#c/4");
    assertThat(expected.get("k2")).containsExactly("+Ik2#a/1", "-Dk2#a/1");
    assertThat(byKey(retainedOutput)).isEqualTo(expected);
    RecordAccounting accounting = RecordAccounting.of(result);
    RecordAccounting.StepCounts plain = accounting.step("crm", "kept");
    RecordAccounting.StepCounts step = accounting.step("crm", "retained");
    assertThat(step.isBalanced()).as(step.toString()).isTrue();
    assertThat(List.of(step.in(), step.out(), step.filtered(), step.deduplicated()))
        .as(step.toString())
        .isEqualTo(List.of(plain.in(), plain.out(), plain.filtered(), plain.deduplicated()));
  }

  /**
   * Two keys, deleted, each then getting a late update (stale against the delete's sequence) and a
   * redelivered delete; k1 also a newer insert. Timestamped in arrival order (batch mode sorts a
   * key's records by timestamp).
   */
  private static DataStream<Change<Acct>> input(StreamExecutionEnvironment env) {
    return env.fromData(
            List.of(
                Change.insert(new Acct("k1", "a", 1L)),
                Change.insert(new Acct("k2", "a", 1L)),
                Change.delete(new Acct("k1", null, 2L)),
                Change.delete(new Acct("k2", null, 2L)),
                Change.updateAfter(new Acct("k1", "b", 1L)), // late: stale
                Change.updateAfter(new Acct("k2", "b", 1L)), // late: stale
                Change.delete(new Acct("k2", null, 2L)), // redelivered
                Change.insert(new Acct("k1", "c", 4L))),
            CHANGE)
        .setParallelism(1)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Change<Acct>>forMonotonousTimestamps()
                .withTimestampAssigner(new ArrivalOrder()))
        .setParallelism(1);
  }

  /** Timestamps 1, 2, 3, ... in arrival order. */
  private static final class ArrivalOrder implements SerializableTimestampAssigner<Change<Acct>> {
    private static final long serialVersionUID = 1L;
    private long next;

    @Override
    public long extractTimestamp(Change<Acct> change, long previous) {
      return ++next;
    }
  }

  private static Map<String, List<String>> byKey(CloseableIterator<Change<Acct>> output) {
    Map<String, List<String>> byKey = new TreeMap<>();
    output.forEachRemaining(
        c ->
            byKey
                .computeIfAbsent(c.value().id(), k -> new ArrayList<>())
                .add(c.kind().shortString() + c.value()));
    return byKey;
  }

  private static StreamExecutionEnvironment environment(RuntimeExecutionMode mode) {
    Configuration config = new Configuration();
    config.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    config.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    return env;
  }
}
