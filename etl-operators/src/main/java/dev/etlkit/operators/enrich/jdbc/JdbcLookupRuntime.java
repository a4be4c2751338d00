package dev.etlkit.operators.enrich.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.etlkit.operators.enrich.PartialLookupException;
import dev.etlkit.operators.enrich.internal.async.DaemonThreads;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An opened {@link JdbcLookup} on one subtask: a HikariCP pool and a bounded executor of its own
 * (one thread per pooled connection, a bounded queue), so the caller never blocks. A lookup that
 * finds {@code poolSize + queueCapacity} lookups in flight fails at once with a retryable
 * "overloaded" {@link JdbcLookupException}.
 *
 * <p>The bound is a semaphore rather than the executor's queue: a lookup leaves it before its
 * future completes, so a caller that sends its next lookup as soon as one completes finds room (a
 * thread completing a future is not yet free for the next task, and a bounded queue would turn the
 * next one away).
 *
 * <p>Cancelling a lookup's future cancels its running statement on the database ({@link
 * Statement#cancel()}) from a small executor of canceller threads, never on the cancelling thread:
 * a driver sends a cancel over a new connection and may wait for it. A lookup's statement is
 * cancelled only while it executes, under the lookup's lock ({@link Task#cancelExecution}), so a
 * cancel never reaches the statement the connection runs next, for another lookup.
 */
