package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Edges of the micro-batch flush timer found by a review on 2026-11-24, each failing before that
 * day's fixes: a flush timer that has already started when a full batch cancels it (cancelling a
 * running task does not stop it, as {@link Timers.Cancellable#cancel} and {@code
 * ScheduledThreadPoolExecutor} say). Before, it sent the next batch at once, before its maxDelay,
 * and dropped that batch's own timer, which then stayed scheduled.
 */
class MicroBatchFlushRaceTest {

  /**
   * Timers on a manual clock whose tasks the test starts itself: a task that has started can no
   * longer be cancelled (its body may still be about to run), as with a real scheduler thread that
   * has taken the task and waits for the batcher's lock.
   */
  static final class StartableTimers implements Timers {
    final List<Task> tasks = new ArrayList<>();
    long now = 1_000_000_000L;

    @Override
    public synchronized long nanoTime() {
      return now;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayNanos) {
      Task t = new Task(now + delayNanos, task);
      tasks.add(t);
      return t;
    }

    @Override
    public void shutdown() {}

    static final class Task implements Cancellable {
      final long at;
      final Runnable body;
      boolean started;
      boolean cancelled;

      Task(long at, Runnable body) {
        this.at = at;
        this.body = body;
      }

      @Override
      public synchronized void cancel() {
        if (!started) {
          cancelled = true;
        }
      }

      synchronized boolean start() {
        if (cancelled) {
          return false;
        }
        started = true;
        return true;
      }
    }
  }

  @Test
  void flushTimerStartedWhenAFullBatchCancelsIt_doesNotSendTheNextBatchBeforeItsMaxDelay() {
    FakeLookup lookup = FakeLookup.manualBatch();
    StartableTimers timers = new StartableTimers();
    LookupSettings settings =
        EngineFixture.PLAIN.with(
            s -> {
              s.timeout = Duration.ofSeconds(5);
              s.retry = LookupRetry.none();
              s.fallback = LookupFallback.deadLetter();
              s.batchKeys = 2;
              s.batchDelay = Duration.ofMillis(50);
            });
    LookupEngine<String, String> engine =
        new LookupEngine<>(lookup, settings, timers, new Random(1), LookupMetrics.unregistered());

    engine.load("c-1", new RecordingWaiter("o1")); // first key: the flush timer is set for +50 ms
    StartableTimers.Task flush = timers.tasks.get(0);
    timers.now += Duration.ofMillis(50).toNanos();
    assertThat(flush.start()).isTrue(); // the timer thread takes the flush task ...

    // ... while the task thread fills the batch (which cancels the flush: too late) and starts
    // the next one
    engine.load("c-2", new RecordingWaiter("o2"));
    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(lookup.call(0).keys).containsExactly("c-1", "c-2");
    engine.load("c-3", new RecordingWaiter("o3"));

    flush.body.run(); // the old flush task gets the batcher's lock now

    // c-3 arrived 0 ms ago: its batch waits for a second key or 50 ms
    assertThat(keysOfCalls(lookup)).containsExactly(List.of("c-1", "c-2"));
    StartableTimers.Task nextFlush = timers.tasks.get(timers.tasks.size() - 1); // set by c-3
    assertThat(nextFlush.at).isEqualTo(timers.now + Duration.ofMillis(50).toNanos());
    engine.load("c-4", new RecordingWaiter("o4"));
    assertThat(keysOfCalls(lookup)).containsExactly(List.of("c-1", "c-2"), List.of("c-3", "c-4"));
    assertThat(nextFlush.cancelled).as("the full batch cancelled its own flush timer").isTrue();
  }

  private static List<List<String>> keysOfCalls(FakeLookup lookup) {
    List<List<String>> keys = new ArrayList<>();
    for (FakeLookup.Call call : lookup.calls()) {
      keys.add(call.keys);
    }
    return keys;
  }
}
