package dev.etlkit.operators.enrich.internal.async;

import java.util.Random;
import org.apache.flink.annotation.Internal;

/**
 * Exponential backoff with jitter: retry n waits {@code min(max, initial × 2^(n-1))}, minus a
 * uniformly drawn share of up to {@code jitter} of it.
 */
@Internal
final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final double jitter;
  private final Random random;

  Backoff(long initialNanos, long maxNanos, double jitter, Random random) {
    this.initialNanos = initialNanos;
    this.maxNanos = maxNanos;
    this.jitter = jitter;
    this.random = random;
  }

  /** The wait before retry number {@code retry} (1 for the first retry), in nanoseconds. */
  long delayNanos(int retry) {
    double base = Math.min((double) maxNanos, Math.scalb((double) initialNanos, retry - 1));
    if (jitter > 0.0) {
      base -= base * jitter * random.nextDouble();
    }
    return (long) base;
  }
}
