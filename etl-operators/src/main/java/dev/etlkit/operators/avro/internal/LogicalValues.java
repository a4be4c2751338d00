package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.internal.Decimals;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Checks and parses values of Avro's logical types, so that a value that would not survive encoding
 * (a decimal with too many digits, a timestamp beyond the long range, a date beyond the int range)
 * is rejected when the record is built, with a message naming the type but not the value.
 */
final class LogicalValues {
  private LogicalValues() {}

  static final long MICROS_PER_SECOND = 1_000_000L;
  static final long MILLIS_PER_DAY = 86_400_000L;
  static final long MICROS_PER_DAY = 86_400_000_000L;
  static final long NANOS_PER_MILLI = 1_000_000L;
  static final long NANOS_PER_MICRO = 1_000L;

  /** Logical type names etlkit converts (Avro's constants are spread over several classes). */
  static final String DECIMAL = "decimal";

  static final String UUID_TYPE = "uuid";
  static final String DATE = "date";
  static final String TIME_MILLIS = "time-millis";
  static final String TIME_MICROS = "time-micros";
  static final String TIMESTAMP_MILLIS = "timestamp-millis";
  static final String TIMESTAMP_MICROS = "timestamp-micros";
  static final String LOCAL_TIMESTAMP_MILLIS = "local-timestamp-millis";
  static final String LOCAL_TIMESTAMP_MICROS = "local-timestamp-micros";

  /** The logical type name of {@code schema}, or null. */
  static String logicalName(Schema schema) {
    LogicalType type = schema.getLogicalType();
    return type == null ? null : type.getName();
  }

  /** A description of {@code schema} for messages: {@code decimal(12,2)}, {@code string}, ... */
  static String describe(Schema schema) {
    LogicalType type = schema.getLogicalType();
    if (type instanceof LogicalTypes.Decimal) {
      LogicalTypes.Decimal d = (LogicalTypes.Decimal) type;
      return "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
    }
    if (type != null) {
      return type.getName();
    }
    switch (schema.getType()) {
      case RECORD:
      case ENUM:
      case FIXED:
        return schema.getType().getName() + " " + schema.getFullName();
      default:
        return schema.getType().getName();
    }
  }

  /**
   * {@code value} at the schema's scale, if that needs no rounding and fits the precision, in the
   * form of {@link Decimals#canonical}.
   */
  static BigDecimal decimal(BigDecimal value, Schema schema) {
    LogicalTypes.Decimal type = (LogicalTypes.Decimal) schema.getLogicalType();
    int scale = type.getScale();
    int precision = type.getPrecision();
    // Integer digits first: cheap, and guards setScale against exponents like 1e999999999.
    if ((long) value.precision() - value.scale() > precision - scale && value.signum() != 0) {
      throw new ValueException(
          "decimal has more than "
              + (precision - scale)
              + " integer digits for "
              + describe(schema));
    }
    BigDecimal v = value;
    if (v.scale() > scale) {
      v = v.stripTrailingZeros();
      if (v.scale() > scale) {
        throw new ValueException(
            "decimal has more than " + scale + " fraction digits for " + describe(schema));
      }
    }
    // one form per value (Decimals): JSON text of more than 18 characters gives another
    return Decimals.canonical(v.setScale(scale));
  }

  /**
   * Checks the value Avro read before its conversion turns it into a logical value: uuid text must
   * be canonical (see {@link #parseUuid}), where {@code UUID.fromString} would take {@code
   * "1-1-1-1-1"} and the record would then carry other text when encoded again.
   */
  static Object checkRawDecoded(Object datum, LogicalType type) {
    if (datum instanceof CharSequence
        && UUID_TYPE.equals(type.getName())
        && !isCanonicalUuid((CharSequence) datum)) {
      throw new ValueException("decoded uuid is not canonical text");
    }
    return datum;
  }

  /**
   * Checks a value Avro's conversion just decoded, so that a record is never emitted that its own
   * schema cannot encode again (which would fail the job in the next serializer): Avro reads a
   * decimal of any number of digits from its bytes without checking the schema's precision.
   */
  static Object checkDecoded(Object value, LogicalType type) {
    if (type instanceof LogicalTypes.Decimal && value instanceof BigDecimal) {
      int precision = ((LogicalTypes.Decimal) type).getPrecision();
      if (((BigDecimal) value).precision() > precision) {
        throw new ValueException(
            "decoded decimal has more digits than the schema's precision " + precision);
      }
    }
    return value;
  }

