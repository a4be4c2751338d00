package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.ModeRuns.counts;
import static dev.etlkit.operators.ModeRuns.drain;
import static dev.etlkit.operators.ModeRuns.environment;
import static dev.etlkit.operators.ModeRuns.letters;
import static dev.etlkit.operators.ModeRuns.miniCluster;
import static dev.etlkit.operators.ModeRuns.table;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same bounded input in {@code STREAMING} and {@code BATCH} mode (parallelism 2, heap and
 * RocksDB): the same final tables, dead letters and counters for keep-first and keep-last, by
 * arrival and in event time ("In batch mode" in docs/dedup.md). Each key's rows carry timestamps in
 * their order of arrival, within a disorder the watermark allows, so no row is late in streaming
 * and batch mode's sort by timestamp keeps each key's arrival order. And batch mode has no state
 * TTL (docs/concepts.md): a TTL of one millisecond there forgets nothing. Nor has it late records:
 * rows that streaming mode finds behind the watermark are on time in batch mode, where the
 * watermark jumps to the end when the input is consumed.
 */
@Timeout(120)
class DedupModesITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = miniCluster();

  private static final int KEYS = 12;

  /** A row's timestamp: the number after '#'. */
  static long timestamp(String row) {
    return Long.parseLong(row.substring(row.indexOf('#') + 1));
  }

  /** The part before '#'; none for "none", and a row of "bad" has no key it could give. */
  static String key(String row) {
    String key = row.substring(0, row.indexOf('#'));
    if (key.equals("bad")) {
      throw new IllegalArgumentException("no key");
    }
    return key.equals("none") ? null : key;
  }

  /**
   * Four rows per key in the given order of their times, one row of a key twice (a redelivery), and
   * two rows without a usable key.
   */
  static List<String> rows(int... order) {
    List<String> rows = new ArrayList<>();
    for (int r : order) {
      for (int k = 0; k < KEYS; k++) {
        rows.add("k" + k + "#" + (100 + 10 * r + k % 3));
      }
    }
    rows.add("k4#" + (100 + 10 * 3 + 1)); // k4's last row again: an identical redelivery
    rows.add("none#150");
    rows.add("bad#150");
    return rows;
  }

  /** Each key's first row in time and its last one. */
  static Map<String, String> expected(boolean last) {
    Map<String, String> table = new TreeMap<>();
    for (int k = 0; k < KEYS; k++) {
      table.put("k" + k, "k" + k + "#" + (100 + (last ? 30 : 0) + k % 3));
    }
    return table;
  }

  private record Run(
      Map<String, String> firstInTime,
      Map<String, String> lastInTime,
      Map<String, String> lastArrived,
      List<String> letters,
      List<RecordAccounting.StepCounts> counts) {}

  private static Run run(
      RuntimeExecutionMode mode,
      StateBackendKind backend,
      UnaryOperator<Dedup.DedupStep<String, String, String, String>> firstOptions,
      UnaryOperator<Dedup.DedupStep<String, String, String, Change<String>>> lastOptions)
      throws Exception {
    StreamExecutionEnvironment env = environment(mode, backend);
    EtlPipeline pipeline = Etl.pipeline("rows");
    // in event time, the second and the fourth row of a key arrive before the first and the third
    // (by up to 15 ms, which the watermark allows); by arrival, in the order of their times
    EtlStream<String> in = pipeline.from(timestamped(env, rows(1, 0, 3, 2)));
    EtlStream<String> inOrder = pipeline.from(timestamped(env, rows(0, 1, 2, 3)));
    CloseableIterator<String> firstInTime =
        in.apply(
                firstOptions.apply(
                    Dedup.keepFirst("first-in-time", DedupModesITCase::key)
                        .withKeyType(Types.STRING)
                        .withEventTimeOrder()))
            .toDataStream()
            .collectAsync();
    CloseableIterator<Change<String>> lastInTime =
        in.apply(
                lastOptions.apply(
                    Dedup.keepLast("last-in-time", DedupModesITCase::key)
                        .withKeyType(Types.STRING)
                        .withEventTimeOrder()
                        .withRetractOutput()))
            .toDataStream()
            .collectAsync();
    CloseableIterator<Change<String>> lastArrived =
        inOrder
            .apply(
                lastOptions.apply(
                    Dedup.keepLast("last-arrived", DedupModesITCase::key)
                        .withKeyType(Types.STRING)
                        .withUpsertOutput()))
            .toDataStream()
            .collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("dedup-modes-" + mode);

    Map<String, String> first = new TreeMap<>();
    for (String row : drain(firstInTime)) {
      assertThat(first.put(key(row), row)).as("a second row of %s", row).isNull();
    }
    return new Run(
        first,
        table(drain(lastInTime), DedupModesITCase::key),
        table(drain(lastArrived), DedupModesITCase::key),
        letters(drain(deadLetters)),
        counts(result));
  }

  private static DataStream<String> timestamped(StreamExecutionEnvironment env, List<String> rows) {
    return env.fromData(rows, Types.STRING)
        .setParallelism(1)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<String>forBoundedOutOfOrderness(Duration.ofMillis(50))
                .withTimestampAssigner((row, ts) -> timestamp(row)))
        .setParallelism(1);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void everyOrdering_sameTablesDeadLettersAndCounters_inBatchAndStreaming(StateBackendKind backend)
      throws Exception {
    Run streaming =
        run(
            RuntimeExecutionMode.STREAMING,
            backend,
            UnaryOperator.identity(),
            UnaryOperator.identity());
    Run batch =
        run(
            RuntimeExecutionMode.BATCH,
            backend,
            UnaryOperator.identity(),
            UnaryOperator.identity());

    assertThat(streaming.firstInTime()).isEqualTo(expected(false));
    assertThat(streaming.lastInTime()).isEqualTo(expected(true));
    assertThat(streaming.lastArrived()).isEqualTo(expected(true));
    assertThat(streaming.letters()).hasSize(6); // two rows without a key, in each of three steps
    assertThat(batch.firstInTime()).isEqualTo(streaming.firstInTime());
    assertThat(batch.lastInTime()).isEqualTo(streaming.lastInTime());
    assertThat(batch.lastArrived()).isEqualTo(streaming.lastArrived());
    assertThat(batch.letters()).isEqualTo(streaming.letters());
    assertThat(batch.counts().get(0)).isEqualTo(streaming.counts().get(0)); // first-in-time
    assertThat(batch.counts().get(1)).isEqualTo(streaming.counts().get(1)); // last-arrived
    // keep-last in event time emits every newer row as it comes. Streaming gets a key's rows out of
    // time order and drops the two that come after a later one; batch mode gets them in time order
    // and emits (then replaces) each: the same table, another changelog and other counts.
    assertThat(streaming.counts().get(2))
        .extracting(c -> c.out(), c -> c.deduplicated(), c -> c.emitted())
        .containsExactly(2L * KEYS, 2L * KEYS + 1, 3L * KEYS);
    assertThat(batch.counts().get(2))
        .extracting(c -> c.out(), c -> c.deduplicated(), c -> c.emitted())
        .containsExactly(4L * KEYS, 1L, 7L * KEYS);
  }

  /**
   * Batch mode has no state TTL: a TTL of one millisecond, which can forget a key between its rows
   * in streaming, forgets none in batch mode, which gives the result without a TTL.
   */
  @Test
  void stateTtl_inBatch_forgetsNothing_theResultWithoutTtl() throws Exception {
    Run withoutTtl =
        run(
            RuntimeExecutionMode.BATCH,
            StateBackendKind.HEAP,
            UnaryOperator.identity(),
            UnaryOperator.identity());
    Run batchWithTtl =
        run(
            RuntimeExecutionMode.BATCH,
            StateBackendKind.HEAP,
            step -> step.withStateTtl(Duration.ofMillis(1)),
            step -> step.withStateTtl(Duration.ofMillis(1)));

    assertThat(withoutTtl.firstInTime()).isEqualTo(expected(false));
    assertThat(withoutTtl.lastInTime()).isEqualTo(expected(true));
    assertThat(batchWithTtl).isEqualTo(withoutTtl);
  }

  /**
   * Each key's rows arrive at 100, 200, 50 and 150, the watermark 10 behind the latest row (set by
   * every row): in streaming mode the rows at 50 and 150 are late.
   */
  static List<String> lateRows() {
    List<String> rows = new ArrayList<>();
    for (int time : new int[] {100, 200, 50, 150}) {
      for (int k = 0; k < KEYS; k++) {
        rows.add("k" + k + "#" + time);
      }
    }
    return rows;
  }

  /** Sets the watermark 10 ms behind the latest row with every row (no periodic watermarks). */
  static final class EveryRow implements WatermarkGenerator<String> {
    private long latest = Long.MIN_VALUE;

    @Override
    public void onEvent(String row, long timestamp, WatermarkOutput output) {
      latest = Math.max(latest, timestamp);
      output.emitWatermark(new Watermark(latest - 10));
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      // every row sets the watermark
    }
  }

  private record LateRun(
      Map<String, String> first,
      List<String> lateFirst,
      Map<String, String> last,
      List<String> letters,
      List<RecordAccounting.StepCounts> counts) {}

  /**
   * Keep-first in event time, late rows to the side output (the default), and keep-last in event
   * time, late rows to the dead letters, on {@link #lateRows()}.
   */
  private static LateRun lateRun(RuntimeExecutionMode mode, StateBackendKind backend)
      throws Exception {
    StreamExecutionEnvironment env = environment(mode, backend);
    EtlPipeline pipeline = Etl.pipeline("late");
    EtlStream<String> in =
        pipeline.from(
            env.fromData(lateRows(), Types.STRING)
                .setParallelism(1)
                .assignTimestampsAndWatermarks(
                    WatermarkStrategy.<String>forGenerator(context -> new EveryRow())
                        .withTimestampAssigner((row, ts) -> timestamp(row)))
                .setParallelism(1)); // so is the key check: each dedup subtask has one input
    Dedup.DedupStep<String, String, String, String> firstStep =
        Dedup.keepFirst("first", DedupModesITCase::key)
            .withKeyType(Types.STRING)
            .withEventTimeOrder();
    EtlStream<String> first = in.apply(firstStep);
    CloseableIterator<String> firstRows = first.toDataStream().collectAsync();
    CloseableIterator<String> lateFirst = firstStep.lateRecords(first).collectAsync();
    CloseableIterator<Change<String>> last =
        in.apply(
                Dedup.keepLast("last", DedupModesITCase::key)
                    .withKeyType(Types.STRING)
                    .withEventTimeOrder()
                    .withLateRecords(LateRecords.DEAD_LETTER)
                    .withRetractOutput())
            .toDataStream()
            .collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("dedup-late-" + mode);

    Map<String, String> firstTable = new TreeMap<>();
    for (String row : drain(firstRows)) {
      assertThat(firstTable.put(key(row), row)).as("a second row of %s", row).isNull();
    }
    return new LateRun(
        firstTable,
        drain(lateFirst).stream().sorted().toList(),
        table(drain(last), DedupModesITCase::key),
        letters(drain(deadLetters)),
        counts(result));
  }

  /** Each key's row at {@code time}. */
  private static Map<String, String> each(int time) {
    Map<String, String> table = new TreeMap<>();
    for (int k = 0; k < KEYS; k++) {
      table.put("k" + k, "k" + k + "#" + time);
    }
    return table;
  }

  /**
   * Late records in event time: in streaming mode the rows behind the watermark go to the side
   * output or the dead letters and never change the result; in batch mode no row is late (the
   * watermark is at the end only once the input is consumed), so each is judged by its time: a row
   * streaming dropped as late can win there (keep-first takes the row at 50, streaming the one at
   * 100), and the late-records side output, the late dead letters and their counts stay empty.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void lateRecords_lateInStreaming_onTimeInBatch(StateBackendKind backend) throws Exception {
    LateRun streaming = lateRun(RuntimeExecutionMode.STREAMING, backend);
    LateRun batch = lateRun(RuntimeExecutionMode.BATCH, backend);

    List<String> late = new ArrayList<>();
    for (int time : new int[] {150, 50}) {
      late.addAll(each(time).values());
    }
    assertThat(streaming.first()).isEqualTo(each(100));
    assertThat(streaming.lateFirst()).containsExactlyInAnyOrderElementsOf(late);
    assertThat(streaming.last()).isEqualTo(each(200));
    assertThat(streaming.letters())
        .hasSize(2 * KEYS)
        .allMatch(letter -> letter.startsWith("late/last " + LateRecordException.class.getName()));
    assertThat(streaming.counts())
        .extracting(c -> c.step(), c -> c.filtered(), c -> c.deadLettered())
        .containsExactly(tuple("first", 2L * KEYS, 0L), tuple("last", 0L, 2L * KEYS));

    assertThat(batch.first()).isEqualTo(each(50));
    assertThat(batch.lateFirst()).isEmpty();
    assertThat(batch.last()).isEqualTo(each(200));
    assertThat(batch.letters()).isEmpty();
    assertThat(batch.counts())
        .extracting(c -> c.step(), c -> c.filtered(), c -> c.deadLettered())
        .containsExactly(tuple("first", 0L, 0L), tuple("last", 0L, 0L));
  }
}
