package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.EffectiveTime;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2;
import dev.etlkit.scd.Scd2Generator;
import dev.etlkit.scd.Scd2Invariants;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.Scd2Reference;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.Scd2Step;
import dev.etlkit.scd.TieBreak;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SCD2 step's output written into a real PostgreSQL (embedded, one per test JVM) through
 * Flink's JDBC sink ({@code flink-connector-jdbc-core} 4.0.0-2.0, {@link AccountHistoryTable}),
 * then checked <em>with SQL</em> on the database ({@link HistorySql}) and against the pure-Java
 * reference model.
 *
 * <p>One job, parallelism 2, over a generated changelog of {@link Account}s ({@link Scd2Generator}:
 * 24 keys, 2000 changes with ties, update-befores, exact redeliveries, deletes and re-inserts,
 * delivered shuffled so that many changes arrive out of order, all within the lateness horizon).
 * The changelog feeds two steps, each into its own table:
 *
 * <ul>
 *   <li>{@code history_retract}: retract output (the default), deletes invalidate (the default),
 *       open-ended current versions;
 *   <li>{@code history_upsert}: upsert output keyed by (key, validFrom), deletes open a delete
 *       marker, current versions end at {@link Scd2#END_OF_TIME}.
 * </ul>
 *
 * <p>The sink materializes each changelog by (key, validFrom): {@code +I}/{@code +U} upsert a row
 * with one {@code MERGE}, {@code -D} and {@code -U} delete it (see {@link AccountHistoryTable} for
 * why {@code -U} deletes rather than being skipped). Checkpoints run every 50 ms and the source
 * releases 500 records per completed checkpoint, so that the failure it injects at record 1000
 * comes after at least one checkpoint: the job restarts from the last one (fixed-delay restart, one
 * attempt, so a second failure fails the test). The at-least-once sink replays the changelog after
 * the checkpoint, which leaves the same table as a run without failure: the tables must still hold
 * exactly the reference history. Where that checkpoint falls is timing (periodic checkpoints do not
 * wait for the source's pauses), and nothing here depends on it; {@link Scd2PostgresAppendITCase},
 * which counts what the replay writes again, takes its checkpoint itself.
 */
class Scd2PostgresITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final long SEED = 20_240_105L;
  private static final int KEYS = 24;
  private static final int CHANGES = 2000;

  /** Wide enough that no generated change is late: every one is spliced in. */
  static final Duration HORIZON = Duration.ofMillis(500);

  /** Deliveries of {@link #generated()}, update-befores and redeliveries included. */
  static final long CHANGES_DELIVERED = generated().size();

  /** The source fails once, when it is about to emit this record. */
  static final long FAIL_AT = 1000;

  /** Set by the source when it failed (a static: the source is recreated on restart). */
  static final AtomicBoolean FAILED = new AtomicBoolean();

  private static final AccountHistoryTable RETRACT = new AccountHistoryTable("history_retract");
  private static final AccountHistoryTable UPSERT = new AccountHistoryTable("history_upsert");

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  @Test
  @Timeout(120)
  void generatedHistory_oneFailureAndRestore_tablesHoldTheReferenceHistory() throws Exception {
    FAILED.set(false);
    List<Change<Account>> delivered = generated();
    assertMessy(delivered);
    try (Connection db = DATABASE.connect()) {
      RETRACT.create(db);
      UPSERT.create(db);
      HistorySql sql = new HistorySql(db);
      sql.createDeletes(delivered);

      runJob(DATABASE.jdbcUrl());
      assertThat(FAILED).as("the source failed once, the job restarted").isTrue();

      assertHistory(sql, db, RETRACT, Scd2Output.RETRACT, HardDeletes.INVALIDATE, null, delivered);
      assertHistory(
          sql, db, UPSERT, Scd2Output.UPSERT, HardDeletes.NEW_RECORD, Scd2.END_OF_TIME, delivered);
    }
  }

  private static void runJob(String jdbcUrl) throws Exception {
    StreamExecutionEnvironment env = environment();
    EtlStream<Change<Account>> accounts = accounts(env, FAIL_AT);

    accounts
        .apply(step("history-retract"))
        .toDataStream()
        .sinkTo(RETRACT.sink(jdbcUrl))
        .name(RETRACT.name())
        .uid(RETRACT.name());
    accounts
        .apply(
            step("history-upsert")
                .withOutput(Scd2Output.UPSERT)
                .withHardDeletes(HardDeletes.NEW_RECORD)
                .withValidToCurrent(Scd2.END_OF_TIME))
        .toDataStream()
        .sinkTo(UPSERT.sink(jdbcUrl))
        .name(UPSERT.name())
        .uid(UPSERT.name());
    env.execute("scd2-postgres");
  }

  /**
   * The environment of these jobs: parallelism 2, generic types off, checkpoints every 50 ms, one
   * restart (fixed delay) so that a second failure fails the job.
   */
  static StreamExecutionEnvironment environment() {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 2);
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.enableCheckpointing(50);
    return env;
  }

  /**
   * {@link #generated()} as the source of a pipeline, releasing 500 records per completed
   * checkpoint; it fails once, when it is about to emit record {@code failAt} (never when that is
   * not below the number of deliveries), and sets {@link #FAILED} then.
   */
  static EtlStream<Change<Account>> accounts(StreamExecutionEnvironment env, long failAt) {
    DataStream<Change<Account>> input =
        env.fromSource(
                new DataGeneratorSource<>(
                    new FailingReplay(failAt),
                    CHANGES_DELIVERED,
                    RateLimiterStrategy.perCheckpoint(500),
                    Change.typeInfo(Account.TYPE)),
                WatermarkStrategy.noWatermarks(),
                "accounts")
            .setParallelism(1)
            .uid("accounts");
    return Etl.from(input, "accounts");
  }

  static Scd2Step<Change<Account>, Account> step(String name) {
    return Scd2.trackChangelog(name, Account::id, EffectiveTime.<Account>changeEventTime())
        .withTieBreak(TieBreak.sourcePosition())
        .withLatenessHorizon(HORIZON);
  }

  /** Every invariant with SQL on the table, then the table against the reference history. */
  static void assertHistory(
      HistorySql sql,
      Connection db,
      AccountHistoryTable table,
      Scd2Output output,
      HardDeletes deletes,
      @Nullable Instant openEnd,
      List<Change<Account>> delivered)
      throws Exception {
    String name = table.name();
    assertThat(sql.inverted(name)).as(name + ": validFrom < validTo").isEmpty();
    assertThat(sql.overlaps(name)).as(name + ": no overlapping ranges per key").isEmpty();
    assertThat(sql.wrongCurrentFlags(name, openEnd)).as(name + ": current iff open").isEmpty();
    assertThat(sql.currentNotLast(name)).as(name + ": the current version is last").isEmpty();
    boolean invalidate = deletes == HardDeletes.INVALIDATE;
    assertThat(sql.gaps(name, invalidate)).as(name + ": no gaps unless a delete").isEmpty();
    assertThat(sql.wrongVersionNumbers(name)).as(name + ": versions 1, 2, 3, ...").isEmpty();
    assertThat(sql.wrongVersionIds(name)).as(name + ": version ids").isEmpty();

    Map<String, Long> current = sql.currentVersionsPerKey(name);
    Set<String> deleted = invalidate ? deletedKeys(delivered) : Set.of();
    assertThat(current).as(name + ": keys").hasSize(KEYS);
    current.forEach(
        (key, count) ->
            assertThat(count)
                .as(name + ": current versions of " + key)
                .isEqualTo(deleted.contains(key) ? 0L : 1L));

    Scd2Reference.Result<Account> expected =
        Scd2Reference.ofColumns(Account.COLUMNS, ChangeDetection.all(), List.of())
            .withHardDeletes(deletes)
            .withHorizon(HORIZON)
            .withOutput(output)
            .withValidToCurrent(openEnd)
            .replay(Scd2Generator.inputs(delivered, true));
    assertThat(expected.late()).as("no generated change is late").isEmpty();
    List<Scd2Row<Account>> rows = table.read(db);
    Scd2Invariants.of(deletes, output, openEnd).check(rows);
    assertThat(rows).as(name + ": the reference history").isEqualTo(expected.rows());
  }

  /** Keys whose last change (by effective time, then source position) is a hard delete. */
  private static Set<String> deletedKeys(List<Change<Account>> delivered) {
    Map<String, Change<Account>> last = new HashMap<>();
    for (Change<Account> change : delivered) {
      if (change.kind() == RowKind.UPDATE_BEFORE) {
        continue;
      }
      last.merge(
          change.value().id(),
          change,
          (a, b) ->
              a.eventTime() > b.eventTime()
                      || (a.eventTime().equals(b.eventTime())
                          && a.sourcePosition() > b.sourcePosition())
                  ? a
                  : b);
    }
    Set<String> deleted = new HashSet<>();
    last.forEach(
        (key, change) -> {
          if (change.kind() == RowKind.DELETE) {
            deleted.add(key);
          }
        });
    return deleted;
  }

  /** The generated input really has every kind of mess the test is about. */
  private static void assertMessy(List<Change<Account>> delivered) {
    Map<String, Long> latest = new HashMap<>();
    Map<String, Long> seen = new TreeMap<>();
    int outOfOrder = 0;
    int redeliveries = 0;
    int deletes = 0;
    int inserts = 0;
    Set<String> positions = new HashSet<>();
    for (Change<Account> change : delivered) {
      String key = change.value().id();
      long time = change.eventTime();
      Long before = latest.put(key, Math.max(time, latest.getOrDefault(key, Long.MIN_VALUE)));
      if (before != null && time < before) {
        outOfOrder++;
      }
      if (!positions.add(change.kind() + "@" + change.sourcePosition())) {
        redeliveries++;
      }
      deletes += change.kind() == RowKind.DELETE ? 1 : 0;
      inserts += change.kind() == RowKind.INSERT ? 1 : 0;
      seen.merge(key, 1L, Long::sum);
    }
    assertThat(seen).hasSize(KEYS);
    assertThat(outOfOrder).as("out-of-order changes").isGreaterThan(CHANGES / 10);
    assertThat(redeliveries).as("exact redeliveries").isGreaterThan(CHANGES / 20);
    assertThat(deletes).as("hard deletes").isGreaterThan(CHANGES / 20);
    assertThat(inserts).as("inserts, re-inserts after deletes among them").isGreaterThan(KEYS);
  }

  static List<Change<Account>> generated() {
    return Scd2Generator.messy()
        .withKeys(KEYS)
        .withLength(CHANGES)
        .withShuffleWindow(60)
        .generate(SEED);
  }

  /**
   * The generated delivery as a source: record i is the i-th delivered change, regenerated from the
   * seed when the reader opens. Fails once, at record {@code failAt}.
   */
  private static final class FailingReplay implements GeneratorFunction<Long, Change<Account>> {
    private static final long serialVersionUID = 1L;

    private final long failAt;
    private transient List<Change<Account>> delivered;

    FailingReplay(long failAt) {
      this.failAt = failAt;
    }

    @Override
    public void open(SourceReaderContext readerContext) {
      delivered = generated();
    }

    @Override
    public Change<Account> map(Long index) {
      if (index == failAt && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure at record " + index);
      }
      return delivered.get(Math.toIntExact(index));
    }
  }
}
