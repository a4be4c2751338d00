package dev.etlkit.operators.enrich.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.etlkit.operators.enrich.PartialLookupException;
import dev.etlkit.operators.enrich.internal.async.DaemonThreads;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * cancelled only while it executes, under the lookup's lock ({@link StatementCancels}), so a cancel
 * never reaches the statement the connection runs next, for another lookup.
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

  /** What the runtime needs of its {@link JdbcLookup}, resolved when it is opened. */
  static final class Plan<K, V> {
    HikariConfig pool;
    LookupStatements statements;
    boolean anyArray;
    KeyRows<K, V> keyRows;
    int queryTimeoutSeconds;
    int maxBatchKeys;
    int queueCapacity;
    int subtask;
    MetricGroup metricGroup;
  }

  private final HikariDataSource dataSource;
  private final ThreadPoolExecutor executor;

  /** One permit per lookup that may be in flight: {@code poolSize + queueCapacity}. */
  private final Semaphore admission;

  private final StatementCancels cancels;
  private final LookupStatements statements;
  private final boolean anyArray;
  private final KeyRows<K, V> keyRows;
  private final int queryTimeoutSeconds;
  private final int maxBatchKeys;
  private final int queueCapacity;
  private final JdbcLookupMetrics metrics;
  private final int subtask;

  private volatile boolean closed;

  JdbcLookupRuntime(Plan<K, V> plan) {
    this.statements = plan.statements;
    this.anyArray = plan.anyArray;
    this.keyRows = plan.keyRows;
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
    this.metrics =
        new JdbcLookupMetrics(plan.metricGroup, dataSource.getHikariPoolMXBean(), executor);
    this.cancels = new StatementCancels(plan.subtask, threads, metrics);
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
    cancels.shutdownNow(); // close() cancels what runs itself, below
    List<Runnable> queued = executor.shutdownNow();
    for (Runnable task : queued) {
      // Only Tasks are ever submitted; the cast is unchecked for the enclosing type's K and V.
      @SuppressWarnings("unchecked")
      Task<?> queuedTask = (Task<?>) task;
      queuedTask.fail(SqlFailures.closed());
    }
    try {
      if (cancels.cancelRunning() > 0) {
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
   * A unit of work on the executor that owns the future it completes; its lock guards the statement
   * it executes ({@link StatementCancels.Execution}).
   */
  private abstract class Task<R> extends StatementCancels.Execution implements Runnable {
    final StatementCancels.LookupFuture<R> result = new StatementCancels.LookupFuture<>(this);

    Task() {
      super(cancels);
    }

    abstract R call(Connection connection) throws SQLException;

    /**
     * Runs {@code statement}'s query as this task's executing statement, one of the running ones;
     * {@link #finishExecution} must follow. A statement fails instead of starting once the future
     * is cancelled or the lookup closed: {@link StatementCancels.LookupFuture#cancel} and {@link
     * #close()} set theirs before they look for executing statements, and this sets its statement
     * before it looks at theirs, so either they see it or it sees them.
     */
    final ResultSet executeQuery(PreparedStatement statement) throws SQLException {
      startExecution(statement);
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
        Object bound = keyRows.bind(k);
        if (!keyRows.sendable(bound)) {
          return Optional.empty();
        }
        statement.setObject(1, bound);
        try (ResultSet rows = executeQuery(statement)) {
          return rows.next() ? Optional.of(keyRows.map(rows)) : Optional.empty();
        } finally {
          finishExecution();
        }
      }
    }
  }

  private final class BatchLookup extends Task<Map<K, V>> {
    private final BatchKeys<K, V> batch;

    BatchLookup(Object[] keys) {
      this.batch = new BatchKeys<>(keys, keyRows, statements, anyArray);
    }

    @Override
    void fail(Throwable failure) {
      super.fail(batch.failure(failure));
    }

    @Override
    Map<K, V> call(Connection connection) throws SQLException {
      int n = batch.bind();
      Map<K, V> found = new HashMap<>();
      for (int from = 0; from < n && !result.isCancelled(); from += maxBatchKeys) {
        // A cancelled call starts no further statement: nobody wants its rows.
        int to = Math.min(n, from + maxBatchKeys);
        try (PreparedStatement statement = batch.prepare(connection, from, to)) {
          statement.setQueryTimeout(queryTimeoutSeconds);
          try (ResultSet rows = executeQuery(statement)) {
            batch.collect(rows, found);
          } finally {
            finishExecution();
          }
        }
      }
      for (Object value : batch.unansweredIfForeignRows(found)) {
        if (result.isCancelled()) {
          break;
        }
        metrics.keyAskedAlone();
        try (PreparedStatement statement = connection.prepareStatement(statements.single())) {
          statement.setQueryTimeout(queryTimeoutSeconds);
          statement.setMaxRows(1);
          statement.setObject(1, value);
          try (ResultSet rows = executeQuery(statement)) {
            batch.collectAlone(value, rows, found);
          } finally {
            finishExecution();
          }
        }
      }
      return batch.answer(found);
    }
  }
}
