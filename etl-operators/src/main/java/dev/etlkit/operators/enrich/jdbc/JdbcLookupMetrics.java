package dev.etlkit.operators.enrich.jdbc;

import com.zaxxer.hikari.HikariPoolMXBean;
import java.util.concurrent.ThreadPoolExecutor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The metrics of one opened {@link JdbcLookup}, in the group {@value #GROUP} below the step's
 * metric group: the pool's connections, the executor's queue, the lookups it turned away, and the
 * statements of cancelled lookups cancelled on the database (or left to run, every canceller busy),
 * and the keys of batches asked again alone.
 */
final class JdbcLookupMetrics {
  static final String GROUP = "jdbcLookup";
  static final String ACTIVE_CONNECTIONS = "activeConnections";
  static final String IDLE_CONNECTIONS = "idleConnections";
  static final String THREADS_AWAITING_CONNECTION = "threadsAwaitingConnection";
  static final String QUEUED_LOOKUPS = "queuedLookups";
  static final String REJECTED_LOOKUPS = "rejectedLookups";
  static final String STATEMENTS_CANCELLED = "statementsCancelled";
  static final String CANCELS_DROPPED = "cancelsDropped";
  static final String KEYS_ASKED_ALONE = "keysAskedAlone";

  private final Counter rejected;
  private final Counter statementsCancelled;
  private final Counter cancelsDropped;
  private final Counter keysAskedAlone;

  JdbcLookupMetrics(MetricGroup parent, HikariPoolMXBean pool, ThreadPoolExecutor executor) {
    MetricGroup group = parent.addGroup(GROUP);
    group.gauge(ACTIVE_CONNECTIONS, (Gauge<Integer>) pool::getActiveConnections);
    group.gauge(IDLE_CONNECTIONS, (Gauge<Integer>) pool::getIdleConnections);
    group.gauge(THREADS_AWAITING_CONNECTION, (Gauge<Integer>) pool::getThreadsAwaitingConnection);
    group.gauge(QUEUED_LOOKUPS, (Gauge<Integer>) () -> executor.getQueue().size());
    this.rejected = group.counter(REJECTED_LOOKUPS);
    this.statementsCancelled = group.counter(STATEMENTS_CANCELLED);
    this.cancelsDropped = group.counter(CANCELS_DROPPED);
    this.keysAskedAlone = group.counter(KEYS_ASKED_ALONE);
  }

  void rejected() {
    rejected.inc();
  }

  /** A cancel of a running statement was sent to the database (its driver accepted it). */
  void statementCancelled() {
    statementsCancelled.inc();
  }

  /**
   * A key of a batch was asked alone: the batch read back rows of keys it did not send, and no row
   * answered this one.
   */
  void keyAskedAlone() {
    keysAskedAlone.inc();
  }

  /** A cancelled lookup's statement was left to run: every canceller was busy. */
  void cancelDropped() {
    cancelsDropped.inc();
  }
}
