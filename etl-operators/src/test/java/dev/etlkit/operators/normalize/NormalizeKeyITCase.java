package dev.etlkit.operators.normalize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.normalize.NormalizeIndependentReference.Acct;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
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
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A change whose key is null (a CDC row without its primary key, a Kafka record without a key) or
 * whose key selector throws becomes a dead letter of the step before the shuffle, for both
 * normalize steps: Flink's {@code keyBy} would fail the job in its partitioner ("Assigned key must
 * not be null!") and, restarted, fail again on the same record. Valid changes go on as usual, in
 * streaming and batch mode.
 */
@Timeout(120)
class NormalizeKeyITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final String SECRET = "SECRET-4711";
  private static final TypeInformation<Change<Acct>> CHANGE =
      Change.typeInfo(TypeInformation.of(Acct.class));

  @ParameterizedTest
  @EnumSource(
      value = RuntimeExecutionMode.class,
      names = {"STREAMING", "BATCH"})
  void upserts_nullOrThrowingKey_deadLettered_validChangesNormalized(RuntimeExecutionMode mode)
      throws Exception {
    StreamExecutionEnvironment env = environment(mode);
    EtlPipeline pipeline = Etl.pipeline("crm");
    EtlStream<Change<Acct>> normalized =
        pipeline
            .from(input(env))
            .apply(Normalize.upserts("normalize", NormalizeKeyITCase::key, Types.STRING));
    CloseableIterator<Change<Acct>> output = normalized.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("normalize-keys-" + mode);

    assertThat(drain(output))
        .extracting(c -> c.kind().shortString() + c.value())
        .containsExactly("+Ik1#a1/1", "-Dk1#a1/1"); // the delete carries the stored row
    List<DeadLetter> letters = drain(deadLetters);
    assertThat(letters)
        .extracting(l -> l.uid() + " " + l.errorClass() + ": " + l.errorMessage())
        .containsExactlyInAnyOrder(
            "crm/normalize java.lang.IllegalArgumentException: the upsert key is null",
            "crm/normalize java.lang.IllegalArgumentException: no key");
    assertThat(letters).extracting(DeadLetter::errorMessage).noneMatch(m -> m.contains(SECRET));
    assertThat(letters).extracting(DeadLetter::payloadAsText).anyMatch(p -> p.contains(SECRET));
    assertThat(letters).extracting(DeadLetter::sourcePosition).contains("77");
    RecordAccounting.StepCounts step = RecordAccounting.of(result).step("crm", "normalize");
    // in: 6; out: +I and -D; filtered: the -U (never keyed) and the redelivered delete
    assertThat(List.of(step.in(), step.out(), step.filtered(), step.deadLettered()))
        .as(step.toString())
        .containsExactly(6L, 2L, 2L, 2L);
    assertThat(step.isBalanced()).isTrue();
  }

  @Test
  void changelogCheck_nullOrThrowingKey_deadLettered_validChangesPassed() throws Exception {
    StreamExecutionEnvironment env = environment(RuntimeExecutionMode.STREAMING);
    EtlPipeline pipeline = Etl.pipeline("crm");
    EtlStream<Change<Acct>> checked =
        pipeline
            .from(input(env))
            .apply(ChangelogCheck.validate("check", NormalizeKeyITCase::key, Types.STRING));
    CloseableIterator<Change<Acct>> output = checked.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("changelog-check-keys");

    // +I and -U of k1 pass; the -D after the -U breaks rule 1 and closes the pair, so the
    // redelivered -D deletes a key that is not live
    assertThat(drain(output))
        .extracting(Change::kind)
        .containsExactly(RowKind.INSERT, RowKind.UPDATE_BEFORE);
    assertThat(drain(deadLetters))
        .extracting(l -> l.errorClass() + ": " + l.errorMessage())
        .containsExactlyInAnyOrder(
            "java.lang.IllegalArgumentException: the changelog check key is null",
            "java.lang.IllegalArgumentException: no key",
            ChangelogViolationException.class.getName()
                + ": UPDATE_BEFORE not followed by its UPDATE_AFTER: the key's next change is"
                + " DELETE",
            ChangelogViolationException.class.getName() + ": DELETE of a key that is not live");
    RecordAccounting.StepCounts step = RecordAccounting.of(result).step("crm", "check");
    assertThat(List.of(step.in(), step.out(), step.deadLettered()))
        .as(step.toString())
        .containsExactly(6L, 2L, 4L);
    assertThat(step.isBalanced()).isTrue();
  }

  @Test
  void failJobPolicy_nullKey_failsNamingTheStep() {
    StreamExecutionEnvironment env = environment(RuntimeExecutionMode.STREAMING);
    Etl.from(input(env), "crm")
        .apply(
            Normalize.upserts("normalize", NormalizeKeyITCase::key, Types.STRING)
                .withErrorPolicy(ErrorPolicy.failJob()))
        .toDataStream()
        .print();

    assertThatThrownBy(() -> env.execute("normalize-keys-fail"))
        .hasStackTraceContaining("normalize")
        .rootCause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the upsert key is null");
  }

  /**
   * One key's changes (k1) and two without a key, timestamped in their order (batch mode sorts a
   * key's records by timestamp).
   */
  private static DataStream<Change<Acct>> input(StreamExecutionEnvironment env) {
    return env.fromData(
            List.of(
                Change.insert(new Acct("k1", "a1", 1L)),
                Change.insert(new Acct(null, "a2", 2L)), // a row without its key
                Change.updateBefore(new Acct("k1", "a1", 3L)),
                Change.of(RowKind.INSERT, new Acct("bad", SECRET, 4L), null, 77L),
                Change.delete(new Acct("k1", null, 5L)),
                Change.delete(new Acct("k1", null, 6L))), // redelivered
            CHANGE)
        .setParallelism(1)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Change<Acct>>forMonotonousTimestamps()
                .withTimestampAssigner((change, previous) -> change.value().ver()))
        .setParallelism(1);
  }

  /** The id; {@code bad} makes the key selector throw. */
  @Nullable
  static String key(Acct row) {
    if ("bad".equals(row.id())) {
      throw new IllegalArgumentException("no key");
    }
    return row.id();
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

  private static <T> List<T> drain(CloseableIterator<T> iterator) {
    List<T> all = new ArrayList<>();
    iterator.forEachRemaining(all::add);
    return all;
  }
}