  /**
   * Checks a value Avro's conversion is about to encode: a time or timestamp finer than its type
   * (see {@link #timestamp}) is rejected, where the conversion would drop the extra digits without
   * a word, and so is text in a uuid field that is not a canonical UUID (canonical text comes back
   * with lower-case hex digits, as the UUID writes it). Other values pass unchanged.
   */
  static Object checkEncoded(Object value, LogicalType type) {
    if (value.getClass() == BigDecimal.class) {
      return value; // the commonest logical value, none of the checked kinds: one compare
    }
    if (value instanceof Instant) {
      if (type instanceof LogicalTypes.TimestampMillis
          || type instanceof LogicalTypes.TimestampMicros) {
        return timestamp((Instant) value, type.getName());
      }
    } else if (value instanceof LocalTime) {
      if (type instanceof LogicalTypes.TimeMillis || type instanceof LogicalTypes.TimeMicros) {
        return time((LocalTime) value, type.getName());
      }
    } else if (value instanceof LocalDateTime) {
      if (type instanceof LogicalTypes.LocalTimestampMillis
          || type instanceof LogicalTypes.LocalTimestampMicros) {
        return localTimestamp((LocalDateTime) value, type.getName());
      }
    } else if (value instanceof CharSequence && UUID_TYPE.equals(type.getName())) {
      // Text has no conversion, so Avro would write it as it is: a uuid that is none, or the
      // upper-case digits the UUID's own text does not have.
      return uuidText((CharSequence) value);
    }
    return value;
  }

