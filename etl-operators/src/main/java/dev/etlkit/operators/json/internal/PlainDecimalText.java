package dev.etlkit.operators.json.internal;

import java.math.BigDecimal;
import javax.annotation.Nullable;

/**
 * Reads a JSON decimal of at most 18 digits and no exponent ({@code -12.340}) straight into {@code
 * BigDecimal.valueOf(unscaled, scale)}: the value and scale {@code new BigDecimal(text)} gives, in
 * the form of {@code Decimals.canonical}, with one allocation. Jackson's own reading of such text
 * (its fast big-number parser) makes two decimals and costs several times as much; the decimals of
 * a ledger are mostly this short. Anything else is left to Jackson.
 */
final class PlainDecimalText {

  /** The most digits whose value always fits a long. */
  private static final int MAX_DIGITS = 18;

  private PlainDecimalText() {}

  /**
   * The decimal of {@code text[offset, offset + length)}: an optional {@code '-'}, digits with at
   * most one {@code '.'} among them, at most 18 digits in all (leading zeros count); or null for
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
    long unscaled = 0;
    int digits = 0;
    int scale = -1; // no point yet
    for (; i < end; i++) {
      char c = text[i];
      if (c >= '0' && c <= '9') {
        if (++digits > MAX_DIGITS) {
          return null;
        }
        unscaled = unscaled * 10 + (c - '0');
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
    return BigDecimal.valueOf(negative ? -unscaled : unscaled, Math.max(scale, 0));
  }
}
