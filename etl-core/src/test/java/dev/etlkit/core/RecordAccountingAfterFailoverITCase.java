package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job with two inputs, one of which ends early, fails once after a checkpoint taken when that
 * input's task had finished. Flink restores such a task as finished and never opens its operators
 * again, so the restored attempt has no counters of the steps that ran there: the job's result has
 * no accounting of them, and {@link RecordAccounting#step} says why that may be
 * (docs/concepts.md#record-accounting).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordAccountingAfterFailoverITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  static final int RECORDS = 6_000;

  static final AtomicBoolean SHORT_INPUT_DONE = new AtomicBoolean();
  static final Set<Long> CHECKPOINTS_AFTER_IT = ConcurrentHashMap.newKeySet();
  static final AtomicInteger COMPLETED_AFTER_IT = new AtomicInteger();
  static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
  static final AtomicBoolean FAILED = new AtomicBoolean();

  @Test
  void failoverAfterAnInputEnded_stepsOfItsFinishedTaskHaveNoCounts() throws Exception {
    SHORT_INPUT_DONE.set(false);
    CHECKPOINTS_AFTER_IT.clear();
    COMPLETED_AFTER_IT.set(0);
    CHECKPOINTED.set(false);
    FAILED.set(false);
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(10));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    env.enableCheckpointing(50);

    DataStream<String> shortInput = env.fromData(Types.STRING, "a", "b", "c");
    // paced, so checkpoints complete while it runs: 6,000 records at 2,000 a second
    DataGeneratorSource<Long> paced =
        new DataGeneratorSource<>(
            i -> i, RECORDS, RateLimiterStrategy.perSecond(2_000), Types.LONG);
    DataStream<String> longInput =
        env.fromSource(paced, WatermarkStrategy.noWatermarks(), "long-input")
            .map(new FailingOnceAfterACheckpoint(), Types.STRING);

    EtlPipeline pipeline = Etl.pipeline("two");
    EtlStream<String> shortSide =
        pipeline.from(shortInput).apply(Steps.map("short", new MarksTheEnd(), Types.STRING));
    EtlStream<String> longSide =
        pipeline.from(longInput).apply(Steps.map("long", s -> s, Types.STRING));
    // one failover region: both inputs meet behind a shuffle
    shortSide
        .toDataStream()
        .union(longSide.toDataStream())
        .keyBy(s -> s.length())
        .map(s -> s, Types.STRING)
        .sinkTo(new DiscardingSink<>());
    pipeline.deadLetters().sinkTo(new DiscardingSink<>());

    JobExecutionResult result = env.execute("accounting-after-failover");

    assertThat(FAILED).as("the job failed once and was restored").isTrue();
    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).as("%s", accounting).isTrue();
    assertThat(accounting.steps())
        .extracting(RecordAccounting.StepCounts::step)
        .as("the short input's task was restored finished, its step never opened again")
        .containsExactly("long");
    assertThatThrownBy(() -> accounting.step("two", "short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no accounting for step 'short' of pipeline 'two'")
        .hasMessageContaining("restored as finished");
    RecordAccounting checked = RecordAccounting.of(result, pipeline);
    assertThat(checked.missingSteps()).containsExactly("two/short");
    assertThat(checked.isBalanced()).as("the short step's records are unknown").isFalse();
  }

  /** Passes records on and notes when its task is done with the short input. */
  static final class MarksTheEnd extends RichMapFunction<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String map(String value) {
      return value;
    }

    @Override
    public void close() {
      SHORT_INPUT_DONE.set(true);
    }
  }

  /**
   * Maps i to its text; throws once, at the first record after the second checkpoint completed that
   * was triggered once the short input's task had closed its step (the second: the first may have
   * been triggered before the task reported itself finished).
   */
  static final class FailingOnceAfterACheckpoint extends RichMapFunction<Long, String>
      implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;

    @Override
    public String map(Long i) throws Exception {
      if (CHECKPOINTED.get() && FAILED.compareAndSet(false, true)) {
        throw new RuntimeException("injected failure");
      }
      return Long.toString(i);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      if (SHORT_INPUT_DONE.get()) {
        CHECKPOINTS_AFTER_IT.add(context.getCheckpointId());
      }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (CHECKPOINTS_AFTER_IT.contains(checkpointId)
          && COMPLETED_AFTER_IT.incrementAndGet() >= 2) {
        CHECKPOINTED.set(true);
      }
    }
  }
}
