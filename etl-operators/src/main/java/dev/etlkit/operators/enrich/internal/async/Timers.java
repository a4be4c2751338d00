package dev.etlkit.operators.enrich.internal.async;

import org.apache.flink.annotation.Internal;

/**
 * The clock and the scheduler of a lookup engine: attempt timeouts, retry backoffs, micro-batch
 * flushes and rate-limit waits. Injected so that tests run on a manual clock.
 */
@Internal
public interface Timers {

  /** A monotonic time in nanoseconds (like {@link System#nanoTime()}). */
  long nanoTime();

  /** Runs {@code task} once, {@code delayNanos} from now, on the scheduler's thread. */
  Cancellable schedule(Runnable task, long delayNanos);

  /** Stops the scheduler; tasks not run yet are dropped. */
  void shutdown();

  /** A scheduled task that may still be cancelled. */
  @Internal
  interface Cancellable {
    /** Cancels the task if it has not run; a task already running is not interrupted. */
    void cancel();
  }

  /** Creates the timers of one parallel subtask; serializable with the job graph. */
  @Internal
  @FunctionalInterface
  interface Factory extends java.io.Serializable {
    Timers create(String threadName);
  }
}
