package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.Materializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Differential test against Flink SQL: the same input through {@code ROW_NUMBER() OVER (PARTITION
 * BY k ORDER BY pt|rt ASC|DESC) = 1} and through the etlkit steps, in one local job, must give the
 * same materialized table; where etlkit differs on purpose, the difference is pinned.
 *
 * <p>Input A: generated rows of five seeds (duplicates, disorder, no late records) in one stream,
 * each seed with its own keys and its event times shifted past the previous seed's, so their
 * watermarks never interfere. Input B: hand-written rows for the deliberate differences.
 */
class DedupFlinkSqlITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension();

  private static final int SEEDS = 5;
  private static final long SEED_SPAN = 1_000_000L;

  private static final String KEEP_FIRST_PT = "ORDER BY pt ASC";
  private static final String KEEP_LAST_PT = "ORDER BY pt DESC";
  private static final String KEEP_FIRST_RT = "ORDER BY rt ASC";
  private static final String KEEP_LAST_RT = "ORDER BY rt DESC";

  /** Input B, key by key: what each key pins. */
  private static final List<Tick> DIFFERENCES =
      List.of(
          // no-op suppression with TTL: an identical redelivery
          Tick.row("ttl#v1", 100),
          Tick.row("ttl#v1", 101),
          // no-op suppression without TTL, after an update (heap state)
          Tick.row("heap#v1", 100),
          Tick.row("heap#v2", 101),
          Tick.row("heap#v2", 102),
          // tie-break: equal event times; v1 arrives later but has the lower version
          Tick.row("tie#v2", 100),
          Tick.row("tie#v1", 100),
          // late records: behind the watermark 200
          Tick.row("late#v1", 150),
          Tick.watermark(200),
          Tick.row("late#v2", 180),
          Tick.row("late#v0", 120),
          Tick.watermark(300));

  @Test
  @Timeout(180)
  void sameInput_sameTables_exceptWhereEtlkitDiffersOnPurpose() throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    config.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.getConfig().setAutoWatermarkInterval(0); // watermarks come only from the ticks
    StreamTableEnvironment tables = StreamTableEnvironment.create(env);

    // ---- input A: generated ----
    DataStream<Tick> generated = replay(env, generatedTicks(), "generated");
    DataStream<String> rowsA = generated.map(Tick::row, Types.STRING).name("rows-a");
    tables.createTemporaryView("a", table(tables, generated));
    CollectingSink<Row> sqlFirstPt = collect(sql(tables, "a", KEEP_FIRST_PT));
    CollectingSink<Row> sqlLastPt = collect(sql(tables, "a", KEEP_LAST_PT));
    CollectingSink<Row> sqlFirstRt = collect(sql(tables, "a", KEEP_FIRST_RT));
    CollectingSink<Row> sqlLastRt = collect(sql(tables, "a", KEEP_LAST_RT));
    CollectingSink<String> firstPt = collect(Etl.from(rowsA, "first-pt").apply(keepFirst()));
    CollectingSink<Change<String>> lastPt =
        collect(Etl.from(rowsA, "last-pt").apply(keepLast().withRetractOutput()));
    CollectingSink<String> firstRt =
        collect(Etl.from(rowsA, "first-rt").apply(keepFirst().withEventTimeOrder()));
    CollectingSink<Change<String>> lastRt =
        collect(Etl.from(rowsA, "last-rt").apply(keepLast().withEventTimeOrder()));

    // ---- input B: the deliberate differences ----
    DataStream<Tick> differences = replay(env, DIFFERENCES, "differences");
    DataStream<String> rowsB = differences.map(Tick::row, Types.STRING).name("rows-b");
    tables.createTemporaryView("b", table(tables, differences));
    tables.getConfig().set(ExecutionConfigOptions.IDLE_STATE_RETENTION, Duration.ofHours(1));
    CollectingSink<Row> sqlLastPtTtl = collect(sql(tables, "b", KEEP_LAST_PT));
    tables.getConfig().set(ExecutionConfigOptions.IDLE_STATE_RETENTION, Duration.ZERO);
    CollectingSink<Row> sqlLastPtB = collect(sql(tables, "b", KEEP_LAST_PT));
    CollectingSink<Row> sqlLastRtB = collect(sql(tables, "b", KEEP_LAST_RT));
    CollectingSink<Row> sqlFirstRtB = collect(sql(tables, "b", KEEP_FIRST_RT));
    CollectingSink<Change<String>> lastPtTtl =
        collect(
            Etl.from(rowsB, "last-pt-ttl")
                .apply(keepLast().withRetractOutput().withStateTtl(Duration.ofHours(1))));
    Dedup.DedupStep<String, String, String, Change<String>> lastByVersion =
        keepLast()
            .withOrdering(DedupOrder.<String>byEventTime().thenBy(DedupHarness::version))
            .withRetractOutput();
    EtlStream<Change<String>> lastRtB = Etl.from(rowsB, "last-rt-b").apply(lastByVersion);
    CollectingSink<Change<String>> lastRtBRows = collect(lastRtB);
    CollectingSink<String> lastRtBLate = collect(lastByVersion.lateRecords(lastRtB));
    Dedup.DedupStep<String, String, String, String> firstRtStep = keepFirst().withEventTimeOrder();
    EtlStream<String> firstRtB = Etl.from(rowsB, "first-rt-b").apply(firstRtStep);
    CollectingSink<String> firstRtBRows = collect(firstRtB);
    CollectingSink<String> firstRtBLate = collect(firstRtStep.lateRecords(firstRtB));

    assertThat(tables.explainSql(query("a", KEEP_FIRST_RT)))
        .as("the planner makes the query an append-only Deduplicate, not a Rank")
        .contains(
            "Deduplicate(keep=[FirstRow], key=[$2], order=[ROWTIME], outputInsertOnly=[true])");
    JobExecutionResult result = env.execute("dedup-vs-flink-sql");

    // Input A: the same tables.
    assertThat(appended(firstPt)).isEqualTo(sqlTable(sqlFirstPt)).hasSizeGreaterThan(20);
    assertThat(materialized(lastPt)).isEqualTo(sqlTable(sqlLastPt));
    assertThat(appended(firstRt)).isEqualTo(sqlTable(sqlFirstRt));
    assertThat(materialized(lastRt)).isEqualTo(sqlTable(sqlLastRt));
    assertThat(sqlTable(sqlLastPt)).isNotEqualTo(sqlTable(sqlFirstPt)); // the input has updates

    // TTL: Flink SQL re-emits an identical row once state TTL is on; etlkit never does.
    assertThat(changes(sqlLastPtTtl, "ttl"))
        .containsExactly(
            Change.insert("ttl#v1"), Change.updateBefore("ttl#v1"), Change.updateAfter("ttl#v1"));
    assertThat(changes(lastPtTtl.records(), "ttl")).containsExactly(Change.insert("ttl#v1"));

    // Without TTL, on heap state, Flink SQL re-emits an identical redelivery that follows an
    // update (its stored row is the emitted object, whose row kind it then changed); not on
    // RocksDB. etlkit compares serialized forms, the same on every backend.
    assertThat(changes(sqlLastPtB, "heap"))
        .containsExactly(
            Change.insert("heap#v1"),
            Change.updateBefore("heap#v1"),
            Change.updateAfter("heap#v2"),
            Change.updateBefore("heap#v2"),
            Change.updateAfter("heap#v2"));
    assertThat(changes(lastPtTtl.records(), "heap"))
        .containsExactly(
            Change.insert("heap#v1"),
            Change.updateBefore("heap#v1"),
            Change.updateAfter("heap#v2"));

    // Ties: Flink SQL takes the later-arrived of equal event times; etlkit can order them by a
    // second key (here the version).
    assertThat(sqlTable(sqlLastRtB)).containsEntry("tie", "tie#v1");
    assertThat(materialized(lastRtBRows)).containsEntry("tie", "tie#v2");

    // Late records: Flink SQL's keep-last takes late#v2 although it is behind the watermark, its
    // keep-first drops late#v0 silently; etlkit keeps the result and sends both to the side output.
    assertThat(sqlTable(sqlLastRtB)).containsEntry("late", "late#v2");
    assertThat(materialized(lastRtBRows)).containsEntry("late", "late#v1");
    assertThat(lastRtBLate.records()).containsExactly("late#v2", "late#v0");
    assertThat(sqlTable(sqlFirstRtB)).containsEntry("late", "late#v1");
    assertThat(appended(firstRtBRows)).containsEntry("late", "late#v1");
    assertThat(firstRtBLate.records()).containsExactly("late#v2", "late#v0");

    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
  }

  // ---- the SQL side ----

  private static String query(String view, String order) {
    return "SELECT r FROM ("
        + " SELECT r, ROW_NUMBER() OVER (PARTITION BY k "
        + order
        + ") AS rn FROM (SELECT r, SPLIT_INDEX(r, '#', 0) AS k, rt, pt FROM "
        + view
        + ")) WHERE rn = 1";
  }

  private static DataStream<Row> sql(StreamTableEnvironment tables, String view, String order) {
    return tables.toChangelogStream(tables.sqlQuery(query(view, order)));
  }

  private static Table table(StreamTableEnvironment tables, DataStream<Tick> ticks) {
    return tables.fromDataStream(
        ticks,
        Schema.newBuilder()
            .columnByMetadata("rt", DataTypes.TIMESTAMP_LTZ(3), "rowtime")
            .columnByExpression("pt", "PROCTIME()")
            .watermark("rt", "SOURCE_WATERMARK()")
            .build());
  }

  private static Map<String, String> sqlTable(CollectingSink<Row> sink) {
    List<Change<String>> changes = new ArrayList<>();
    for (Row row : sink.records()) {
      changes.add(Change.of(row.getKind(), (String) row.getField(0)));
    }
    return Materializer.<String, String>byKey(ChangelogGenerator::stringKey).materialize(changes);
  }

  private static List<Change<String>> changes(CollectingSink<Row> sink, String key) {
    List<Change<String>> changes = new ArrayList<>();
    for (Row row : sink.records()) {
      changes.add(Change.of(row.getKind(), (String) row.getField(0)));
    }
    return changes(changes, key);
  }

  private static List<Change<String>> changes(List<Change<String>> all, String key) {
    return all.stream().filter(c -> ChangelogGenerator.stringKey(c.value()).equals(key)).toList();
  }

  // ---- the etlkit side ----

  private static Dedup.DedupStep<String, String, String, String> keepFirst() {
    return Dedup.keepFirst("dedup", ChangelogGenerator::stringKey);
  }

  private static Dedup.DedupStep<String, String, String, Change<String>> keepLast() {
    return Dedup.keepLast("dedup", ChangelogGenerator::stringKey);
  }

  private static Map<String, String> appended(CollectingSink<String> sink) {
    Map<String, String> table = new LinkedHashMap<>();
    for (String row : sink.records()) {
      assertThat(table.put(ChangelogGenerator.stringKey(row), row)).as("appended twice").isNull();
    }
    return table;
  }

  private static Map<String, String> materialized(CollectingSink<Change<String>> sink) {
    return Materializer.<String, String>byKey(ChangelogGenerator::stringKey)
        .materialize(sink.records());
  }

  private static <T> CollectingSink<T> collect(EtlStream<T> stream) {
    return collect(stream.toDataStream());
  }

  private static <T> CollectingSink<T> collect(DataStream<T> stream) {
    CollectingSink<T> sink = new CollectingSink<>();
    stream.sinkTo(sink).name("collect").setParallelism(1);
    return sink;
  }

  // ---- input ----

  /** Five generated scripts one after the other, each with its own keys and time range. */
  private static List<Tick> generatedTicks() {
    List<Tick> ticks = new ArrayList<>();
    for (int seed = 0; seed < SEEDS; seed++) {
      GeneratedChangelog<String> changelog =
          ChangelogGenerator.strings()
              .withKeys(8)
              .withLength(60)
              .withDuplicateRate(0.2)
              .withMaxOutOfOrderness(25)
              .generate(seed);
      long shift = seed * SEED_SPAN;
      String prefix = "c" + seed;
      for (HarnessInput.Step<Change<String>> step : changelog.input().steps()) {
        if (step instanceof HarnessInput.Element<Change<String>> e) {
          ticks.add(Tick.row(prefix + e.value().value(), e.timestamp() + shift));
        } else if (step instanceof HarnessInput.Watermark<Change<String>> w) {
          ticks.add(Tick.watermark(w.timestamp() + shift));
        }
      }
    }
    return ticks;
  }

  /** The ticks as a stream: rows with their timestamps, watermarks exactly where they are. */
  private static DataStream<Tick> replay(
      StreamExecutionEnvironment env, List<Tick> ticks, String name) {
    return env.fromData(ticks, TypeInformation.of(Tick.class))
        .name(name)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Tick>forGenerator(context -> new TickWatermarks())
                .withTimestampAssigner((tick, previous) -> tick.ts))
        .filter(tick -> !tick.watermark)
        .name(name + "-rows");
  }

  /** A row with its event time, or a watermark. A Flink POJO. */
  public static final class Tick {
    public String r;
    public long ts;
    public boolean watermark;

    public Tick() {}

    static Tick row(String row, long ts) {
      Tick tick = new Tick();
      tick.r = row;
      tick.ts = ts;
      return tick;
    }

    static Tick watermark(long ts) {
      Tick tick = new Tick();
      tick.ts = ts;
      tick.watermark = true;
      return tick;
    }

    String row() {
      return r;
    }
  }

  /** Emits a watermark when it sees a watermark tick, and never on its own. */
  private static final class TickWatermarks implements WatermarkGenerator<Tick> {
    @Override
    public void onEvent(Tick tick, long timestamp, WatermarkOutput output) {
      if (tick.watermark) {
        output.emitWatermark(new Watermark(tick.ts));
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {}
  }
}
