package dev.etlkit.operators.enrich;

import java.io.Serializable;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * What an enrichment step does with a record whose lookup failed for good (every attempt failed or
 * was not worth retrying) or did not answer within the step timeout, when no stale cache entry can
 * stand in. None of them fails the job (only an {@link dev.etlkit.core.ErrorPolicy} budget on dead
 * letters can):
 *
 * <ul>
 *   <li>{@link #deadLetter()} (the default): the record becomes a dead letter whose error is the
 *       last failure, or a {@link java.util.concurrent.TimeoutException}.
 *   <li>{@link #passThrough()}: the combiner gets a null value with {@link LookupStatus#FAILED} or
 *       {@link LookupStatus#TIMED_OUT}.
 *   <li>{@link #useDefault(Object)}: the combiner gets the given value with {@link
 *       LookupStatus#DEFAULT}.
 * </ul>
 *
 * @param <V> the looked-up value type
 */
@PublicEvolving
public final class LookupFallback<V> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The three fallbacks. */
  @PublicEvolving
  public enum Kind {
    DEAD_LETTER,
    PASS_THROUGH,
    DEFAULT_VALUE
  }

  private static final LookupFallback<?> DEAD_LETTER = new LookupFallback<>(Kind.DEAD_LETTER, null);
  private static final LookupFallback<?> PASS_THROUGH =
      new LookupFallback<>(Kind.PASS_THROUGH, null);

  private final Kind kind;
  @Nullable private final V defaultValue;

  private LookupFallback(Kind kind, @Nullable V defaultValue) {
    this.kind = kind;
    this.defaultValue = defaultValue;
  }

  /** Dead-letters the record (the default). */
  @SuppressWarnings("unchecked")
  public static <V> LookupFallback<V> deadLetter() {
    return (LookupFallback<V>) DEAD_LETTER;
  }

  /** Passes the record on with a null value and status FAILED or TIMED_OUT. */
  @SuppressWarnings("unchecked")
  public static <V> LookupFallback<V> passThrough() {
    return (LookupFallback<V>) PASS_THROUGH;
  }

  /**
   * Passes the record on with {@code value} and status DEFAULT. The value is shared by all records
   * and travels with the job graph, so it must be immutable and {@link Serializable}.
   *
   * @throws IllegalArgumentException if the value is not serializable
   */
  public static <V> LookupFallback<V> useDefault(V value) {
    Objects.requireNonNull(value, "value");
    if (!(value instanceof Serializable)) {
      throw new IllegalArgumentException(
          "fallback default value must be Serializable, was a " + value.getClass().getName());
    }
    return new LookupFallback<>(Kind.DEFAULT_VALUE, value);
  }

  public Kind kind() {
    return kind;
  }

  /** The default value of {@link #useDefault}, null for the other kinds. */
  @Nullable
  public V defaultValue() {
    return defaultValue;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LookupFallback)) {
      return false;
    }
    LookupFallback<?> that = (LookupFallback<?>) o;
    return kind == that.kind && Objects.equals(defaultValue, that.defaultValue);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, defaultValue);
  }

  /** Names the kind; never prints the default value. */
  @Override
  public String toString() {
    return "LookupFallback(" + kind + ")";
  }
}
