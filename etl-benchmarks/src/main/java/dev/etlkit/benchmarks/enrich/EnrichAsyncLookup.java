package dev.etlkit.benchmarks.enrich;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupContext;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.annotation.Nullable;

/**
 * A simulated remote lookup: answers every call after a fixed latency on a scheduler thread of its
 * own (like a client's I/O thread). Keys below {@code hotKeys} have a value, the others none.
 * Counts its calls and measures its answers' latency.
 *
 * <p>A scheduler's timer fires late: on Linux a parked thread wakes up to the kernel's timer slack
 * (50 µs by default) after its deadline, so a 1 ms delay answered after about 1.055 ms, and the
 * benchmark measured the simulator as much as the step. The lookup therefore schedules each answer
 * early by the lateness it has observed ({@link Lateness}), so that answers come after the
 * configured latency on average; {@link #meanLatencyMicros} reports what they took.
 */
final class EnrichAsyncLookup implements Lookup<Long, String> {
  private static final long serialVersionUID = 1L;

  private final int hotKeys;
  private final long latencyMicros;
  private final String[] values;

  @Nullable private transient ScheduledThreadPoolExecutor executor;
  private transient AtomicLong calls;
  private transient Lateness lateness;

  /**
   * Answers and their summed latency; written by the scheduler thread only, read by the benchmark
   * thread between iterations.
   */
  private transient volatile long answered;

  private transient volatile long answeredNanos;

  EnrichAsyncLookup(int hotKeys, long latencyMicros) {
    this.hotKeys = hotKeys;
    this.latencyMicros = latencyMicros;
    this.values = values(hotKeys);
    this.calls = new AtomicLong();
    this.lateness = new Lateness();
  }

  /** The value of a hot key, the same string instance on every call. */
  static String[] values(int hotKeys) {
    String[] values = new String[hotKeys];
    for (int i = 0; i < hotKeys; i++) {
      values[i] = "customer-" + i;
    }
    return values;
  }

  @Override
  public void open(@Nullable LookupContext context) {
    if (executor == null) {
      executor = new ScheduledThreadPoolExecutor(1);
      executor.setRemoveOnCancelPolicy(true);
    }
  }

  @Override
  public CompletableFuture<Optional<String>> lookup(Long key) {
    calls.incrementAndGet();
    CompletableFuture<Optional<String>> reply = new CompletableFuture<>();
    long k = key;
    Optional<String> answer = k < hotKeys ? Optional.of(values[(int) k]) : Optional.empty();
    long start = System.nanoTime();
    long delay = lateness.delayFor(latencyMicros * 1_000L);
    executor.schedule(
        () -> {
          long elapsed = System.nanoTime() - start;
          lateness.observe(delay, elapsed);
          answeredNanos += elapsed; // single writer: a volatile store, not an atomic add
          answered++;
          reply.complete(answer);
        },
        delay,
        TimeUnit.NANOSECONDS);
    return reply;
  }

  int hotKeys() {
    return hotKeys;
  }

  long calls() {
    return calls.get();
  }

  /** Mean time from a call to its answer, in microseconds (NaN before the first answer). */
  double meanLatencyMicros() {
    long n = answered;
    return n == 0 ? Double.NaN : answeredNanos / 1_000.0 / n;
  }

  /** Answers so far. */
  long answered() {
    return answered;
  }

  /** Time from call to answer, summed over the answers so far, in nanoseconds. */
  long answeredNanos() {
    return answeredNanos;
  }

  /**
   * How late the scheduler's timer fires, as a moving average of the answers' lateness, and the
   * delay that makes an answer come after a given latency. Observed on the scheduler thread, read
   * on the calling thread.
   */
  static final class Lateness {
    /** Weight of one observation: 1/16. */
    private static final int SHIFT = 4;

    private volatile long lateNanos;

    /** The delay to schedule an answer with, for it to come after {@code latencyNanos}. */
    long delayFor(long latencyNanos) {
      return Math.max(0, latencyNanos - lateNanos);
    }

    /** An answer scheduled after {@code delayNanos} came after {@code elapsedNanos}. */
    void observe(long delayNanos, long elapsedNanos) {
      long late = lateNanos;
      lateNanos = late + ((elapsedNanos - delayNanos - late) >> SHIFT);
    }
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }
}