  /**
   * Canonical uuid text as the {@code UUID}'s {@code toString()} writes it (lower-case hex digits);
   * text that is none is rejected.
   */
  static CharSequence uuidText(CharSequence text) {
    if (!isCanonicalUuid(text)) {
      throw new ValueException("text is not a UUID");
    }
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      if (c >= 'A' && c <= 'F') {
        return text.toString().toLowerCase(java.util.Locale.ROOT);
      }
    }
    return text;
  }

  /** Parses a decimal written as text. */
  static BigDecimal parseDecimal(String text, Schema schema) {
    if (text.length() > 1000) {
      throw new ValueException("decimal text is longer than 1000 characters");
    }
    try {
      return decimal(new BigDecimal(text.trim()), schema);
    } catch (NumberFormatException e) {
      throw new ValueException("text is not a decimal number for " + describe(schema));
    }
  }

  /**
   * A UUID from its canonical text (RFC 4122: 36 characters, 8-4-4-4-12 hex digits). {@code
   * UUID.fromString} also takes shortened groups ({@code "1-1-1-1-1"}), which would come back from
   * {@code toJson} as other text ({@code "00000001-0001-0001-0001-000000000001"}).
   */
  static UUID parseUuid(String text) {
    if (!isCanonicalUuid(text)) {
      throw new ValueException("text is not a UUID");
    }
    return UUID.fromString(text);
  }

  private static boolean isCanonicalUuid(CharSequence text) {
    if (text.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      boolean ok =
          dash
              ? c == '-'
              : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static LocalDate date(LocalDate date) {
    long day = date.toEpochDay();
    if (day != (int) day) {
      throw new ValueException("date is outside the range of Avro's date (int days)");
    }
    return date;
  }

  static LocalDate parseDate(String text) {
    try {
      return date(LocalDate.parse(text));
    } catch (DateTimeParseException e) {
      throw new ValueException("text is not an ISO-8601 date (yyyy-MM-dd)");
    }
  }

  static LocalDate dateFromDays(long days) {
    if (days != (int) days) {
      throw new ValueException("date is outside the range of Avro's date (int days)");
    }
    return LocalDate.ofEpochDay(days);
  }

  /**
   * {@code time}, if the time type of {@code logicalName} holds it without losing digits: Avro
   * would drop what is finer than a millisecond (time-millis) or microsecond (time-micros) when the
   * record is encoded, so that a record would change on its first serialization.
   */
  static LocalTime time(LocalTime time, String logicalName) {
    long unit = TIME_MILLIS.equals(logicalName) ? NANOS_PER_MILLI : NANOS_PER_MICRO;
    if (time.getNano() % unit != 0) {
      throw new ValueException("time has more fraction digits than " + logicalName + " holds");
    }
    return time;
  }

  static LocalTime parseTime(String text, String logicalName) {
    LocalTime time;
    try {
      time = LocalTime.parse(text);
    } catch (DateTimeParseException e) {
      throw new ValueException("text is not an ISO-8601 time (HH:mm:ss[.fraction])");
    }
    return time(time, logicalName);
  }

  static LocalTime timeFromMillis(long millis) {
    if (millis < 0 || millis >= MILLIS_PER_DAY) {
      throw new ValueException("time-millis must be in [0, 86400000)");
    }
    return LocalTime.ofNanoOfDay(millis * 1_000_000L);
  }

  static LocalTime timeFromMicros(long micros) {
    if (micros < 0 || micros >= MICROS_PER_DAY) {
      throw new ValueException("time-micros must be in [0, 86400000000)");
    }
    return LocalTime.ofNanoOfDay(micros * 1_000L);
  }

  /**
   * {@code instant}, if it fits in the timestamp type of {@code logicalName} (a long) without
   * losing digits. Avro would drop what is finer than a millisecond (timestamp-millis) or
   * microsecond (timestamp-micros) when the record is encoded: a record would differ before and
   * after its first serialization (chained or not), so such a value is rejected, as a decimal with
   * too many fraction digits is, rather than truncated.
   */
  static Instant timestamp(Instant instant, String logicalName) {
    inRange(instant, logicalName);
    long unit = TIMESTAMP_MILLIS.equals(logicalName) ? NANOS_PER_MILLI : NANOS_PER_MICRO;
    if (instant.getNano() % unit != 0) {
      throw new ValueException("timestamp has more fraction digits than " + logicalName + " holds");
    }
    return instant;
  }

  /**
   * Microseconds since the epoch of {@code seconds} and {@code nanos}, as Avro's conversion counts
   * them: for negative seconds by way of {@code seconds + 1}, so that the lowest second of the long
   * range, which a multiplication first would overflow, still fits (as {@code Instant.toEpochMilli}
   * does for milliseconds).
   *
   * @throws ArithmeticException outside the long range
   */
  static long micros(long seconds, int nanos) {
    if (seconds < 0 && nanos > 0) {
      return Math.addExact(
          Math.multiplyExact(seconds + 1, MICROS_PER_SECOND), nanos / 1_000L - MICROS_PER_SECOND);
    }
    return Math.addExact(Math.multiplyExact(seconds, MICROS_PER_SECOND), nanos / 1_000L);
  }

  private static void inRange(Instant instant, String logicalName) {
    try {
      if (TIMESTAMP_MILLIS.equals(logicalName)) {
        instant.toEpochMilli();
      } else {
        micros(instant.getEpochSecond(), instant.getNano());
      }
    } catch (ArithmeticException e) {
      throw new ValueException("timestamp is outside the range of " + logicalName);
    }
  }

  static Instant parseTimestamp(String text, String logicalName) {
    try {
      return timestamp(Instant.parse(text), logicalName);
    } catch (DateTimeParseException e) {
      throw new ValueException(
          "text is not an ISO-8601 timestamp with offset (like 2024-05-01T10:15:30Z)");
    }
  }

  static Instant timestampFrom(long value, String logicalName) {
    try {
      if (TIMESTAMP_MILLIS.equals(logicalName)) {
        return Instant.ofEpochMilli(value);
      }
      return Instant.ofEpochSecond(
          Math.floorDiv(value, MICROS_PER_SECOND),
          Math.floorMod(value, MICROS_PER_SECOND) * 1_000L);
    } catch (DateTimeException e) {
      throw new ValueException("timestamp is outside the range of " + logicalName);
    }
  }

  static LocalDateTime localTimestamp(LocalDateTime value, String logicalName) {
    long unit = LOCAL_TIMESTAMP_MILLIS.equals(logicalName) ? NANOS_PER_MILLI : NANOS_PER_MICRO;
    inRange(value.toInstant(ZoneOffset.UTC), instantType(logicalName));
    if (value.getNano() % unit != 0) {
      throw new ValueException(
          "local timestamp has more fraction digits than " + logicalName + " holds");
    }
    return value;
  }

  /** The timestamp type with the precision of a local-timestamp type. */
  private static String instantType(String localTimestampType) {
    return LOCAL_TIMESTAMP_MILLIS.equals(localTimestampType) ? TIMESTAMP_MILLIS : TIMESTAMP_MICROS;
  }

  static LocalDateTime parseLocalTimestamp(String text, String logicalName) {
    try {
      return localTimestamp(LocalDateTime.parse(text), logicalName);
    } catch (DateTimeParseException e) {
      throw new ValueException(
          "text is not an ISO-8601 local date-time (like 2024-05-01T10:15:30)");
    }
  }

  static LocalDateTime localTimestampFrom(long value, String logicalName) {
    return LocalDateTime.ofInstant(timestampFrom(value, instantType(logicalName)), ZoneOffset.UTC);
  }
}
