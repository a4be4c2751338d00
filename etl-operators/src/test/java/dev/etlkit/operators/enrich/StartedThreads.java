package dev.etlkit.operators.enrich;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The threads started after a point of a test, to check that what a step or lookup started has
 * ended: {@link #stillRunningAfter} joins each of them, waiting at most a bound in all.
 */
public final class StartedThreads {
  private static final int STACK_SHOWN = 6;

  private final Set<Long> before = new HashSet<>();

  private StartedThreads() {
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      before.add(thread.getId());
    }
  }

  /** Remembers the threads running now; the ones started from now on are watched. */
  public static StartedThreads since() {
    return new StartedThreads();
  }

  /** The live threads started since {@link #since()} that {@code watched} accepts. */
  public List<Thread> running(Predicate<Thread> watched) {
    List<Thread> started = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(thread.getId()) && thread.isAlive() && watched.test(thread)) {
        started.add(thread);
      }
    }
    return started;
  }

  /**
   * Waits up to {@code timeout} in all for the threads started since {@link #since()} (that {@code
   * watched} accepts) to end; returns the names of those still running then.
   */
  public List<String> stillRunningAfter(Duration timeout, Predicate<Thread> watched)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : running(watched)) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        thread.join(Math.max(1, left / 1_000_000));
      }
    }
    List<String> names = new ArrayList<>();
    for (Thread thread : running(watched)) {
      StackTraceElement[] stack = thread.getStackTrace();
      StringBuilder where = new StringBuilder(thread.getName());
      for (int i = 0; i < Math.min(STACK_SHOWN, stack.length); i++) {
        where.append(i == 0 ? " at " : " < ").append(stack[i]);
      }
      names.add(where.toString());
    }
    return names;
  }

  /** Watches every thread. */
  public static boolean any(Thread thread) {
    return true;
  }
}
