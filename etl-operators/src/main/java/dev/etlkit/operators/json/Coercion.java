package dev.etlkit.operators.json;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Objects;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How {@link JsonParse} reads a JSON value whose type differs from its field's type.
 *
 * <ul>
 *   <li>{@link #none()} (the default): no conversion. The JSON type must fit the field (a JSON
 *       string for a {@code String}, an integer for an {@code int}, an ISO-8601 string for a {@code
 *       LocalDate}); anything else rejects the record ({@code WRONG_TYPE}).
 *   <li>{@link #tryCast()}: convert like SQL's {@code TRY_CAST} (string to number, boolean, date or
 *       timestamp; number or boolean to string; integral decimals to integers), and when the value
 *       cannot be converted without loss use {@code null}; {@link #orDefault(Object)} uses a given
 *       value instead and {@link #orDeadLetter()} rejects the record ({@code COERCION_FAILED}).
 * </ul>
 *
 * <p>Coercible field types: {@code int}, {@code long}, {@code double}, {@code boolean} (and their
 * wrappers), {@link BigDecimal}, {@link String}, {@link LocalDate}, {@link LocalDateTime} and
 * {@link Instant}. A JSON null is never a failed cast: it stays null (and is then subject to the
 * required fields rule). Immutable.
 */
@PublicEvolving
public final class Coercion implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What a failed cast produces. */
  @PublicEvolving
  public enum OnFailure {
    /** The field becomes null (SQL {@code TRY_CAST}); a required field then rejects the record. */
    NULL,
    /** The field gets the value given to {@link #orDefault(Object)}. */
    DEFAULT,
    /** The record is rejected with reason {@code COERCION_FAILED}. */
    DEAD_LETTER
  }

  /** The classes a default value may have; it is cast to the field's type like a JSON value. */
  private static final Set<Class<?>> DEFAULT_VALUE_TYPES =
      Set.of(
          Integer.class,
          Long.class,
          Double.class,
          Boolean.class,
          BigDecimal.class,
          String.class,
          LocalDate.class,
          LocalDateTime.class,
          Instant.class);

  private static final Coercion NONE = new Coercion(false, OnFailure.DEAD_LETTER, null);
  private static final Coercion TRY_CAST = new Coercion(true, OnFailure.NULL, null);

  private final boolean enabled;
  private final OnFailure onFailure;
  @Nullable private final Object defaultValue;

  private Coercion(boolean enabled, OnFailure onFailure, @Nullable Object defaultValue) {
    this.enabled = enabled;
    this.onFailure = onFailure;
    this.defaultValue = defaultValue;
  }

  /** No conversion: a JSON value of the wrong type rejects the record. */
  public static Coercion none() {
    return NONE;
  }

  /** Convert where possible; a value that cannot be converted becomes null. */
  public static Coercion tryCast() {
    return TRY_CAST;
  }

  /**
   * A value that cannot be converted rejects the record.
   *
   * @throws IllegalStateException on {@link #none()}, which converts nothing
   */
  public Coercion orDeadLetter() {
    requireEnabled("orDeadLetter");
    return new Coercion(true, OnFailure.DEAD_LETTER, null);
  }

  /**
   * A value that cannot be converted is replaced by {@code value}. The value is itself cast to each
   * field's type when the step is applied (so {@code 0} serves an {@code int}, a {@code long} and a
   * {@code BigDecimal} field); a value that does not fit a field fails the step with an {@link
   * IllegalArgumentException}.
   *
   * @param value an Integer, Long, Double, Boolean, BigDecimal, String, LocalDate, LocalDateTime or
   *     Instant
   * @throws IllegalStateException on {@link #none()}
   * @throws IllegalArgumentException if the value is null or of another class
   */
  public Coercion orDefault(Object value) {
    requireEnabled("orDefault");
    if (value == null) {
      throw new IllegalArgumentException(
          "coercion default must not be null; use Coercion.tryCast() for null");
    }
    if (!DEFAULT_VALUE_TYPES.contains(value.getClass())) {
      throw new IllegalArgumentException(
          "coercion default must be an Integer, Long, Double, Boolean, BigDecimal, String,"
              + " LocalDate, LocalDateTime or Instant, was a "
              + value.getClass().getName());
    }
    return new Coercion(true, OnFailure.DEFAULT, value);
  }

  private void requireEnabled(String method) {
    if (!enabled) {
      throw new IllegalStateException(
          "Coercion.none() converts nothing, so it has no " + method + "(); start from tryCast()");
    }
  }

  /** True unless this is {@link #none()}. */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * What a failed cast produces ({@code DEAD_LETTER} for {@link #none()}: a wrong type rejects).
   */
  public OnFailure onFailure() {
    return onFailure;
  }

  /** The value of {@link OnFailure#DEFAULT}, else null. */
  @Nullable
  public Object defaultValue() {
    return defaultValue;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Coercion)) {
      return false;
    }
    Coercion that = (Coercion) o;
    return enabled == that.enabled
        && onFailure == that.onFailure
        && Objects.equals(defaultValue, that.defaultValue);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, onFailure, defaultValue);
  }

  @Override
  public String toString() {
    if (!enabled) {
      return "none";
    }
    switch (onFailure) {
      case NULL:
        return "tryCast";
      case DEFAULT:
        return "tryCast.orDefault(" + defaultValue + ")";
      default:
        return "tryCast.orDeadLetter";
    }
  }
}
