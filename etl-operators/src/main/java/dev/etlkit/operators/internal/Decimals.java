package dev.etlkit.operators.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import org.apache.flink.annotation.Internal;

/**
 * Decimals and integers in one form per value, the form {@code BigDecimal.valueOf(long, scale)} and
 * {@code BigInteger.valueOf(long)} give, for etlkit's decoders.
 *
 * <p>Why: Flink's {@code BigDecSerializer} writes a decimal's {@code unscaledValue()}, and its
 * {@code BigIntSerializer} writes {@code BigInteger.ZERO}, {@code ONE} and {@code TEN} in a short
 * form chosen by identity, any other {@code BigInteger} as its bytes. A decimal built as {@code new
 * BigDecimal(new BigInteger(bytes), scale)} (Avro's {@code DecimalConversion}) keeps that
 * BigInteger, so its unscaled 0, 1 or 10 is no constant; one whose unscaled value fits a long keeps
 * only the long, and {@code unscaledValue()} gives {@code BigInteger.valueOf(long)}, the constants
 * for those three. {@code new BigDecimal(String)} (and Jackson, which calls it) makes the first
 * kind from text of more than 18 characters ({@code "0.000000000000000001"}), and {@code new
 * BigInteger(String)} a 1 that is no constant. Equal values would otherwise serialize differently,
 * and be two keys on RocksDB, which compares serialized keys.
 */
@Internal
public final class Decimals {

  /** The scales of {@link #TEN_AT_SCALE}: SQL's, Avro's and JSON exponent forms' common ones. */
  static final int MIN_TABLED_SCALE = -64;

  static final int MAX_TABLED_SCALE = 64;

  /** The decimal of unscaled value 10 at each scale from {@link #MIN_TABLED_SCALE}. */
  private static final BigDecimal[] TEN_AT_SCALE =
      new BigDecimal[MAX_TABLED_SCALE - MIN_TABLED_SCALE + 1];

  static {
    for (int i = 0; i < TEN_AT_SCALE.length; i++) {
      TEN_AT_SCALE[i] = BigDecimal.valueOf(10, MIN_TABLED_SCALE + i);
    }
  }

  private Decimals() {}

  /**
   * The decimal {@code unscaled × 10^-scale}, {@code unscaled} big-endian two's complement as
   * {@code BigInteger(byte[])} reads it (a fixed of 16 bytes holds 1 as fifteen 0 bytes and a 1).
   *
   * @throws NumberFormatException for no bytes, as {@code BigInteger(byte[])} does
   */
  public static BigDecimal of(byte[] unscaled, int scale) {
    int n = unscaled.length;
    int first = n - Long.BYTES;
    if (n == 0 || !signOnly(unscaled, first)) {
      return new BigDecimal(new BigInteger(unscaled), scale);
    }
    long value = unscaled[Math.max(first, 0)]; // sign-extended
    for (int i = Math.max(first, 0) + 1; i < n; i++) {
      value = (value << 8) | (unscaled[i] & 0xFF);
    }
    return BigDecimal.valueOf(value, scale);
  }

  /**
   * The decimal of the unscaled bytes {@code buffer} holds from its position to its limit (as
   * {@link #of(byte[], int)}); the buffer's position is not changed.
   */
  public static BigDecimal of(ByteBuffer buffer, int scale) {
    int start = buffer.position();
    int n = buffer.remaining();
    int first = start + n - Long.BYTES;
    boolean fits = n > 0;
    if (fits && first > start) {
      byte sign = buffer.get(first) < 0 ? (byte) -1 : 0;
      for (int i = start; i < first && fits; i++) {
        fits = buffer.get(i) == sign;
      }
    }
    if (!fits) {
      byte[] bytes = new byte[n];
      buffer.duplicate().get(bytes);
      return new BigDecimal(new BigInteger(bytes), scale);
    }
    int from = Math.max(first, start);
    long value = buffer.get(from); // sign-extended
    for (int i = from + 1; i < start + n; i++) {
      value = (value << 8) | (buffer.get(i) & 0xFF);
    }
    return BigDecimal.valueOf(value, scale);
  }

  /**
   * True if the bytes before {@code first} (none if it is not positive) only repeat the sign of
   * byte {@code first}: the number fits the eight bytes from there, a long.
   */
  private static boolean signOnly(byte[] bytes, int first) {
    if (first <= 0) {
      return true;
    }
    byte sign = bytes[first] < 0 ? (byte) -1 : 0;
    for (int i = 0; i < first; i++) {
      if (bytes[i] != sign) {
        return false;
      }
    }
    return true;
  }

  /** The decimal {@code unscaled × 10^-scale}. */
  public static BigDecimal of(BigInteger unscaled, int scale) {
    return unscaled.bitLength() < Long.SIZE
        ? BigDecimal.valueOf(unscaled.longValue(), scale)
        : new BigDecimal(unscaled, scale);
  }

  /**
   * {@code value}, or the equal decimal of the same scale whose unscaled 0, 1 or 10 is the {@code
   * BigInteger} constant. Allocates nothing for a decimal that needs no change (one in {@code
   * valueOf}'s form, or whose unscaled value is not 0, 1 or 10) of scale {@value #MIN_TABLED_SCALE}
   * to {@value #MAX_TABLED_SCALE}, nor for any decimal of more than two digits.
   */
  public static BigDecimal canonical(BigDecimal value) {
    int precision = value.precision();
    if (precision > 2 || (precision == 2 && !mayBeTen(value))) {
      return value; // two digits other than 10, or more: the unscaled value is no constant
    }
    // unscaledValue() of a compact decimal is BigInteger.valueOf(long), cached for -16 to 16 only
    BigInteger unscaled = value.unscaledValue();
    return unscaled == canonical(unscaled)
        ? value
        : BigDecimal.valueOf(unscaled.longValue(), value.scale());
  }

  /**
   * True unless a decimal of two digits certainly has another unscaled value than 10: {@code
   * equals} compares with the decimal 10 of its scale without allocating (unlike {@code
   * unscaledValue()}); for scales beyond the table it is true.
   */
  private static boolean mayBeTen(BigDecimal value) {
    int scale = value.scale();
    return scale < MIN_TABLED_SCALE
        || scale > MAX_TABLED_SCALE
        || value.equals(TEN_AT_SCALE[scale - MIN_TABLED_SCALE]);
  }

  /** {@code value}, or the constant {@code ZERO}, {@code ONE} or {@code TEN} it equals. */
  public static BigInteger canonical(BigInteger value) {
    if (value.bitLength() > 4 || value.signum() < 0) {
      return value;
    }
    int v = value.intValue();
    return v == 0 || v == 1 || v == 10 ? BigInteger.valueOf(v) : value;
  }
}
