package dev.etlkit.operators.enrich.jdbc;

import static dev.etlkit.operators.enrich.jdbc.LookupTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The JDBC lookup against a real PostgreSQL, started once for the class. The last test stops it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JdbcLookupPostgresTest {

  private static TestDatabase db;

  /**
   * The connection timeout of the wrong-password cases: the pool retries the login until it ends,
   * then fails with the last refusal (28P01), or without one if no attempt was answered in time
   * (500 ms could be too short for the first login on a loaded machine).
   */
  private static final Duration LOGIN_REFUSED_WITHIN = Duration.ofSeconds(2);

  private final LookupTesting lookups = new LookupTesting();

  @BeforeAll
  static void startDatabase() throws Exception {
    db = TestDatabase.start();
  }

  @AfterAll
  static void stopDatabase() throws Exception {
    if (db != null) {
      db.close();
    }
  }

  @AfterEach
  void closeLookups() throws Exception {
    lookups.closeAll();
  }

  /** Customers by id, as the read-only role with its password. */
  private static JdbcLookup<String, Customer> customers() {
    return JdbcLookup.table(db.url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
        .withCredentials(JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
        .withConnectionTimeout(Duration.ofSeconds(2));
  }

  /** Customers by id through a query that sleeps {@code seconds} per statement. */
  private static JdbcLookup<String, Customer> slowCustomers(double seconds) {
    return JdbcLookup.query(
            db.url(),
            "SELECT c.* FROM customers c CROSS JOIN pg_sleep(" + seconds + ") AS s",
            "id",
            JdbcKey.text(),
            Customer::fromRow)
        .withCredentials(JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD));
  }

  private static JdbcLookupException failure(CompletableFuture<?> future) {
    return LookupTesting.failure(future, JdbcLookupException.class);
  }

  @Test
  void table_documentedExample_findsHitsAndMisses(@TempDir Path secrets) throws Exception {
    Path secretsFile = secrets.resolve("crm-db.properties");
    Files.writeString(
        secretsFile,
        "user=" + TestDatabase.READER + "\npassword=" + TestDatabase.READER_PASSWORD + "\n");
    String jdbcUrl = db.url();
    // tag::jdbc-lookup[]
    JdbcLookup<String, Customer> customers =
        JdbcLookup.table(jdbcUrl, "customers", "id", JdbcKey.text(), Customer::fromRow)
            .withCredentials(JdbcCredentials.fromPropertiesFile(secretsFile.toString()))
            .withPoolSize(8)
            .withQueueCapacity(500)
            .withQueryTimeout(Duration.ofSeconds(2));
    // end::jdbc-lookup[]
    RecordingLookupContext context = new RecordingLookupContext();
    lookups.closeAfter(customers);

    // tag::jdbc-lookup-use[]
    customers.open(context); // the enrichment step does this once per subtask
    CompletableFuture<Optional<Customer>> one = customers.lookup("c-1");
    CompletableFuture<Map<String, Customer>> many =
        customers.lookupAll(List.of("c-1", "c-2", "c-9999"));
    // end::jdbc-lookup-use[]

    assertThat(await(one)).contains(Customer.expected(1));
    assertThat(await(many)).containsOnlyKeys("c-1", "c-2");
  }

  @Test
  void lookup_existingKey_returnsTheMappedRow() throws Exception {
    JdbcLookup<String, Customer> lookup = lookups.open(customers());

    assertThat(await(lookup.lookup("c-1"))).contains(Customer.expected(1));
    assertThat(await(lookup.lookup("c-1999"))).contains(Customer.expected(1999));
  }

  @Test
  void lookup_missingKey_returnsEmpty() throws Exception {
    JdbcLookup<String, Customer> lookup = lookups.open(customers());

    assertThat(await(lookup.lookup("c-0"))).isEmpty();
    assertThat(await(lookup.lookup(""))).isEmpty();
  }

  @Test
  void lookup_nullColumns_mapToNulls() throws Exception {
    JdbcLookup<String, Customer> lookup = lookups.open(customers());

    Customer c14 = await(lookup.lookup("c-14")).orElseThrow();

    assertThat(c14.tier()).isNull();
    assertThat(c14.credit()).isNull();
    assertThat(c14).isEqualTo(Customer.expected(14));
  }

  @ParameterizedTest
  @EnumSource(
      value = JdbcLookup.BatchQuery.class,
      names = {"ANY_ARRAY", "IN_LIST"})
  void lookupAll_moreKeysThanOneStatementWithDuplicatesAndMisses_findsEachKeyOnce(
      JdbcLookup.BatchQuery batchQuery) throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(customers().withBatchQuery(batchQuery).withMaxBatchKeys(100));
    List<String> keys = new ArrayList<>();
    Map<String, Customer> expected = new HashMap<>();
    for (int n = 1; n <= 2_100; n += 3) {
      keys.add("c-" + n);
      keys.add("c-" + n); // a duplicate
      keys.add("missing-" + n);
      if (n <= TestDatabase.CUSTOMERS) {
        expected.put("c-" + n, Customer.expected(n));
      }
    }

    Map<String, Customer> found = await(lookup.lookupAll(keys));

    assertThat(lookup.supportsBatch()).isTrue();
    assertThat(found).hasSize(667).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(
      value = JdbcLookup.BatchQuery.class,
      names = {"ANY_ARRAY", "IN_LIST"})
  void lookupAll_everyBatchSize_padsWithoutChangingTheResult(JdbcLookup.BatchQuery batchQuery)
      throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(customers().withBatchQuery(batchQuery).withMaxBatchKeys(20));
    for (int size = 0; size <= 45; size++) {
      List<String> keys = new ArrayList<>();
      Map<String, Customer> expected = new HashMap<>();
      for (int n = 1; n <= size; n++) {
        keys.add("c-" + (n * 37));
        expected.put("c-" + (n * 37), Customer.expected(n * 37));
      }

      assertThat(await(lookup.lookupAll(keys))).as("batch of %d", size).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @EnumSource(JdbcLookup.BatchQuery.class)
  void lookup_sqlInjectionAttemptsAsKeys_findNothingAndLeaveTheTableIntact(
      JdbcLookup.BatchQuery batchQuery) throws Exception {
    // The superuser, who could drop the table if the key reached the SQL text.
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.table(db.url(), "customers", "id", JdbcKey.text(), Customer::fromRow)
                .withCredentials(JdbcCredentials.of("postgres", "trusted"))
                .withBatchQuery(batchQuery));
    // tag::injection-keys[]
    List<String> attacks =
        List.of(
            "'; DROP TABLE customers; --",
            "' OR '1'='1",
            "c-1' OR '1'='1",
            "c-1'; DELETE FROM customers WHERE '1'='1",
            "c-1\\'; DROP TABLE customers; --",
            "c-1) OR (1=1",
            "$$; DROP TABLE customers; $$");
    // end::injection-keys[]

    for (String attack : attacks) {
      assertThat(await(lookup.lookup(attack))).as(attack).isEmpty();
    }
    assertThat(await(lookup.lookupAll(attacks))).isEmpty();
    List<String> mixed = new ArrayList<>(attacks);
    mixed.add("c-2");
    assertThat(await(lookup.lookupAll(mixed))).containsOnlyKeys("c-2");

    assertThat(db.queryLong("SELECT count(*) FROM customers")).isEqualTo(TestDatabase.CUSTOMERS);
  }

  @Test
  void lookup_int64AndUuidKeys_findRowsSinglyAndInBatches_int64AlsoInIntegerColumns()
      throws Exception {
    JdbcLookup<Long, Customer> bySeq =
        lookups.open(
            JdbcLookup.table(db.url(), "customers", "seq", JdbcKey.int64(), Customer::fromRow)
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)));
    JdbcLookup<UUID, Customer> byUid =
        lookups.open(
            JdbcLookup.table(db.url(), "customers", "uid", JdbcKey.uuid(), Customer::fromRow)
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
                .withBatchQuery(JdbcLookup.BatchQuery.IN_LIST));
    JdbcLookup<Long, Customer> byIntegerColumn =
        lookups.open(
            JdbcLookup.query(
                    db.url(),
                    "SELECT seq::integer AS small, c.* FROM customers c",
                    "small",
                    JdbcKey.int64(),
                    Customer::fromRow)
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)));
    UUID uid7 = UUID.fromString(md5Uuid(7));

    assertThat(await(bySeq.lookup(7L))).contains(Customer.expected(7));
    assertThat(await(bySeq.lookupAll(List.of(7L, 8L, 9_999L))))
        .containsOnlyKeys(7L, 8L)
        .containsEntry(8L, Customer.expected(8));
    assertThat(await(byIntegerColumn.lookup(7L))).contains(Customer.expected(7));
    assertThat(await(byIntegerColumn.lookupAll(List.of(7L, 9_999L)))).containsOnlyKeys(7L);
    assertThat(await(byUid.lookup(uid7))).contains(Customer.expected(7));
    assertThat(await(byUid.lookupAll(List.of(uid7, UUID.randomUUID())))).containsOnlyKeys(uid7);
  }

  private static String md5Uuid(int n) throws Exception {
    byte[] digest =
        java.security.MessageDigest.getInstance("MD5")
            .digest(Integer.toString(n).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    StringBuilder hex = new StringBuilder();
    for (byte b : digest) {
      hex.append(String.format("%02x", b));
    }
    return hex.insert(20, '-').insert(16, '-').insert(12, '-').insert(8, '-').toString();
  }

  @Test
  void query_withFilterAndComputedColumns_findsOnlyItsRows() throws Exception {
    // tag::query-lookup[]
    JdbcLookup<String, Customer> withCredit =
        JdbcLookup.query(
            db.url(),
            "SELECT id, upper(name) AS name, tier, credit FROM customers WHERE credit IS NOT NULL",
            "id",
            JdbcKey.text(),
            Customer::fromRow);
    // end::query-lookup[]
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            withCredit.withCredentials(
                JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)));

    assertThat(await(lookup.lookup("c-3")).map(Customer::name)).contains("CUSTOMER 3");
    assertThat(await(lookup.lookup("c-7"))).isEmpty(); // credit is NULL
    assertThat(await(lookup.lookupAll(List.of("c-3", "c-7", "c-9"))))
        .containsOnlyKeys("c-3", "c-9");
  }

  @Test
  void lookup_manyConcurrentLookups_neverUseMoreConnectionsThanThePool() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            slowCustomers(0.05).withPoolSize(2).withDriverProperty("ApplicationName", "pool-limit"),
            context);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong maxConnections = new AtomicLong();
    AtomicLong maxActive = new AtomicLong();
    AtomicLong maxGauge = new AtomicLong();
    Thread sampler =
        new Thread(
            () -> {
              while (running.get()) {
                try {
                  maxConnections.accumulateAndGet(db.connectionsOf("pool-limit"), Math::max);
                  maxActive.accumulateAndGet(
                      db.queryLong(
                          "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                              + " 'pool-limit' AND state = 'active'"),
                      Math::max);
                  maxGauge.accumulateAndGet(
                      (Integer) context.gauge("jdbcLookup.activeConnections"), Math::max);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }
            });
    sampler.start();

    List<CompletableFuture<Optional<Customer>>> calls = new ArrayList<>();
    for (int n = 1; n <= 24; n++) {
      calls.add(lookup.lookup("c-" + n));
    }
    try {
      for (int n = 1; n <= 24; n++) {
        assertThat(await(calls.get(n - 1))).contains(Customer.expected(n));
      }
    } finally {
      running.set(false);
      sampler.join();
    }

    assertThat(maxConnections.get()).isBetween(1L, 2L);
    assertThat(maxActive.get()).isBetween(1L, 2L);
    assertThat(maxGauge.get()).isBetween(1L, 2L);
  }

  @Test
  void lookup_queueFull_failsAtOnceWithARetryableOverloadedException() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup =
        lookups.open(slowCustomers(0.3).withPoolSize(1).withQueueCapacity(1), context);

    CompletableFuture<Optional<Customer>> running = lookup.lookup("c-1");
    awaitGauge(context, "jdbcLookup.queuedLookups", 0); // the thread took it off the queue
    CompletableFuture<Optional<Customer>> queued = lookup.lookup("c-2");

    // At once: each has failed when the call returns (a wall-clock bound of 100 ms, as before,
    // can fail on a loaded machine without any waiting in the lookup).
    CompletableFuture<Optional<Customer>> rejected = lookup.lookup("c-3");
    assertThat(rejected).isCompletedExceptionally();
    CompletableFuture<Map<String, Customer>> rejectedBatch = lookup.lookupAll(List.of("c-4"));
    assertThat(rejectedBatch).isCompletedExceptionally();
    JdbcLookupException overloaded = failure(rejected);
    assertThat(overloaded.retryable()).isTrue();
    assertThat(overloaded).hasMessageContaining("overloaded");
    assertThat(context.count("jdbcLookup.rejectedLookups")).isEqualTo(2);
    assertThat(await(running)).contains(Customer.expected(1));
    assertThat(await(queued)).contains(Customer.expected(2));
  }

  @Test
  void lookup_slowerThanTheQueryTimeout_failsRetryably() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(slowCustomers(20).withQueryTimeout(Duration.ofSeconds(1)));
    long start = System.nanoTime();

    JdbcLookupException timeout = failure(lookup.lookup("c-1"));

    // At the 1 s timeout, not when the query ends: a bound far from both (was 4 s against a 5 s
    // query, which left a loaded machine one second).
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    assertThat(timeout.retryable()).isTrue();
    assertThat(timeout.sqlState()).contains("57014"); // query_canceled
  }

  @Test
  void lookup_wrongPassword_failsPermanentlyWithoutTheCredentials() throws Exception {
    String secret = "SECRET-MARKER-pw-41";
    JdbcLookup<String, Customer> lookup =
        customers()
            .withCredentials(JdbcCredentials.of(TestDatabase.READER, secret))
            .withConnectionTimeout(LOGIN_REFUSED_WITHIN);
    lookups.open(lookup);

    JdbcLookupException denied = failure(lookup.lookup("c-1"));

    assertThat(denied.retryable()).isFalse();
    assertThat(denied.sqlState()).contains("28P01"); // invalid_password
    assertThat(denied.getMessage()).doesNotContain(secret).doesNotContain(TestDatabase.READER);
    assertThat(denied.getCause()).isNull();
    assertThat(lookup.toString()).doesNotContain(secret).doesNotContain(TestDatabase.READER);
  }

  @Test
  void open_withConnectionCheckAndWrongPassword_throwsWithoutTheCredentials() {
    String secret = "SECRET-MARKER-pw-42";
    JdbcLookup<String, Customer> lookup =
        customers()
            .withCredentials(JdbcCredentials.of(TestDatabase.READER, secret))
            .withConnectionTimeout(LOGIN_REFUSED_WITHIN)
            .withConnectionCheckOnOpen(true);

    assertThatThrownBy(() -> lookup.open(new RecordingLookupContext()))
        .isInstanceOfSatisfying(JdbcLookupException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageNotContaining(secret)
        .hasNoCause();
  }

  @Test
  void lookup_keyTheDatabaseRejects_failsWithoutTheKeyInTheMessage() throws Exception {
    // With stringtype=unspecified PostgreSQL parses the text key as bigint and quotes it in its
    // error message: "invalid input syntax for type bigint: ...".
    String secretKey = "SECRET-MARKER-key-43";
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            JdbcLookup.table(db.url(), "customers", "seq", JdbcKey.text(), Customer::fromRow)
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
                .withDriverProperty("stringtype", "unspecified"));

    JdbcLookupException rejected = failure(lookup.lookup(secretKey));
    JdbcLookupException rejectedBatch = failure(lookup.lookupAll(List.of(secretKey, "x")));

    assertThat(rejected.retryable()).isFalse();
    assertThat(rejected.sqlState()).contains("22P02"); // invalid_text_representation
    assertThat(rejected.getMessage()).doesNotContain(secretKey);
    assertThat(rejectedBatch.getMessage()).doesNotContain(secretKey);
  }

  @Test
  void lookup_failingOrNullReturningRowMapper_failsPermanently() throws Exception {
    JdbcLookup<String, Customer> throwing =
        lookups.open(
            customers()
                .withQueueCapacity(10)
                .withPoolSize(1)
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)));
    JdbcLookup<String, String> badMapper =
        lookups.open(
            JdbcLookup.table(
                    db.url(), "customers", "id", JdbcKey.text(), row -> row.getString("nope"))
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)));
    JdbcLookup<String, String> nullMapper =
        lookups.open(
            JdbcLookup.table(db.url(), "customers", "id", JdbcKey.text(), row -> (String) null)
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD)));

    assertThat(await(throwing.lookup("c-1"))).isPresent();
    JdbcLookupException noColumn = failure(badMapper.lookup("c-1"));
    JdbcLookupException noColumnInBatch = failure(badMapper.lookupAll(List.of("c-1", "c-2")));
    JdbcLookupException nullValue = failure(nullMapper.lookup("c-1"));

    assertThat(noColumn.retryable()).isFalse();
    assertThat(noColumn).hasMessageContaining("row mapper");
    assertThat(noColumnInBatch.retryable()).isFalse();
    assertThat(nullValue.retryable()).isFalse();
    assertThat(nullValue).hasMessageContaining("returned null");
    assertThat(await(badMapper.lookup("missing"))).isEmpty(); // no row, no mapper call
  }

  @Test
  void close_releasesEveryConnectionAndFailsLaterLookups() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(
            customers().withPoolSize(3).withDriverProperty("ApplicationName", "close-test"));
    assertThat(await(lookup.lookup("c-1"))).isPresent();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (db.connectionsOf("close-test") < 3 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(db.connectionsOf("close-test")).isEqualTo(3);

    lookup.close();
    lookup.close(); // idempotent

    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (db.connectionsOf("close-test") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(db.connectionsOf("close-test")).isZero();
    JdbcLookupException closed = failure(lookup.lookup("c-1"));
    assertThat(closed).hasMessageContaining("closed");
    assertThat(closed.retryable()).isFalse();
  }

  @Test
  void close_withLookupsRunningAndQueued_completesEveryFuture() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup = lookups.open(slowCustomers(2).withPoolSize(1), context);
    List<CompletableFuture<Optional<Customer>>> calls = new ArrayList<>();
    for (int n = 1; n <= 5; n++) {
      calls.add(lookup.lookup("c-" + n));
    }
    awaitGauge(context, "jdbcLookup.activeConnections", 1); // the first one is running

    long start = System.nanoTime();
    lookup.close();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    for (CompletableFuture<Optional<Customer>> call : calls) {
      assertThat(call).isCompletedExceptionally();
    }
    assertThat(failure(calls.get(4))).hasMessageContaining("closed");
  }

  @Test
  void lookup_beforeOpen_failsPermanently() {
    JdbcLookupException notOpen = failure(customers().lookup("c-1"));

    assertThat(notOpen.retryable()).isFalse();
    assertThat(notOpen).hasMessageContaining("not open");
  }

  @Test
  void lookup_nullKey_failsPermanently() throws Exception {
    JdbcLookup<String, Customer> lookup = lookups.open(customers());
    List<String> withNull = new ArrayList<>();
    withNull.add("c-1");
    withNull.add(null);

    assertThat(failure(lookup.lookup(null)).retryable()).isFalse();
    assertThat(failure(lookup.lookupAll(withNull)).retryable()).isFalse();
  }

  @Test
  void open_twice_throws() throws Exception {
    JdbcLookup<String, Customer> lookup = lookups.open(customers());

    assertThatThrownBy(() -> lookup.open(new RecordingLookupContext()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already open");
  }

  @Test
  void lookup_serializedWithTheJobGraph_opensAndWorksAfterDeserialization() throws Exception {
    JdbcLookup<String, Customer> original = customers().withPoolSize(2);

    JdbcLookup<String, Customer> copy = lookups.open(InstantiationUtil.clone(original));

    assertThat(await(copy.lookup("c-5"))).contains(Customer.expected(5));
    assertThat(copy.toString()).isEqualTo(original.toString());
  }

  @Test
  void credentials_fromPropertiesFileAndSupplier_resolveOnOpen(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("db.properties");
    Files.writeString(
        file, "user=" + TestDatabase.READER + "\npassword=" + TestDatabase.READER_PASSWORD + "\n");
    JdbcLookup<String, Customer> fromFile =
        lookups.open(
            customers().withCredentials(JdbcCredentials.fromPropertiesFile(file.toString())));
    JdbcLookup<String, Customer> fromSupplier =
        lookups.open(
            customers()
                .withCredentials(
                    JdbcCredentials.fromSupplier(
                        () ->
                            JdbcCredentials.of(
                                TestDatabase.READER, TestDatabase.READER_PASSWORD))));

    assertThat(await(fromFile.lookup("c-1"))).isPresent();
    assertThat(await(fromSupplier.lookup("c-1"))).isPresent();
    assertThat(fromFile.toString())
        .contains("file " + file)
        .doesNotContain(TestDatabase.READER_PASSWORD);
  }

  @Test
  void metrics_reportPoolAndQueue() throws Exception {
    RecordingLookupContext context = new RecordingLookupContext();
    JdbcLookup<String, Customer> lookup = lookups.open(customers().withPoolSize(2), context);
    await(lookup.lookup("c-1"));

    assertThat(context.gauge("jdbcLookup.activeConnections")).isEqualTo(0);
    assertThat((Integer) context.gauge("jdbcLookup.idleConnections")).isBetween(1, 2);
    assertThat(context.gauge("jdbcLookup.threadsAwaitingConnection")).isEqualTo(0);
    assertThat(context.gauge("jdbcLookup.queuedLookups")).isEqualTo(0);
    assertThat(context.count("jdbcLookup.rejectedLookups")).isZero();
  }

  /** Runs last: it stops the class's database. */
  @Test
  @Order(Integer.MAX_VALUE)
  void lookup_databaseStoppedWhileOpen_failsRetryablyWithinTheTimeouts() throws Exception {
    JdbcLookup<String, Customer> lookup =
        lookups.open(customers().withConnectionTimeout(Duration.ofSeconds(1)).withPoolSize(2));
    assertThat(await(lookup.lookup("c-1"))).contains(Customer.expected(1));

    db.close(); // stops the server
    long start = System.nanoTime();
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(lookup.lookup("c-" + i));
      calls.add(lookup.lookupAll(List.of("c-1", "c-2")));
    }

    for (CompletableFuture<?> call : calls) {
      JdbcLookupException down = failure(call);
      assertThat(down.retryable()).as(down.getMessage()).isTrue();
    }
    // 6 calls on 2 threads, each bounded by the 1 s connection timeout (not less: the first lookup
    // must connect in time on a loaded machine): about 3 s. The bound leaves room for load and
    // stays well below three rounds at the default 5 s.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  /** Polls a gauge of the lookup until it shows {@code expected}, for at most 10 s. */
  private static void awaitGauge(RecordingLookupContext context, String gauge, int expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Integer.valueOf(expected).equals(context.gauge(gauge))
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.sleep(1);
    }
    assertThat(context.gauge(gauge)).as(gauge).isEqualTo(expected);
  }
}
