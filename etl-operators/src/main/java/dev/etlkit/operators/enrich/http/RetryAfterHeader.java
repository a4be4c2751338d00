package dev.etlkit.operators.enrich.http;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Optional;
import javax.annotation.Nullable;

/**
 * Reading a response's {@code Retry-After} header: delay-seconds, or an HTTP date in any of its
 * three forms (RFC 9110, 5.6.7), as the wait before a retry.
 */
final class RetryAfterHeader {
  private RetryAfterHeader() {}

  /**
   * {@code Retry-After} as seconds or as an HTTP date; null when absent or unreadable. More seconds
   * than a {@code long} holds are the longest wait.
   */
  @Nullable
  static Duration retryAfter(HttpHeaders headers) {
    Optional<String> value = headers.firstValue("Retry-After");
    if (value.isEmpty()) {
      return null;
    }
    String text = value.get().strip();
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(text)));
    } catch (NumberFormatException notSeconds) {
      if (isAsciiDigits(text)) {
        return Duration.ofSeconds(Long.MAX_VALUE); // too many seconds for a long
      }
      ZonedDateTime at = httpDate(text);
      if (at == null) {
        return null;
      }
      Duration wait = Duration.between(ZonedDateTime.now(ZoneOffset.UTC), at);
      return wait.isNegative() ? Duration.ZERO : wait;
    }
  }

  /** An HTTP date in any of its three forms (RFC 9110, 5.6.7), or null. */
  @Nullable
  private static ZonedDateTime httpDate(String text) {
    try {
      return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
    } catch (DateTimeParseException notRfc1123) {
      // the obsolete forms, always GMT
    }
    for (DateTimeFormatter obsolete : obsoleteHttpDates()) {
      try {
        return LocalDateTime.parse(text, obsolete).atZone(ZoneOffset.UTC);
      } catch (DateTimeParseException notThisForm) {
        // next form
      }
    }
    return null;
  }

  /**
   * RFC 850 ({@code Sunday, 06-Nov-94 08:49:37 GMT}, a two-digit year within 50 years of now) and
   * asctime ({@code Sun Nov 6 08:49:37 1994}).
   */
  private static DateTimeFormatter[] obsoleteHttpDates() {
    DateTimeFormatter rfc850 =
        new DateTimeFormatterBuilder()
            .appendPattern("EEEE, dd-MMM-")
            .appendValueReduced(
                ChronoField.YEAR, 2, 2, LocalDate.now(ZoneOffset.UTC).minusYears(50))
            .appendPattern(" HH:mm:ss 'GMT'")
            .toFormatter(Locale.US);
    DateTimeFormatter asctime = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);
    return new DateTimeFormatter[] {rfc850, asctime};
  }

  private static boolean isAsciiDigits(String text) {
    if (text.isEmpty()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
