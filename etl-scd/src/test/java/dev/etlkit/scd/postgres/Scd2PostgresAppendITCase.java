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
import java.io.IOException;
import java.io.ObjectInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
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
 *   <li>with a failure and a restart from a checkpoint, the same table: the at-least-once sink (no
 *       batching) had written versions emitted since the checkpoint, the replay inserts them again,
 *       and the insert leaves them alone. The test takes the one checkpoint itself, with the source
 *       paused before record 1000, and lets the source fail at record 1250 only once the sink has
 *       written a version since, so that the replay inserts versions again on a machine of any
 *       speed. (Periodic checkpoints do not wait for the source: on a loaded machine the last one
 *       can come a few records before the failure, and the records after it need not reach the sink
 *       before the failed attempt is cancelled.)
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

  /** Checkpointing is on, but only the test triggers checkpoints. */
  private static final Duration NO_PERIODIC_CHECKPOINTS = Duration.ofDays(365);

  /** The first attempt pauses before this record, and the test checkpoints it. */
  private static final long CHECKPOINT_AT = 1000;

  /**
   * The first attempt pauses before this record until its sink has written a version since the
   * checkpoint, then fails at it.
   */
  private static final long FAIL_AT = 1250;

  private static final long CHANGES = Scd2PostgresITCase.CHANGES_DELIVERED;

  // the sources, their rate limiters and the sink's binder run in this JVM (MiniCluster)
  private static final AtomicBoolean FAILED = new AtomicBoolean();
  private static final AtomicLong NEXT_INDEX = new AtomicLong();
  private static final Queue<String> FIRST_ATTEMPT_INSERTS = new ConcurrentLinkedQueue<>();
  private static final Queue<String> RESTORED_INSERTS = new ConcurrentLinkedQueue<>();
  private static volatile CompletableFuture<Void> pausedAtCheckpoint = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> checkpointed = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> pausedBeforeFailure = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> failureReleased = new CompletableFuture<>();
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

    assertThat(run(table)).isEqualTo(expected);
  }

  @Test
  @Timeout(120)
  void generatedChanges_oneFailureAndRestore_leaveTheSameTable(
      @InjectClusterClient ClusterClient<?> cluster) throws Exception {
    AccountHistoryTable table = new AccountHistoryTable("history_append_restored");
    resetSource();
    List<Scd2Row<Account>> rows;
    int beforeCheckpoint;
    try (Connection db = DATABASE.connect()) {
      table.create(db);

      StreamExecutionEnvironment env = Scd2PostgresITCase.environment();
      env.enableCheckpointing(NO_PERIODIC_CHECKPOINTS.toMillis());
      Etl.from(source(env, CHANGES, FAIL_AT, new PauseFirstAttempt()), "accounts")
          .apply(step(table.name()))
          .toDataStream()
          .sinkTo(table.appendSink(DATABASE.jdbcUrl(), new CountedInsert()))
          .name(table.name())
          .uid(table.name());
      SteppedJob job = new SteppedJob(env.executeAsync(table.name()), PATIENCE);

      job.await("the source to pause for the checkpoint", pausedAtCheckpoint);
      job.checkpoint(cluster);
      // the sink has written every version of the records before the barrier, and no other
      beforeCheckpoint = FIRST_ATTEMPT_INSERTS.size();
      checkpointed.complete(null);
      job.await("the source to pause before its failure", pausedBeforeFailure);
      job.poll(
          "version written since the checkpoint",
          () -> FIRST_ATTEMPT_INSERTS.size() > beforeCheckpoint);
      failureReleased.complete(null);
      job.result();

      rows = check(db, table);
    }

    assertThat(FAILED).as("the source failed once, the job restarted").isTrue();
    List<String> firstAttempt = List.copyOf(FIRST_ATTEMPT_INSERTS);
    List<String> beforeBarrier = firstAttempt.subList(0, beforeCheckpoint);
    List<String> sinceCheckpoint = firstAttempt.subList(beforeCheckpoint, firstAttempt.size());
    assertThat(List.copyOf(RESTORED_INSERTS))
        .as("the replay inserted the versions the failed attempt wrote since the checkpoint")
        .containsAll(sinceCheckpoint)
        .as("the replay inserted each version the checkpoint had not written, once")
        .containsExactlyInAnyOrderElementsOf(
            rows.stream()
                .map(Scd2Row::versionId)
                .filter(id -> !beforeBarrier.contains(id))
                .toList());
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
    resetSource();
    try (Connection db = DATABASE.connect()) {
      table.create(db);

      StreamExecutionEnvironment env = Scd2PostgresITCase.environment();
      Etl.from(source(env, CHANGES + 1, Long.MAX_VALUE, new HoldLast()), "accounts")
          .apply(
              step("history-append-forgotten")
                  .withDeleteRetention(DELETE_RETENTION)
                  .withStateTtl(TTL))
          .toDataStream()
          .sinkTo(table.appendSink(DATABASE.jdbcUrl(), AccountHistoryTable::bindInsert))
          .name(table.name())
          .uid(table.name());
      SteppedJob job = new SteppedJob(env.executeAsync(table.name()), PATIENCE);
      job.poll(
          "forgotten keys' versions in the table, with the source held",
          () -> count(db, table) >= expected.size());
      release.complete(null);
      job.result();

      assertThat(check(db, table)).isEqualTo(expected);
    }
  }

  /** Runs the generated changes into {@code table} (checkpoints every 50 ms); checks it. */
  private static List<Scd2Row<Account>> run(AccountHistoryTable table) throws Exception {
    try (Connection db = DATABASE.connect()) {
      table.create(db);

      StreamExecutionEnvironment env = Scd2PostgresITCase.environment();
      Scd2PostgresITCase.accounts(env, Long.MAX_VALUE)
          .apply(step(table.name()))
          .toDataStream()
          .sinkTo(table.appendSink(DATABASE.jdbcUrl(), AccountHistoryTable::bindInsert))
          .name(table.name())
          .uid(table.name());
      env.execute(table.name());

      return check(db, table);
    }
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

  private static void resetSource() {
    FAILED.set(false);
    NEXT_INDEX.set(0);
    FIRST_ATTEMPT_INSERTS.clear();
    RESTORED_INSERTS.clear();
    pausedAtCheckpoint = new CompletableFuture<>();
    checkpointed = new CompletableFuture<>();
    pausedBeforeFailure = new CompletableFuture<>();
    failureReleased = new CompletableFuture<>();
    release = new CompletableFuture<>();
  }

  /**
   * The first {@code records} records of {@link Replay}, paced by {@code pauses}, failing once at
   * {@code failAt}.
   */
  private static DataStream<Change<Account>> source(
      StreamExecutionEnvironment env,
      long records,
      long failAt,
      RateLimiterStrategy<NumberSequenceSplit> pauses) {
    return env.fromSource(
            new DataGeneratorSource<>(
                new Replay(failAt), records, pauses, Change.typeInfo(Account.TYPE)),
            WatermarkStrategy.noWatermarks(),
            "accounts")
        .setParallelism(1)
        .uid("accounts");
  }

  /**
   * Record i is the i-th delivered change; the one after the last is an update-before of the first
   * change's key, which the step skips unread ({@link HoldLast} holds it). Fails once, when it is
   * about to emit record {@code failAt}, and sets {@link #FAILED} then.
   */
  private static final class Replay implements GeneratorFunction<Long, Change<Account>> {
    private static final long serialVersionUID = 1L;

    private final long failAt;
    private transient List<Change<Account>> delivered;

    Replay(long failAt) {
      this.failAt = failAt;
    }

    @Override
    public void open(SourceReaderContext readerContext) {
      delivered = Scd2PostgresITCase.generated();
    }

    @Override
    public Change<Account> map(Long index) {
      if (index == failAt && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure at record " + index);
      }
      NEXT_INDEX.set(index + 1);
      int i = Math.toIntExact(index);
      if (i < delivered.size()) {
        return delivered.get(i);
      }
      Change<Account> first = delivered.get(0);
      return Change.of(RowKind.UPDATE_BEFORE, first.value(), first.eventTime(), (long) i);
    }
  }

  /**
   * In the first attempt, pauses before {@link #CHECKPOINT_AT} until the test has checkpointed, and
   * before {@link #FAIL_AT} until the test lets the source fail; the restored attempt runs through.
   */
  private static final class PauseFirstAttempt implements RateLimiterStrategy<NumberSequenceSplit> {
    private static final long serialVersionUID = 1L;

    @Override
    public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
      return permits -> {
        long next = NEXT_INDEX.get();
        if (!FAILED.get() && next == CHECKPOINT_AT) {
          pausedAtCheckpoint.complete(null);
          return checkpointed;
        }
        if (!FAILED.get() && next == FAIL_AT) {
          pausedBeforeFailure.complete(null);
          return failureReleased;
        }
        return CompletableFuture.<Void>completedFuture(null);
      };
    }
  }

  /** Holds the last record until {@link #release} completes, so that the input stays open. */
  private static final class HoldLast implements RateLimiterStrategy<NumberSequenceSplit> {
    private static final long serialVersionUID = 1L;

    @Override
    public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
      return permits ->
          NEXT_INDEX.get() == CHANGES ? release : CompletableFuture.<Void>completedFuture(null);
    }
  }

  /**
   * Binds the insert of one version (with no batching, each runs at once) and records its version
   * id for the attempt whose sink it is in: each deployment of the sink deserializes a copy of this
   * binder, the first attempt's before its source failed, the restored attempt's after.
   */
  private static final class CountedInsert
      implements JdbcStatementBuilder<Change<Scd2Row<Account>>> {
    private static final long serialVersionUID = 1L;

    private transient Queue<String> inserts = FIRST_ATTEMPT_INSERTS;

    @Override
    public void accept(PreparedStatement statement, Change<Scd2Row<Account>> change)
        throws SQLException {
      AccountHistoryTable.bindInsert(statement, change);
      inserts.add(change.value().versionId());
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      inserts = FAILED.get() ? RESTORED_INSERTS : FIRST_ATTEMPT_INSERTS;
    }
  }
}
