package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SCD2 step's output written into PostgreSQL through Flink's <em>exactly-once</em> JDBC sink
 * ({@link AccountHistoryTable#exactlyOnceSink}, XA transactions), through one injected failure.
 *
 * <p>The job has the shape the exactly-once sink needs: its source never ends (no end of input, as
 * with Kafka or CDC), so the sink's writer never takes the end-of-input path of {@code
 * flink-connector-jdbc-core} 4.0.0-2.0 that fails a second checkpoint taken after it (see
 * docs/scd2.md). The test triggers every checkpoint itself, so it knows what each one holds:
 *
 * <ol>
 *   <li>The source emits the first {@link #FAIL_AT} changes of {@link Scd2PostgresITCase}'s
 *       generated changelog and pauses; checkpoint 1 commits them.
 *   <li>The first attempt then emits {@link #GHOSTS} changes of a key the changelog does not have
 *       ({@link #GHOST}), enough for the sink to run them against the database in its open
 *       transaction (batches of 500); the test waits until that transaction holds a lock on the
 *       table, then lets the source fail. Under an at-least-once sink these rows would now be in
 *       the table for good, as the replay never overwrites them (like a version a replay in another
 *       order never opens).
 *   <li>The job restarts from checkpoint 1 (fixed-delay restart, one attempt, so any second failure
 *       fails the test) and replays the rest of the real changelog; the source then stays idle. A
 *       last checkpoint commits it.
 * </ol>
 *
 * <p>The table must then hold exactly the reference history, no row of the ghost key, and no
 * prepared transaction may be left in PostgreSQL, neither then nor after the job is cancelled.
 */
class Scd2PostgresExactlyOnceITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** The real changelog (update-befores and redeliveries included). */
  private static final List<Change<Account>> DELIVERED = Scd2PostgresITCase.generated();

  private static final long CHANGES_DELIVERED = DELIVERED.size();

  /** The first attempt pauses before this record, emits the ghosts from here, then fails. */
  private static final long FAIL_AT = 1000;

  /** Inputs of the ghost key: well over one batch of 500 changes reaches the sink. */
  private static final int GHOSTS = 600;

  private static final String GHOST = "ghost";

  private static final AccountHistoryTable TABLE = new AccountHistoryTable("history_exactly_once");

  // the source and its rate limiter run in this JVM (MiniCluster) and are recreated on restart
  private static final AtomicBoolean FAILED = new AtomicBoolean();
  private static final AtomicLong NEXT_INDEX = new AtomicLong();
  private static volatile CompletableFuture<Void> pausedBeforeGhosts = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> ghostsReleased = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> pausedBeforeFailure = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> failureReleased = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> allEmitted = new CompletableFuture<>();

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  @Test
  @Timeout(120)
  void generatedHistory_failureAfterUncommittedWrites_tableHoldsTheReferenceHistoryOnly(
      @InjectClusterClient ClusterClient<?> cluster) throws Exception {
    resetSource();
    try (Connection db = DATABASE.connect()) {
      TABLE.create(db);
      HistorySql sql = new HistorySql(db);
      sql.createDeletes(DELIVERED);

      JobClient job = startJob(DATABASE.jdbcUrl());
      SteppedJob stepped = new SteppedJob(job, PATIENCE);
      try {
        stepped.await("the source to pause before the ghosts", pausedBeforeGhosts);
        stepped.checkpoint(cluster);
        ghostsReleased.complete(null);
        stepped.await("the source to pause before its failure", pausedBeforeFailure);
        stepped.poll("the ghosts written in an open transaction", () -> openWriters(db) > 0);
        failureReleased.complete(null);

        stepped.await("the replay of the rest of the changelog", allEmitted);
        assertThat(FAILED).as("the source failed once, the job restarted").isTrue();
        stepped.checkpoint(cluster);
        stepped.poll("the last checkpoint's transactions committed", () -> prepared(db) == 0);

        assertThat(ghostRows(db))
            .as("the failed attempt's uncommitted writes were rolled back")
            .isZero();
        Scd2PostgresITCase.assertHistory(
            sql, db, TABLE, Scd2Output.RETRACT, HardDeletes.INVALIDATE, null, DELIVERED);
      } finally {
        job.cancel().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }
      assertThatThrownBy(
              () -> job.getJobExecutionResult().get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
          .as("the job ends cancelled")
          .isInstanceOf(ExecutionException.class);
      assertThat(prepared(db)).as("prepared transactions left in PostgreSQL").isZero();
    }
  }

  private static JobClient startJob(String jdbcUrl) throws Exception {
    Configuration config = new Configuration();
    config.set(CoreOptions.DEFAULT_PARALLELISM, 2);
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 1);
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    // checkpointing on, but only the test triggers checkpoints
    config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofDays(365));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);

    DataStream<Change<Account>> input =
        env.fromSource(
                new DataGeneratorSource<>(
                    new FailingReplay(),
                    Long.MAX_VALUE,
                    new Pauses(),
                    Change.typeInfo(Account.TYPE)),
                WatermarkStrategy.noWatermarks(),
                "accounts")
            .setParallelism(1)
            .uid("accounts");
    Etl.from(input, "accounts")
        .apply(Scd2PostgresITCase.step("history-exactly-once"))
        .toDataStream()
        .sinkTo(TABLE.exactlyOnceSink(jdbcUrl))
        .name(TABLE.name())
        .uid(TABLE.name());
    return env.executeAsync("scd2-postgres-exactly-once");
  }

  /**
   * Sessions other than this one in a transaction that has written to the table and is not prepared
   * (a prepared transaction's locks have no pid).
   */
  private static long openWriters(Connection db) throws SQLException {
    return count(
        db,
        "SELECT count(*) FROM pg_locks WHERE relation = '"
            + TABLE.name()
            + "'::regclass AND mode = 'RowExclusiveLock' AND pid IS NOT NULL"
            + " AND pid <> pg_backend_pid()");
  }

  private static long prepared(Connection db) throws SQLException {
    return count(db, "SELECT count(*) FROM pg_prepared_xacts");
  }

  private static long ghostRows(Connection db) throws SQLException {
    return count(
        db, "SELECT count(*) FROM " + TABLE.name() + " WHERE account_id = '" + GHOST + "'");
  }

  private static long count(Connection db, String query) throws SQLException {
    try (Statement statement = db.createStatement();
        ResultSet rs = statement.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void resetSource() {
    FAILED.set(false);
    NEXT_INDEX.set(0);
    pausedBeforeGhosts = new CompletableFuture<>();
    ghostsReleased = new CompletableFuture<>();
    pausedBeforeFailure = new CompletableFuture<>();
    failureReleased = new CompletableFuture<>();
    allEmitted = new CompletableFuture<>();
  }

  /**
   * Record i is the i-th delivered change; in the first attempt, records from {@link #FAIL_AT} are
   * ghosts instead, and the one after the last ghost fails the source.
   */
  private static final class FailingReplay implements GeneratorFunction<Long, Change<Account>> {
    private static final long serialVersionUID = 1L;

    private transient List<Change<Account>> delivered;

    @Override
    public void open(SourceReaderContext readerContext) {
      delivered = Scd2PostgresITCase.generated();
    }

    @Override
    public Change<Account> map(Long index) {
      Change<Account> change;
      if (!FAILED.get() && index >= FAIL_AT) {
        long ghost = index - FAIL_AT;
        if (ghost == GHOSTS) {
          FAILED.set(true);
          throw new IllegalStateException("injected failure at record " + index);
        }
        change =
            Change.of(
                ghost == 0 ? RowKind.INSERT : RowKind.UPDATE_AFTER,
                new Account(GHOST, "basic", GHOST + "@example.com", "ghost " + ghost),
                ghost,
                index);
      } else {
        change = delivered.get(Math.toIntExact(index));
      }
      NEXT_INDEX.set(index + 1);
      if (index == CHANGES_DELIVERED - 1) {
        allEmitted.complete(null);
      }
      return change;
    }
  }

  /**
   * Holds the source before the ghosts and before the failure until the test releases it, and for
   * good after the last delivered change, so the input never ends.
   */
  private static final class Pauses implements RateLimiterStrategy<NumberSequenceSplit> {
    private static final long serialVersionUID = 1L;

    @Override
    public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
      return permits -> {
        long next = NEXT_INDEX.get();
        if (!FAILED.get() && next == FAIL_AT) {
          pausedBeforeGhosts.complete(null);
          return ghostsReleased;
        }
        if (!FAILED.get() && next == FAIL_AT + GHOSTS) {
          pausedBeforeFailure.complete(null);
          return failureReleased;
        }
        if (FAILED.get() && next == CHANGES_DELIVERED) {
          return new CompletableFuture<Void>();
        }
        return CompletableFuture.<Void>completedFuture(null);
      };
    }
  }
}
