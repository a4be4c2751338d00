package dev.etlkit.operators.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.Materializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Differential test against Flink SQL: the same upsert changelogs go through Flink's
 * ChangelogNormalize (an upsert source with a primary key converted to a full changelog stream) and
 * through etlkit's normalizer in one job on a MiniCluster, and each key gets the same changelog.
 * The deliberate differences are pinned: a stale update with a sequence, and no-op suppression with
 * state TTL (a second table environment with {@code table.exec.state.ttl} in the same job).
 */
@SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
class UpsertNormalizeFlinkSqlTest {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension();

  private static final TypeInformation<Row> ROWS =
      Types.ROW_NAMED(new String[] {"id", "v"}, Types.STRING, Types.STRING);

  private static final ChangelogGenerator<String> UPSERTS =
      ChangelogGenerator.strings()
          .withKeys(3)
          .withLength(30)
          .withDeleteRate(0.25)
          .withTombstoneRate(0.5)
          .withDuplicateRate(0.2)
          .withMaxOutOfOrderness(20);

  @Test
  @Timeout(120)
  void sameUpsertChangelogs_sameChangelogPerKey_exceptTheDeliberateDifferences() throws Exception {
    // Generated upsert changelogs (redeliveries, tombstones, disorder), keys made unique per seed.
    List<Change<String>> input = new ArrayList<>();
    for (long seed = 1; seed <= 40; seed++) {
      GeneratedChangelog<String> changelog = UPSERTS.generate(seed);
      for (Change<String> change : changelog.changes()) {
        input.add(change.withValue("s" + seed + "-" + change.value()));
      }
    }
    // Pinned difference 1: a stale update arriving late (sequence = source position).
    input.add(Change.insert("stale#v1").withSourcePosition(1));
    input.add(Change.updateAfter("stale#v3").withSourcePosition(3));
    input.add(Change.updateAfter("stale#v2").withSourcePosition(2));
    // Pinned difference 2: an identical redelivery, with state TTL on.
    List<Change<String>> ttlInput =
        List.of(Change.insert("ttl#v1"), Change.updateAfter("ttl#v1"), Change.delete("ttl#"));

    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);

    // Flink SQL: an upsert source with a primary key, read as a full changelog.
    StreamTableEnvironment sql = StreamTableEnvironment.create(env);
    Table normalizedBySql = upsertTable(sql, env, input);
    assertThat(normalizedBySql.explain()).contains("ChangelogNormalize");
    CloseableIterator<Row> sqlRows = sql.toChangelogStream(normalizedBySql).collectAsync();
    // The same with table.exec.state.ttl. In Flink 2.2.1 a TTL set on a second table environment
    // of the same StreamExecutionEnvironment also reached the first one's translation (seen here),
    // so it is set only after the first table was translated.
    StreamTableEnvironment sqlWithTtl = StreamTableEnvironment.create(env);
    sqlWithTtl.getConfig().set("table.exec.state.ttl", "1 h");
    Table normalizedBySqlWithTtl = upsertTable(sqlWithTtl, env, ttlInput);
    assertThat(normalizedBySqlWithTtl.explain()).contains("ChangelogNormalize");
    CloseableIterator<Row> sqlTtlRows =
        sqlWithTtl.toChangelogStream(normalizedBySqlWithTtl).collectAsync();

    // etlkit: the same input through the normalizer, plain and versioned, and with TTL.
    EtlStream<Change<String>> changes =
        Etl.from(env.fromData(input, NormalizeHarnesses.STRING_CHANGES), "sql-diff");
    CloseableIterator<Change<String>> plain =
        changes.apply(NormalizeHarnesses.strings()).toDataStream().collectAsync();
    CloseableIterator<Change<String>> versioned =
        changes
            .apply(
                Normalize.<String, String>upserts(
                        "versioned", ChangelogGenerator::stringKey, Types.STRING)
                    .withSequence(ChangeSequence.sourcePosition()))
            .toDataStream()
            .collectAsync();
    CloseableIterator<Change<String>> withTtl =
        Etl.from(env.fromData(ttlInput, NormalizeHarnesses.STRING_CHANGES), "sql-diff-ttl")
            .apply(NormalizeHarnesses.strings().withStateTtl(Duration.ofHours(1)))
            .toDataStream()
            .collectAsync();

    JobExecutionResult result = env.execute("normalize-vs-flink-sql");

