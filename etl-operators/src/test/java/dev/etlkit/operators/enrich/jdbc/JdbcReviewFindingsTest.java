package dev.etlkit.operators.enrich.jdbc;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Defects found by review of the JDBC lookup, each shown by a test that fails on the old code. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdbcReviewFindingsTest {

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
   * {@code JdbcLookup.query} accepts a single SELECT statement; one whose last line ends with a
   * {@code --} comment (common in multi-line text blocks) is accepted, but the lookup appends
   * {@code ) etlkit_lookup WHERE id = ?} on the same line, inside the comment: every lookup then
   * fails permanently with a syntax error (42601).
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
   * The docs: "Connections are also read-only" / "The connections are read-only anyway". HikariCP
   * calls {@code setReadOnly(true)}, but with auto-commit on, PostgreSQL's driver (default {@code
   * readOnlyMode=transaction}) ignores it: a query calling a function that writes does write.
   */
  @Test
  void connections_areReadOnly_asDocumented() throws Exception {
    db().execute(
            "CREATE TABLE IF NOT EXISTS review_writes (n int)",
            "CREATE OR REPLACE FUNCTION review_touch() RETURNS boolean LANGUAGE sql VOLATILE AS"
                + " $$ INSERT INTO review_writes VALUES (1) RETURNING true $$",
            "GRANT INSERT ON review_writes TO " + TestDatabase.READER);
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.query(
                    db().url(),
                    "SELECT c.id, c.name, c.tier, c.credit FROM customers c WHERE review_touch()",
                    "id",
                    JdbcKey.text(),
                    Customer::fromRow)
                .withCredentials(reader()));

    CompletableFuture<Optional<Customer>> result = lookup.lookup("c-1");
    try {
      result.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException expected) {
      // a read-only connection refuses the write: SQLState 25006
    }

    assertThat(db().queryLong("SELECT count(*) FROM review_writes"))
        .as("rows written through the lookup's 'read-only' connections")
        .isZero();
  }

  /**
   * "Beyond poolSize + queueCapacity lookups in flight, a lookup fails at once as overloaded". A
   * caller that never has more than {@code poolSize} lookups in flight (it waits for each before
   * sending the next) is nonetheless turned away: the future completes on the lookup thread before
   * that thread is free for the next task, so a lookup sent right after is rejected.
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
}
