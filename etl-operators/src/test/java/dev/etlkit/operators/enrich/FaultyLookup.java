package dev.etlkit.operators.enrich;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A lookup that misbehaves on purpose, reproducibly: of its calls, {@code failShare} fail and
 * {@code hangShare} never answer, the rest answer after 1..{@code maxLatencyMillis} ms; between
 * {@code outageFrom} and {@code outageUntil} (ms after {@link #open}) every call fails. What a call
 * does depends only on the seed, the key and how often that key was asked, not on thread timing.
 * Keys whose number ends in 7 have no value (misses); the value of {@code k} is {@code v(k)}.
 *
 * <p>Calls are counted per key in a static map (tests in one JVM, MiniCluster included, read it
 * after the job); {@link #reset} clears it.
 */
public final class FaultyLookup implements Lookup<String, String> {
  private static final long serialVersionUID = 1L;

  /** Calls per key since the last {@link #reset}. */
  public static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

  /** Where the lookup's time and delayed answers come from. */
  public interface Clock {
    long nowMillis();

    void schedule(Runnable task, long delayMillis);
  }

  private final long seed;
  private final double failShare;
  private final double hangShare;
  private final long maxLatencyMillis;
  private final long outageFrom;
  private final long outageUntil;

  private transient Clock clock;
  private transient ScheduledExecutorService ownExecutor;
  private transient long openedAt;

  public FaultyLookup(
      long seed,
      double failShare,
      double hangShare,
      long maxLatencyMillis,
      long outageFrom,
      long outageUntil) {
    this.seed = seed;
    this.failShare = failShare;
    this.hangShare = hangShare;
    this.maxLatencyMillis = maxLatencyMillis;
    this.outageFrom = outageFrom;
    this.outageUntil = outageUntil;
  }

  public static void reset() {
    CALLS.clear();
  }

  /** Uses {@code clock} instead of the wall clock and a thread of its own. */
  public FaultyLookup on(Clock clock) {
    this.clock = clock;
    return this;
  }

  public static String valueOf(String key) {
    return "v(" + key + ")";
  }

  @Override
  public void open(LookupContext context) {
    if (clock == null) {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
      executor.setRemoveOnCancelPolicy(true);
      ownExecutor = executor;
      clock =
          new Clock() {
            @Override
            public long nowMillis() {
              return System.currentTimeMillis();
            }

            @Override
            public void schedule(Runnable task, long delayMillis) {
              executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            }
          };
    }
    openedAt = clock.nowMillis();
  }

  @Override
  public void close() {
    if (ownExecutor != null) {
      ownExecutor.shutdownNow();
    }
  }

  @Override
  public CompletableFuture<Optional<String>> lookup(String key) {
    int call = CALLS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    Random random = new Random(seed * 1_000_003L + key.hashCode() * 31L + call);
    double draw = random.nextDouble();
    long latency = 1 + random.nextInt((int) Math.max(1, maxLatencyMillis));
    long sinceOpen = clock.nowMillis() - openedAt;
    CompletableFuture<Optional<String>> reply = new CompletableFuture<>();
    if (sinceOpen >= outageFrom && sinceOpen < outageUntil) {
      clock.schedule(() -> reply.completeExceptionally(new IOException("outage")), latency);
    } else if (draw < failShare) {
      clock.schedule(() -> reply.completeExceptionally(new IOException("flaky")), latency);
    } else if (draw < failShare + hangShare) {
      // never answers: only the attempt timeout ends this call
    } else {
      Optional<String> value = key.endsWith("7") ? Optional.empty() : Optional.of(valueOf(key));
      clock.schedule(() -> reply.complete(value), latency);
    }
    return reply;
  }
}
