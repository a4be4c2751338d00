package dev.etlkit.operators.enrich;

import dev.etlkit.core.StateTtls;
import dev.etlkit.operators.enrich.internal.async.FutureFailures;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * When and how an enrichment step tries a lookup again: at most {@code maxAttempts} calls per key,
 * with exponential backoff and jitter between them, on the failures (and optionally the answers)
 * its conditions accept.
 *
 * <pre>{@code
 * LookupRetry.<Customer>attempts(5)
 *     .withBackoff(Duration.ofMillis(20), Duration.ofSeconds(1))
 *     .withAttemptTimeout(Duration.ofMillis(300))
 *     .withRetryOnMiss(); // the customer row may arrive a little after the order
 * }</pre>
 *
 * <ul>
 *   <li>The n-th retry waits {@code min(maxBackoff, initialBackoff × 2^(n-1))}, reduced by a random
 *       share of up to {@code jitter} of it, so that subtasks do not retry in lock step.
 *   <li>By default every failure is retried (an exception from the lookup, a failed future, an
 *       attempt that passed {@link #withAttemptTimeout}) except one that says trying again cannot
 *       help: a {@link LookupFailure} whose {@code retryable()} is false, such as the HTTP and JDBC
 *       lookups' exceptions for a 400, an SQL syntax error or a key that cannot be sent. It is
 *       final at once and counted as a failed load, not as a retry. {@link #withRetryOn} replaces
 *       that default with a condition of your own. Answers are final unless {@link
 *       #withRetryOnMiss} or {@link #withRetryOnResult} say otherwise; when the last attempt still
 *       gives such an answer, that answer is used.
 *   <li>Retries never outlive the records waiting for them: a retry is scheduled only if its
 *       backoff ends before the step timeout ({@link Enrich.LookupStep#withTimeout}) of the last
 *       record waiting for the key, and is dropped if every such record has been answered by the
 *       time it starts. The attempt timeout is not taken into account: a retry that starts in time
 *       may still be cut short by the step timeout.
 *   <li>A condition that throws fails the load at once, without a retry (see {@link #withRetryOn}).
 *   <li>With single-flight (the default) records arriving while a key is retried wait for that
 *       key's retries instead of starting their own.
 *   <li>Answers from the cache are never retried; with {@link #withRetryOnMiss}, turn the cache's
 *       miss caching off (checked when the step is applied).
 * </ul>
 *
 * <p>Immutable; every {@code withX} returns a new spec.
 *
 * @param <V> the looked-up value type the result condition reads
 */
@PublicEvolving
public final class LookupRetry<V> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Upper bound of {@code maxAttempts}. */
  public static final int MAX_ATTEMPTS = 100;

  /** Backoff before the first retry unless {@link #withBackoff} says otherwise. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);

  /** Longest backoff unless {@link #withBackoff} says otherwise. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(2);

  /** Longest backoff accepted by {@link #withBackoff}. */
  public static final Duration MAX_BACKOFF = Duration.ofHours(1);

  /** Share of a backoff that is randomised unless {@link #withJitter} says otherwise. */
  public static final double DEFAULT_JITTER = 0.5;

  /**
   * The failures retried unless {@link #withRetryOn} says otherwise: every failure but a {@link
   * LookupFailure} (also inside {@link CompletionException}s or {@link ExecutionException}s) whose
   * {@code retryable()} is false; one whose {@code retryable()} throws is retried. Setting it is
   * the same as not setting the option, and a condition of your own can build on it: {@code failure
   * -> DEFAULT_RETRY_ON.test(failure) && !(failure instanceof SecurityException)}.
   */
  public static final Condition<Throwable> DEFAULT_RETRY_ON = DefaultRetryOn.INSTANCE;

  /** A serializable condition on an exception or an answer. */
  @PublicEvolving
  @FunctionalInterface
  public interface Condition<T> extends Serializable {
    /** Whether {@code outcome} is worth another attempt. */
    boolean test(T outcome);
  }

  private final Values<V> v;

  private LookupRetry(Values<V> values) {
    this.v = values;
  }

  /** The options, copied on every change: a spec never changes after it was made. */
  private static final class Values<V> implements Serializable, Cloneable {
    private static final long serialVersionUID = 1L;
    int maxAttempts;
    Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    double jitter = DEFAULT_JITTER;
    @Nullable Duration attemptTimeout;
    @Nullable Condition<Throwable> retryOn;
    @Nullable Condition<Optional<V>> retryOnResult;
    boolean retryOnMiss;

    @SuppressWarnings("unchecked")
    Values<V> copy() {
      try {
        return (Values<V>) clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private LookupRetry<V> with(Consumer<Values<V>> change) {
    Values<V> copy = v.copy();
    change.accept(copy);
    return new LookupRetry<>(copy);
  }

  /** One attempt per key, no retries. */
  public static <V> LookupRetry<V> none() {
    return attempts(1);
  }

  /**
   * Up to {@code maxAttempts} calls per key (the first one included), retrying every failure but a
   * {@link LookupFailure} that is not {@code retryable()}, with the default backoff ({@link
   * #DEFAULT_INITIAL_BACKOFF} doubling up to {@link #DEFAULT_MAX_BACKOFF}, jitter {@value
   * #DEFAULT_JITTER}).
   *
   * @throws IllegalArgumentException if {@code maxAttempts} is not in 1..{@value #MAX_ATTEMPTS}
   */
  public static <V> LookupRetry<V> attempts(int maxAttempts) {
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
      throw new IllegalArgumentException(
          "retry maxAttempts must be in 1.." + MAX_ATTEMPTS + ", was " + maxAttempts);
    }
    Values<V> values = new Values<>();
    values.maxAttempts = maxAttempts;
    return new LookupRetry<>(values);
  }

  /**
   * Exponential backoff: the first retry waits {@code initial}, each further one twice as long, at
   * most {@code max}. A second call replaces both values.
   *
   * @throws IllegalArgumentException if {@code initial} is null or not positive, or {@code max} is
   *     null or not in [{@code initial}, {@link #MAX_BACKOFF}]
   */
  public LookupRetry<V> withBackoff(Duration initial, Duration max) {
    StateTtls.requirePositive(initial, "retry initialBackoff");
    if (max == null) {
      throw new IllegalArgumentException("retry maxBackoff must not be null");
    }
    if (max.compareTo(initial) < 0 || max.compareTo(MAX_BACKOFF) > 0) {
      throw new IllegalArgumentException(
          "retry maxBackoff must be in [" + initial + ", " + MAX_BACKOFF + "], was " + max);
    }
    return with(
        x -> {
          x.initialBackoff = initial;
          x.maxBackoff = max;
        });
  }

  /**
   * The share of each backoff that is random: a backoff {@code b} becomes a uniform draw from
   * {@code [b × (1 - jitter), b]}. 0 turns jitter off. A second call replaces the value.
   *
   * @throws IllegalArgumentException if not in [0, 1]
   */
  public LookupRetry<V> withJitter(double jitter) {
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("retry jitter must be in [0, 1], was " + jitter);
    }
    return with(x -> x.jitter = jitter);
  }

  /**
   * How long one call may take before it counts as failed with a {@link
   * java.util.concurrent.TimeoutException} (and is retried, if attempts remain); its late answer is
   * ignored. Default: the step timeout, so a call that hangs uses up the record's time. Must be
   * positive; one longer than the step timeout is the step timeout. A second call replaces the
   * value; {@link #withoutAttemptTimeout()} gives the default back.
   *
   * <p>When the timeout ends a call, its future is {@linkplain java.util.concurrent.Future#cancel
   * cancelled} if the lookup {@linkplain Lookup#supportsCancellation supports cancellation} (the
   * HTTP and JDBC lookups do): the request stops holding what it holds, such as its place under the
   * HTTP lookup's {@code maxConcurrentRequests}, so the retry finds room. A lookup that does not
   * (the default for your own) keeps working on the call until it ends by itself, and a short
   * attempt timeout with retries can then pile calls up on a backend that hangs: bound the lookup's
   * own timeout too.
   */
  public LookupRetry<V> withAttemptTimeout(Duration timeout) {
    StateTtls.requirePositive(timeout, "retry attemptTimeout");
    return with(x -> x.attemptTimeout = timeout);
  }

  /**
   * Each call may take the rest of the step timeout (the default), undoing {@link
   * #withAttemptTimeout} on a retry derived from one that has it.
   */
  public LookupRetry<V> withoutAttemptTimeout() {
    return with(x -> x.attemptTimeout = null);
  }

  /**
   * Retries only the failures {@code condition} accepts (attempt timeouts are {@link
   * java.util.concurrent.TimeoutException}s); the others are final at once. It replaces the
   * default, {@link #DEFAULT_RETRY_ON}, which retries every failure but a {@link LookupFailure}
   * that is not {@code retryable()}: a condition that accepts every failure retries those too. A
   * second call replaces the condition; conditions are not combined. {@code
   * withRetryOn(DEFAULT_RETRY_ON)} gives the default back on a retry derived from one with a
   * condition of its own: the retry is then the retry that never called this (it prints as that
   * retry).
   *
   * <p>The condition sees every failure, not only the lookup's own exceptions. If it throws, the
   * load is not retried: it fails with an {@link IllegalStateException} whose message names the
   * condition and the class of what it threw (not that exception's message, which may quote keys),
   * with what it threw as the cause. Its records get a stale entry if there is one, else the step's
   * fallback ({@link LookupStatus#FAILED} for pass-through, the default value, or a dead letter
   * with that exception); the next record of the key loads it again.
   */
  public LookupRetry<V> withRetryOn(Condition<Throwable> condition) {
    Objects.requireNonNull(condition, "condition");
    return with(x -> x.retryOn = condition == DEFAULT_RETRY_ON ? null : condition);
  }

  /**
   * Retries answers {@code condition} accepts ({@code Optional.empty()} is a miss), for example a
   * row that is not complete yet. The last attempt's answer is used whatever it is. Default: no
   * answer is retried. One condition at a time: a second call replaces the condition, and so does
   * {@link #withRetryOnMiss}, which this replaces in turn (the last of them counts); {@link
   * #withoutRetryOnResult()} switches either off again.
   *
   * <p>The condition sees misses too: {@code found -> found.get()...} throws on one. If it throws,
   * the answer is not used and the load fails as described in {@link #withRetryOn}.
   *
   * <p>A condition that accepts misses wants a cache without miss caching, as {@link
   * #withRetryOnMiss} does: with miss caching, the last attempt's miss is cached and later records
   * of the key get it from the cache, without a lookup, until it expires. The step cannot tell
   * which answers a condition accepts, so it refuses the combination only for {@link
   * #withRetryOnMiss}.
   */
  public LookupRetry<V> withRetryOnResult(Condition<Optional<V>> condition) {
    Objects.requireNonNull(condition, "condition");
    return with(
        x -> {
          x.retryOnResult = condition;
          x.retryOnMiss = false;
        });
  }

  /**
   * Retries misses, for keys that appear in the source a little after the records that need them;
   * after the last attempt the record gets {@link LookupStatus#MISS}. Replaces a {@link
   * #withRetryOnResult} condition, and is replaced by a later one (the last of them counts). Needs
   * a cache without miss caching (or no cache).
   */
  public LookupRetry<V> withRetryOnMiss() {
    return with(
        x -> {
          x.retryOnResult = isMiss();
          x.retryOnMiss = true;
        });
  }

  /**
   * No answer is retried (the default): every answer is final, only failures are retried. Undoes
   * {@link #withRetryOnResult} and {@link #withRetryOnMiss}, whichever was called last, on a retry
   * derived from one that has it; the step's rule that {@link #withRetryOnMiss} needs a cache
   * without miss caching goes with it.
   */
  public LookupRetry<V> withoutRetryOnResult() {
    return with(
        x -> {
          x.retryOnResult = null;
          x.retryOnMiss = false;
        });
  }

  private static <V> Condition<Optional<V>> isMiss() {
    return Optional::isEmpty;
  }

  public int maxAttempts() {
    return v.maxAttempts;
  }

  public Duration initialBackoff() {
    return v.initialBackoff;
  }

  public Duration maxBackoff() {
    return v.maxBackoff;
  }

  public double jitter() {
    return v.jitter;
  }

  /** The attempt timeout, or null for "the step timeout". */
  @Nullable
  public Duration attemptTimeout() {
    return v.attemptTimeout;
  }

  /**
   * Whether a failure is retried (attempts permitting): by default every failure is but a {@link
   * LookupFailure} (also inside {@link CompletionException}s or {@link ExecutionException}s) whose
   * {@code retryable()} is false.
   *
   * @throws IllegalStateException if the {@link #withRetryOn} condition throws (the cause)
   */
  public boolean retries(Throwable failure) {
    return v.maxAttempts > 1
        && (v.retryOn == null
            ? retryableByDefault(failure)
            : test(v.retryOn, failure, "withRetryOn"));
  }

  /**
   * The default condition as a value ({@link #DEFAULT_RETRY_ON}); an enum, so that it stays the
   * same object when a spec is serialized.
   */
  private enum DefaultRetryOn implements Condition<Throwable> {
    INSTANCE;

    @Override
    public boolean test(Throwable failure) {
      return retryableByDefault(failure);
    }

    @Override
    public String toString() {
      return "LookupRetry.DEFAULT_RETRY_ON";
    }
  }

  /** The default condition: every failure but one that says trying again cannot help. */
  private static boolean retryableByDefault(Throwable failure) {
    Throwable t = FutureFailures.unwrap(failure);
    if (!(t instanceof LookupFailure)) {
      return true;
    }
    try {
      return ((LookupFailure) t).retryable();
    } catch (RuntimeException e) {
      return true; // the failure's own code threw: it said nothing readable
    }
  }

  /**
   * Whether an answer is retried (attempts permitting): by default none is.
   *
   * @throws IllegalStateException if the {@link #withRetryOnResult} condition throws (the cause)
   */
  public boolean retries(Optional<V> answer) {
    return v.maxAttempts > 1
        && v.retryOnResult != null
        && test(v.retryOnResult, answer, "withRetryOnResult");
  }

  private static <T> boolean test(Condition<T> condition, T outcome, String option) {
    try {
      return condition.test(outcome);
    } catch (RuntimeException e) {
      // The class only: the message of a user's exception may quote keys or values.
      throw new IllegalStateException(
          "the LookupRetry." + option + " condition threw " + e.getClass().getName(), e);
    }
  }

  /** Whether misses are retried ({@link #withRetryOnMiss}). */
  public boolean retriesMisses() {
    return v.retryOnMiss;
  }

  @Override
  public String toString() {
    return "LookupRetry(maxAttempts="
        + v.maxAttempts
        + ", backoff="
        + v.initialBackoff
        + ".."
        + v.maxBackoff
        + ", jitter="
        + v.jitter
        + (v.attemptTimeout != null ? ", attemptTimeout=" + v.attemptTimeout : "")
        + (v.retryOn != null ? ", retryOn=<condition>" : "")
        + (v.retryOnMiss
            ? ", retryOnMiss"
            : v.retryOnResult != null ? ", retryOnResult=<condition>" : "")
        + ")";
  }
}
