package dev.etlkit.operators.enrich.jdbc;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.AsyncStepHarness;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.enrich.internal.async.LookupMetrics;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cancelling a JDBC lookup's future whose query runs, against a real PostgreSQL: the query stops on
 * the database and its connection is free at once for the next lookup (with one connection, the
 * next lookup would otherwise wait for the query's end), and a cancel never reaches the query of
 * another lookup that got the connection after it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcLookupCancelTest {

  @RegisterExtension static final DatabaseExtension DATABASE = new DatabaseExtension();

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** The ids the row mapper mapped, for a test that needs to know which statements ran. */
  private static final ConcurrentLinkedQueue<String> MAPPED = new ConcurrentLinkedQueue<>();

  /** Futures the row mapper cancels when it maps their key's row, as their query ends. */
  private static final Map<String, CompletableFuture<?>> CANCEL_WHEN_MAPPED =
      new ConcurrentHashMap<>();

  private static final int RACE_ROUNDS = 300;

  private final LookupTesting lookups = new LookupTesting();

  @BeforeAll
  static void delays() throws Exception {
    DATABASE
        .get()
        .execute(
            "CREATE TABLE delays (seconds float8 NOT NULL)",
            "INSERT INTO delays VALUES (0)",
            "GRANT SELECT ON delays TO " + TestDatabase.READER);
  }

  @BeforeEach
  void noDelay() throws Exception {
    delay(0);
    MAPPED.clear();
    CANCEL_WHEN_MAPPED.clear();
  }

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  /** Makes each statement that starts from now on sleep {@code seconds} on the database. */
  private static void delay(double seconds) throws Exception {
    DATABASE.get().execute("UPDATE delays SET seconds = " + seconds);
  }

  /**
   * Customers by id through a query that sleeps as long as {@code delays} says when it starts, with
   * one connection, a long query timeout and {@code applicationName}.
   */
  private static JdbcLookup<String, Customer> delayed(String applicationName) {
    return JdbcLookup.query(
            DATABASE.get().url(),
            "SELECT c.* FROM customers c CROSS JOIN (SELECT pg_sleep(seconds) FROM delays) AS s",
            "id",
            JdbcKey.text(),
            JdbcLookupCancelTest::recordingRow)
        .withCredentials(JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
        .withQueryTimeout(Duration.ofMinutes(5))
        .withPoolSize(1)
        .withDriverProperty("ApplicationName", applicationName);
  }

  private static Customer recordingRow(ResultSet row) throws SQLException {
    Customer customer = Customer.fromRow(row);
    MAPPED.add(customer.id());
    CompletableFuture<?> cancel = CANCEL_WHEN_MAPPED.remove(customer.id());
    if (cancel != null) {
      cancel.cancel(false);
    }
    return customer;
  }

  private static long running(String applicationName, long expected) throws Exception {
    return DATABASE.get().awaitRunningQueries(applicationName, expected, WAIT);
  }

  @Test
  void cancel_whileTheQueryRuns_stopsItOnTheDatabase_andTheNextLookupGetsTheConnection()
      throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup = lookups.open(delayed("cancel-single"), context);
    assertThat(context.count("jdbcLookup.statementsCancelled")).isZero();
    delay(60);
    CompletableFuture<Optional<Customer>> slow = lookup.lookup("c-1");
    assertThat(running("cancel-single", 1)).as("queries running").isEqualTo(1);
    delay(0);
    CompletableFuture<Optional<Customer>> next = lookup.lookup("c-2"); // waits for the connection

    assertThat(slow.cancel(false)).isTrue();

    // With one connection, c-2 would wait a minute for c-1's query.
    assertThat(await(next)).contains(Customer.expected(2));
    assertThat(running("cancel-single", 0)).as("queries running after the cancel").isZero();
    assertThat(slow).isCancelled();
    assertThat(MAPPED).containsExactly("c-2");
    assertThat(context.count("jdbcLookup.statementsCancelled"))
        .as("cancels sent to the database")
        .isEqualTo(1);
    assertThat(context.count("jdbcLookup.cancelsDropped")).isZero();
  }

  /**
   * A cancel the driver takes but that does not stop the statement (PostgreSQL's driver does
   * nothing with a cancel that finds the statement not yet running) is sent again about 100 ms
   * later, while the statement still runs: the query stops on the database and the next lookup gets
   * the connection, long before the query's minute ends. One statement cancelled, two cancels.
   */
  @Test
  void cancel_notHonoured_isSentAgain_andStopsTheQuery() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            delayed("recancel").withDriverClassName(CancelFaultDriver.class.getName()), context);
    CancelFaultDriver.nextCancels(CancelFaultDriver.Fault.IGNORE);
    delay(60);
    CompletableFuture<Optional<Customer>> slow = lookup.lookup("c-1");
    assertThat(running("recancel", 1)).as("queries running").isEqualTo(1);
    delay(0);
    CompletableFuture<Optional<Customer>> next = lookup.lookup("c-2"); // waits for the connection

    assertThat(slow.cancel(false)).isTrue();

    assertThat(await(next)).contains(Customer.expected(2));
    assertThat(running("recancel", 0)).as("queries running after the cancels").isZero();
    assertThat(CancelFaultDriver.cancels()).as("cancels sent").isEqualTo(2);
    assertThat(MAPPED).containsExactly("c-2");
    assertThat(context.count("jdbcLookup.statementsCancelled"))
        .as("statements cancelled")
        .isEqualTo(1);
    assertThat(context.count("jdbcLookup.cancelsDropped")).isZero();
  }

  /**
   * A first cancel the driver refuses (it throws: the cancel request could not be sent) is sent
   * again about 100 ms later; when that one stops the query, the statement was cancelled on the
   * database and counts in {@code statementsCancelled}, once.
   */
  @Test
  void cancel_refusedOnce_isSentAgain_andTheCancelledStatementIsCounted() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            delayed("refused").withDriverClassName(CancelFaultDriver.class.getName()), context);
    CancelFaultDriver.nextCancels(CancelFaultDriver.Fault.THROW);
    delay(60);
    CompletableFuture<Optional<Customer>> slow = lookup.lookup("c-1");
    assertThat(running("refused", 1)).as("queries running").isEqualTo(1);
    delay(0);
    CompletableFuture<Optional<Customer>> next = lookup.lookup("c-2");

    assertThat(slow.cancel(false)).isTrue();

    assertThat(await(next)).contains(Customer.expected(2));
    assertThat(running("refused", 0)).as("queries running after the cancels").isZero();
    assertThat(CancelFaultDriver.cancels()).as("cancels sent").isEqualTo(2);
    assertThat(context.count("jdbcLookup.statementsCancelled"))
        .as("statements cancelled on the database")
        .isEqualTo(1);
  }

  /**
   * A cancel the driver refuses with a state that reads as a broken connection (the cancel
   * request's own connection could not be made, class {@code 08}, or the server refused it, {@code
   * 57P03}) says nothing about the statement's connection: the query still runs there. It is sent
   * again and stops the query, and the next lookup gets the same connection; the pool neither
   * closes the connection under the running query nor opens another beside it.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = CancelFaultDriver.Fault.class,
      names = {"THROW_CONNECTION_FAILURE", "THROW_CONNECTION_LOST", "THROW_CANNOT_CONNECT_NOW"})
  void cancel_refusedWithAConnectionFailureState_isSentAgain_andStopsTheQuery(
      CancelFaultDriver.Fault fault) throws Exception {
    String applicationName = "refused-" + fault.ordinal();
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            delayed(applicationName).withDriverClassName(CancelFaultDriver.class.getName()),
            context);
    CancelFaultDriver.nextCancels(fault);
    delay(60);
    CompletableFuture<Optional<Customer>> slow = lookup.lookup("c-1");
    assertThat(running(applicationName, 1)).as("queries running").isEqualTo(1);
    delay(0);
    CompletableFuture<Optional<Customer>> next = lookup.lookup("c-2");

    assertThat(slow.cancel(false)).isTrue();

    assertThat(await(next)).contains(Customer.expected(2));
    assertThat(running(applicationName, 0)).as("queries running after the cancels").isZero();
    assertThat(CancelFaultDriver.cancels()).as("cancels sent").isEqualTo(2);
    assertThat(MAPPED).containsExactly("c-2");
    assertThat(DATABASE.get().connectionsOf(applicationName))
        .as("connections to the database")
        .isEqualTo(1);
    assertThat(context.count("jdbcLookup.statementsCancelled"))
        .as("statements cancelled on the database")
        .isEqualTo(1);
    assertThat(context.count("jdbcLookup.cancelsDropped")).isZero();
  }

  /**
   * {@code close()}'s cancel of a running query, refused as if the connection were broken, is sent
   * again too: the closed lookup leaves no query running on the database.
   */
  @Test
  void close_cancelRefusedWithAConnectionFailureState_leavesNoQueryRunning() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            delayed("close-refused").withDriverClassName(CancelFaultDriver.class.getName()));
    CancelFaultDriver.nextCancels(CancelFaultDriver.Fault.THROW_CONNECTION_FAILURE);
    delay(60);
    CompletableFuture<Optional<Customer>> slow = lookup.lookup("c-1");
    assertThat(running("close-refused", 1)).as("queries running").isEqualTo(1);
    delay(0);

    lookup.close();

    assertThat(slow).isCompletedExceptionally();
    assertThat(running("close-refused", 0)).as("queries running after close").isZero();
    assertThat(CancelFaultDriver.cancels()).as("cancels sent").isEqualTo(2);
  }

  /**
   * A statement whose cancel is never honoured is cancelled twice, not more, and runs to its end;
   * the next lookup gets the connection then.
   */
  @Test
  void cancel_neverHonoured_isSentTwiceOnly_andTheQueryRunsToItsEnd() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            delayed("deaf").withDriverClassName(CancelFaultDriver.class.getName()), context);
    CancelFaultDriver.nextCancels(CancelFaultDriver.Fault.IGNORE, CancelFaultDriver.Fault.IGNORE);
    delay(1);
    CompletableFuture<Optional<Customer>> slow = lookup.lookup("c-1");
    assertThat(running("deaf", 1)).as("queries running").isEqualTo(1);
    delay(0);
    CompletableFuture<Optional<Customer>> next = lookup.lookup("c-2");

    assertThat(slow.cancel(false)).isTrue();

    assertThat(await(next)).contains(Customer.expected(2));
    assertThat(slow).isCancelled();
    assertThat(MAPPED).as("c-1's query ran to its end").containsExactly("c-1", "c-2");
    assertThat(CancelFaultDriver.cancels()).as("cancels sent").isEqualTo(2);
    assertThat(context.count("jdbcLookup.cancelsDropped")).isZero();
  }

  @Test
  void cancel_whileABatchRunsItsFirstStatement_stopsIt_andStartsNoOther() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(delayed("cancel-batch").withMaxBatchKeys(1)); // one statement per key
    delay(60);
    CompletableFuture<Map<String, Customer>> slow = lookup.lookupAll(List.of("c-1", "c-2"));
    assertThat(running("cancel-batch", 1)).as("queries running").isEqualTo(1);
    delay(0);
    CompletableFuture<Optional<Customer>> next = lookup.lookup("c-3");

    assertThat(slow.cancel(false)).isTrue();

    assertThat(await(next)).contains(Customer.expected(3));
    assertThat(running("cancel-batch", 0)).as("queries running after the cancel").isZero();
    assertThat(MAPPED).as("rows mapped: c-2's statement never ran").containsExactly("c-3");
  }

  /**
   * Two lookups on one connection, the first cancelled at a different moment each round: while it
   * waits, while its query runs, as its query ends (from its row mapper, when the statement is done
   * on the database and its connection not yet back in the pool) or after it completed. The second
   * lookup's query runs on the same connection right after, and a late cancel of the first must
   * never stop it.
   */
  @Test
  void cancel_atAnyMoment_neverStopsTheQueryOfTheLookupThatGetsTheConnectionNext()
      throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.query(
                    DATABASE.get().url(),
                    "SELECT c.* FROM customers c CROSS JOIN pg_sleep(0.002) AS s",
                    "id",
                    JdbcKey.text(),
                    JdbcLookupCancelTest::recordingRow)
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
                .withPoolSize(1));
    int cancelled = 0;
    for (int round = 0; round < RACE_ROUNDS; round++) {
      int n = 2 * round + 1;
      CompletableFuture<Optional<Customer>> first = lookup.lookup("c-" + n);
      CompletableFuture<Optional<Customer>> second = lookup.lookup("c-" + (n + 1));
      if (round % 2 == 0) {
        CANCEL_WHEN_MAPPED.put("c-" + n, first);
      } else {
        spin(Duration.ofNanos(round % 50 * 100_000L)); // 0 to 5 ms: about two queries' time
        first.cancel(false);
      }

      assertThat(await(second)).as("round %d", round).contains(Customer.expected(n + 1));
      if (first.isCancelled()) {
        cancelled++;
      } else {
        assertThat(await(first)).as("round %d", round).contains(Customer.expected(n));
      }
    }
    assertThat(cancelled).as("rounds whose first lookup was cancelled").isPositive();
  }

  /** Waits {@code time} on this thread, to cancel a little later each round. */
  private static void spin(Duration time) {
    long end = System.nanoTime() + time.toNanos();
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }

  /**
   * The step's attempt timeout cancels the call whose query runs; the retry gets the only
   * connection at once and the answer, and the cancelled query's failure (SQLState 57014) counts
   * nowhere: one timed-out load, no failed one.
   */
  @Test
  void attemptTimeout_onARunningQuery_freesTheConnection_forTheRetry() throws Exception {
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> order.substring(order.indexOf(':') + 1),
                        delayed("cancel-step"),
                        (String order, Customer customer, LookupStatus status) ->
                            order + "=" + customer.name() + "/" + status,
                        Types.STRING)
                    .withTimeout(Duration.ofSeconds(30))
                    .withRetry(
                        LookupRetry.<Customer>attempts(2)
                            .withJitter(0)
                            .withBackoff(Duration.ofMillis(10), Duration.ofMillis(10))
                            .withAttemptTimeout(Duration.ofMillis(300))),
                StringSerializer.INSTANCE)
            .open();
    try {
      delay(60);
      h.process("o1:c-1");
      assertThat(running("cancel-step", 1)).as("queries running").isEqualTo(1);
      delay(0);

      h.advance(Duration.ofMillis(300)); // attempt 1 times out and is cancelled
      h.advance(Duration.ofMillis(10)); // backoff: attempt 2, the last
      h.awaitResults(1);

      assertThat(h.deadLetters()).isEmpty();
      assertThat(h.outputs()).containsExactly("o1:c-1=Customer 1/LOADED");
      assertThat(running("cancel-step", 0)).as("queries running").isZero();
      assertThat(h.metric(LookupMetrics.LOADS)).isEqualTo(2);
      assertThat(h.metric(LookupMetrics.LOAD_TIMEOUTS)).isEqualTo(1);
      assertThat(h.metric(LookupMetrics.LOAD_FAILURES)).isZero();
      assertThat(h.metric(LookupMetrics.RETRIES)).isEqualTo(1);
    } finally {
      h.release();
    }
  }
}
