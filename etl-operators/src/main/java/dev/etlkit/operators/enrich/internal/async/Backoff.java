package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.core.internal.TaskInterrupts;
import dev.etlkit.operators.enrich.RetryAfter;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.apache.flink.annotation.Internal;

/**
 * Exponential backoff with jitter: retry n waits {@code min(max, initial × 2^(n-1))}, minus a
 * uniformly drawn share of up to {@code jitter} of it. A failure that says when to try again
 * ({@link RetryAfter}) makes the engine wait at least that long.
 */
@Internal
final class Backoff {
  /** A bound on the cause walk: a cause chain may loop. */
  private static final int MAX_CAUSES = 32;

  /** Longer waits than this are this (a year: beyond any step timeout; no overflow). */
  private static final Duration MAX_RETRY_AFTER = Duration.ofDays(365);

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

  /**
   * How long {@code failure} asked to wait before the next attempt ({@link RetryAfter}: itself or
   * one of its causes), in nanoseconds; 0 if it did not say (an empty or, against the contract, a
   * null {@code Optional}), or said a negative time; 0 too if reading it threw (a {@code
   * retryAfter()} or {@code getCause()} of the lookup's that throws).
   */
  static long retryAfterNanos(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = TaskInterrupts.causeOf(t)) {
      if (t instanceof RetryAfter) {
        Optional<Duration> said;
        try {
          said = ((RetryAfter) t).retryAfter();
        } catch (Exception | StackOverflowError e) {
          return 0L; // the failure's own code threw: it said nothing readable
        }
        Duration wait = said == null ? null : said.orElse(null);
        if (wait == null || wait.isNegative()) {
          return 0L;
        }
        return wait.compareTo(MAX_RETRY_AFTER) >= 0 ? MAX_RETRY_AFTER.toNanos() : wait.toNanos();
      }
    }
    return 0L;
  }
}
