package dev.etlkit.scd;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * {@code timestamp} and {@code timestamptz}, and {@code date} and {@code time}, whose {@code
 * Instant} is bound as its UTC date and time, a timestamp cast to the column's type: an {@code
 * Instant} goes to the microsecond, half a microsecond rounding up, and PostgreSQL's timestamps end
 * before 294277-01-01. At the other end pgjdbc sends an instant before {@code
 * -4712-01-01T00:00:00Z} (4713 BC) as {@code -infinity}, which PostgreSQL stores without complaint
 * (its own start, 4714 BC, is never reached; a {@code time} takes it as null): such an instant is
 * refused too, as the row would silently hold another value. A {@code LocalDateTime} (bound as a
 * timestamp) and an {@code OffsetDateTime} (a timestamptz, by its instant) have the same bounds, in
 * a session in UTC (a {@code LocalDateTime} in a {@code timestamptz} is taken in the session's time
 * zone); pgjdbc sends the last half second of their {@code MAX} as {@code infinity}, past the end
 * anyway. PostgreSQL refuses an offset of 16 hours or more (Java allows 18). A {@code date}
 * column's {@code LocalDate} is bound as a date: PostgreSQL's end, 5874897-12-31, fails beyond it
 * (but for {@code LocalDate.MAX}, which pgjdbc sends as {@code infinity}), and one before 4713 BC
 * goes as {@code -infinity}; in a {@code timestamp} or {@code timestamptz} column a date after
 * 294276-12-31 fails.
 */
final class PostgresTimestampRange extends PostgresLimit {
  private static final long serialVersionUID = 1L;

  /** The types whose {@code Instant} is bound as a timestamp (a {@code timetz}'s as a time). */
  private static final Pattern TIMESTAMP =
      Pattern.compile(
          "(timestamptz|timestamp)( ?\\(\\d+\\))?( with time zone| without time zone)?"
              + "|time( ?\\(\\d+\\))?( without time zone)?|date");

  /** PostgreSQL's last microsecond, without the zone: its timestamps end before 294277. */
  private static final String END_TEXT = "+294276-12-31T23:59:59.999999";

  /** A {@code time} column's type, which takes no {@code LocalDate}. */
  private static final Pattern TIME_OF_DAY =
      Pattern.compile("time( ?\\(\\d+\\))?( without time zone)?");

  /** The first instant pgjdbc rounds to 294277-01-01T00:00:00Z. */
  private static final Instant END = Instant.parse("+294276-12-31T23:59:59.999999500Z");

  /** The first instant pgjdbc sends as itself rather than as {@code -infinity}. */
  private static final Instant START = Instant.parse("-4712-01-01T00:00:00Z");

  /** The first date-time pgjdbc rounds to 294277-01-01T00:00. */
  private static final LocalDateTime LOCAL_END = LocalDateTime.parse(END_TEXT + "500");

  /** The first date-time pgjdbc sends as itself rather than as {@code -infinity}. */
  private static final LocalDateTime LOCAL_START = LocalDateTime.parse("-4712-01-01T00:00");

  /**
   * The epoch second and nano of {@link #END}, against which an offset date-time's are compared.
   */
  private static final long END_SECOND = END.getEpochSecond();

  private static final int END_NANO = END.getNano();

  private static final long START_SECOND = START.getEpochSecond();

  /** PostgreSQL refuses an offset of this many seconds or more. */
  private static final int OFFSET_LIMIT = 16 * 3600;

  /** The first date pgjdbc sends as itself rather than as {@code -infinity}. */
  private static final LocalDate DATE_START = LocalDate.parse("-4712-01-01");

  /** PostgreSQL's last date. */
  private static final LocalDate DATE_END = LocalDate.parse("+5874897-12-31");

  /** The last date of PostgreSQL's timestamps. */
  private static final LocalDate TIMESTAMP_DATE_END = LocalDate.parse("+294276-12-31");

