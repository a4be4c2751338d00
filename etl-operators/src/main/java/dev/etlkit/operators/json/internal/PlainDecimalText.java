package dev.etlkit.operators.json.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import javax.annotation.Nullable;

/**
 * Reads a JSON decimal of at most 38 digits and no exponent ({@code -12.340}) itself: the value and
 * scale {@code new BigDecimal(text)} gives, in the form of {@code Decimals.canonical}. Up to 18
 * digits the unscaled value is a long and the decimal {@code BigDecimal.valueOf(unscaled, scale)},
 * one allocation; from 19 to 38 digits (SQL's largest precision) the digits are read into 128 bits,
 * whose magnitude becomes the decimal's {@code BigInteger}. Jackson's own reading of such text (its
 * fast big-number parser) makes two decimals for short text and several big integers for long text,
 * and costs several times as much; the decimals of a ledger are mostly this short. Anything else is
 * left to Jackson.
 */
final class PlainDecimalText {

  /** The most digits read here: SQL's largest decimal precision; 10^38 is below 2^127. */
  static final int MAX_DIGITS = 38;

  /** The most digits whose value always fits a long. */
  private static final int MAX_LONG_DIGITS = 18;

  private PlainDecimalText() {}

  /**
   * The decimal of {@code text[offset, offset + length)}: an optional {@code '-'}, digits with at
   * most one {@code '.'} among them, at most 38 digits in all (leading zeros count); or null for
   * any other text (an exponent, more digits, no digit), which the caller reads as before.
   */
  @Nullable
  static BigDecimal parse(char[] text, int offset, int length) {
    int end = offset + length;
    int i = offset;
    boolean negative = i < end && text[i] == '-';
    if (negative) {
      i++;
    }
    long high = 0; // the magnitude's bits 64 to 127
    long low = 0; // its bits 0 to 63, unsigned
    int digits = 0;
    int scale = -1; // no point yet
    for (; i < end; i++) {
      char c = text[i];
      if (c >= '0' && c <= '9') {
        if (++digits > MAX_DIGITS) {
          return null;
        }
        if (digits <= MAX_LONG_DIGITS) {
          low = low * 10 + (c - '0');
        } else {
          // (high, low) × 10 + digit in 128 bits; below 10^38 < 2^127, high never overflows
          long lowTimesTen = low * 10;
          long carried = Math.multiplyHigh(low, 10) + ((low >> 63) & 10); // unsigned high half
          long sum = lowTimesTen + (c - '0');
          carried += Long.compareUnsigned(sum, lowTimesTen) < 0 ? 1 : 0;
          high = high * 10 + carried;
          low = sum;
        }
        if (scale >= 0) {
          scale++;
        }
      } else if (c == '.' && scale < 0) {
        scale = 0;
      } else {
        return null;
      }
    }
    if (digits == 0) {
      return null;
    }
    int s = Math.max(scale, 0);
    if (high == 0 && low >= 0) {
      return BigDecimal.valueOf(negative ? -low : low, s);
    }
    if (high == 0 && low == Long.MIN_VALUE && negative) {
      return BigDecimal.valueOf(Long.MIN_VALUE, s); // -2^63 fits a long too
    }
    return new BigDecimal(new BigInteger(negative ? -1 : 1, magnitude(high, low)), s);
  }

  /** The 16 big-endian bytes of the unsigned 128-bit number {@code (high, low)}. */
  private static byte[] magnitude(long high, long low) {
    byte[] bytes = new byte[2 * Long.BYTES];
    for (int k = Long.BYTES - 1, h = 0; k >= 0; k--, h += Byte.SIZE) {
      bytes[k] = (byte) (high >>> h);
      bytes[k + Long.BYTES] = (byte) (low >>> h);
    }
    return bytes;
  }
}
