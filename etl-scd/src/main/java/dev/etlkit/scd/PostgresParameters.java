package dev.etlkit.scd;

import java.lang.reflect.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAccessor;
import java.util.Collection;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * How {@link Scd2PostgresTable} sends an attribute column's value as a parameter of its {@code
 * MERGE}: the type the parameter is cast to ({@link #parameterType}) and the object bound to it
 * ({@link #bind}), as its Javadoc describes.
 */
final class PostgresParameters {
  private static final Pattern CHARACTER_STRING =
      Pattern.compile(
          "(national )?(char|character|nchar|bpchar|varchar)( varying)?( ?\\(\\d+\\))?");
  private static final Pattern WITHOUT_ZONE =
      Pattern.compile("(timestamp|time)( ?\\(\\d+\\))?( without time zone)?|date");
  private static final Pattern TIME_WITH_ZONE =
      Pattern.compile("timetz( ?\\(\\d+\\))?|time( ?\\(\\d+\\))? with time zone");
  private static final Pattern BIT_STRING =
      Pattern.compile("(bit( varying)?|varbit)( ?\\(\\d+\\))?");

  /**
   * How an {@link Instant} is bound for a column, so that its cast to the column's type never takes
   * the session's time zone: as its UTC date and time ({@code timestamp}, {@code date}, {@code
   * time}), its UTC time of day ({@code timetz}) or an offset date-time in UTC (any other type).
   */
  enum InstantAs {
    LOCAL_DATE_TIME,
    OFFSET_TIME,
    OFFSET_DATE_TIME
  }

  private PostgresParameters() {}

  /** How an {@link Instant} is bound for a column of this type. */
  static InstantAs instantAs(String sqlType) {
    return WITHOUT_ZONE.matcher(sqlType).matches()
        ? InstantAs.LOCAL_DATE_TIME
        : TIME_WITH_ZONE.matcher(sqlType).matches()
            ? InstantAs.OFFSET_TIME
            : InstantAs.OFFSET_DATE_TIME;
  }

  /**
   * The type a column's parameter is cast to: the column's own, except for character and bit
   * strings, whose explicit cast cuts or pads a value to the length ({@code 'abc'::varchar(2)} is
   * {@code 'ab'}, {@code char} is {@code char(1)}). Theirs is cast to {@code text} or {@code
   * varbit}, so that storing it in the column checks the length as an assignment does: a value too
   * long fails the statement instead of losing its end.
   */
  static String parameterType(String sqlType) {
    boolean array = sqlType.endsWith("[]");
    String element = array ? sqlType.substring(0, sqlType.length() - 2) : sqlType;
    String cast =
        CHARACTER_STRING.matcher(element).matches()
            ? "text"
            : BIT_STRING.matcher(element).matches() ? "varbit" : element;
    return array ? cast + "[]" : cast;
  }

  /**
   * Binds one attribute column's value, as the class Javadoc of {@link Scd2PostgresTable} says:
   * null as SQL {@code NULL}, an {@link Instant} as {@code instantAs} says, a {@link ZonedDateTime}
   * as the {@link OffsetDateTime} it denotes, an enum constant as its name, a collection as an
   * array ({@link #array}), anything else as itself.
   */
  static void bind(
      PreparedStatement statement, int index, @Nullable Object value, InstantAs instantAs)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.NULL);
    } else if (value instanceof Instant instant) {
      // a timestamptz cast to timestamp, date, time or timetz would take the session's (the
      // JVM's) time zone
      statement.setObject(index, bindable(instant, instantAs));
    } else if (value instanceof ZonedDateTime dateTime) {
      // the driver infers no SQL type for it; the offset date-time it denotes is the same instant
      statement.setObject(index, dateTime.toOffsetDateTime());
    } else if (value instanceof Enum<?> constant) {
      statement.setString(index, constant.name()); // the driver binds no enum
    } else if (value instanceof Collection<?> elements) {
      statement.setObject(index, array(elements)); // nor a collection
    } else {
      statement.setObject(index, value);
    }
  }

  /**
   * A collection as the typed array the driver binds: its elements' class, {@code String[]} when it
   * has no element but nulls. An enum's constants go as their names and {@code java.time} values as
   * their ISO-8601 text ({@link #asText}), which the column's cast parses. Elements of several
   * classes give an {@code Object[]}, which the driver refuses, failing the statement.
   */
  private static Object[] array(Collection<?> elements) {
    Class<?> type = null;
    for (Object element : elements) {
      if (element != null) {
        Class<?> elementType = asText(element) ? String.class : element.getClass();
        type = type == null || type == elementType ? elementType : Object.class;
      }
    }
    Object[] array =
        (Object[]) Array.newInstance(type == null ? String.class : type, elements.size());
    int i = 0;
    for (Object element : elements) {
      array[i++] =
          element instanceof Enum<?> constant
              ? constant.name()
              : element instanceof ZonedDateTime dateTime
                  ? dateTime.toOffsetDateTime().toString() // no type parses the zone's name
                  : element != null && asText(element) ? element.toString() : element;
    }
    return array;
  }

  /**
   * Whether an array element is bound as text: an enum constant, or a {@code java.time} value,
   * whose {@code toString} is ISO-8601 (an {@code Instant} with {@code Z}, so a {@code timestamptz}
   * element is the same instant whatever the session's time zone, and a {@code timestamp} element
   * its UTC date and time, as for a single {@code Instant}).
   */
  private static boolean asText(Object element) {
    return element instanceof Enum<?> || element instanceof TemporalAccessor;
  }

  private static Object bindable(Instant instant, InstantAs instantAs) {
    switch (instantAs) {
      case LOCAL_DATE_TIME:
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
      case OFFSET_TIME:
        return OffsetTime.ofInstant(instant, ZoneOffset.UTC);
      default:
        return utc(instant);
    }
  }

  static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
