package dev.etlkit.operators.enrich.jdbc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import javax.annotation.Nullable;

/**
 * When two keys of a {@link JdbcLookup} batch are bound to the same value, so that the batch sends
 * the value once and gives its row to each of them: their {@link #identity}s are {@code equals}.
 * Numbers are the same when their values are, whatever their types ({@code 1}, {@code 1L}, {@code
 * BigDecimal} {@code 1.00} and {@code 1.0d} alike, as the database compares them); {@code byte[]}
 * when their bytes are; anything else, strings included, when it {@code equals} the other.
 */
final class BoundValues {
  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private BoundValues() {}

  /** What {@code bound} is compared by. */
  @Nullable
  static Object identity(@Nullable Object bound) {
    if (bound instanceof Long
        || bound instanceof Integer
        || bound instanceof Short
        || bound instanceof Byte) {
      return ((Number) bound).longValue();
    }
    if (bound instanceof BigInteger) {
      return exact(new BigDecimal((BigInteger) bound));
    }
    if (bound instanceof BigDecimal) {
      return exact((BigDecimal) bound);
    }
    if (bound instanceof Double || bound instanceof Float) {
      double d = ((Number) bound).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return d;
      }
      return d == 0 ? (Object) 0L : exact(new BigDecimal(d)); // -0.0 is 0 too
    }
    if (bound instanceof byte[]) {
      return ByteBuffer.wrap((byte[]) bound); // equals and hashCode by content
    }
    return bound;
  }

  /** A number as a {@code Long} when it is a whole one that fits, else without trailing zeros. */
  private static Object exact(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros(); // one form per value
    // compareTo weighs exponents first: it never expands 1E+999999999.
    if (stripped.scale() <= 0
        && stripped.compareTo(LONG_MIN) >= 0
        && stripped.compareTo(LONG_MAX) <= 0) {
      return stripped.longValueExact();
    }
    return stripped;
  }
}
