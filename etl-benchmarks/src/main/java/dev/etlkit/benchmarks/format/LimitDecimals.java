package dev.etlkit.benchmarks.format;

/**
 * Decimals on char and byte arrays for the {@code LIMIT} impl, for unscaled values that fit a long
 * (no {@code BigDecimal}, no {@code BigInteger}, no {@code String}): plain decimal text → the
 * unscaled value at a scale, the unscaled value → plain text, and the unscaled value ↔ the
 * big-endian two's complement bytes Avro's {@code decimal} holds (as few as {@code
 * BigInteger.toByteArray()} gives). Anything else is left to {@code BigDecimal} by the caller.
 */
final class LimitDecimals {

  /**
   * What {@link #parseUnscaled} returns for text it leaves to {@code BigDecimal}: more than 18
   * digits at the scale, an exponent, or more fraction digits than the scale. No text of 18 digits
   * has this value.
   */
  static final long NOT_A_LONG = Long.MIN_VALUE;

  /** The longest text of {@link #format} at a scale up to {@link #MAX_SCALE}. */
  static final int MAX_FORMATTED_LENGTH = 64;

  /** The largest scale {@link #format} writes: a sign, "0." and the digits fit. */
  static final int MAX_SCALE = MAX_FORMATTED_LENGTH - 3;

  private static final long[] POWERS_OF_TEN = new long[19];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = 10 * POWERS_OF_TEN[i - 1];
    }
  }

  private LimitDecimals() {}

  /**
   * The unscaled value at {@code scale} of the plain decimal text {@code chars[offset, offset +
   * length)} ({@code -12.3} at scale 2 is -1230), or {@link #NOT_A_LONG}.
   */
  static long parseUnscaled(char[] chars, int offset, int length, int scale) {
    int end = offset + length;
    int p = offset;
    boolean negative = p < end && chars[p] == '-';
    if (negative) {
      p++;
    }
    long value = 0;
    int digits = 0;
    int fraction = -1;
    for (; p < end; p++) {
      char c = chars[p];
      if (c == '.' && fraction < 0) {
        fraction = 0;
      } else if (c >= '0' && c <= '9') {
        if (++digits > 18) {
          return NOT_A_LONG;
        }
        value = 10 * value + (c - '0');
        if (fraction >= 0) {
          fraction++;
        }
      } else {
        return NOT_A_LONG; // an exponent
      }
    }
    int padding = scale - Math.max(fraction, 0);
    if (digits == 0 || padding < 0 || digits + padding > 18) {
      return NOT_A_LONG;
    }
    value *= POWERS_OF_TEN[padding];
    return negative ? -value : value;
  }

  /**
   * Writes the plain text of {@code unscaled × 10^-scale} at the end of {@code out} ({@link
   * #MAX_FORMATTED_LENGTH} chars or more) and returns where it starts.
   */
  static int format(long unscaled, int scale, char[] out) {
    int p = out.length;
    long v = unscaled < 0 ? unscaled : -unscaled; // not positive, so Long.MIN_VALUE works too
    for (int i = 0; i < scale; i++) {
      out[--p] = (char) ('0' - v % 10);
      v /= 10;
    }
    if (scale > 0) {
      out[--p] = '.';
    }
    do {
      out[--p] = (char) ('0' - v % 10);
      v /= 10;
    } while (v != 0);
    if (unscaled < 0) {
      out[--p] = '-';
    }
    return p;
  }

  /**
   * Writes {@code value} into {@code out} (8 bytes or more) as {@code BigInteger.valueOf(value)
   * .toByteArray()} does, and returns the number of bytes.
   */
  static int toBytes(long value, byte[] out) {
    int bits = Long.SIZE - Long.numberOfLeadingZeros(value ^ (value >> 63)); // without the sign
    int n = bits / 8 + 1;
    for (int i = n - 1, shift = 0; i >= 0; i--, shift += 8) {
      out[i] = (byte) (value >> shift);
    }
    return n;
  }

  /** The long of the first {@code n} (1 to 8) two's complement bytes of {@code bytes}. */
  static long fromBytes(byte[] bytes, int n) {
    long value = bytes[0]; // sign-extended
    for (int i = 1; i < n; i++) {
      value = (value << 8) | (bytes[i] & 0xFF);
    }
    return value;
  }
}
