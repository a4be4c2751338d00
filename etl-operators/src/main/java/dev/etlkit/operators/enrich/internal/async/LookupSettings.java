package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.Serializable;
import java.time.Duration;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The options of one lookup step, validated by the public spec, shipped with the job graph.
 * Immutable: {@link #with} makes a changed copy.
 */
@Internal
public final class LookupSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;
  private final int capacity;
  private final boolean ordered;
  private final boolean singleFlight;
  @Nullable private final LookupCache cache;
  private final LookupRetry<?> retry;
  private final LookupFallback<?> fallback;
  private final int batchKeys;
  private final Duration batchDelay;
  private final double rateLimit;

  private LookupSettings(Builder b) {
    this.timeout = b.timeout;
    this.capacity = b.capacity;
    this.ordered = b.ordered;
    this.singleFlight = b.singleFlight;
    this.cache = b.cache;
    this.retry = b.retry;
    this.fallback = b.fallback;
    this.batchKeys = b.batchKeys;
    this.batchDelay = b.batchDelay;
    this.rateLimit = b.rateLimit;
  }

  /** Settings with the given defaults. */
  public static LookupSettings defaults(
      Duration timeout,
      int capacity,
      boolean ordered,
      boolean singleFlight,
      LookupRetry<?> retry,
      LookupFallback<?> fallback) {
    Builder b = new Builder();
    b.timeout = timeout;
    b.capacity = capacity;
    b.ordered = ordered;
    b.singleFlight = singleFlight;
    b.retry = retry;
    b.fallback = fallback;
    b.batchDelay = Duration.ZERO;
    return new LookupSettings(b);
  }

  /** A copy with {@code change} applied. */
  public LookupSettings with(Consumer<Builder> change) {
    Builder b = new Builder();
    b.timeout = timeout;
    b.capacity = capacity;
    b.ordered = ordered;
    b.singleFlight = singleFlight;
    b.cache = cache;
    b.retry = retry;
    b.fallback = fallback;
    b.batchKeys = batchKeys;
    b.batchDelay = batchDelay;
    b.rateLimit = rateLimit;
    change.accept(b);
    return new LookupSettings(b);
  }

  /** The step timeout: the longest a record waits for its answer. */
  public Duration timeout() {
    return timeout;
  }

  public int capacity() {
    return capacity;
  }

  public boolean ordered() {
    return ordered;
  }

  public boolean singleFlight() {
    return singleFlight;
  }

  @Nullable
  public LookupCache cache() {
    return cache;
  }

  public LookupRetry<?> retry() {
    return retry;
  }

  public LookupFallback<?> fallback() {
    return fallback;
  }

  /** Keys per micro-batch, 0 without micro-batching. */
  public int batchKeys() {
    return batchKeys;
  }

  public Duration batchDelay() {
    return batchDelay;
  }

  /** Calls per second and subtask, 0 without a rate limit. */
  public double rateLimit() {
    return rateLimit;
  }

  /** The attempt timeout: the retry's, capped by the step timeout. */
  public Duration attemptTimeout() {
    Duration attempt = retry.attemptTimeout();
    return attempt == null || attempt.compareTo(timeout) > 0 ? timeout : attempt;
  }

  @Override
  public String toString() {
    return "timeout="
        + timeout
        + ", capacity="
        + capacity
        + (ordered ? ", ordered" : ", unordered")
        + (singleFlight ? "" : ", no single-flight")
        + (cache != null ? ", " + cache : "")
        + ", "
        + retry
        + ", "
        + fallback
        + (batchKeys > 0 ? ", microBatch=" + batchKeys + "/" + batchDelay : "")
        + (rateLimit > 0 ? ", rateLimit=" + rateLimit + "/s" : "");
  }

  /** The mutable form used by {@link #with}. */
  @Internal
  public static final class Builder {
    public Duration timeout;
    public int capacity;
    public boolean ordered;
    public boolean singleFlight;
    @Nullable public LookupCache cache;
    public LookupRetry<?> retry;
    public LookupFallback<?> fallback;
    public int batchKeys;
    public Duration batchDelay;
    public double rateLimit;

    private Builder() {}
  }
}
