package dev.etlkit.scd;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * What a column's declared type makes certain to fail, for the values {@link
 * Scd2PostgresTable#bind} sends: each rule refuses only what PostgreSQL refuses (proven on a real
 * one by {@code Scd2PostgresTableLimitsTest} and {@code Scd2PostgresTableTimeLimitsTest}). An array
 * type checks each element of a collection or an object array with its element type's rule. Builds
 * no text and allocates nothing unless a value breaks the rule.
 */
abstract class PostgresLimit implements Serializable {
  private static final long serialVersionUID = 1L;

  /** PostgreSQL's largest n of {@code varchar(n)} and {@code char(n)}; a larger one is no type. */
  private static final int MAX_LENGTH = 10_485_760;

  private static final Pattern CHARACTER_STRING =
      Pattern.compile(
          "(national )?(char|character|nchar|bpchar|varchar)( varying)?( ?\\((\\d+)\\))?");

  private static final Pattern SMALLINT = Pattern.compile("smallint|int2");
  private static final Pattern INTEGER = Pattern.compile("integer|int|int4");
  private static final Pattern BIGINT = Pattern.compile("bigint|int8");
  private static final Pattern NUMERIC =
      Pattern.compile("(numeric|decimal|dec) ?\\((\\d+)( ?, ?(\\d+))?\\)");
  private static final Pattern REAL = Pattern.compile("real|float4|float ?\\((\\d+)\\)");
  private static final Pattern DOUBLE = Pattern.compile("double precision|float8|float");

  /** The element type as declared, for the reason. */
  final String type;

  private final boolean array;

  PostgresLimit(String type, boolean array) {
    this.type = type;
    this.array = array;
  }

  /**
   * The limit of a column of this (grammar-checked) type, or null if its type makes nothing certain
   * to fail. Its modifiers are within PostgreSQL's bounds ({@link PostgresTypeModifiers}), so each
   * is an int, leading zeros and all ({@code numeric(00005, 2)} is {@code numeric(5, 2)}).
   */
  @Nullable
  static PostgresLimit of(String sqlType) {
    boolean array = sqlType.endsWith("[]");
    String type = array ? sqlType.substring(0, sqlType.length() - 2) : sqlType;
    Matcher text = CHARACTER_STRING.matcher(type);
    if (text.matches()) {
      int length;
      if (text.group(5) != null) {
        length = Integer.parseInt(text.group(5));
      } else if (text.group(3) == null
          && !text.group(2).equals("bpchar")
          && !text.group(2).equals("varchar")) {
        length = 1; // char, character and nchar without a length are char(1)
      } else {
        return null;
      }
      return length >= 1 && length <= MAX_LENGTH ? new TextLength(type, array, length) : null;
    }
    if (SMALLINT.matcher(type).matches()) {
      return new IntegerRange(type, array, Short.MIN_VALUE, Short.MAX_VALUE, 4);
    }
    if (INTEGER.matcher(type).matches()) {
      return new IntegerRange(type, array, Integer.MIN_VALUE, Integer.MAX_VALUE, 9);
    }
    if (BIGINT.matcher(type).matches()) {
      return new IntegerRange(type, array, Long.MIN_VALUE, Long.MAX_VALUE, 18);
    }
    Matcher numeric = NUMERIC.matcher(type);
    if (numeric.matches()) {
      int precision = Integer.parseInt(numeric.group(2));
      int scale = numeric.group(4) == null ? 0 : Integer.parseInt(numeric.group(4));
      // PostgreSQL refuses other precisions and scales in the DDL already
      return precision >= 1 && precision <= 1000 && scale <= 1000
          ? new NumericRange(type, array, precision, scale)
          : null;
    }
    Matcher real = REAL.matcher(type);
    if (real.matches()) {
      // float(p) is real up to p = 24, double precision beyond
      return new FloatRange(
          type, array, real.group(1) == null || Integer.parseInt(real.group(1)) <= 24);
    }
    if (DOUBLE.matcher(type).matches()) {
      return new FloatRange(type, array, false);
    }
    if (array) {
      PostgresIsoText isoText = PostgresIsoText.of(type);
      if (isoText != null) {
        return isoText;
      }
    }
    if (type.equals("jsonb")) {
      return new PostgresText.JsonbEscape(type, array);
    }
    // an array's instants go as ISO-8601 text: PostgresIsoText
    return array ? null : PostgresTimestampRange.of(type);
  }

