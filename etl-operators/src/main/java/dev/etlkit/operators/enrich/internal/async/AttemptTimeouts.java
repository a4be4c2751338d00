package dev.etlkit.operators.enrich.internal.async;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The attempt timeouts of the calls in flight, behind a single timer instead of one scheduled task
 * per call. Every call gets the same timeout, so calls armed one after another have deadlines in
 * the same order: they are kept in a doubly linked list threaded through the calls themselves
 * (nothing allocated per call), a reply unlinks its call in constant time, and one timer, set for
 * the earliest deadline, fires the calls that are due and sets itself for the next one. A call
 * times out when its own deadline passes, as it did with a task of its own; a timer whose call
 * replied meanwhile finds nothing due and moves on to the next deadline, so with calls that reply
 * in time the timer runs about once per attempt timeout.
 *
 * <p>Threads: calls are armed on whichever thread makes them (the task thread, the timer thread for
 * retries, batch flushes and rate-limit waits), unlinked on the lookup's reply threads and fired on
 * the {@link Timers} thread; the list is guarded by this object's lock. Firing a call runs {@link
 * LookupCall#run()} outside the lock.
 */
@Internal
final class AttemptTimeouts implements Runnable {
  /** A call's {@code startNanos} before {@link #arm}: not known, the clock is read then. */
  static final long READ_CLOCK = Long.MIN_VALUE;

  private final Timers timers;
  private final long timeoutNanos;

  // Guarded by this.
  @Nullable private LookupCall<?, ?> head;
  @Nullable private LookupCall<?, ?> tail;
  private boolean timerSet;

  AttemptTimeouts(Timers timers, long timeoutNanos) {
    this.timers = timers;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Starts the attempt timeout of {@code call}: it fires {@code timeout} after the call's start.
   * The start is the clock read by the caller just before (the call's {@code startNanos}, see
   * {@link LookupEngine}), or read here when the caller has none ({@link #READ_CLOCK}) or when
   * another thread armed a later deadline meanwhile: deadlines stay in arming order.
   */
  void arm(LookupCall<?, ?> call) {
    synchronized (this) {
      LookupCall<?, ?> last = tail;
      long now = call.startNanos;
      if (now == READ_CLOCK || (last != null && last.deadlineNanos - (now + timeoutNanos) > 0)) {
        now = timers.nanoTime();
        call.startNanos = now;
      }
      long deadline = now + timeoutNanos;
      if (last != null && last.deadlineNanos - deadline > 0) {
        // Cannot happen on a monotonic clock read under this lock; keeps the list sorted anyway.
        deadline = last.deadlineNanos;
      }
      call.deadlineNanos = deadline;
      call.prevTimeout = last;
      call.nextTimeout = null;
      if (last == null) {
        head = call;
      } else {
        last.nextTimeout = call;
      }
      tail = call;
      call.timeoutArmed = true;
      if (!timerSet) {
        // Set for the head's deadline, which no later deadline precedes.
        timerSet = true;
        timers.schedule(this, head.deadlineNanos - now);
      }
    }
  }

  /** The call ended (its reply came): its timeout will not fire. */
  void disarm(LookupCall<?, ?> call) {
    synchronized (this) {
      if (call.timeoutArmed) {
        unlink(call);
      }
    }
  }

  /** Calls armed and neither replied nor timed out (for tests). */
  synchronized int armed() {
    int n = 0;
    for (LookupCall<?, ?> c = head; c != null; c = c.nextTimeout) {
      n++;
    }
    return n;
  }

  /** The timer: fires the calls whose deadline passed, then sets itself for the next deadline. */
  @Override
  public void run() {
    List<LookupCall<?, ?>> due = null;
    synchronized (this) {
      long now = timers.nanoTime();
      LookupCall<?, ?> c = head;
      while (c != null && c.deadlineNanos - now <= 0) {
        LookupCall<?, ?> next = c.nextTimeout;
        unlink(c);
        if (due == null) {
          due = new ArrayList<>(2);
        }
        due.add(c);
        c = next;
      }
      if (head == null) {
        timerSet = false;
      } else {
        timers.schedule(this, head.deadlineNanos - now);
      }
    }
    if (due != null) {
      for (int i = 0; i < due.size(); i++) {
        due.get(i).run();
      }
    }
  }

  private void unlink(LookupCall<?, ?> call) {
    LookupCall<?, ?> prev = call.prevTimeout;
    LookupCall<?, ?> next = call.nextTimeout;
    if (prev == null) {
      head = next;
    } else {
      prev.nextTimeout = next;
    }
    if (next == null) {
      tail = prev;
    } else {
      next.prevTimeout = prev;
    }
    call.prevTimeout = null;
    call.nextTimeout = null;
    call.timeoutArmed = false;
  }
}
