package dev.etlkit.core.internal;

import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepIdentity;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Tells a record's failure from the task's cancellation. Flink interrupts a task thread only to
 * cancel the task, so code that ran on the task thread and failed was interrupted when the thread's
 * interrupt flag is still set (as an interrupted NIO channel leaves it) or an {@link
 * InterruptedException} is the error or one of its causes (blocking code that may not throw it
 * wraps it, clearing the flag). Such a failure is no bad record: the step fails the task instead of
 * dead-lettering it. Not for errors that come from other threads (a lookup's future): their
 * interrupt is that thread's.
 */
@Internal
public final class TaskInterrupts {

  /** A bound on the cause walk: a cause chain may loop. */
  private static final int MAX_CAUSES = 32;

  private TaskInterrupts() {}

  /** Whether {@code error}, thrown on the task thread, means the task is being cancelled. */
  public static boolean interrupted(Throwable error) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    Throwable t = error;
    for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = causeOf(t)) {
      if (t instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The cause of {@code t}, or null if its {@code getCause()} (the user's code) throws: for walks
   * of a user's exception's causes (here: a cause that cannot be read says nothing about an
   * interrupt, and the record stays a bad record).
   */
  @Nullable
  public static Throwable causeOf(Throwable t) {
    try {
      return t.getCause();
    } catch (Exception | StackOverflowError e) {
      // Exception, not RuntimeException: JVM languages without checked exceptions throw them.
      return null;
    }
  }

  /**
   * The failure to throw for an interrupted record of {@code step}, after restoring the interrupt
   * flag (Flink expects a cancelled task's thread to keep it).
   */
  public static EtlException failure(StepIdentity step, Throwable error) {
    Thread.currentThread().interrupt();
    return new EtlException(step, "interrupted while processing a record", error);
  }
}
