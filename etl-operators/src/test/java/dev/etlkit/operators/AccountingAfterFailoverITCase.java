package dev.etlkit.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.JoinStatus;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.annotation.Nullable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
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
 * A bounded job that fails once after a checkpoint in which its steps hold records, and is restored
 * from it: at the end the record accounting balances (docs/concepts.md#record-accounting), for a
 * keep-first dedup in event time (held rows) and a point-in-time join (held facts). The counters of
 * the job's result are those of the restored attempt, which counts the records it restored in.
 */
@Timeout(120)
class AccountingAfterFailoverITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(1)
              .build());

  static final int RECORDS = 2_000;

  /** Records the source has passed before a checkpoint for that checkpoint to count. */
  static final int HELD_AT_CHECKPOINT = 100;

  static final Set<Long> CHECKPOINTS_WITH_RECORDS = ConcurrentHashMap.newKeySet();
  static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
  static final AtomicBoolean FAILED = new AtomicBoolean();

  @Test
  void failureAfterACheckpointHoldingRecords_accountingBalancesAtTheEnd() throws Exception {
    CHECKPOINTS_WITH_RECORDS.clear();
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

    // No watermark passes a record before the end of input: both steps hold every record.
    DataStream<String> rows =
        env.fromSequence(1, RECORDS)
            .map(new FailingOnceAfterACheckpoint(), Types.STRING)
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<String>forBoundedOutOfOrderness(Duration.ofDays(1))
                    .withTimestampAssigner((row, ts) -> Long.parseLong(row.substring(1, 5))));
    DataStream<Change<String>> customers =
        env.fromData(Change.typeInfo(Types.STRING), Change.insert("k0001#c1"))
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Change<String>>forMonotonousTimestamps()
                    .withTimestampAssigner((change, ts) -> 0L));

    EtlPipeline pipeline = Etl.pipeline("rows");
    EtlStream<String> input = pipeline.from(rows);
    EtlStream<String> firsts =
        input.apply(
            Dedup.keepFirst("dedup", (String row) -> row.substring(0, 5))
                .withKeyType(Types.STRING)
                .withEventTimeOrder());
    EtlStream<String> joined =
        input.apply(
            DimensionJoin.asOf(
                "customer",
                customers,
                (String row) -> row.substring(0, 5),
                (String customer) -> customer.substring(0, 5),
                AccountingAfterFailoverITCase::combine,
                Types.STRING));
    firsts.toDataStream().sinkTo(new DiscardingSink<>());
    joined.toDataStream().sinkTo(new DiscardingSink<>());
    pipeline.deadLetters().sinkTo(new DiscardingSink<>());

    JobExecutionResult result = env.execute("accounting-after-failover");

    assertThat(FAILED).as("the job failed once and was restored").isTrue();
    RecordAccounting accounting = RecordAccounting.of(result);
    for (String step : new String[] {"dedup", "customer"}) {
      RecordAccounting.StepCounts counts = accounting.step("rows", step);
      assertThat(counts.isBalanced()).as("%s", counts).isTrue();
      assertThat(counts.in()).as("%s", counts).isEqualTo(RECORDS);
    }
  }

  static String combine(String row, @Nullable String customer, JoinStatus status) {
    return status + " " + row + (customer == null ? "" : " " + customer);
  }

  /**
   * Maps i to {@code k<i>#v1}, slowly until it failed; throws once, at the first record after a
   * checkpoint completed that was taken after {@value #HELD_AT_CHECKPOINT} records.
   */
  static final class FailingOnceAfterACheckpoint extends RichMapFunction<Long, String>
      implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;

    private transient long mapped;

    @Override
    public String map(Long i) throws Exception {
      if (!FAILED.get()) {
        Thread.sleep(1);
        if (CHECKPOINTED.get() && FAILED.compareAndSet(false, true)) {
          throw new RuntimeException("injected failure");
        }
      }
      mapped++;
      return String.format("k%04d#v1", i);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      if (mapped >= HELD_AT_CHECKPOINT) {
        CHECKPOINTS_WITH_RECORDS.add(context.getCheckpointId());
      }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (CHECKPOINTS_WITH_RECORDS.contains(checkpointId)) {
        CHECKPOINTED.set(true);
      }
    }
  }
}
