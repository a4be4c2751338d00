package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.operators.enrich.LookupStatus;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * One record waiting for the value of its key. It is answered exactly once: whoever wins {@link
 * #tryFinish()} (the load of its key, or the step timeout) calls {@link #deliver} or {@link
 * #reject}; every later outcome is dropped. Subclasses hand the answer to Flink.
 */
@Internal
public abstract class Waiter<V> {
  private static final AtomicIntegerFieldUpdater<Waiter> STATE =
      AtomicIntegerFieldUpdater.newUpdater(Waiter.class, "finished");

  private volatile int finished;

  /** When the step timeout of this record passes, on the engine's clock; set by the engine. */
  long deadlineNanos;

  /** The load this record waits for; set by the engine when it joins one. */
  @Nullable volatile Flight<?, V> flight;

  /** Claims the right to answer this record; true for exactly one caller. */
  final boolean tryFinish() {
    return STATE.compareAndSet(this, 0, 1);
  }

  /** Whether this record was answered (or is being answered). */
  public final boolean isFinished() {
    return finished != 0;
  }

  /**
   * Calls made so far for the load this record waits for, at least 1 (a dead letter's attempt
   * count, also when its first call still waited for a batch or a permit).
   */
  final int attempts() {
    Flight<?, V> f = flight;
    return f == null ? 1 : Math.max(1, f.attempts());
  }

  /**
   * The record's answer: a value (or null) and how it was found. Called once, on any thread.
   *
   * @param attempts lookup calls made for it, 0 for a cache hit
   */
  protected abstract void deliver(@Nullable V value, LookupStatus status, int attempts);

  /**
   * The record must be dead-lettered with {@code error}; or, for an {@link Error} the lookup threw
   * or completed its future with, the task must fail with it. Called once, on any thread.
   */
  protected abstract void reject(Throwable error, int attempts);
}