  /** The last {@code LocalDate} the column holds; null: not checked (a {@code time}). */
  @Nullable private final LocalDate dateEnd;

  private PostgresTimestampRange(String type, @Nullable LocalDate dateEnd) {
    super(type, false);
    this.dateEnd = dateEnd;
  }

  /** The range of a column of this type (not an array's), or null if it is none of these. */
  @Nullable
  static PostgresTimestampRange of(String type) {
    if (!TIMESTAMP.matcher(type).matches()) {
      return null;
    }
    return new PostgresTimestampRange(
        type,
        type.equals("date")
            ? DATE_END
            : TIME_OF_DAY.matcher(type).matches() ? null : TIMESTAMP_DATE_END);
  }

  @Override
  @Nullable
  String whyNot(Object value) {
    if (value instanceof Instant instant) {
      return whyNot(instant);
    }
    if (value instanceof LocalDateTime dateTime) {
      return whyNot(dateTime);
    }
    if (value instanceof OffsetDateTime dateTime) {
      return whyNot(
          "an offset date-time",
          dateTime.toEpochSecond(),
          dateTime.getNano(),
          dateTime.getOffset().getTotalSeconds());
    }
    if (value instanceof ZonedDateTime dateTime) {
      // bound as the offset date-time it denotes
      return whyNot(
          "a zoned date-time",
          dateTime.toEpochSecond(),
          dateTime.getNano(),
          dateTime.getOffset().getTotalSeconds());
    }
    return dateEnd != null && value instanceof LocalDate date ? whyNot(date) : null;
  }

  @Nullable
  private String whyNot(Instant instant) {
    if (!instant.isBefore(END)) {
      return "holds an instant after the end of "
          + type
          + ": rounded to the microsecond, it must be at most "
          + END_TEXT
          + "Z";
    }
    if (instant.isBefore(START)) {
      return "holds an instant before -4712-01-01T00:00:00Z (4713 BC), which the driver writes to "
          + type
          + " as -infinity";
    }
    return null;
  }

  @Nullable
  private String whyNot(LocalDateTime dateTime) {
    if (!dateTime.isBefore(LOCAL_END)) {
      return "holds a date-time after the end of "
          + type
          + ": rounded to the microsecond, it must be at most "
          + END_TEXT;
    }
    if (dateTime.isBefore(LOCAL_START)) {
      return "holds a date-time before -4712-01-01T00:00 (4713 BC), which the driver writes to "
          + type
          + " as -infinity";
    }
    return null;
  }

  @Nullable
  private String whyNot(String what, long second, int nano, int offset) {
    if (second > END_SECOND || (second == END_SECOND && nano >= END_NANO)) {
      return "holds "
          + what
          + " after the end of "
          + type
          + ": rounded to the microsecond, its instant must be at most "
          + END_TEXT
          + "Z";
    }
    if (second < START_SECOND) {
      return "holds "
          + what
          + " before -4712-01-01T00:00:00Z (4713 BC), which the"
          + " driver writes to "
          + type
          + " as -infinity";
    }
    return whyOffset(what, type, offset);
  }

  /**
   * Why PostgreSQL refuses {@code what}'s offset of {@code offsetSeconds} for {@code type} (it
   * takes less than 16 hours either way, Java up to 18), or null.
   */
  @Nullable
  static String whyOffset(String what, String type, int offsetSeconds) {
    return Math.abs(offsetSeconds) < OFFSET_LIMIT
        ? null
        : "holds "
            + what
            + " whose offset PostgreSQL refuses for "
            + type
            + ": it must be from -15:59:59 to +15:59:59";
  }

  @Nullable
  private String whyNot(LocalDate date) {
    if (date.isAfter(dateEnd)) {
      return "holds a date after the end of " + type + ": it must be at most " + dateEnd;
    }
    if (date.isBefore(DATE_START)) {
      return "holds a date before -4712-01-01 (4713 BC), which the driver writes to "
          + type
          + " as -infinity";
    }
    return null;
  }
}
