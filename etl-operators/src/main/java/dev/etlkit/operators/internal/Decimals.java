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
   * BigInteger} constant. Allocates nothing for a decimal of more than two digits.
   */
  public static BigDecimal canonical(BigDecimal value) {
    if (value.precision() > 2) {
      return value; // the unscaled value is at least 100: no constant
    }
    BigInteger unscaled = value.unscaledValue();
    return unscaled == canonical(unscaled)
        ? value
        : BigDecimal.valueOf(unscaled.longValue(), value.scale());
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
