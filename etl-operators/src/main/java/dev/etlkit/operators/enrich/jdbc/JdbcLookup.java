package dev.etlkit.operators.enrich.jdbc;

import static dev.etlkit.operators.enrich.jdbc.JdbcLookupOptions.inRange;

import com.zaxxer.hikari.HikariConfig;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupContext;
import java.io.Serializable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A {@link Lookup} in a relational database: one row per key, read with prepared statements from a
 * pool of connections (HikariCP) on threads of its own, so the calling thread (the task thread or
 * the step's timer thread) never waits. Thread-safe.
 *
 * <pre>{@code
 * JdbcLookup<String, Customer> customers =
 *     JdbcLookup.table(jdbcUrl, "customers", "id", JdbcKey.text(), Customer::fromRow)
 *         .withCredentials(JdbcCredentials.fromEnv("CRM_DB_USER", "CRM_DB_PASSWORD"))
 *         .withPoolSize(8);
 * }</pre>
 *
 * <h2>Queries</h2>
 *
 * <ul>
 *   <li>One key: {@code SELECT * FROM <table> WHERE <keyColumn> = ?} ({@link #table}), or the same
 *       around your query as a derived table: {@code SELECT * FROM (<query>) etlkit_lookup WHERE
 *       <keyColumn> = ?} ({@link #query}). The first row returned for a key is its value (make the
 *       key unique); no row is a miss.
 *   <li>Many keys ({@link #lookupAll}, {@link #supportsBatch()} is true): each distinct bound value
 *       sent once (keys the {@link JdbcKey} binds to the same value each get its row, as their
 *       single lookups do; see {@link JdbcKey} for when values are the same), then up to {@link
 *       #withMaxBatchKeys maxBatchKeys} values per statement, either as one array parameter {@code
 *       <keyColumn> = ANY(?)} (PostgreSQL) or as an {@code IN (?, ?, …)} list padded to one of a
 *       few fixed sizes, so that the same statement texts are reused. Several statements of one
 *       call run one after another on one connection. A key whose {@link JdbcKey} binder throws
 *       fails alone: the others are queried, and the call fails with a {@link
 *       dev.etlkit.operators.enrich.PartialLookupException} holding their rows and that key's
 *       {@link JdbcLookupException} (or, if their query failed, that failure for each of them
 *       beside that key's own).
 *   <li>Keys are only ever bound as parameters, never written into SQL text; connections are
 *       read-only ({@code Connection.setReadOnly}; on PostgreSQL the driver property {@code
 *       readOnlyMode} defaults to {@code always}, so that the server refuses writes although the
 *       connections auto-commit). The table, query and key column are SQL from your code: never
 *       build them from data.
 * </ul>
 *
 * <h2>Threads, capacity and failures</h2>
 *
 * <p>Each subtask opens a pool of {@link #withPoolSize poolSize} connections and as many threads;
 * lookups beyond them wait in a queue of {@link #withQueueCapacity queueCapacity}. When the queue
 * is full the returned future fails at once with a retryable {@link JdbcLookupException}
 * ("overloaded") instead of blocking. Every failure completes the future with a {@link
 * JdbcLookupException} saying whether a retry can help (or, for a batch that failed some keys only,
 * with a {@code PartialLookupException} holding one per failed key); this lookup neither retries
 * nor caches (the enrichment step does). A query runs at most {@link #withQueryTimeout
 * queryTimeout}, waiting for a connection at most {@link #withConnectionTimeout connectionTimeout},
 * so no future hangs when the database is down. A lookup whose future is cancelled while it waits
 * in the queue runs no query; one whose query runs has it cancelled on the database, which frees
 * its connection at once; and a batch of several statements starts none after its future is
 * cancelled.
 *
 * <p>The pool starts without connecting, so a job starts while the database is down and its lookups
 * fail (retryably) until it is back; {@link #withConnectionCheckOnOpen} makes opening fail instead.
 * Credentials: see {@link JdbcCredentials}; they, the JDBC URL and driver property values never
 * appear in {@code toString()}, exception messages or the configuration HikariCP logs.
 *
 * <p>Immutable: every {@code withX} returns a new, unopened lookup and checks its own value. The
 * instance given to the job is serialized; each subtask {@linkplain #open opens} its copy.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@PublicEvolving
public final class JdbcLookup<K, V> implements Lookup<K, V> {
  private static final long serialVersionUID = 1L;

  /** Connections (and threads) per subtask. */
  public static final int DEFAULT_POOL_SIZE = 4;

  /** Lookups waiting for a thread, per subtask. */
  public static final int DEFAULT_QUEUE_CAPACITY = 1_000;

  /** Longest wait for a pooled connection. */
  public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

  /** Longest check that a pooled connection is alive. */
  public static final Duration DEFAULT_VALIDATION_TIMEOUT = Duration.ofSeconds(2);

  /** Longest query ({@link java.sql.Statement#setQueryTimeout}, whole seconds). */
  public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(10);

  /** Longest life of a pooled connection (HikariCP's default). */
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);

  /** How often idle connections are checked (HikariCP's default). */
  public static final Duration DEFAULT_KEEPALIVE_TIME = Duration.ofMinutes(2);

  /** Keys per statement of a batched lookup. */
  public static final int DEFAULT_MAX_BATCH_KEYS = 500;

  /** How batched lookups query. */
  public static final BatchQuery DEFAULT_BATCH_QUERY = BatchQuery.AUTO;

  public static final int MAX_POOL_SIZE = 256;
  public static final int MAX_QUEUE_CAPACITY = 1_000_000;
  public static final int MAX_BATCH_KEYS = 10_000;
  static final Duration MIN_POOL_TIMEOUT = Duration.ofMillis(250);
  static final Duration MIN_LIFETIME = Duration.ofSeconds(30);
  static final Duration MAX_TIMEOUT = Duration.ofHours(1);
  static final Duration MAX_LIFETIME = Duration.ofDays(1);

  /** The release hook that deregisters the drivers of the job's jars, one per job class loader. */
  static final String DEREGISTER_DRIVERS_HOOK = "etlkit-jdbc-lookup-deregister-job-drivers";

  /** Reads a value from the row a key matched. */
  @FunctionalInterface
  @PublicEvolving
  public interface RowMapper<V> extends Serializable {
    /**
     * Maps the current row (read its columns, do not move the cursor) to a non-null value. An
     * exception or a null fails the lookup permanently.
     */
    V map(ResultSet row) throws SQLException;
  }

  /** How a batched lookup asks for many keys in one statement. */
  @PublicEvolving
  public enum BatchQuery {
    /** {@link #ANY_ARRAY} for {@code jdbc:postgresql:} URLs, {@link #IN_LIST} for the others. */
    AUTO,
    /** {@code key = ANY(?)} with the keys as one SQL array (PostgreSQL, CockroachDB, H2). */
    ANY_ARRAY,
    /** {@code key IN (?, ?, …)}, padded to a few fixed sizes: any database. */
    IN_LIST
  }

  // Never reassigned after a copy is returned: withX() copies, then sets one field.
  private String jdbcUrl;
  private String source;
  private boolean isQuery;
  private String keyColumn;
  private JdbcKey<K> key;
  private RowMapper<V> mapper;
  private JdbcCredentials credentials = JdbcCredentials.none();
  private int poolSize = DEFAULT_POOL_SIZE;
  private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
  private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
  private Duration validationTimeout = DEFAULT_VALIDATION_TIMEOUT;
  private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
  private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
  private Duration keepaliveTime = DEFAULT_KEEPALIVE_TIME;
  private BatchQuery batchQuery = DEFAULT_BATCH_QUERY;
  private int maxBatchKeys = DEFAULT_MAX_BATCH_KEYS;
  private TreeMap<String, String> driverProperties = new TreeMap<>();
  @Nullable private String driverClassName;
  private boolean connectionCheckOnOpen;

  @Nullable private transient volatile JdbcLookupRuntime<K, V> runtime;

  private JdbcLookup() {}

  /**
   * Looks keys up in a table: {@code SELECT * FROM <table> WHERE <keyColumn> = ?}.
   *
   * @param jdbcUrl the JDBC URL; put no password in it (see {@link #withCredentials})
   * @param table a table or view, optionally qualified ({@code crm.customers}); plain or
   *     double-quoted identifiers
   * @param keyColumn the key column, unique in the table
   * @param key how keys are bound and read back
   * @param mapper maps a matching row to the value
   */
  public static <K, V> JdbcLookup<K, V> table(
      String jdbcUrl, String table, String keyColumn, JdbcKey<K> key, RowMapper<V> mapper) {
    return create(jdbcUrl, LookupStatements.requireTable(table), false, keyColumn, key, mapper);
  }

  /**
   * Looks keys up in the rows of a query, for joins, filters or computed columns: {@code SELECT *
   * FROM (<query>) etlkit_lookup WHERE <keyColumn> = ?}.
   *
   * @param query a single {@code SELECT} (or {@code WITH}) statement without parameters; give
   *     columns of the same name distinct aliases
   * @param keyColumn the column of the query's result holding the key, unique in it
   */
  public static <K, V> JdbcLookup<K, V> query(
      String jdbcUrl, String query, String keyColumn, JdbcKey<K> key, RowMapper<V> mapper) {
    return create(jdbcUrl, LookupStatements.wrapQuery(query), true, keyColumn, key, mapper);
  }

  private static <K, V> JdbcLookup<K, V> create(
      String jdbcUrl,
      String source,
      boolean isQuery,
      String keyColumn,
      JdbcKey<K> key,
      RowMapper<V> mapper) {
    JdbcLookup<K, V> lookup = new JdbcLookup<>();
    lookup.jdbcUrl = JdbcLookupOptions.requireJdbcUrl(jdbcUrl);
    lookup.source = source;
    lookup.isQuery = isQuery;
    lookup.keyColumn = LookupStatements.requireColumn(keyColumn);
    lookup.key = Objects.requireNonNull(key, "key");
    lookup.mapper = Objects.requireNonNull(mapper, "mapper");
    return lookup;
  }

  /** Where user and password come from; default {@link JdbcCredentials#none()}. */
  public JdbcLookup<K, V> withCredentials(JdbcCredentials credentials) {
    JdbcLookup<K, V> copy = copy();
    copy.credentials = Objects.requireNonNull(credentials, "credentials");
    return copy;
  }

  /**
   * Connections per subtask, and threads running queries; default {@value #DEFAULT_POOL_SIZE}. The
   * database sees up to {@code poolSize × parallelism} connections.
   *
   * @throws IllegalArgumentException if not in 1..{@value #MAX_POOL_SIZE}
   */
  public JdbcLookup<K, V> withPoolSize(int poolSize) {
    JdbcLookup<K, V> copy = copy();
    copy.poolSize = inRange(poolSize, 1, MAX_POOL_SIZE, "poolSize");
    return copy;
  }

  /**
   * Lookups that may wait for a thread, per subtask; default {@value #DEFAULT_QUEUE_CAPACITY}.
   * Beyond {@code poolSize + queueCapacity} lookups in flight, a lookup fails at once as overloaded
   * (retryable). 0 means no queue.
   *
   * @throws IllegalArgumentException if not in 0..{@value #MAX_QUEUE_CAPACITY}
   */
  public JdbcLookup<K, V> withQueueCapacity(int queueCapacity) {
    JdbcLookup<K, V> copy = copy();
    copy.queueCapacity = inRange(queueCapacity, 0, MAX_QUEUE_CAPACITY, "queueCapacity");
    return copy;
  }

  /**
   * Longest wait for a pooled connection, including connecting to the database; a lookup that
   * waited longer fails (retryable). Default {@link #DEFAULT_CONNECTION_TIMEOUT}.
   *
   * @throws IllegalArgumentException if not in [250 ms, 1 h]
   */
  public JdbcLookup<K, V> withConnectionTimeout(Duration timeout) {
    JdbcLookup<K, V> copy = copy();
    copy.connectionTimeout = inRange(timeout, MIN_POOL_TIMEOUT, MAX_TIMEOUT, "connectionTimeout");
    return copy;
  }

  /**
   * Longest check that a connection is alive before the pool hands it out ({@link
   * java.sql.Connection#isValid}); capped at the connection timeout. Default {@link
   * #DEFAULT_VALIDATION_TIMEOUT}.
   *
   * @throws IllegalArgumentException if not in [250 ms, 1 h]
   */
  public JdbcLookup<K, V> withValidationTimeout(Duration timeout) {
    JdbcLookup<K, V> copy = copy();
    copy.validationTimeout = inRange(timeout, MIN_POOL_TIMEOUT, MAX_TIMEOUT, "validationTimeout");
    return copy;
  }

  /**
   * Longest run of one statement; the driver cancels it then, and the lookup fails (retryable).
   * JDBC counts whole seconds: the value is rounded up. Default {@link #DEFAULT_QUERY_TIMEOUT}.
   *
   * @throws IllegalArgumentException if not in [1 s, 1 h]
   */
  public JdbcLookup<K, V> withQueryTimeout(Duration timeout) {
    JdbcLookup<K, V> copy = copy();
    copy.queryTimeout = inRange(timeout, Duration.ofSeconds(1), MAX_TIMEOUT, "queryTimeout");
    return copy;
  }

  /**
   * Longest life of a pooled connection; set it a little below any limit of the database or the
   * network in between. Default {@link #DEFAULT_MAX_LIFETIME}.
   *
   * @throws IllegalArgumentException if not in [30 s, 1 d]
   */
  public JdbcLookup<K, V> withMaxLifetime(Duration maxLifetime) {
    JdbcLookup<K, V> copy = copy();
    copy.maxLifetime = inRange(maxLifetime, MIN_LIFETIME, MAX_LIFETIME, "maxLifetime");
    return copy;
  }

  /**
   * How often idle connections are checked, keeping them from being dropped by firewalls; {@link
   * Duration#ZERO} turns it off. HikariCP ignores it unless shorter than the max lifetime. Default
   * {@link #DEFAULT_KEEPALIVE_TIME}.
   *
   * @throws IllegalArgumentException if neither zero nor in [30 s, 1 d]
   */
  public JdbcLookup<K, V> withKeepaliveTime(Duration keepaliveTime) {
    JdbcLookup<K, V> copy = copy();
    copy.keepaliveTime =
        Duration.ZERO.equals(keepaliveTime)
            ? Duration.ZERO
            : inRange(keepaliveTime, MIN_LIFETIME, MAX_LIFETIME, "keepaliveTime");
    return copy;
  }

  /**
   * How batched lookups query; default {@link #DEFAULT_BATCH_QUERY}. Not an option that is off by
   * default: batches are always supported (a step batches only with {@link
   * dev.etlkit.operators.enrich.Enrich.LookupStep#withMicroBatch}, switched off with its {@code
   * withoutMicroBatch()}). A second call replaces the value, so {@code
   * withBatchQuery(DEFAULT_BATCH_QUERY)} gives a lookup derived from one with another value the
   * default back.
   */
  public JdbcLookup<K, V> withBatchQuery(BatchQuery batchQuery) {
    JdbcLookup<K, V> copy = copy();
    copy.batchQuery = Objects.requireNonNull(batchQuery, "batchQuery");
    return copy;
  }

  /**
   * Keys per statement of a batched lookup; a call with more distinct keys runs several statements.
   * Default {@value #DEFAULT_MAX_BATCH_KEYS}. Mind the database's parameter limit for {@link
   * BatchQuery#IN_LIST} (PostgreSQL: 65535).
   *
   * @throws IllegalArgumentException if not in 1..{@value #MAX_BATCH_KEYS}
   */
  public JdbcLookup<K, V> withMaxBatchKeys(int maxBatchKeys) {
    JdbcLookup<K, V> copy = copy();
    copy.maxBatchKeys = inRange(maxBatchKeys, 1, MAX_BATCH_KEYS, "maxBatchKeys");
    return copy;
  }

  /**
   * A connection property for the driver, such as {@code sslmode} or {@code ApplicationName} for
   * PostgreSQL. Values are never shown; user and password go through {@link #withCredentials}. Each
   * call adds a property; a second call with the same name replaces its value.
   *
   * @throws IllegalArgumentException if the name is blank, {@code user} or {@code password}
   */
  public JdbcLookup<K, V> withDriverProperty(String name, String value) {
    JdbcLookupOptions.requireDriverPropertyName(name);
    JdbcLookup<K, V> copy = copy();
    copy.driverProperties = new TreeMap<>(driverProperties);
    copy.driverProperties.put(name, Objects.requireNonNull(value, "value"));
    return copy;
  }

  /**
   * The driver class to load, when {@link java.sql.DriverManager} does not find the driver for the
   * URL by itself (drivers in a job jar under some class loader setups). Default: found by URL.
   */
  public JdbcLookup<K, V> withDriverClassName(String driverClassName) {
    JdbcLookupOptions.requireDriverClassName(driverClassName);
    JdbcLookup<K, V> copy = copy();
    copy.driverClassName = driverClassName;
    return copy;
  }

  /**
   * Whether {@link #open} connects once and fails when it cannot (within the connection timeout).
   * Default false: the job starts while the database is down and lookups fail until it is back.
   */
  public JdbcLookup<K, V> withConnectionCheckOnOpen(boolean check) {
    JdbcLookup<K, V> copy = copy();
    copy.connectionCheckOnOpen = check;
    return copy;
  }

  /** Always true: {@link #lookupAll} answers many keys with one statement per batch. */
  @Override
  public boolean supportsBatch() {
    return true;
  }

  /**
   * True: every future this lookup returns is its own, and a lookup whose future is cancelled while
   * it waits in the queue runs no query (its place in the queue is freed when a lookup thread
   * reaches it, at once if one is free). A query already running is cancelled on the database
   * ({@link java.sql.Statement#cancel()}, from a canceller thread of the lookup, so {@code cancel}
   * returns at once) and its connection goes back to the pool as soon as the database stopped it; a
   * batch of several statements starts none after it. The statement is cancelled only while it
   * still runs for this lookup, never once its connection serves another. The cancelled query's
   * failure completes nothing (the future is cancelled already). When the driver cannot cancel, or
   * the canceller threads all wait for a database that does not answer, the query runs to its end
   * or its {@link #withQueryTimeout queryTimeout}, holding its connection.
   */
  @Override
  public boolean supportsCancellation() {
    return true;
  }

  /**
   * Resolves the credentials, starts the pool and the executor. Throws when credentials cannot be
   * resolved or, with {@link #withConnectionCheckOnOpen}, when the database cannot be reached.
   *
   * @throws IllegalStateException if already open
   */
  @Override
  public void open(LookupContext context) {
    if (runtime != null) {
      throw new IllegalStateException("JDBC lookup is already open");
    }
    JdbcLookupRuntime.Plan<K, V> plan = new JdbcLookupRuntime.Plan<>();
    DriverConnections connections =
        DriverConnections.of(
            jdbcUrl,
            subprotocol(),
            driverClassName,
            JdbcLookupOptions.effectiveDriverProperties(subprotocol(), driverProperties),
            credentials.resolve());
    if (DriverConnections.isJobDriver(connections.driver())) {
      // Loading the driver registered it in DriverManager, which outlives the job: undone when
      // the job's classes are released (not on close: other subtasks may still open theirs).
      context.registerReleaseHookIfAbsent(
          DEREGISTER_DRIVERS_HOOK, () -> DriverConnections.deregisterJobDrivers());
    }
    plan.pool = poolConfig(context.subtaskIndex(), connections);
    plan.statements = new LookupStatements(source, keyColumn, maxBatchKeys);
    plan.anyArray =
        batchQuery == BatchQuery.ANY_ARRAY
            || (batchQuery == BatchQuery.AUTO && "postgresql".equals(subprotocol()));
    plan.keyRows =
        new KeyRows<>(
            key, mapper, "postgresql".equals(subprotocol()), LookupStatements.label(keyColumn));
    plan.queryTimeoutSeconds = JdbcLookupOptions.queryTimeoutSeconds(queryTimeout);
    plan.maxBatchKeys = maxBatchKeys;
    plan.queueCapacity = queueCapacity;
    plan.subtask = context.subtaskIndex();
    plan.metricGroup = context.metricGroup();
    runtime = new JdbcLookupRuntime<>(plan);
  }

  private HikariConfig poolConfig(int subtask, DriverConnections connections) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("etlkit-jdbc-lookup-" + subtask);
    // URL, credentials and driver properties stay out of HikariCP's configuration, which it logs.
    config.setDataSource(connections);
    // With a data source HikariCP reads the URL only to log it and to recognise MySQL (whose
    // driver needs setNetworkTimeout called synchronously): the driver name does both.
    config.setJdbcUrl("jdbc:" + subprotocol() + ":");
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(poolSize);
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setValidationTimeout(
        Math.min(validationTimeout.toMillis(), connectionTimeout.toMillis()));
    config.setMaxLifetime(maxLifetime.toMillis());
    config.setKeepaliveTime(keepaliveTime.toMillis());
    // -1: start without connecting; lookups fail (retryably) until the database answers.
    config.setInitializationFailTimeout(connectionCheckOnOpen ? connectionTimeout.toMillis() : -1);
    config.setReadOnly(true);
    config.setAutoCommit(true);
    config.setRegisterMbeans(false);
    return config;
  }

  /**
   * Queues the query and returns at once. The future completes on a lookup thread with the value of
   * the key's first row, with empty when there is none, or with a {@link JdbcLookupException}. An
   * {@link Error}, such as one thrown by the row mapper, completes it as it is (it fails the task).
   */
  @Override
  public CompletableFuture<Optional<V>> lookup(K key) {
    JdbcLookupRuntime<K, V> opened = runtime;
    if (opened == null) {
      return CompletableFuture.failedFuture(SqlFailures.notOpen());
    }
    return opened.lookup(key);
  }

  /**
   * Queues one task for all keys and returns at once: distinct bound values, {@link
   * #withMaxBatchKeys maxBatchKeys} per statement, statements one after another on one connection.
   * The map holds the keys found, each with the row its single lookup finds (keys bound to the same
   * value share it; when rows read back keys the call did not send, as a case-insensitive column's
   * do, the keys left without a row are then asked alone, see {@link JdbcKey}); a failure of any
   * statement fails the call.
   */
  @Override
  public CompletableFuture<Map<K, V>> lookupAll(Collection<K> keys) {
    JdbcLookupRuntime<K, V> opened = runtime;
    if (opened == null) {
      return CompletableFuture.failedFuture(SqlFailures.notOpen());
    }
    return opened.lookupAll(keys);
  }

  /** Fails queued lookups, closes the pool and stops the threads. Idempotent. */
  @Override
  public void close() {
    JdbcLookupRuntime<K, V> opened = runtime;
    if (opened != null) {
      opened.close();
    }
  }

  private JdbcLookup<K, V> copy() {
    JdbcLookup<K, V> copy = new JdbcLookup<>();
    copy.jdbcUrl = jdbcUrl;
    copy.source = source;
    copy.isQuery = isQuery;
    copy.keyColumn = keyColumn;
    copy.key = key;
    copy.mapper = mapper;
    copy.credentials = credentials;
    copy.poolSize = poolSize;
    copy.queueCapacity = queueCapacity;
    copy.connectionTimeout = connectionTimeout;
    copy.validationTimeout = validationTimeout;
    copy.queryTimeout = queryTimeout;
    copy.maxLifetime = maxLifetime;
    copy.keepaliveTime = keepaliveTime;
    copy.batchQuery = batchQuery;
    copy.maxBatchKeys = maxBatchKeys;
    copy.driverProperties = driverProperties;
    copy.driverClassName = driverClassName;
    copy.connectionCheckOnOpen = connectionCheckOnOpen;
    return copy;
  }

  private String subprotocol() {
    return JdbcLookupOptions.subprotocol(jdbcUrl);
  }

  /** The settings, without the URL beyond its driver name, credentials or property values. */
  @Override
  public String toString() {
    return "JdbcLookup{jdbc:"
        + subprotocol()
        + (isQuery ? ", query" : ", table=" + source)
        + ", keyColumn="
        + keyColumn
        + ", key="
        + key
        + ", credentials="
        + credentials
        + ", poolSize="
        + poolSize
        + ", queueCapacity="
        + queueCapacity
        + ", connectionTimeout="
        + connectionTimeout
        + ", validationTimeout="
        + validationTimeout
        + ", queryTimeout="
        + queryTimeout
        + ", maxLifetime="
        + maxLifetime
        + ", keepaliveTime="
        + keepaliveTime
        + ", batchQuery="
        + batchQuery
        + ", maxBatchKeys="
        + maxBatchKeys
        + ", driverProperties="
        + driverProperties.keySet()
        + (driverClassName == null ? "" : ", driverClassName=" + driverClassName)
        + ", connectionCheckOnOpen="
        + connectionCheckOnOpen
        + "}";
  }
}
