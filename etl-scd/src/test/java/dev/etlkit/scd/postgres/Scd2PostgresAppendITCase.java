package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Generator;
import dev.etlkit.scd.Scd2Invariants;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.Scd2Reference;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.Scd2Step;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SCD2 step's append output ({@link Scd2Output#APPEND}: each version once, as {@code +I}, when
 * it is final) written into a real PostgreSQL through Flink's JDBC sink with an insert-only
 * statement, {@code INSERT ... ON CONFLICT (account_id, valid_from) DO NOTHING} ({@link
 * AccountHistoryTable#appendSink}, which says why that key), then checked with SQL on the table
 * ({@link HistorySql}) and against the reference model.
 *
 * <p>The input is {@link Scd2PostgresITCase}'s generated changelog (24 keys, ties, update-befores,
 * redeliveries, deletes and re-inserts, out of order within the 500 ms horizon), the step keyed as
 * there, deletes {@code INVALIDATE}. Every run must leave a table with no inverted and no
 * overlapping ranges, no gap but at a delete, no current or open-ended row, each version id once,
 * and version numbers 1, 2, 3, ... (a key's final versions are the start of its history):
 *
 * <ul>
 *   <li>without failure, the reference's final versions at the end of input: closed, with {@code
 *       validTo} more than the horizon before the key's latest change. The others stay unemitted
 *       when the bounded input ends (docs/scd2.md, "Output modes");
 *   <li>with a failure at record 1250 and a restart from the last checkpoint, the same table: the
 *       at-least-once sink (no batching) had written versions emitted since the checkpoint, the
 *       replay inserts them again, and the insert leaves them alone;
 *   <li>with delete retention and state TTL, which forget every key once the input has gone quiet
 *       (the source holds its last record until they have), every closed version of the reference
 *       history: forgetting a key emits its closed versions not final yet, as nothing can change
 *       them any more. They must reach the table while the input is open: at its end, Flink drops
 *       processing-time timers not yet due (streaming mode), and nothing emits them.
 * </ul>
 */
class Scd2PostgresAppendITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  /**
   * Forgets a deleted key three or four seconds after its last change: after the input's end, which
   * takes well under a second, also on a loaded 2-core machine (a key forgotten while its changes
   * still come would start again at version 1, and the table would not match).
   */
  private static final Duration DELETE_RETENTION = Duration.ofSeconds(3);

  /** Forgets every other key a few seconds after its last change. */
  private static final Duration TTL = Duration.ofSeconds(5);

  /**
   * The source fails once at this record: 250 records after a checkpoint of the 500 per checkpoint
   * the source releases, so the replay always re-emits versions the failed attempt wrote.
   */
  private static final long FAIL_AT = 1250;

  // the sink's binder, the held source and its rate limiter run in this JVM (MiniCluster)
  private static final AtomicLong INSERTS = new AtomicLong();
  private static final AtomicLong NEXT_INDEX = new AtomicLong();
  private static volatile CompletableFuture<Void> release = new CompletableFuture<>();

  /** The input's deletes, for the gap check: each test writes a table of its own beside them. */
  @BeforeAll
  static void createDeletes() throws SQLException {
    try (Connection db = DATABASE.connect()) {
      new HistorySql(db).createDeletes(Scd2PostgresITCase.generated());
    }
  }

  @Test
  @Timeout(120)
  void generatedChanges_tableHoldsTheFinalVersions() throws Exception {
    List<Scd2Row<Account>> expected = reference(Scd2Output.APPEND);
    assertThat(expected.size())
        .as("final versions: most closed ones, not all")
        .isGreaterThan(500)
        .isLessThan(closedVersions().size());
    AccountHistoryTable table = new AccountHistoryTable("history_append");

    assertThat(run(table, Long.MAX_VALUE)).isEqualTo(expected);
  }

  @Test
  @Timeout(120)
  void generatedChanges_oneFailureAndRestore_leaveTheSameTable() throws Exception {
    AccountHistoryTable table = new AccountHistoryTable("history_append_restored");

    List<Scd2Row<Account>> rows = run(table, FAIL_AT);

    assertThat(Scd2PostgresITCase.FAILED).as("the source failed once, the job restarted").isTrue();
    assertThat(INSERTS.get())
        .as("the replay inserted versions the failed attempt had written")
        .isGreaterThan(rows.size());
    assertThat(rows).isEqualTo(reference(Scd2Output.APPEND));
  }

  @Test
  @Timeout(120)
  void deleteRetentionAndTtl_forgetEveryKey_tableHoldsEveryClosedVersion() throws Exception {
    List<Scd2Row<Account>> expected = closedVersions();
    assertThat(expected.size())
        .as("forgetting emits versions not final at the end of input")
        .isGreaterThan(reference(Scd2Output.APPEND).size());
    AccountHistoryTable table = new AccountHistoryTable("history_append_forgotten");
    NEXT_INDEX.set(0);
    release = new CompletableFuture<>();
    try (Connection db = DATABASE.connect()) {
      table.create(db);

      StreamExecutionEnvironment env = Scd2PostgresITCase.environment();
      Etl.from(held(env), "accounts")
          .apply(
              step("history-append-forgotten")
                  .withDeleteRetention(DELETE_RETENTION)
                  .withStateTtl(TTL))
          .toDataStream()
          .sinkTo(table.appendSink(DATABASE.jdbcUrl(), AccountHistoryTable::bindInsert))
          .name(table.name())
          .uid(table.name());
      JobClient job = env.executeAsync("scd2-postgres-append-forgotten");
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (count(db, table) < expected.size()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "the forgotten keys' versions did not reach the table within " + PATIENCE);
        }
        assertStillRunning(job);
      }
      release.complete(null);
      job.getJobExecutionResult().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

      assertThat(check(db, table)).isEqualTo(expected);
    }
  }

  /** Runs the generated changes into {@code table}, failing once at {@code failAt}; checks it. */
  private static List<Scd2Row<Account>> run(AccountHistoryTable table, long failAt)
      throws Exception {
    Scd2PostgresITCase.FAILED.set(false);
    INSERTS.set(0);
    try (Connection db = DATABASE.connect()) {
      table.create(db);

      StreamExecutionEnvironment env = Scd2PostgresITCase.environment();
      Scd2PostgresITCase.accounts(env, failAt)
          .apply(step(table.name()))
          .toDataStream()
          .sinkTo(table.appendSink(DATABASE.jdbcUrl(), Scd2PostgresAppendITCase::countedInsert))
          .name(table.name())
          .uid(table.name());
      env.execute(table.name());

      return check(db, table);
    }
  }

  /** Binds the insert of one version and counts it (with no batching, each runs at once). */
  private static void countedInsert(PreparedStatement statement, Change<Scd2Row<Account>> change)
      throws SQLException {
    AccountHistoryTable.bindInsert(statement, change);
    INSERTS.incrementAndGet();
  }

  private static Scd2Step<Change<Account>, Account> step(String name) {
    return Scd2PostgresITCase.step(name)
        .withOutput(Scd2Output.APPEND)
        .withHardDeletes(HardDeletes.INVALIDATE);
  }

  /** Every invariant of append output with SQL on the table; returns the table. */
  private static List<Scd2Row<Account>> check(Connection db, AccountHistoryTable table)
      throws SQLException {
    HistorySql sql = new HistorySql(db);
    String name = table.name();
    assertThat(sql.inverted(name)).as(name + ": validFrom < validTo").isEmpty();
    assertThat(sql.overlaps(name)).as(name + ": no overlapping ranges per key").isEmpty();
    assertThat(sql.openVersions(name)).as(name + ": no current version").isEmpty();
    assertThat(sql.gaps(name, true)).as(name + ": no gaps unless a delete").isEmpty();
    assertThat(sql.wrongVersionNumbers(name)).as(name + ": versions 1, 2, 3, ...").isEmpty();
    assertThat(sql.wrongVersionIds(name)).as(name + ": version ids").isEmpty();
    assertThat(sql.repeatedVersionIds(name)).as(name + ": each version id once").isEmpty();
    List<Scd2Row<Account>> rows = table.read(db);
    Scd2Invariants.of(HardDeletes.INVALIDATE, Scd2Output.APPEND, null).check(rows);
    return rows;
  }

  /** The reference history of the generated changes in this output mode. */
  private static List<Scd2Row<Account>> reference(Scd2Output output) {
    Scd2Reference.Result<Account> result =
        Scd2Reference.ofColumns(Account.COLUMNS, ChangeDetection.all(), List.of())
            .withHardDeletes(HardDeletes.INVALIDATE)
            .withHorizon(Scd2PostgresITCase.HORIZON)
            .withOutput(output)
            .replay(Scd2Generator.inputs(Scd2PostgresITCase.generated(), true));
    assertThat(result.late()).as("no generated change is late").isEmpty();
    return result.rows();
  }

  /** Every closed version of the reference history, final or not. */
  private static List<Scd2Row<Account>> closedVersions() {
    return reference(Scd2Output.RETRACT).stream().filter(row -> !row.isCurrent()).toList();
  }

  private static long count(Connection db, AccountHistoryTable table) throws SQLException {
    try (Statement statement = db.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + table.name())) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Waits a little on the job's end, which must not come while the source holds. */
  private static void assertStillRunning(JobClient job) throws Exception {
    try {
      job.getJobExecutionResult().get(20, TimeUnit.MILLISECONDS);
      throw new AssertionError("the job ended while its source held its last record");
    } catch (TimeoutException stillRunning) {
      // the job runs: poll again
    } catch (ExecutionException e) {
      throw new AssertionError("the job failed", e.getCause());
    }
  }

  /**
   * The generated changes as fast as the job takes them, then one more record, held until {@link
   * #release} completes: an update-before, which the step skips unread, so that the input stays
   * open while the step forgets the keys.
   */
  private static DataStream<Change<Account>> held(StreamExecutionEnvironment env) {
    return env.fromSource(
            new DataGeneratorSource<>(
                new HeldReplay(),
                Scd2PostgresITCase.CHANGES_DELIVERED + 1,
                new HoldLast(),
                Change.typeInfo(Account.TYPE)),
            WatermarkStrategy.noWatermarks(),
            "accounts")
        .setParallelism(1)
        .uid("accounts");
  }

  private static final class HeldReplay implements GeneratorFunction<Long, Change<Account>> {
    private static final long serialVersionUID = 1L;

    private transient List<Change<Account>> delivered;

    @Override
    public void open(SourceReaderContext readerContext) {
      delivered = Scd2PostgresITCase.generated();
    }

    @Override
    public Change<Account> map(Long index) {
      NEXT_INDEX.set(index + 1);
      int i = Math.toIntExact(index);
      if (i < delivered.size()) {
        return delivered.get(i);
      }
      Change<Account> first = delivered.get(0);
      return Change.of(RowKind.UPDATE_BEFORE, first.value(), first.eventTime(), (long) i);
    }
  }

  private static final class HoldLast implements RateLimiterStrategy<NumberSequenceSplit> {
    private static final long serialVersionUID = 1L;

    @Override
    public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
      return permits ->
          NEXT_INDEX.get() == Scd2PostgresITCase.CHANGES_DELIVERED
              ? release
              : CompletableFuture.<Void>completedFuture(null);
    }
  }
}