  /**
   * Why {@code value} breaks the limit, naming the column ({@code what} and {@code column}: "key
   * column 'id'") and, in an array, the element's index; null if it does not.
   */
  @Nullable
  final String why(String what, String column, @Nullable Object value) {
    if (value == null) {
      return null;
    }
    if (!array) {
      String why = whyNot(value);
      return why == null ? null : what + " '" + column + "' " + why;
    }
    if (value instanceof List<?> elements && elements instanceof RandomAccess) {
      for (int i = 0; i < elements.size(); i++) {
        String why = whyNot(what, column, i, elements.get(i));
        if (why != null) {
          return why;
        }
      }
    } else if (value instanceof Collection<?> elements) {
      int i = 0;
      for (Object element : elements) {
        String why = whyNot(what, column, i++, element);
        if (why != null) {
          return why;
        }
      }
    } else if (value instanceof Object[] elements) {
      for (int i = 0; i < elements.length; i++) {
        String why = whyNot(what, column, i, elements[i]);
        if (why != null) {
          return why;
        }
      }
    }
    return null;
  }

  @Nullable
  private String whyNot(String what, String column, int index, @Nullable Object element) {
    String why = element == null ? null : whyNot(element);
    return why == null ? null : what + " '" + column + "', element " + index + ", " + why;
  }

  /** The rule a value breaks, as "holds ...", or null: no text built unless it breaks one. */
  @Nullable
  abstract String whyNot(Object value);

  /**
   * {@code varchar(n)}, {@code char(n)} and their spellings: text is cast to {@code text}, then
   * assigned, which fails on more than n characters (code points) unless all the excess characters
   * are spaces, which it cuts. Checks what {@code bind} sends as text: a {@code String} and an enum
   * constant's name (a {@code Character} fits any length), a number's text ({@link #textFits}) and
   * a {@code Boolean}'s ({@code true}, {@code false}), which hold no space.
   */
  private static final class TextLength extends PostgresLimit {
    private static final long serialVersionUID = 1L;

    private final int length;

    TextLength(String type, boolean array, int length) {
      super(type, array);
      this.length = length;
    }

    @Override
    @Nullable
    String whyNot(Object value) {
      if (value instanceof Number number) {
        return textFits(number, length)
            ? null
            : "holds a number whose text is longer than "
                + length
                + (length == 1 ? " character" : " characters")
                + ", the length of "
                + type;
      }
      if (value instanceof Boolean bool) {
        return (bool ? 4 : 5) <= length
            ? null
            : "holds a boolean whose text is longer than "
                + length
                + (length == 1 ? " character" : " characters")
                + ", the length of "
                + type;
      }
      String text =
          value instanceof String string
              ? string
              : value instanceof Enum<?> constant ? constant.name() : null;
      if (text == null
          || text.length() <= length
          || text.codePointCount(0, text.length()) <= length) {
        return null;
      }
      for (int i = text.offsetByCodePoints(0, length); i < text.length(); i++) {
        if (text.charAt(i) != ' ') {
          return "holds text longer than "
              + length
              + (length == 1 ? " character" : " characters")
              + ", the length of "
              + type
              + " (beyond it PostgreSQL cuts only spaces)";
        }
      }
      return null;
    }
  }

  /**
   * Whether the text PostgreSQL casts a number to, as the driver binds it, has at most {@code
   * length} characters: an integer's decimal digits and sign, a {@code BigDecimal}'s plain digits
   * with its scale ({@code 1.500}, {@code 1E+3} as {@code 1000}, {@code 0E-3} as {@code 0.000}). A
   * {@code Double} or {@code Float}, which PostgreSQL writes in its own shortest form, is not
   * checked. Builds the text of a {@code BigInteger} beyond a {@code long} only when its bit length
   * leaves open whether its digits fit.
   */
  static boolean textFits(Number number, int length) {
    if (number instanceof Long
        || number instanceof Integer
        || number instanceof Short
        || number instanceof Byte
        || (number instanceof BigInteger integer && integer.bitLength() < Long.SIZE)) {
      long n = number.longValue();
      long digits = n < 0 ? 2 : 1;
      for (long m = n < 0 ? n : -n; m <= -10; m /= 10) {
        digits++;
      }
      return digits <= length;
    }
    if (number instanceof BigDecimal decimal) {
      long scale = decimal.scale();
      if (decimal.signum() == 0) {
        return (scale <= 0 ? 1 : scale + 2) <= length;
      }
      long sign = decimal.signum() < 0 ? 1 : 0;
      long integerDigits = decimal.precision() - scale;
      return (scale <= 0 ? sign + integerDigits : sign + Math.max(integerDigits, 1) + 1 + scale)
          <= length;
    }
    if (number instanceof BigInteger integer) {
      long sign = integer.signum() < 0 ? 1 : 0;
      long bits = integer.bitLength();
      // 2^(bits - 1) <= |integer| < 2^bits, and 0.30102999 < log10(2) < 0.30103
      long atMost = (long) (bits * 0.30103) + 1;
      long atLeast = bits == 0 ? 1 : (long) ((bits - 1) * 0.30102999) + 1;
      if (sign + atMost <= length) {
        return true;
      }
      return sign + atLeast <= length && integer.toString().length() <= length;
    }
    return true;
  }

