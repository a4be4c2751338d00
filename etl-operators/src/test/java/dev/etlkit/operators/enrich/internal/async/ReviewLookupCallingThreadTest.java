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
 * Review: the Lookup contract (its Javadoc, docs/enrichment.md "Writing a lookup" and
 * docs/enrichment-lookups.md "Writing your own lookup") says {@code lookup} is called on the task
 * thread. Retries and micro-batches are called from the step's timer thread instead, concurrently
 * with the task thread's first attempts, so a lookup written to that contract (a client or a map
 * used only from "the task thread") is used from two threads at once.
 */
class ReviewLookupCallingThreadTest {

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
  void retry_isCalledOnTheTaskThread_likeTheFirstAttempt() throws Exception {
    ThreadRecordingLookup lookup = new ThreadRecordingLookup();
    SystemTimers timers = new SystemTimers("etlkit-lookup review (1/1)");
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
      assertThat(lookup.callingThreads).containsExactly(taskThread, taskThread);
    } finally {
      timers.shutdown();
    }
  }

  @Test
  void microBatch_isCalledOnTheTaskThread() throws Exception {
    ThreadRecordingLookup lookup = new ThreadRecordingLookup();
    SystemTimers timers = new SystemTimers("etlkit-lookup review (1/1)");
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
      assertThat(lookup.callingThreads).containsExactly(Thread.currentThread().getName());
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