    List<Change<String>> sqlChangelog = toChanges(drain(sqlRows));
    List<Change<String>> etlkitChangelog = withoutMetadata(drain(plain));
    Map<String, List<Change<String>>> sqlByKey = byKey(sqlChangelog);
    Map<String, List<Change<String>>> etlkitByKey = byKey(etlkitChangelog);
    assertThat(etlkitByKey.keySet()).isEqualTo(sqlByKey.keySet());
    for (Map.Entry<String, List<Change<String>>> key : sqlByKey.entrySet()) {
      if (!key.getKey().equals("stale")) { // every key, record for record
        assertThat(etlkitByKey.get(key.getKey())).as(key.getKey()).isEqualTo(key.getValue());
      }
    }
    assertThat(sqlByKey).hasSizeGreaterThan(100);
    assertThat(
            Materializer.<String, String>byKey(ChangelogGenerator::stringKey)
                .materialize(etlkitChangelog))
        .isEqualTo(
            Materializer.<String, String>byKey(ChangelogGenerator::stringKey)
                .materialize(sqlChangelog));

    // tag::flink-sql-differences[]
    // A stale update (sequence 2 after sequence 3): ChangelogNormalize applies it,
    // etlkit with a sequence rejects it and keeps the newer row.
    assertThat(sqlByKey.get("stale"))
        .containsExactly(
            Change.insert("stale#v1"),
            Change.updateBefore("stale#v1"),
            Change.updateAfter("stale#v3"),
            Change.updateBefore("stale#v3"),
            Change.updateAfter("stale#v2")); // the table ends with the older row
    assertThat(byKey(withoutMetadata(drain(versioned))).get("stale"))
        .containsExactly(
            Change.insert("stale#v1"),
            Change.updateBefore("stale#v1"),
            Change.updateAfter("stale#v3"));

    // An identical redelivery with state TTL on: ChangelogNormalize stops suppressing it,
    // etlkit still does.
    assertThat(toChanges(drain(sqlTtlRows)))
        .containsExactly(
            Change.insert("ttl#v1"),
            Change.updateBefore("ttl#v1"),
            Change.updateAfter("ttl#v1"),
            Change.delete("ttl#v1"));
    assertThat(withoutMetadata(drain(withTtl)))
        .containsExactly(Change.insert("ttl#v1"), Change.delete("ttl#v1"));
    // end::flink-sql-differences[]

    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).isTrue();
    assertThat(accounting.step("sql-diff", "normalize").in()).isEqualTo(input.size());
    assertThat(accounting.step("sql-diff", "normalize").deduplicated()).isPositive();
  }

  /** An upsert source with primary key {@code id} over the changes, normalized by the planner. */
  private static Table upsertTable(
      StreamTableEnvironment tableEnv, StreamExecutionEnvironment env, List<Change<String>> input) {
    List<Row> rows = new ArrayList<>(input.size());
    for (Change<String> change : input) {
      String id = ChangelogGenerator.stringKey(change.value());
      boolean keyOnly = change.value().endsWith("#");
      rows.add(Row.ofKind(change.kind(), id, keyOnly ? null : change.value()));
    }
    DataStream<Row> upserts = env.fromData(rows, ROWS);
    Table table =
        tableEnv.fromChangelogStream(
            upserts,
            Schema.newBuilder()
                .column("id", DataTypes.STRING().notNull())
                .column("v", DataTypes.STRING())
                .primaryKey("id")
                .build(),
            ChangelogMode.upsert());
    return table.select(
        org.apache.flink.table.api.Expressions.$("id"),
        org.apache.flink.table.api.Expressions.$("v"));
  }

  private static List<Change<String>> toChanges(List<Row> rows) {
    List<Change<String>> changes = new ArrayList<>(rows.size());
    for (Row row : rows) {
      RowKind kind = row.getKind();
      String value = (String) row.getField("v");
      changes.add(Change.of(kind, value != null ? value : row.getField("id") + "#"));
    }
    return changes;
  }

  private static List<Change<String>> withoutMetadata(List<Change<String>> changes) {
    List<Change<String>> bare = new ArrayList<>(changes.size());
    for (Change<String> change : changes) {
      bare.add(Change.of(change.kind(), change.value()));
    }
    return bare;
  }

  private static Map<String, List<Change<String>>> byKey(List<Change<String>> changes) {
    Map<String, List<Change<String>>> byKey = new LinkedHashMap<>();
    for (Change<String> change : changes) {
      byKey
          .computeIfAbsent(ChangelogGenerator.stringKey(change.value()), k -> new ArrayList<>())
          .add(change);
    }
    return byKey;
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> result = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(result::add);
    }
    return result;
  }
}