  /**
   * {@code smallint}, {@code integer}, {@code bigint}: pgjdbc binds {@code Byte} and {@code Short}
   * as int2, {@code Integer} as int4, {@code Long} as int8, {@code Float} and {@code Double} as
   * float4 and float8 (cast rounding half to even; NaN and infinities fail), {@code BigDecimal} as
   * numeric (rounding half away from zero) and {@code BigInteger} as text; each cast fails out of
   * range.
   */
  private static final class IntegerRange extends PostgresLimit {
    private static final long serialVersionUID = 1L;

    private final long min;
    private final long max;

    /** At most this many integer digits always fit, rounded up or not. */
    private final int safeDigits;

    /** The decimals that round to max + 1 and to min - 1. */
    private final BigDecimal above;

    private final BigDecimal below;

    IntegerRange(String type, boolean array, long min, long max, int safeDigits) {
      super(type, array);
      this.min = min;
      this.max = max;
      this.safeDigits = safeDigits;
      BigDecimal half = new BigDecimal("0.5");
      this.above = BigDecimal.valueOf(max).add(half);
      this.below = BigDecimal.valueOf(min).subtract(half);
    }

    @Override
    @Nullable
    String whyNot(Object value) {
      boolean fits;
      if (value instanceof Integer
          || value instanceof Long
          || value instanceof Short
          || value instanceof Byte) {
        long number = ((Number) value).longValue();
        fits = number >= min && number <= max;
      } else if (value instanceof Double number) {
        fits = fitsRounded(Math.rint(number));
      } else if (value instanceof Float number) {
        fits = fitsRounded(Math.rint(number));
      } else if (value instanceof BigDecimal number) {
        fits =
            number.precision() - number.scale() <= safeDigits
                || (number.compareTo(above) < 0 && number.compareTo(below) > 0);
      } else if (value instanceof BigInteger number) {
        fits =
            number.bitLength() < Long.SIZE
                && number.longValue() >= min
                && number.longValue() <= max;
      } else {
        fits = true;
      }
      return fits
          ? null
          : "holds a number out of the range of "
              + type
              + ": rounded to an integer, it must be from "
              + min
              + " to "
              + max
              + " (not NaN or infinite)";
    }

    /** As PostgreSQL checks a rounded float: min up to (not including) -min; NaN fails. */
    private boolean fitsRounded(double rounded) {
      return rounded >= min && rounded < -(double) min;
    }
  }

  /**
   * {@code numeric(p, s)}: the value, rounded half away from zero to s decimal places, must be less
   * than 10^(p - s) in absolute value; NaN fits, an infinity does not. A {@code Double} reaches
   * numeric through its 15 significant digits, a {@code Float} through 6 (PostgreSQL's {@code
   * float8_numeric} and {@code float4_numeric}), so their largest fitting magnitudes are found
   * once, here.
   */
  private static final class NumericRange extends PostgresLimit {
    private static final long serialVersionUID = 1L;

    private final int scale;
    private final int digits;

    /** Integers from -longBound to longBound fit, excluded; 0 if every long fits. */
    private final long longBound;

    private final BigInteger bigBound;
    private final BigInteger negativeBigBound;

    /** The magnitude from which a decimal rounds to 10^digits. */
    private final BigDecimal limit;

    private final BigDecimal negativeLimit;
    private final double maxDouble;
    private final float maxFloat;

    NumericRange(String type, boolean array, int precision, int scale) {
      super(type, array);
      this.scale = scale;
      this.digits = precision - scale;
      this.longBound = digits >= 19 ? 0 : digits <= 0 ? 1 : (long) Math.pow(10, digits);
      this.bigBound = BigInteger.TEN.pow(Math.max(digits, 0));
      this.negativeBigBound = bigBound.negate();
      BigDecimal bound = BigDecimal.ONE.scaleByPowerOfTen(digits);
      this.limit = bound.subtract(new BigDecimal(BigInteger.valueOf(5), scale + 1));
      this.negativeLimit = limit.negate();
      long maxBits = largestFitting(Double.doubleToLongBits(Double.MAX_VALUE), false);
      this.maxDouble = Double.longBitsToDouble(maxBits);
      this.maxFloat =
          Float.intBitsToFloat((int) largestFitting(Float.floatToIntBits(Float.MAX_VALUE), true));
    }

