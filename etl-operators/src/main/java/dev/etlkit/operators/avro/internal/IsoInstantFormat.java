package dev.etlkit.operators.avro.internal;

import java.time.Instant;

/**
 * Writes an {@link Instant} as {@link Instant#toString()} does, into a reused char buffer instead
 * of a new string: {@code yyyy-MM-ddTHH:mm:ss} plus the fraction in groups of three digits (none,
 * millis, micros or nanos, the fewest that hold it exactly) and {@code Z}. Only years 0000–9999;
 * for the others {@link #format} returns -1 and the caller uses {@code toString()}.
 */
final class IsoInstantFormat {
  private IsoInstantFormat() {}

  /** The longest output: {@code 2024-01-31T10:15:30.123456789Z}. */
  static final int MAX_LENGTH = 30;

  /** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch seconds. */
  static final long MIN_SECONDS = -62_167_219_200L;

  static final long END_SECONDS = 253_402_300_800L;

  private static final long DAYS_0000_TO_1970 = 719_528L;
  private static final long DAYS_PER_CYCLE = 146_097L;

  /**
   * Writes {@code instant} into {@code out} (at least {@link #MAX_LENGTH} chars) from index 0.
   *
   * @return the number of chars written, or -1 if the year is outside 0000–9999 (nothing written)
   */
  static int format(Instant instant, char[] out) {
    long seconds = instant.getEpochSecond();
    if (seconds < MIN_SECONDS || seconds >= END_SECONDS) {
      return -1;
    }
    long epochDay = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    // LocalDate.ofEpochDay's algorithm (years from 0000-03-01, in 400-year cycles).
    long zeroDay = epochDay + DAYS_0000_TO_1970 - 60;
    long adjust = 0;
    if (zeroDay < 0) {
      long adjustCycles = (zeroDay + 1) / DAYS_PER_CYCLE - 1;
      adjust = adjustCycles * 400;
      zeroDay += -adjustCycles * DAYS_PER_CYCLE;
    }
    long yearEst = (400 * zeroDay + 591) / DAYS_PER_CYCLE;
    long doyEst = zeroDay - (365 * yearEst + yearEst / 4 - yearEst / 100 + yearEst / 400);
    if (doyEst < 0) {
      yearEst--;
      doyEst = zeroDay - (365 * yearEst + yearEst / 4 - yearEst / 100 + yearEst / 400);
    }
    yearEst += adjust;
    int marchDoy0 = (int) doyEst;
    int marchMonth0 = (marchDoy0 * 5 + 2) / 153;
    int month = (marchMonth0 + 2) % 12 + 1;
    int day = marchDoy0 - (marchMonth0 * 306 + 5) / 10 + 1;
    int year = (int) (yearEst + marchMonth0 / 10);

    digits(out, 0, year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, secondOfDay / 3600, 2);
    out[13] = ':';
    digits(out, 14, secondOfDay / 60 % 60, 2);
    out[16] = ':';
    digits(out, 17, secondOfDay % 60, 2);
    int pos = 19;
    int nanos = instant.getNano();
    if (nanos != 0) {
      out[pos++] = '.';
      if (nanos % 1_000_000 == 0) {
        digits(out, pos, nanos / 1_000_000, 3);
        pos += 3;
      } else if (nanos % 1000 == 0) {
        digits(out, pos, nanos / 1000, 6);
        pos += 6;
      } else {
        digits(out, pos, nanos, 9);
        pos += 9;
      }
    }
    out[pos++] = 'Z';
    return pos;
  }

  /** {@code value} (non-negative) as exactly {@code width} decimal digits, zero-padded. */
  private static void digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
