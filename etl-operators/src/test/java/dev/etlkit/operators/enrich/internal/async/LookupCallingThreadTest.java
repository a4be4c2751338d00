package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Edges of the lookup's calling threads found by a review on 2026-11-24. Before that day's fixes
 * the {@link Lookup} contract (its Javadoc, docs/enrichment.md "Writing a lookup",
 * docs/enrichment-lookups.md "Writing your own lookup") said {@code lookup} is called on the task
 * thread, while retries and micro-batches were called from the step's timer thread, possibly at the
 * same time as first attempts on the task thread; the review's tests, which expected the task
 * thread, failed. The fix is to the contract, which now says both threads call (so a lookup must be
 * thread-safe): these tests pin which thread makes which call.
 */
class LookupCallingThreadTest {

  /** The name the step gives the timer thread of subtask 1 of 1 of step {@code orders/customer}. */
  private static final String TIMER_THREAD = "etlkit-lookup orders/customer (1/1)";

  /** Records the thread of every call; the first call of each key fails, the next answers. */
  static final class ThreadRecordingLookup implements Lookup<String, String> {
    final List<String> callingThreads = new CopyOnWriteArrayList<>();
    final List<String> failedOnce = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      callingThreads.add(Thread.currentThread().getName());
      if (!failedOnce.contains(key)) {
        failedOnce.add(key);
        return CompletableFuture.failedFuture(new IOException("down"));
      }
      return CompletableFuture.completedFuture(Optional.of("v-" + key));
    }

    @Override
    public CompletableFuture<Map<String, String>> lookupAll(Collection<String> keys) {
      callingThreads.add(Thread.currentThread().getName());
      return CompletableFuture.completedFuture(Map.of());
    }

    @Override
    public boolean supportsBatch() {
      return true;
    }
  }

  /** A record whose answer the test can wait for. */
  static final class LatchWaiter extends Waiter<String> {
    final CountDownLatch answered = new CountDownLatch(1);
    @Nullable volatile LookupStatus status;

    @Override
    protected void deliver(@Nullable String value, LookupStatus status, int attempts) {
      this.status = status;
      answered.countDown();
    }

    @Override
    protected void reject(Throwable error, int attempts) {
      answered.countDown();
    }
  }

  @Test
  void firstAttempt_isCalledOnTheTaskThread_itsRetryOnTheTimerThread() throws Exception {
    ThreadRecordingLookup lookup = new ThreadRecordingLookup();
    SystemTimers timers = new SystemTimers(TIMER_THREAD);
    try {
      LookupEngine<String, String> engine =
          engine(
              lookup,
              timers,
              s ->
                  s.retry =
                      LookupRetry.<String>attempts(2)
                          .withBackoff(Duration.ofMillis(1), Duration.ofMillis(1)));
      LatchWaiter record = new LatchWaiter();
      engine.load("c-1", record); // the test thread is the task thread

      assertThat(record.answered.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(record.status).isEqualTo(LookupStatus.LOADED);
      String taskThread = Thread.currentThread().getName();
      assertThat(lookup.callingThreads).containsExactly(taskThread, TIMER_THREAD);
    } finally {
      timers.shutdown();
    }
  }

  @Test
  void microBatchFlushedByItsDelay_isCalledOnTheTimerThread() throws Exception {
    ThreadRecordingLookup lookup = new ThreadRecordingLookup();
    SystemTimers timers = new SystemTimers(TIMER_THREAD);
    try {
      LookupEngine<String, String> engine =
          engine(
              lookup,
              timers,
              s -> {
                s.batchKeys = 10;
                s.batchDelay = Duration.ofMillis(1);
              });
      LatchWaiter record = new LatchWaiter();
      engine.load("c-1", record);

      assertThat(record.answered.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(record.status).isEqualTo(LookupStatus.MISS);
      assertThat(lookup.callingThreads).containsExactly(TIMER_THREAD);
    } finally {
      timers.shutdown();
    }
  }

  private static LookupEngine<String, String> engine(
      Lookup<String, String> lookup, Timers timers, Consumer<LookupSettings.Builder> change) {
    LookupSettings settings =
        EngineFixture.PLAIN.with(
            s -> {
              s.timeout = Duration.ofSeconds(5);
              s.retry = LookupRetry.none();
              s.fallback = LookupFallback.deadLetter();
              change.accept(s);
            });
    return new LookupEngine<>(
        lookup, settings, timers, new Random(1), LookupMetrics.unregistered());
  }
}