final class JdbcLookupRuntime<K, V> {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcLookupRuntime.class);

  /**
   * How long {@link #close()} waits for the pool to close and the lookup threads to end. HikariCP
   * waits for a connection attempt in progress up to the connection timeout, and a driver without a
   * socket timeout may wait for a server that never answers for ever: {@code close()} returns after
   * this, well within Flink's task cancellation timeout, and leaves the rest to a daemon thread.
   */
  private static final long CLOSE_WAIT_MILLIS = 5_000;

  /**
   * How long {@link #close()} waits for the queries it cancelled to end before the pool aborts
   * their connections. A reachable database answers a cancel in milliseconds.
   */
  private static final long CANCEL_WAIT_MILLIS = 1_000;

  /** Most canceller threads per subtask; a database answers a cancel in milliseconds. */
  private static final int MAX_CANCELLERS = 2;

  /** How long an idle canceller thread stays. */
  private static final long CANCELLER_KEEP_ALIVE_SECONDS = 10;

  /**
   * How long a canceller waits for a cancelled statement to end before it cancels it once more: a
   * cancel arriving in the instant the statement starts may find the driver not yet running it
   * (PostgreSQL's driver then does nothing).
   */
  private static final long RECANCEL_AFTER_MILLIS = 100;

  /** What the runtime needs of its {@link JdbcLookup}, resolved when it is opened. */
  static final class Plan<K, V> {
    HikariConfig pool;
    LookupStatements statements;
    boolean anyArray;
    boolean nulRefused;
    String keyLabel;
    JdbcKey<K> key;
    JdbcLookup.RowMapper<V> mapper;
    int queryTimeoutSeconds;
    int maxBatchKeys;
    int queueCapacity;
    int subtask;
    MetricGroup metricGroup;
  }

  private final HikariDataSource dataSource;
  private final ThreadPoolExecutor executor;

  /**
   * Cancels the statements of cancelled lookups. At most {@code poolSize} statements run at once,
   * so its queue holds that many cancels; one more (all canceller threads waiting for a database
   * that does not answer) is dropped, and its statement runs to its end or its query timeout.
   */
  private final ThreadPoolExecutor cancellers;

  private final DaemonThreads cancellerThreads;

  /** One permit per lookup that may be in flight: {@code poolSize + queueCapacity}. */
  private final Semaphore admission;

  private final LookupStatements statements;
  private final boolean anyArray;

  /** Whether the database refuses a NUL character in text it is sent (PostgreSQL). */
  private final boolean nulRefused;

  private final String keyLabel;
  private final JdbcKey<K> key;
  private final JdbcLookup.RowMapper<V> mapper;
  private final int queryTimeoutSeconds;
  private final int maxBatchKeys;
  private final int queueCapacity;
  private final JdbcLookupMetrics metrics;
  private final int subtask;

  /**
   * Lookups executing a statement now, so that {@link #close()} can cancel them on the database.
   */
  private final Set<Task<?>> running = ConcurrentHashMap.newKeySet();

  private volatile boolean closed;

  JdbcLookupRuntime(Plan<K, V> plan) {
    this.statements = plan.statements;
    this.anyArray = plan.anyArray;
    this.nulRefused = plan.nulRefused;
    this.keyLabel = plan.keyLabel;
    this.key = plan.key;
    this.mapper = plan.mapper;
    this.queryTimeoutSeconds = plan.queryTimeoutSeconds;
    this.maxBatchKeys = plan.maxBatchKeys;
    this.queueCapacity = plan.queueCapacity;
    this.subtask = plan.subtask;
    this.dataSource = openPool(plan.pool);
    int threads = plan.pool.getMaximumPoolSize();
    this.admission = new Semaphore(threads + plan.queueCapacity);
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            0L,
            TimeUnit.MILLISECONDS,
            // Unbounded here: the admission semaphore bounds it to queueCapacity.
            new LinkedBlockingQueue<>(),
            new DaemonThreads("etlkit-jdbc-lookup-" + plan.subtask + "-"),
            new ThreadPoolExecutor.AbortPolicy());
    this.cancellerThreads = new DaemonThreads("etlkit-jdbc-lookup-" + plan.subtask + "-cancel-");
    int cancellerCount = Math.min(threads, MAX_CANCELLERS);
    this.cancellers =
        new ThreadPoolExecutor(
            cancellerCount,
            cancellerCount,
            CANCELLER_KEEP_ALIVE_SECONDS,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(threads),
            cancellerThreads,
            this::dropCancel);
    cancellers.allowCoreThreadTimeOut(true);
    this.metrics =
        new JdbcLookupMetrics(plan.metricGroup, dataSource.getHikariPoolMXBean(), executor);
  }

  /** Starts the pool; a failed initial connection check names classes and SQLState only. */
  private static HikariDataSource openPool(HikariConfig config) {
    try {
      return new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException e) {
      Throwable cause = e.getCause();
      throw cause instanceof SQLException
          ? SqlFailures.query((SQLException) cause)
          : SqlFailures.unexpected(e);
    }
  }

  CompletableFuture<Optional<V>> lookup(K k) {
    if (k == null) {
      return CompletableFuture.failedFuture(SqlFailures.nullKey());
    }
    SingleLookup task = new SingleLookup(k);
    submit(task);
    return task.result;
  }

  CompletableFuture<Map<K, V>> lookupAll(Collection<K> keys) {
    // Copied on the caller's thread: the caller may reuse its collection once we return.
    Object[] copy = keys.toArray();
    for (Object k : copy) {
      if (k == null) {
        return CompletableFuture.failedFuture(SqlFailures.nullKey());
      }
    }
    if (copy.length == 0) {
      return CompletableFuture.completedFuture(new HashMap<>());
    }
    BatchLookup task = new BatchLookup(copy);
    submit(task);
    return task.result;
  }

  private void submit(Task<?> task) {
    if (closed) {
      task.fail(SqlFailures.closed());
      return;
    }
    if (!admission.tryAcquire()) {
      metrics.rejected();
      task.fail(SqlFailures.overloaded(executor.getMaximumPoolSize(), queueCapacity));
      return;
    }
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // Only a shut-down executor rejects: its queue is unbounded.
      admission.release();
      task.fail(SqlFailures.closed());
    }
  }

  /**
   * Fails queued lookups, cancels the running queries on the database (so that they stop there, not
   * only here), closes the pool (which aborts the connections of queries still running, so they
   * fail too) and waits a few seconds for the threads to end.
   */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancellers.shutdownNow(); // close() cancels what runs itself, below
    List<Runnable> queued = executor.shutdownNow();
    for (Runnable task : queued) {
      // Only Tasks are ever submitted; the cast is unchecked for the enclosing type's K and V.
      @SuppressWarnings("unchecked")
      Task<?> queuedTask = (Task<?>) task;
      queuedTask.fail(SqlFailures.closed());
    }
    try {
      if (cancelRunning() > 0) {
        // Cancelled queries fail at once; their connections go back to the pool and are closed
        // cleanly. The pool aborts the connections of any still running after the wait.
        executor.awaitTermination(CANCEL_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closePool();
    }
  }

  /**
   * Asks the database to cancel each running statement, each from a thread of its own: a driver
   * sends a cancel over a new connection and may wait for it (up to its own cancel timeout when the
   * database does not answer), which {@link #close()} must not. Returns how many were asked. Not
   * the {@link #cancellers}: they may all be waiting for a database that does not answer.
   */
  private int cancelRunning() {
    int cancelled = 0;
    for (Task<?> task : running) {
      cancellerThreads.newThread(task::cancelExecution).start();
      cancelled++;
    }
    return cancelled;
  }

  /**
   * The {@link #cancellers}' rejection: every canceller busy, so the statement runs on to its query
   * timeout (counted); or the lookup closed, and {@link #close()} cancels what runs itself.
   */
  private void dropCancel(Runnable cancel, ThreadPoolExecutor cancellers) {
    if (!cancellers.isShutdown()) {
      metrics.cancelDropped();
    }
  }

  /** Whether the driver took the cancel. */
  private static boolean cancelQuietly(Statement statement) {
    try {
      statement.cancel();
      return true;
    } catch (SQLException | RuntimeException e) {
      // Finished or closed meanwhile, or the driver cannot cancel: closing the pool aborts it.
      return false;
    }
  }

  /**
   * Closes the pool on a daemon thread of its own and waits for it, and for the lookup threads, at
   * most {@link #CLOSE_WAIT_MILLIS} in all.
   */
  private void closePool() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
    Thread closer = new Thread(dataSource::close, "etlkit-jdbc-lookup-" + subtask + "-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      boolean ended =
          !closer.isAlive()
              && executor.awaitTermination(
                  Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (!ended) {
        LOG.warn(
            "JDBC lookup pool {} still closing {} ms after close: a connection attempt or a query"
                + " gets no answer from the database (set the driver's socket timeout); its"
                + " threads end when it answers",
            dataSource.getPoolName(),
            CLOSE_WAIT_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * The future of one lookup: cancelling it also cancels its statement on the database, if one
   * executes (from a canceller thread: this returns at once).
   */
  private final class LookupFuture<R> extends CompletableFuture<R> {
    private final Task<R> task;

    LookupFuture(Task<R> task) {
      this.task = task;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled && task.executing != null) {
        // Dropped when the queue is full or the lookup closed (close() cancels what runs).
        cancellers.execute(task::cancelExecution);
      }
      return cancelled;
    }
  }

  /**
   * A unit of work on the executor that owns the future it completes. Its lock guards the statement
   * it executes: a canceller cancels it only while it executes, and the lookup thread waits for a
   * cancel in progress before it moves on, so that the cancel never reaches the connection's next
   * statement (PostgreSQL's cancel targets the connection's server process, whatever runs there).
   */
  private abstract class Task<R> implements Runnable {
    final LookupFuture<R> result = new LookupFuture<>(this);

    /** The statement executing now, set and cleared under this task's lock. */
    @Nullable volatile Statement executing;

    abstract R call(Connection connection) throws SQLException;

    /**
     * Runs {@code statement}'s query as this task's executing statement, one of the {@link
     * #running} ones; {@link #finishExecution} must follow. A statement fails instead of starting
     * once the future is cancelled or the lookup closed: {@link LookupFuture#cancel} and {@link
     * #close()} set theirs before they look for executing statements, and this sets its statement
     * before it looks at theirs, so either they see it or it sees them.
     */
    final ResultSet executeQuery(PreparedStatement statement) throws SQLException {
      synchronized (this) {
        executing = statement;
        running.add(this);
      }
      if (closed) {
        finishExecution();
        throw SqlFailures.closed();
      }
      if (result.isCancelled()) {
        finishExecution();
        throw SqlFailures.cancelled();
      }
      return statement.executeQuery();
    }

    /** Ends the execution, after a cancel of it in progress, if any. */
    final synchronized void finishExecution() {
      executing = null;
      running.remove(this);
      notifyAll();
    }

    /**
     * On a canceller thread: cancels the executing statement on the database, if any, and once more
     * if it still executes a moment later (a cancel arriving as it started may have found the
     * driver not running it yet, or the driver may have failed to send it). Holds the lock while it
     * cancels, so the statement cannot end and give its connection to another lookup meanwhile. The
     * statement counts as cancelled once, when the driver takes the first of the two it takes.
     */
    final synchronized void cancelExecution() {
      Statement statement = executing;
      if (statement == null) {
        return;
      }
      boolean counted = cancelQuietly(statement);
      if (counted) {
        metrics.statementCancelled();
      }
      try {
        wait(RECANCEL_AFTER_MILLIS); // finishExecution wakes it
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the lookup closes
        return;
      }
      if (executing == statement && cancelQuietly(statement) && !counted) {
        metrics.statementCancelled();
      }
    }

    /**
     * Runs the lookup, then leaves the admission bound, then completes the future; a lookup whose
     * future was cancelled while it waited only leaves the bound.
     */
    @Override
    public final void run() {
      if (result.isCancelled()) {
        admission.release();
        return;
      }
      R value = null;
      Throwable failure = null;
      try (Connection connection = dataSource.getConnection()) {
        value = call(connection);
      } catch (JdbcLookupException | PartialLookupException e) {
        failure = e;
      } catch (SQLException e) {
        failure = closed ? SqlFailures.closed() : SqlFailures.query(e);
      } catch (RuntimeException e) {
        failure = SqlFailures.unexpected(e);
      } catch (Error e) {
        admission.release();
        fail(e); // as it is: the step fails the task for it, as the Lookup contract says
        throw e;
      }
      admission.release();
      if (failure != null) {
        fail(failure);
      } else {
        result.complete(value);
      }
    }

    void fail(Throwable failure) {
      result.completeExceptionally(failure);
    }
  }

  private final class SingleLookup extends Task<Optional<V>> {
    private final K k;

    SingleLookup(K k) {
      this.k = k;
    }

    @Override
    Optional<V> call(Connection connection) throws SQLException {
      try (PreparedStatement statement = connection.prepareStatement(statements.single())) {
        statement.setQueryTimeout(queryTimeoutSeconds);
        statement.setMaxRows(1);
        Object bound = bind(k);
        if (!sendable(bound)) {
          return Optional.empty();
        }
        statement.setObject(1, bound);
        try (ResultSet rows = executeQuery(statement)) {
          return rows.next() ? Optional.of(map(rows)) : Optional.empty();
        } finally {
          finishExecution();
        }
      }
    }
  }

  private final class BatchLookup extends Task<Map<K, V>> {
    private final Object[] keys;

    /** The distinct keys of the call and those the binder could not bind; set by {@link #call}. */
    @Nullable private Set<K> wanted;

    @Nullable private Map<K, Throwable> unbindable;

    BatchLookup(Object[] keys) {
      this.keys = keys;
    }

    /**
     * A failure of the query when some keys could not be bound: each queried key fails with it,
     * each unbound key with its own, in a {@link PartialLookupException} (an Error, or the one
     * {@link #call} threw, as it is).
     */
    @Override
    void fail(Throwable failure) {
      Map<K, Throwable> own = unbindable;
      if (own == null
          || wanted == null
          || failure instanceof Error
          || failure instanceof PartialLookupException) {
        super.fail(failure);
        return;
      }
      Map<K, Throwable> each = new HashMap<>();
      for (K k : wanted) {
        each.put(k, failure);
      }
      each.putAll(own);
      super.fail(PartialLookupException.of(Map.of(), each));
    }

    @Override
    @SuppressWarnings("unchecked")
    Map<K, V> call(Connection connection) throws SQLException {
      Set<K> wanted = new LinkedHashSet<>();
      for (Object k : keys) {
        wanted.add((K) k);
      }
      this.wanted = wanted;
      // The distinct bound values, without those no row can match (see sendable), each sent once
      // and answering every key bound to it. A key the binder cannot bind fails alone: the others
      // are queried.
      Object[] bound = new Object[wanted.size()];
      int n = 0;
      Map<K, Object> identities = new HashMap<>();
      Map<Object, List<K>> keysOf = new HashMap<>();
      Map<K, Throwable> unbindable = null;
      for (K k : wanted) {
        Object value;
        try {
          value = bind(k);
        } catch (JdbcLookupException e) {
          if (unbindable == null) {
            unbindable = new HashMap<>();
            this.unbindable = unbindable;
          }
          unbindable.put(k, e);
          continue;
        }
        if (!sendable(value)) {
          continue;
        }
        Object identity = BoundValues.identity(value);
        identities.put(k, identity);
        List<K> same = keysOf.get(identity);
        if (same == null) {
          same = new ArrayList<>(1);
          keysOf.put(identity, same);
          bound[n++] = value;
        }
        same.add(k);
      }
      Map<K, V> found = new HashMap<>();
      for (int from = 0; from < n && !result.isCancelled(); from += maxBatchKeys) {
        // A cancelled call starts no further statement: nobody wants its rows.
        int to = Math.min(n, from + maxBatchKeys);
        try (PreparedStatement statement = prepare(connection, bound, from, to)) {
          statement.setQueryTimeout(queryTimeoutSeconds);
          try (ResultSet rows = executeQuery(statement)) {
            collect(rows, identities, keysOf, found);
          } finally {
            finishExecution();
          }
        }
      }
      if (unbindable != null) {
        throw PartialLookupException.of(found, unbindable);
      }
      return found;
    }

    private PreparedStatement prepare(Connection connection, Object[] bound, int from, int to)
        throws SQLException {
      int count = to - from;
      if (count == 1) {
        PreparedStatement statement = connection.prepareStatement(statements.single());
        statement.setObject(1, bound[from]);
        return statement;
      }
      if (anyArray) {
        Array array = connection.createArrayOf(key.sqlType(), Arrays.copyOfRange(bound, from, to));
        PreparedStatement statement = connection.prepareStatement(statements.anyArray());
        statement.setArray(1, array);
        return statement;
      }
      PreparedStatement statement = connection.prepareStatement(statements.inList(count));
      int size = statements.inListSize(count);
      for (int i = 0; i < size; i++) {
        // Padding repeats the last key: the statement text stays one of a few.
        statement.setObject(i + 1, bound[Math.min(from + i, to - 1)]);
      }
      return statement;
    }

    /**
     * Gives each row to the keys bound to the value its key binds to: the key read back from the
     * row is bound again unless it is one of the call's, so that a key whose binder changes it (a
     * lower-casing one, say) finds the row its single lookup finds.
     */
    private void collect(
        ResultSet rows, Map<K, Object> identities, Map<Object, List<K>> keysOf, Map<K, V> found)
        throws SQLException {
      int keyColumn = rows.findColumn(keyLabel);
      while (rows.next()) {
        K k;
        try {
          k = key.read(rows, keyColumn);
        } catch (SQLException | RuntimeException e) {
          throw SqlFailures.mapping("key extractor", e);
        }
        if (k == null) {
          continue;
        }
        Object identity =
            identities.containsKey(k) ? identities.get(k) : BoundValues.identity(bind(k));
        List<K> same = identity == null ? null : keysOf.get(identity);
        // The first row of a value wins; rows of values not asked for (other collations) are
        // skipped.
        if (same != null && !found.containsKey(same.get(0))) {
          V value = map(rows);
          for (K each : same) {
            found.put(each, value);
          }
        }
      }
    }
  }

  /**
   * Whether a key's bound value reaches the database as it is, so that only its own rows can match
   * it. A string holding a lone UTF-16 surrogate (such as U+D800 not followed by a low surrogate)
   * does not: drivers encode it as '?', and "c-" with it would find the row of "c-?". Nor does one
   * holding a NUL character where the database refuses it (PostgreSQL fails the statement, and with
   * it every key of a batch). No text stored in the database holds either, so such a key is a miss
   * without a query.
   */
  private boolean sendable(Object bound) {
    if (!(bound instanceof String)) {
      return true;
    }
    String s = (String) bound;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0 && nulRefused) {
        return false;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** The key's value for the statement; a binder that throws fails the key's lookup. */
  private Object bind(K k) {
    try {
      return key.toJdbc(k);
    } catch (RuntimeException e) {
      throw SqlFailures.mapping("key binder", e);
    }
  }

  private V map(ResultSet row) {
    V value;
    try {
      value = mapper.map(row);
    } catch (SQLException | RuntimeException e) {
      throw SqlFailures.mapping("row mapper", e);
    }
    if (value == null) {
      throw SqlFailures.mapperReturnedNull();
    }
    return value;
  }
}
