package dev.etlkit.benchmarks.format;

/**
 * ISO-8601 UTC instants ↔ epoch milliseconds on char arrays, for the {@code LIMIT} impl: no {@code
 * String}, no {@code java.time} objects. Reads {@code yyyy-MM-ddTHH:mm:ss[.f…]Z} (digits beyond
 * milliseconds are truncated, as Avro's {@code timestamp-millis} does) and writes {@code
 * yyyy-MM-ddTHH:mm:ss.SSSZ}. Years 0000–9999 only, which is all the benchmark needs.
 */
final class IsoInstants {

  /** Length of {@code yyyy-MM-ddTHH:mm:ss.SSSZ}. */
  static final int FORMATTED_LENGTH = 24;

  private static final long MILLIS_PER_DAY = 86_400_000L;

  private IsoInstants() {}

  /** The epoch milliseconds of {@code chars[offset, offset + length)}. */
  static long parseMillis(char[] chars, int offset, int length) {
    int end = offset + length;
    if (length < 20
        || chars[offset + 4] != '-'
        || chars[offset + 7] != '-'
        || chars[offset + 10] != 'T'
        || chars[offset + 13] != ':'
        || chars[offset + 16] != ':'
        || chars[end - 1] != 'Z') {
      throw new IllegalArgumentException("not an ISO-8601 UTC instant");
    }
    int year = digits(chars, offset, 4);
    int month = digits(chars, offset + 5, 2);
    int day = digits(chars, offset + 8, 2);
    int hour = digits(chars, offset + 11, 2);
    int minute = digits(chars, offset + 14, 2);
    int second = digits(chars, offset + 17, 2);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
      throw new IllegalArgumentException("not an ISO-8601 UTC instant");
    }
    int millis = 0;
    int p = offset + 19;
    if (p < end - 1) {
      if (chars[p] != '.') {
        throw new IllegalArgumentException("not an ISO-8601 UTC instant");
      }
      p++;
      int scale = 100;
      for (; p < end - 1; p++) {
        int d = chars[p] - '0';
        if (d < 0 || d > 9) {
          throw new IllegalArgumentException("not an ISO-8601 UTC instant");
        }
        millis += d * scale;
        scale /= 10;
      }
    }
    return daysFromCivil(year, month, day) * MILLIS_PER_DAY
        + ((hour * 60L + minute) * 60 + second) * 1000
        + millis;
  }

  /** Writes {@code millis} as {@code yyyy-MM-ddTHH:mm:ss.SSSZ} at {@code chars[0, 24)}. */
  static void formatMillis(long millis, char[] chars) {
    long days = Math.floorDiv(millis, MILLIS_PER_DAY);
    int msOfDay = (int) Math.floorMod(millis, MILLIS_PER_DAY);
    // Howard Hinnant's civil_from_days.
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));
    put(chars, 0, year, 4);
    chars[4] = '-';
    put(chars, 5, month, 2);
    chars[7] = '-';
    put(chars, 8, day, 2);
    chars[10] = 'T';
    put(chars, 11, msOfDay / 3_600_000, 2);
    chars[13] = ':';
    put(chars, 14, msOfDay / 60_000 % 60, 2);
    chars[16] = ':';
    put(chars, 17, msOfDay / 1000 % 60, 2);
    chars[19] = '.';
    put(chars, 20, msOfDay % 1000, 3);
    chars[23] = 'Z';
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

  private static int digits(char[] chars, int offset, int count) {
    int value = 0;
    for (int i = offset; i < offset + count; i++) {
      int d = chars[i] - '0';
      if (d < 0 || d > 9) {
        throw new IllegalArgumentException("not an ISO-8601 UTC instant");
      }
      value = value * 10 + d;
    }
    return value;
  }

  private static void put(char[] chars, int offset, int value, int count) {
    for (int i = offset + count - 1; i >= offset; i--) {
      chars[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
