package dev.etlkit.operators.json.internal;

import dev.etlkit.operators.internal.JsonNumbers;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.Locale;
import org.apache.flink.annotation.Internal;

/**
 * The TRY-cast rules of JSON coercion, as plain Java: a JSON scalar (string, number text, boolean)
 * cast to a {@link CoercionTarget}, or {@link #FAILED} when that cannot be done without loss.
 *
 * <ul>
 *   <li>strings are trimmed before parsing (except for a {@code String} target); numbers are
 *       written with ASCII digits only, as SQL's {@code CAST} reads them;
 *   <li>integers accept integral values only ({@code "1.0"} and {@code 1e3} are fine, {@code 1.5}
 *       and out-of-range values fail); doubles fail when they overflow to infinity, but read the
 *       strings {@code NaN}, {@code Infinity} and {@code -Infinity} (as {@code Json.write} writes
 *       them);
 *   <li>booleans accept {@code true/false, t/f, yes/no, y/n, 1/0} (any case) and the numbers 1 and
 *       0;
 *   <li>{@code LocalDate} reads ISO {@code 2024-01-31}; {@code LocalDateTime} ISO date-times with
 *       {@code T} or a space, or a date (midnight); {@code Instant} ISO date-times with {@code Z}
 *       or an offset, or integral epoch milliseconds (number or digits);
 *   <li>{@code String} takes numbers as written in the JSON and booleans as {@code true/false}.
 * </ul>
 *
 * <p>Strings longer than the read limit for numbers are not parsed as numbers (they fail), so a
 * huge string cannot make a cast slow; a {@code BigDecimal} longer than that limit in plain
 * notation ({@code 1e999999999}) fails too.
 */
@Internal
public final class TryCast {

  /** The result of a cast that failed. */
  public static final Object FAILED =
      new Object() {
        @Override
        public String toString() {
          return "FAILED";
        }
      };

  private final int maxNumberLength;

  /**
   * @param maxNumberLength the longest text parsed as a number
   */
  public TryCast(int maxNumberLength) {
    this.maxNumberLength = maxNumberLength;
  }

  /** Casts a JSON string. */
  public Object fromString(String text, CoercionTarget target) {
    if (target == CoercionTarget.STRING) {
      return text;
    }
    String s = text.trim();
    try {
      switch (target) {
        case DOUBLE:
          Object special = JsonNumbers.nonFinite(s);
          if (special != null) {
            return special;
          }
          if (s.length() > maxNumberLength || !isAscii(s)) {
            return FAILED;
          }
          Object d = fromNumber(s, target);
          // BigDecimal has no negative zero: "-0.0" keeps its sign, as Double.parseDouble and
          // SQL's CAST keep it (a JSON integer -0 is 0.0, as without coercion)
          return d instanceof Double && (Double) d == 0.0 && s.charAt(0) == '-' ? -0.0 : d;
        case INT:
        case LONG:
        case DECIMAL:
          return s.length() > maxNumberLength || !isAscii(s) ? FAILED : fromNumber(s, target);
        case BOOLEAN:
          return booleanOf(s);
        case DATE:
          return LocalDate.parse(s);
        case TIMESTAMP:
          return localDateTime(s);
        case INSTANT:
          return instant(s);
        default:
          return FAILED;
      }
    } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
      return FAILED;
    }
  }

  /** Casts a number, given as its text (a JSON number token or a trimmed string). */
  public Object fromNumber(String number, CoercionTarget target) {
    try {
      switch (target) {
        case INT:
          return isPlainInteger(number)
              ? Math.toIntExact(Long.parseLong(number))
              : new BigDecimal(number).intValueExact();
        case LONG:
          return isPlainInteger(number)
              ? Long.parseLong(number)
              : new BigDecimal(number).longValueExact();
        case DOUBLE:
          double d = new BigDecimal(number).doubleValue();
          return Double.isInfinite(d) ? FAILED : d;
        case DECIMAL:
          BigDecimal decimal = new BigDecimal(number);
          return JsonNumbers.plainDigits(decimal) > maxNumberLength ? FAILED : decimal;
        case BOOLEAN:
          int sign = new BigDecimal(number).compareTo(BigDecimal.ONE);
          if (sign == 0) {
            return Boolean.TRUE;
          }
          return new BigDecimal(number).signum() == 0 ? Boolean.FALSE : FAILED;
        case STRING:
          return number;
        case INSTANT:
          return Instant.ofEpochMilli(new BigDecimal(number).longValueExact());
        default:
          return FAILED;
      }
    } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
      return FAILED;
    }
  }

  /** Casts a JSON boolean. */
  public Object fromBoolean(boolean value, CoercionTarget target) {
    switch (target) {
      case BOOLEAN:
        return value;
      case STRING:
        return value ? "true" : "false";
      default:
        return FAILED;
    }
  }

  /**
   * Casts a Java value (a coercion default) to {@code target}, by the same rules as the JSON value
   * it resembles.
   */
  public Object fromValue(Object value, CoercionTarget target) {
    if (target.boxedType() == value.getClass()) {
      return value;
    }
    if (value instanceof String) {
      return fromString((String) value, target);
    }
    if (value instanceof Boolean) {
      return fromBoolean((Boolean) value, target);
    }
    if (value instanceof BigDecimal) {
      return fromNumber(((BigDecimal) value).toString(), target);
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Double) {
      return fromNumber(value.toString(), target);
    }
    if (target == CoercionTarget.STRING) {
      return value.toString(); // LocalDate, LocalDateTime, Instant: their ISO form
    }
    if (value instanceof LocalDate && target == CoercionTarget.TIMESTAMP) {
      return ((LocalDate) value).atStartOfDay();
    }
    return FAILED;
  }

  /**
   * Whether {@code s} is ASCII only: Java's number parsers take the digits of every script ({@code
   * "١٢٣"}, full-width {@code "１２３"}), SQL's {@code CAST} ASCII digits only.
   */
  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0x7F) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPlainInteger(String s) {
    int n = s.length();
    if (n == 0 || n > 18) {
      return false;
    }
    int i = s.charAt(0) == '-' ? 1 : 0;
    if (i == n) {
      return false;
    }
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static Object booleanOf(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "true":
      case "t":
      case "yes":
      case "y":
      case "1":
        return Boolean.TRUE;
      case "false":
      case "f":
      case "no":
      case "n":
      case "0":
        return Boolean.FALSE;
      default:
        return FAILED;
    }
  }

  private static LocalDateTime localDateTime(String s) {
    if (s.length() == 10) {
      return LocalDate.parse(s).atStartOfDay();
    }
    return LocalDateTime.parse(withT(s));
  }

  private Object instant(String s) {
    if (!s.isEmpty() && s.length() <= maxNumberLength && isPlainInteger(s)) {
      return Instant.ofEpochMilli(Long.parseLong(s));
    }
    return OffsetDateTime.parse(withT(s)).toInstant();
  }

  /** SQL writes timestamps with a space where ISO-8601 has a {@code T}. */
  private static String withT(String s) {
    if (s.length() > 10 && s.charAt(10) == ' ') {
      return s.substring(0, 10) + 'T' + s.substring(11);
    }
    return s;
  }
}
