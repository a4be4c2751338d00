package dev.etlkit.operators.enrich.internal.async;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Timers} on the system clock with one daemon thread per subtask. Tasks run on that thread,
 * so they must be short: they complete futures and hand calls to the lookup, which never blocks.
 */
@Internal
public final class SystemTimers implements Timers {
  private static final Logger LOG = LoggerFactory.getLogger(SystemTimers.class);

  private final ScheduledThreadPoolExecutor executor;

  public SystemTimers(String threadName) {
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, threadName);
              thread.setDaemon(true);
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    ScheduledFuture<?> future =
        executor.schedule(new Guarded(task), Math.max(0L, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public void shutdown() {
    executor.shutdownNow();
  }

  /** Logs what a task threw (the executor would keep it in a future nobody reads). */
  private static final class Guarded implements Runnable {
    private final Runnable task;

    Guarded(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      try {
        task.run();
      } catch (Throwable t) {
        // The class only: messages of user lookups may quote keys.
        LOG.error("lookup timer task failed with {}", t.getClass().getName());
      }
    }
  }
}
