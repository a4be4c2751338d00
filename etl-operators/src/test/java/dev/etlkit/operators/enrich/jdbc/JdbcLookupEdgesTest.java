package dev.etlkit.operators.enrich.jdbc;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Edges of the JDBC lookup's contract against a real PostgreSQL: a query ending in a comment,
 * read-only connections, the in-flight bound and cancellation (each failed before 2026-11-23), and
 * text keys no database can hold, a batch cancelled between its statements, and a lock timeout
 * taken for a permanent failure (each failed before 2026-11-25).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcLookupEdgesTest {

  @RegisterExtension static final DatabaseExtension DATABASE = new DatabaseExtension();

  private final LookupTesting lookups = new LookupTesting();

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  private static TestDatabase db() {
    return DATABASE.get();
  }

  private static JdbcCredentials reader() {
    return JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD);
  }

  /**
   * A query whose last line ends with a {@code --} comment (common in multi-line text blocks): the
   * lookup's {@code ) etlkit_lookup WHERE id = ?} goes on a line of its own. It used to land inside
   * the comment, and every lookup failed permanently.
   */
  @Test
  void query_endingWithALineComment_stillLooksKeysUp() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.query(
                    db().url(),
                    "SELECT id, name, tier, credit FROM customers\n"
                        + "WHERE credit IS NOT NULL -- customers with a credit line",
                    "id",
                    JdbcKey.text(),
                    Customer::fromRow)
                .withCredentials(reader()));

    assertThat(await(lookup.lookup("c-3"))).contains(Customer.expected(3));
  }

  /**
   * Connections are read-only on the server: a query calling a function that writes fails with
   * SQLState 25006 and writes nothing. HikariCP calls {@code setReadOnly(true)}, which PostgreSQL's
   * driver ignores under auto-commit unless {@code readOnlyMode=always}, which the lookup now sets.
   */
  @Test
  void connections_areReadOnly_asDocumented() throws Exception {
    JdbcLookup<String, Customer> writing = writingQuery();
    long before = writesThroughLookups();

    JdbcLookupException failure =
        LookupTesting.failure(lookups.open(writing).lookup("c-1"), JdbcLookupException.class);

    assertThat(failure.sqlState()).contains("25006");
    assertThat(failure.retryable()).isFalse();
    assertThat(writesThroughLookups()).as("rows written through a lookup").isEqualTo(before);
  }

  /** A {@code readOnlyMode} of the user's own wins: with {@code transaction} the write goes in. */
  @Test
  void connections_readOnlyModeOfTheUser_wins() throws Exception {
    JdbcLookup<String, Customer> writing =
        writingQuery().withDriverProperty("readOnlyMode", "transaction");
    long before = writesThroughLookups();

    Optional<Customer> found = await(lookups.open(writing).lookup("c-1"));

    assertThat(found).contains(Customer.expected(1));
    assertThat(writesThroughLookups()).isEqualTo(before + 1);
  }

  /** Customers through a query that calls a function that inserts a row per call. */
  private static JdbcLookup<String, Customer> writingQuery() throws Exception {
    db().execute(
            "CREATE TABLE IF NOT EXISTS lookup_writes (n int)",
            "CREATE OR REPLACE FUNCTION lookup_write() RETURNS boolean LANGUAGE sql VOLATILE AS"
                + " $$ INSERT INTO lookup_writes VALUES (1) RETURNING true $$",
            "GRANT INSERT ON lookup_writes TO " + TestDatabase.READER);
    return JdbcLookup.query(
            db().url(),
            "SELECT c.id, c.name, c.tier, c.credit FROM customers c WHERE lookup_write()",
            "id",
            JdbcKey.text(),
            Customer::fromRow)
        .withCredentials(reader());
  }

  private static long writesThroughLookups() throws Exception {
    return db().queryLong("SELECT count(*) FROM lookup_writes");
  }

  /**
   * "Beyond poolSize + queueCapacity lookups in flight, a lookup fails at once as overloaded": a
   * caller that waits for each lookup before sending the next is never turned away. It used to be,
   * most of the time: the future completed on the lookup thread before that thread was free for the
   * next task.
   */
  @Test
  void lookup_oneAtATime_withNoQueue_isNeverOverloaded() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.table(db().url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
                .withCredentials(reader())
                .withPoolSize(1)
                .withQueueCapacity(0)
                .withConnectionTimeout(Duration.ofSeconds(5)));

    List<String> overloaded = new ArrayList<>();
    for (int i = 1; i <= 300; i++) {
      CompletableFuture<Optional<Customer>> one = lookup.lookup("c-" + i);
      try {
        one.get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        overloaded.add("lookup " + i + ": " + e.getCause().getMessage());
      }
    }

    assertThat(overloaded).as("lookups failed with only one in flight").isEmpty();
  }

  /** The same with a queue: at most poolSize + queueCapacity in flight, never more. */
  @Test
  void lookup_atMostPoolSizePlusQueueCapacityInFlight_isNeverOverloaded() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.table(db().url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
                .withCredentials(reader())
                .withPoolSize(1)
                .withQueueCapacity(1));

    List<String> overloaded = new ArrayList<>();
    CompletableFuture<Optional<Customer>> previous = lookup.lookup("c-1");
    for (int i = 2; i <= 300; i++) {
      CompletableFuture<Optional<Customer>> next = lookup.lookup("c-" + i); // 2 in flight
      try {
        previous.get(10, TimeUnit.SECONDS); // then 1
      } catch (ExecutionException e) {
        overloaded.add("lookup " + (i - 1) + ": " + e.getCause().getMessage());
      }
      previous = next;
    }
    try {
      previous.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      overloaded.add("last lookup: " + e.getCause().getMessage());
    }

    assertThat(overloaded).as("lookups failed with at most 2 = 1 + 1 in flight").isEmpty();
  }

  /**
   * An {@link Error} of the row mapper (here a class missing from the job jar) completes the future
   * with it, singly and batched, and the lookup keeps answering: the Lookup contract lets an Error
   * fail the task. It used to become a permanent "failed unexpectedly" JdbcLookupException, so the
   * step dead-lettered every record instead.
   */
  @Test
  void lookup_errorOfTheRowMapper_completesTheFutureWithTheError() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.<String, Customer>table(
                    db().url(),
                    "customers",
                    "id",
                    JdbcKey.text(),
                    row -> {
                      throw new NoClassDefFoundError("dev/example/MissingClass");
                    })
                .withCredentials(reader())
                .withPoolSize(1));

    for (int attempt = 1; attempt <= 2; attempt++) {
      assertThat(catchThrowable(() -> await(lookup.lookup("c-1"))))
          .as("attempt %d", attempt)
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(NoClassDefFoundError.class);
      assertThat(catchThrowable(() -> await(lookup.lookupAll(List.of("c-1", "c-2")))))
          .as("attempt %d", attempt)
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(NoClassDefFoundError.class);
    }
  }

  /**
   * A lookup whose future is cancelled while it waits in the queue runs no query: it would hold a
   * pooled connection for an answer nobody wants. It used to run anyway.
   */
  @Test
  void lookup_cancelledWhileQueued_runsNoQuery() throws Exception {
    AtomicInteger rowsMapped = new AtomicInteger();
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.<String, Customer>query(
                    db().url(),
                    "SELECT c.* FROM customers c CROSS JOIN pg_sleep(0.3) AS s",
                    "id",
                    JdbcKey.text(),
                    row -> {
                      rowsMapped.incrementAndGet();
                      return Customer.fromRow(row);
                    })
                .withCredentials(reader())
                .withPoolSize(1));

    CompletableFuture<Optional<Customer>> running = lookup.lookup("c-1");
    CompletableFuture<Optional<Customer>> cancelled = lookup.lookup("c-2");
    CompletableFuture<Map<String, Customer>> cancelledBatch = lookup.lookupAll(List.of("c-3"));
    CompletableFuture<Optional<Customer>> last = lookup.lookup("c-4");
    assertThat(cancelled.cancel(true)).isTrue();
    assertThat(cancelledBatch.cancel(true)).isTrue();

    assertThat(await(running)).contains(Customer.expected(1));
    assertThat(await(last)).contains(Customer.expected(4)); // one thread: the others came before
    assertThat(rowsMapped).as("rows mapped: of c-1 and c-4 only").hasValue(2);
  }

  /**
   * A text key holding a lone UTF-16 surrogate cannot be sent to the database: the driver encodes
   * it as '?', so a single lookup of {@code "c-\uD800"} found the row of {@code "c-?"} and enriched
   * the record with another key's value (a batch, which checks the keys of its rows, missed it).
   */
  @Test
  void lookup_textKeyWithALoneSurrogate_isAMiss_notTheRowOfAnotherKey() throws Exception {
    JdbcLookup<String, String> lookup =
        lookups.open(
            JdbcLookup.<String, String>query(
                    db().url(),
                    "SELECT 'c-' || chr(63) AS id, 'question mark' AS name",
                    "id",
                    JdbcKey.text(),
                    row -> row.getString("name"))
                .withCredentials(reader()));
    String loneSurrogate = "c-\uD800";

    assertThat(await(lookup.lookup(loneSurrogate))).isEmpty();
    assertThat(await(lookup.lookupAll(List.of(loneSurrogate)))).isEmpty();
    assertThat(await(lookup.lookupAll(List.of(loneSurrogate, "c-?"))))
        .isEqualTo(Map.of("c-?", "question mark"));
    assertThat(await(lookup.lookup("c-?"))).contains("question mark");
  }

  /**
   * PostgreSQL refuses a NUL character in any text it is sent (SQLState 22021), so no row has such
   * a key. A key with one failed its call permanently: in a micro-batch that was every other key of
   * the batch too, and their records went to the dead letters with it.
   */
  @ParameterizedTest
  @EnumSource(
      value = JdbcLookup.BatchQuery.class,
      names = {"ANY_ARRAY", "IN_LIST"})
  void lookup_textKeyWithANulOnPostgres_isAMiss_andFailsNoOtherKeyOfItsBatch(
      JdbcLookup.BatchQuery batchQuery) throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.table(db().url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
                .withCredentials(reader())
                .withBatchQuery(batchQuery));
    String withNul = "c-1\u0000";

    assertThat(await(lookup.lookup(withNul))).isEmpty();
    assertThat(await(lookup.lookupAll(List.of("c-1", withNul, "c-2"))))
        .isEqualTo(Map.of("c-1", Customer.expected(1), "c-2", Customer.expected(2)));
  }

  /**
   * A batch of several statements whose future is cancelled (the step's attempt or step timeout
   * ended it) runs none of the statements it has not started: nobody wants their rows, and they
   * held the connection. It used to run them all.
   */
  @Test
  void lookupAll_cancelledBetweenItsStatements_runsNoFurtherStatement() throws Exception {
    AtomicInteger rowsMapped = new AtomicInteger();
    AtomicReference<CompletableFuture<?>> call = new AtomicReference<>();
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.<String, Customer>table(
                    db().url(),
                    "customers",
                    "id",
                    JdbcKey.text(),
                    row -> {
                      if (rowsMapped.incrementAndGet() == 1) {
                        while (call.get() == null) {
                          Thread.onSpinWait(); // lookupAll has not returned the future yet
                        }
                        call.get().cancel(false);
                      }
                      return Customer.fromRow(row);
                    })
                .withCredentials(reader())
                .withPoolSize(1)
                .withMaxBatchKeys(1));

    call.set(lookup.lookupAll(List.of("c-1", "c-2", "c-3", "c-4")));
    // One thread: this lookup runs once the batch has ended.
    assertThat(await(lookup.lookup("c-9"))).contains(Customer.expected(9));

    assertThat(call.get()).isCancelled();
    assertThat(rowsMapped).as("rows mapped: of c-1 and c-9 only").hasValue(2);
  }

  /**
   * A lookup that waits for a lock longer than the server's {@code lock_timeout} (a migration holds
   * the table) fails with SQLState 55P03 (lock_not_available). That is a timeout like a statement
   * timeout, and the same lookup succeeds once the lock is gone: retryable. It was permanent, and
   * every record looked up during the migration went to the dead letters.
   */
  @Test
  void lookup_waitingLongerThanTheLockTimeout_failsRetryably() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.table(db().url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
                .withCredentials(reader())
                .withDriverProperty("options", "-c lock_timeout=100"));
    try (Connection migration = db().connect()) {
      migration.setAutoCommit(false);
      try (Statement lock = migration.createStatement()) {
        lock.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE");
      }

      JdbcLookupException failure =
          LookupTesting.failure(lookup.lookup("c-1"), JdbcLookupException.class);

      assertThat(failure.sqlState()).contains("55P03");
      assertThat(failure.retryable()).as("retryable").isTrue();
      migration.rollback();
    }
    assertThat(await(lookup.lookup("c-1"))).contains(Customer.expected(1));
  }

  /**
   * HikariCP gives a pool's data source a login timeout of about its connection timeout. The
   * lookup's used to pass it on to {@link DriverManager#setLoginTimeout}, one value for the whole
   * TaskManager: each lookup that opened changed the login timeout of every other user of {@code
   * DriverManager} (other lookups with other timeouts, Flink's JDBC connector, other jobs), and
   * nothing set it back.
   */
  @Test
  void open_leavesTheLoginTimeoutOfDriverManagerAsItWas() throws Exception {
    int before = DriverManager.getLoginTimeout();
    Duration connectionTimeout = Duration.ofSeconds(before + 7);

    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.table(db().url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
                .withCredentials(reader())
                .withConnectionTimeout(connectionTimeout));

    assertThat(await(lookup.lookup("c-1"))).contains(Customer.expected(1));
    assertThat(DriverManager.getLoginTimeout()).isEqualTo(before);
  }
}
