package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
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
 * Keep-first with mini-batches in batch and streaming mode: one row per key either way. In batch
 * mode Flink keeps the state of the current key only and drops it when the key changes, so a bundle
 * that holds the end of one key and the start of the next must not lose the first key's state
 * between two flushes.
 */
class DedupBatchITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final int KEYS = 20;

  private static final int ROWS_PER_KEY = 5;

  @ParameterizedTest
  @EnumSource(
      value = RuntimeExecutionMode.class,
      names = {"STREAMING", "BATCH"})
  @Timeout(120)
  void keepFirst_withMiniBatches_emitsOneRowPerKey_byArrivalAndInEventTime(
      RuntimeExecutionMode mode) throws Exception {
    Configuration config = new Configuration();
    config.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    config.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    List<String> rows = new ArrayList<>();
    for (int r = 0; r < ROWS_PER_KEY; r++) {
      for (int k = 0; k < KEYS; k++) {
        rows.add("k" + k + "#" + r);
      }
    }
    DataStream<String> input =
        env.fromData(rows, Types.STRING)
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<String>forMonotonousTimestamps()
                    .withTimestampAssigner(
                        (row, ts) -> Long.parseLong(row.substring(row.indexOf('#') + 1))));

    EtlPipeline pipeline = Etl.pipeline("rows");
    EtlStream<String> rowsIn = pipeline.from(input);
    CloseableIterator<String> arrival =
        rowsIn.apply(keepFirst("first-arrived")).toDataStream().collectAsync();
    CloseableIterator<String> eventTime =
        rowsIn.apply(keepFirst("first-in-time").withEventTimeOrder()).toDataStream().collectAsync();
    JobExecutionResult result = env.execute("dedup-batch-" + mode);

    for (CloseableIterator<String> out : List.of(arrival, eventTime)) {
      List<String> emitted = new ArrayList<>();
      out.forEachRemaining(emitted::add);
      assertThat(emitted).hasSize(KEYS).allMatch(row -> row.endsWith("#0"));
    }
    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    for (String step : List.of("first-arrived", "first-in-time")) {
      assertThat(accounting.step("rows", step).deduplicated()).isEqualTo(KEYS * (ROWS_PER_KEY - 1));
    }
  }

  /**
   * Keep-last by version on a changelog with a delete retention: in batch mode Flink fires each
   * key's processing-time timers when its input ends, which removes its tombstone then; nothing is
   * lost or emitted twice, and the materialized result is streaming mode's.
   */
  @ParameterizedTest
  @EnumSource(
      value = RuntimeExecutionMode.class,
      names = {"STREAMING", "BATCH"})
  @Timeout(120)
  void keepLastWithDeleteRetention_materializesTheStreamingResult(RuntimeExecutionMode mode)
      throws Exception {
    Configuration config = new Configuration();
    config.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    config.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    List<Change<String>> changes = new ArrayList<>();
    Map<String, String> expected = new TreeMap<>();
    for (int k = 0; k < KEYS; k++) {
      String key = "k" + k;
      changes.add(Change.insert(key + "#v1"));
      changes.add(Change.updateAfter(key + "#v2"));
      changes.add(Change.delete(key + "#v3"));
      if (k % 2 == 0) {
        changes.add(Change.insert(key + "#v4")); // live again
        expected.put(key, key + "#v4");
      }
      changes.add(Change.insert(key + "#v0")); // older than the delete: stale
    }
    DataStream<Change<String>> input =
        env.fromData(changes, Change.typeInfo(Types.STRING)).setParallelism(1);

    EtlStream<Change<String>> output =
        Etl.pipeline("cdc")
            .from(input)
            .apply(
                Dedup.keepLast("current", (String row) -> row.substring(0, row.indexOf('#')))
                    .withKeyType(Types.STRING)
                    .withOrdering(DedupOrder.by("version", DedupHarness::version))
                    .withRetractOutput()
                    .onChangelog()
                    .withDeleteRetention(Duration.ofHours(1)));
    CloseableIterator<Change<String>> emitted = output.toDataStream().collectAsync();
    JobExecutionResult result = env.execute("dedup-delete-retention-" + mode);

    Map<String, String> table = new TreeMap<>();
    emitted.forEachRemaining(
        change -> {
          String key = change.value().substring(0, change.value().indexOf('#'));
          switch (change.kind()) {
            case INSERT -> assertThat(table.put(key, change.value())).as("%s", change).isNull();
            case UPDATE_AFTER ->
                assertThat(table.put(key, change.value())).as("%s", change).isNotNull();
            case DELETE ->
                assertThat(table.remove(key)).as("%s of a key not live", change).isNotNull();
            default -> {} // -U: the +U after it replaces the row
          }
        });
    assertThat(table).isEqualTo(expected);
    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
  }

  /** Keep-first by the part before '#', in bundles of three records. */
  private static Dedup.DedupStep<String, String, String, String> keepFirst(String name) {
    return Dedup.keepFirst(name, (String row) -> row.substring(0, row.indexOf('#')))
        .withKeyType(Types.STRING)
        .withMiniBatch(3, Duration.ofHours(1));
  }
}