    /** Bisects the non-negative doubles (or floats) by their bits, which order them. */
    private long largestFitting(long maxBits, boolean isFloat) {
      long fits = 0;
      long fails = maxBits + 1;
      if (fitsAt(maxBits, isFloat)) {
        return maxBits;
      }
      while (fails - fits > 1) {
        long middle = fits + (fails - fits) / 2;
        if (fitsAt(middle, isFloat)) {
          fits = middle;
        } else {
          fails = middle;
        }
      }
      return fits;
    }

    private boolean fitsAt(long bits, boolean isFloat) {
      BigDecimal exact =
          isFloat
              ? new BigDecimal((double) Float.intBitsToFloat((int) bits))
              : new BigDecimal(Double.longBitsToDouble(bits));
      BigDecimal digitsSent =
          exact.round(new MathContext(isFloat ? 6 : 15, RoundingMode.HALF_EVEN));
      return digitsSent.compareTo(limit) < 0;
    }

    @Override
    @Nullable
    String whyNot(Object value) {
      boolean fits;
      if (value instanceof Integer
          || value instanceof Long
          || value instanceof Short
          || value instanceof Byte) {
        long number = ((Number) value).longValue();
        fits = longBound == 0 || (number < longBound && number > -longBound);
      } else if (value instanceof Double number) {
        fits = Double.isNaN(number) || Math.abs(number) <= maxDouble;
      } else if (value instanceof Float number) {
        fits = Float.isNaN(number) || Math.abs(number) <= maxFloat;
      } else if (value instanceof BigDecimal number) {
        fits =
            number.precision() - number.scale() < digits
                || (number.compareTo(limit) < 0 && number.compareTo(negativeLimit) > 0);
      } else if (value instanceof BigInteger number) {
        fits = number.compareTo(bigBound) < 0 && number.compareTo(negativeBigBound) > 0;
      } else {
        fits = true;
      }
      return fits
          ? null
          : "holds a number out of the range of "
              + type
              + ": rounded to "
              + scale
              + " decimal places, its absolute value must be less than 10^"
              + digits
              + " (not infinite)";
    }
  }

  /**
   * {@code real} and {@code double precision} ({@code float(p)} up to 24 is real, beyond double
   * precision): PostgreSQL rounds a value to the nearest one of the type (half to even), from a
   * {@code BigDecimal} (bound as numeric) or a {@code BigInteger} (its text) through its exact
   * decimal text, and fails when it rounds to an infinity or, other than 0, to 0 (a subnormal is
   * kept). A {@code Double} in a {@code real} is cast from float8 with the same rule; NaN and
   * infinities fit. Java's {@code doubleValue} and {@code floatValue} round the same way; they are
   * only computed near the ends, so a value in between allocates nothing.
   */
  private static final class FloatRange extends PostgresLimit {
    private static final long serialVersionUID = 1L;

    private final boolean real;

    FloatRange(String type, boolean array, boolean real) {
      super(type, array);
      this.real = real;
    }

    @Override
    @Nullable
    String whyNot(Object value) {
      boolean fits;
      if (value instanceof Double number) {
        fits = !real || fitsReal(number, number.floatValue());
      } else if (value instanceof BigDecimal number) {
        // from 10^(digits - 1) up to (not including) 10^digits in absolute value
        int digits = number.precision() - number.scale();
        fits =
            number.signum() == 0
                || (real
                    ? (digits >= -36 && digits <= 38) || fitsNonZero(number.floatValue())
                    : (digits >= -306 && digits <= 308) || fitsNonZero(number.doubleValue()));
      } else if (value instanceof BigInteger number) {
        fits =
            real
                ? number.bitLength() <= 127 || !Float.isInfinite(number.floatValue())
                : number.bitLength() <= 1023 || !Double.isInfinite(number.doubleValue());
      } else {
        fits = true;
      }
      if (fits) {
        return null;
      }
      return "holds a number out of the range of "
          + type
          + (real
              ? ": rounded to real, a value other than 0 must be from 1.4E-45 to 3.4028235E38"
              : ": rounded to double precision, a value other than 0 must be from 4.9E-324 to"
                  + " 1.7976931348623157E308")
          + " in absolute value";
    }

    /** Whether a value other than 0, so rounded, is finite and not 0. */
    private static boolean fitsNonZero(double rounded) {
      return !Double.isInfinite(rounded) && rounded != 0;
    }

    /** Whether a number (as a double, whose sign and zero it tells) rounds to a finite real. */
    private static boolean fitsReal(double number, float rounded) {
      return !(Float.isInfinite(rounded) && !Double.isInfinite(number))
          && !(rounded == 0 && number != 0);
    }
  }
}
