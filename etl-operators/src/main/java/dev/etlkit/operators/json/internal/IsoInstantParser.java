package dev.etlkit.operators.json.internal;

import java.time.Instant;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Reads the common ISO-8601 UTC layouts of an {@link Instant} straight from characters, with plain
 * arithmetic: {@code yyyy-MM-ddTHH:mm:ss[.f…]Z} and the same with {@code +00:00} instead of {@code
 * Z}, years 0000–9999, 1–9 fraction digits or none. Anything else (another offset, lower-case
 * letters, leap seconds, {@code 24:00}, more digits, blanks) is declined with {@code null}, so the
 * caller can hand it to the general (strict) parser, which decides exactly as before.
 *
 * <p>Every string it accepts is a valid instant that {@link Instant#parse} reads to the same value;
 * a property test checks this against {@code Instant.parse} and the old Jackson path.
 */
@Internal
final class IsoInstantParser {
  private static final int SECONDS_PER_DAY = 86_400;

  private IsoInstantParser() {}

  /**
   * The instant in {@code chars[offset, offset + length)}, or null when it is not a fast layout.
   */
  @Nullable
  static Instant parse(char[] chars, int offset, int length) {
    if (length < 20 || length > 35) {
      return null;
    }
    int end = offset + length;
    int zoneStart;
    if (chars[end - 1] == 'Z') {
      zoneStart = end - 1;
    } else if (length >= 25
        && chars[end - 6] == '+'
        && chars[end - 5] == '0'
        && chars[end - 4] == '0'
        && chars[end - 3] == ':'
        && chars[end - 2] == '0'
        && chars[end - 1] == '0') {
      zoneStart = end - 6;
    } else {
      return null;
    }
    if (chars[offset + 4] != '-'
        || chars[offset + 7] != '-'
        || chars[offset + 10] != 'T'
        || chars[offset + 13] != ':'
        || chars[offset + 16] != ':') {
      return null;
    }
    int year = digits(chars, offset, 4);
    int month = digits(chars, offset + 5, 2);
    int day = digits(chars, offset + 8, 2);
    int hour = digits(chars, offset + 11, 2);
    int minute = digits(chars, offset + 14, 2);
    int second = digits(chars, offset + 17, 2);
    if ((year | month | day | hour | minute | second) < 0
        || month < 1
        || month > 12
        || day < 1
        || day > daysInMonth(year, month)
        || hour > 23
        || minute > 59
        || second > 59) {
      return null;
    }
    int nanos = 0;
    int p = offset + 19;
    if (p < zoneStart) {
      int fractionDigits = zoneStart - p - 1;
      if (chars[p] != '.' || fractionDigits < 1 || fractionDigits > 9) {
        return null;
      }
      nanos = digits(chars, p + 1, fractionDigits);
      if (nanos < 0) {
        return null;
      }
      for (int i = fractionDigits; i < 9; i++) {
        nanos *= 10;
      }
    }
    long epochSecond =
        daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    return Instant.ofEpochSecond(epochSecond, nanos);
  }

  static int daysInMonth(int year, int month) {
    switch (month) {
      case 2:
        return isLeap(year) ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }

  private static boolean isLeap(int year) {
    return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
  }

  /** Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
  private static long daysFromCivil(int year, int month, int day) {
    int y = month <= 2 ? year - 1 : year;
    int era = Math.floorDiv(y, 400);
    int yoe = y - era * 400;
    int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146_097L + doe - 719_468;
  }

  /** The value of {@code count} (at most 9) ASCII digits, or -1 when one is not a digit. */
  private static int digits(char[] chars, int offset, int count) {
    int value = 0;
    for (int i = offset; i < offset + count; i++) {
      int d = chars[i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      value = value * 10 + d;
    }
    return value;
  }
}
