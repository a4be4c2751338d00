package dev.etlkit.scd;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * The {@code java.time} elements of an array column, which {@link Scd2PostgresTable#bind} sends as
 * their ISO-8601 text ({@code toString}) for the element type to parse (proven on a real PostgreSQL
 * by {@code Scd2PostgresTableFormatsTest}). {@code timestamp}, {@code timestamptz} and {@code date}
 * parse a year of four digits only: Java writes a later one with a sign ({@code +10000-01-01},
 * refused with SQLState {@code 22009}), and year 0 ({@code 22008}) and negative years ({@code
 * 22007}) are refused too; the year is the text's own (an offset date-time's in its offset, not its
 * instant's; a {@code ZonedDateTime} goes as the offset date-time it denotes). An offset of 16
 * hours or more is refused ({@code 22009}). {@code time} and {@code timetz} parse no date ({@code
 * 22007}). Reads the year from the value (an {@code Instant}'s from its epoch second), building no
 * text.
 */
final class PostgresIsoText extends PostgresLimit {
  private static final long serialVersionUID = 1L;

  private static final Pattern DATE_TIME =
      Pattern.compile(
          "(timestamptz|timestamp)( ?\\(\\d+\\))?( with time zone| without time zone)?|date");
  private static final Pattern TIME =
      Pattern.compile("(timetz|time)( ?\\(\\d+\\))?( with time zone| without time zone)?");

  /** {@code 0001-01-01T00:00:00Z}: an instant's text has a year of four digits from here on. */
  private static final long FIRST_SECOND = -62_135_596_800L;

  /** {@code +10000-01-01T00:00:00Z}: and up to here. */
  private static final long END_SECOND = 253_402_300_800L;

  /** A {@code time} or {@code timetz} element type, which parses no date. */
  private final boolean time;

  private PostgresIsoText(String type, boolean time) {
    super(type, true);
    this.time = time;
  }

  /** The rule of an array of this element type, or null if it is none of these. */
  @Nullable
  static PostgresIsoText of(String elementType) {
    if (DATE_TIME.matcher(elementType).matches()) {
      return new PostgresIsoText(elementType, false);
    }
    return TIME.matcher(elementType).matches() ? new PostgresIsoText(elementType, true) : null;
  }

  @Override
  @Nullable
  String whyNot(Object value) {
    boolean dated =
        value instanceof Instant
            || value instanceof LocalDateTime
            || value instanceof OffsetDateTime
            || value instanceof LocalDate
            || value instanceof ZonedDateTime;
    if (!dated) {
      return null;
    }
    if (time) {
      return "holds a date or date-time, whose ISO-8601 text PostgreSQL does not parse as "
          + type
          + " (a LocalTime's or an OffsetTime's it does)";
    }
    int year;
    if (value instanceof Instant instant) {
      long second = instant.getEpochSecond();
      year = second >= FIRST_SECOND && second < END_SECOND ? 1 : 0;
    } else if (value instanceof LocalDateTime dateTime) {
      year = dateTime.getYear();
    } else if (value instanceof OffsetDateTime dateTime) {
      String why =
          PostgresTimestampRange.whyOffset(
              "an offset date-time", type, dateTime.getOffset().getTotalSeconds());
      if (why != null) {
        return why;
      }
      year = dateTime.getYear();
    } else if (value instanceof ZonedDateTime dateTime) {
      // goes as the offset date-time it denotes, of the same year
      String why =
          PostgresTimestampRange.whyOffset(
              "a zoned date-time", type, dateTime.getOffset().getTotalSeconds());
      if (why != null) {
        return why;
      }
      year = dateTime.getYear();
    } else {
      year = ((LocalDate) value).getYear();
    }
    return year >= 1 && year <= 9999
        ? null
        : "holds a date or date-time whose ISO-8601 text has a year outside 1 to 9999, which"
            + " PostgreSQL does not parse as "
            + type;
  }
}
