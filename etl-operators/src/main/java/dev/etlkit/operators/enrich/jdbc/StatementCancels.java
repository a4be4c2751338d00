package dev.etlkit.operators.enrich.jdbc;

import dev.etlkit.operators.enrich.internal.async.DaemonThreads;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.annotation.Nullable;

/**
 * Cancels the running statements of an opened {@link JdbcLookup} on the database ({@link
 * Statement#cancel()}): a cancelled lookup's from a small executor of canceller threads, never on
 * the cancelling thread (a driver sends a cancel over a new connection and may wait for it), and
 * all of them when the lookup closes. A lookup's statement is cancelled only while it executes,
 * under the lookup's lock ({@link Execution#cancelExecution}), so a cancel never reaches the
 * statement the connection runs next, for another lookup.
 */
final class StatementCancels {
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

  /**
   * Cancels the statements of cancelled lookups. At most {@code poolSize} statements run at once,
   * so its queue holds that many cancels; one more (all canceller threads waiting for a database
   * that does not answer) is dropped, and its statement runs to its end or its query timeout.
   */
  private final ThreadPoolExecutor cancellers;

  private final DaemonThreads cancellerThreads;

  private final JdbcLookupMetrics metrics;

  /**
   * Lookups executing a statement now, so that {@link #cancelRunning()} can cancel them on the
   * database.
   */
  private final Set<Execution> running = ConcurrentHashMap.newKeySet();

  /** The cancellers of a lookup of {@code threads} lookup threads on subtask {@code subtask}. */
  StatementCancels(int subtask, int threads, JdbcLookupMetrics metrics) {
    this.metrics = metrics;
    this.cancellerThreads = new DaemonThreads("etlkit-jdbc-lookup-" + subtask + "-cancel-");
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
  }

  /**
   * Stops the cancellers when the lookup closes: cancels of cancelled lookups are dropped from then
   * on, and {@link #cancelRunning()} cancels what runs.
   */
  void shutdownNow() {
    cancellers.shutdownNow();
  }

  /**
   * Asks the database to cancel each running statement, each from a thread of its own: a driver
   * sends a cancel over a new connection and may wait for it (up to its own cancel timeout when the
   * database does not answer), which {@link JdbcLookupRuntime#close()} must not. Returns how many
   * were asked. Not the {@link #cancellers}: they may all be waiting for a database that does not
   * answer.
   */
  int cancelRunning() {
    int cancelled = 0;
    for (Execution execution : running) {
      cancellerThreads.newThread(execution::cancelExecution).start();
      cancelled++;
    }
    return cancelled;
  }

  /**
   * The {@link #cancellers}' rejection: every canceller busy, so the statement runs on to its query
   * timeout (counted); or the lookup closed, and {@link JdbcLookupRuntime#close()} cancels what
   * runs itself.
   */
  private void dropCancel(Runnable cancel, ThreadPoolExecutor cancellers) {
    if (!cancellers.isShutdown()) {
      metrics.cancelDropped();
    }
  }

  /**
   * Whether the driver took the cancel. Sent to the driver's own statement, not HikariCP's proxy of
   * it: the proxy reads a failed cancel's SQLState ({@code 08…}, as when the cancel request's own
   * connection cannot be made, or {@code 57P0…}) as a broken connection and closes the connection
   * under the query, which then runs on in the database, out of reach of the second cancel.
   */
  private static boolean cancelQuietly(Statement statement) {
    try {
      statement.unwrap(Statement.class).cancel();
      return true;
    } catch (SQLException | RuntimeException e) {
      // Finished or closed meanwhile, or the driver cannot cancel: closing the pool aborts it.
      return false;
    }
  }

  /**
   * The statements one lookup executes, one at a time. Its lock guards the statement it executes: a
   * canceller cancels it only while it executes, and the lookup thread waits for a cancel in
   * progress before it moves on, so that the cancel never reaches the connection's next statement
   * (PostgreSQL's cancel targets the connection's server process, whatever runs there).
   */
  abstract static class Execution {
    private final StatementCancels cancels;

    /** The statement executing now, set and cleared under this execution's lock. */
    @Nullable private volatile Statement executing;

    Execution(StatementCancels cancels) {
      this.cancels = cancels;
    }

    /**
     * Makes {@code statement} the executing one, one of the {@link #running} ones; {@link
     * #finishExecution} must follow.
     */
    final synchronized void startExecution(Statement statement) {
      executing = statement;
      cancels.running.add(this);
    }

    /** Ends the execution, after a cancel of it in progress, if any. */
    final synchronized void finishExecution() {
      executing = null;
      cancels.running.remove(this);
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
        cancels.metrics.statementCancelled();
      }
      try {
        wait(RECANCEL_AFTER_MILLIS); // finishExecution wakes it
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the lookup closes
        return;
      }
      if (executing == statement && cancelQuietly(statement) && !counted) {
        cancels.metrics.statementCancelled();
      }
    }
  }

  /**
   * The future of one lookup: cancelling it also cancels its statement on the database, if one
   * executes (from a canceller thread: this returns at once).
   */
  static final class LookupFuture<R> extends CompletableFuture<R> {
    private final Execution execution;

    LookupFuture(Execution execution) {
      this.execution = execution;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled && execution.executing != null) {
        // Dropped when the queue is full or the lookup closed (close() cancels what runs).
        execution.cancels.cancellers.execute(execution::cancelExecution);
      }
      return cancelled;
    }
  }
}
