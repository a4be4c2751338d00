package dev.etlkit.operators.enrich;

import dev.etlkit.operators.enrich.internal.async.Timers;
import java.time.Duration;
import java.util.PriorityQueue;

/**
 * {@link Timers} on a manual clock: time moves only by {@link #advance}, which runs the tasks that
 * fall due, in time order (tasks scheduled while advancing run too when due). Also the Caffeine
 * ticker of the engine under test, so cache expiry follows the same clock.
 */
public final class ManualTimers implements Timers {

  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long sequence;
  private boolean shutdown;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    Task t = new Task(now + Math.max(0L, delayNanos), sequence++, task);
    if (!shutdown) {
      tasks.add(t);
    }
    return t;
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
    tasks.clear();
  }

  /** Moves the clock forward by {@code duration}, running every task that falls due on the way. */
  public void advance(Duration duration) {
    long target;
    synchronized (this) {
      target = now + duration.toNanos();
    }
    for (; ; ) {
      Task due;
      synchronized (this) {
        Task head = tasks.peek();
        if (head == null || head.at > target) {
          now = target;
          return;
        }
        due = tasks.poll();
        now = Math.max(now, due.at);
        if (due.cancelled) {
          continue;
        }
      }
      due.task.run();
    }
  }

  /**
   * Sets the clock to {@code nanos} without running the tasks due at it, so that work done next (a
   * reply, say) happens at that instant before its timers. No task may be due earlier.
   */
  public synchronized void moveTo(long nanos) {
    for (Task t : tasks) {
      if (!t.cancelled && t.at < nanos) {
        throw new IllegalStateException("a task is due before " + nanos + ": " + t.at);
      }
    }
    now = Math.max(now, nanos);
  }

  /** Runs the tasks due now (zero-delay tasks) without moving the clock. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** Tasks scheduled and not yet run or cancelled. */
  public synchronized int pendingTasks() {
    int n = 0;
    for (Task t : tasks) {
      if (!t.cancelled) {
        n++;
      }
    }
    return n;
  }

  private static final class Task implements Comparable<Task>, Cancellable {
    final long at;
    final long seq;
    final Runnable task;
    volatile boolean cancelled;

    Task(long at, long seq, Runnable task) {
      this.at = at;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
