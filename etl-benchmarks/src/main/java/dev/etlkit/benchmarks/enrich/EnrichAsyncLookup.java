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
 * Counts its calls.
 */
final class EnrichAsyncLookup implements Lookup<Long, String> {
  private static final long serialVersionUID = 1L;

  private final int hotKeys;
  private final long latencyMicros;
  private final String[] values;

  @Nullable private transient ScheduledThreadPoolExecutor executor;
  private transient AtomicLong calls;

  EnrichAsyncLookup(int hotKeys, long latencyMicros) {
    this.hotKeys = hotKeys;
    this.latencyMicros = latencyMicros;
    this.values = values(hotKeys);
    this.calls = new AtomicLong();
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
    executor.schedule(() -> reply.complete(answer), latencyMicros, TimeUnit.MICROSECONDS);
    return reply;
  }

  long calls() {
    return calls.get();
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }
}
