package dev.etlkit.scd.postgres;

import static dev.etlkit.scd.postgres.OneColumnTable.fails;
import static dev.etlkit.scd.postgres.OneColumnTable.silent;
import static dev.etlkit.scd.postgres.OneColumnTable.stored;

import dev.etlkit.scd.Scd2PostgresTable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scd2PostgresTable#whyUnwritable} for values beside {@code Scd2PostgresTableLimitsTest}'s,
 * against a real PostgreSQL (embedded, one per test JVM, session time zone UTC): each value it
 * refuses fails the {@code MERGE} there (the SQLState) or is stored as another value (the text
 * stored), and each value just inside the bound is stored as itself.
 */
class Scd2PostgresTableTypesTest {

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  private static final String END = "+294276-12-31T23:59:59.999999";

  private static String lateDateTime(String type) {
    return "column 'v' holds a date-time after the end of "
        + type
        + ": rounded to the microsecond, it must be at most "
        + END;
  }

  private static String earlyDateTime(String type) {
    return "column 'v' holds a date-time before -4712-01-01T00:00 (4713 BC), which the driver"
        + " writes to "
        + type
        + " as -infinity";
  }

  private static String lateOffset(String type) {
    return "column 'v' holds an offset date-time after the end of "
        + type
        + ": rounded to the microsecond, its instant must be at most "
        + END
        + "Z";
  }

  private static String earlyOffset(String type) {
    return "column 'v' holds an offset date-time before -4712-01-01T00:00:00Z (4713 BC), which"
        + " the driver writes to "
        + type
        + " as -infinity";
  }

  private static String offset(String type) {
    return "column 'v' holds an offset date-time whose offset PostgreSQL refuses for "
        + type
        + ": it must be from -15:59:59 to +15:59:59";
  }

  private static String lateDate(String type) {
    return "column 'v' holds a date after the end of "
        + type
        + ": it must be at most +294276-12-31";
  }

  private static String earlyDate(String type) {
    return "column 'v' holds a date before -4712-01-01 (4713 BC), which the driver writes to "
        + type
        + " as -infinity";
  }

  /**
   * {@code LocalDateTime} (bound as a timestamp), {@code OffsetDateTime} (a timestamptz) and, in a
   * {@code timestamp} or {@code timestamptz} column, {@code LocalDate} (a date): the driver rounds
   * to the microsecond, past PostgreSQL's last one fails, and it writes its own infinities for what
   * is before 4713 BC and for the last half second of {@code LocalDateTime.MAX} and {@code
   * OffsetDateTime.MAX} ({@code LocalDate.MAX}), which PostgreSQL stores without complaint. An
   * offset of 16 hours or more fails.
   */
  static Stream<Arguments> dateTimes() {
    LocalDateTime last = LocalDateTime.parse("+294276-12-31T23:59:59.999999499");
    LocalDateTime first = LocalDateTime.parse("-4712-01-01T00:00");
    return Stream.of(
        stored("timestamp", last, "294276-12-31 23:59:59.999999"),
        fails("timestamp", last.plusNanos(1), "22008", lateDateTime("timestamp")),
        fails("timestamp", LocalDateTime.MAX.minusSeconds(1), "22008", lateDateTime("timestamp")),
        silent("timestamp", LocalDateTime.MAX, "infinity", lateDateTime("timestamp")),
        stored("timestamp", first, "4713-01-01 00:00:00 BC"),
        silent("timestamp", first.minusNanos(1), "-infinity", earlyDateTime("timestamp")),
        silent("timestamp", LocalDateTime.MIN, "-infinity", earlyDateTime("timestamp")),
        stored("timestamptz", last, "294276-12-31 23:59:59.999999+00"),
        fails("timestamptz", last.plusNanos(1), "22008", lateDateTime("timestamptz")),
        silent("timestamptz", LocalDateTime.MAX, "infinity", lateDateTime("timestamptz")),
        silent("timestamptz", first.minusNanos(1), "-infinity", earlyDateTime("timestamptz")),
        stored("date", last, "294276-12-31"),
        fails("date", last.plusNanos(1), "22008", lateDateTime("date")),
        silent("time", first.minusNanos(1), null, earlyDateTime("time")),
        stored(
            "timestamptz",
            OffsetDateTime.parse("+294276-12-31T23:59:59.999999499Z"),
            "294276-12-31 23:59:59.999999+00"),
        fails(
            "timestamptz",
            OffsetDateTime.parse("+294276-12-31T23:59:59.999999500Z"),
            "22008",
            lateOffset("timestamptz")),
        fails(
            "timestamptz",
            OffsetDateTime.parse("+294276-12-31T20:00:00-05:00"),
            "22008",
            lateOffset("timestamptz")),
        stored(
            "timestamptz",
            OffsetDateTime.parse("+294277-01-01T05:00:00+06:00"),
            "294276-12-31 23:00:00+00"),
        silent("timestamptz", OffsetDateTime.MAX, "infinity", lateOffset("timestamptz")),
        stored(
            "timestamptz",
            OffsetDateTime.parse("-4712-01-01T00:00:00Z"),
            "4713-01-01 00:00:00+00 BC"),
        stored(
            "timestamptz",
            OffsetDateTime.parse("-4713-12-31T23:30:00-01:00"),
            "4713-01-01 00:30:00+00 BC"),
        silent(
            "timestamptz",
            OffsetDateTime.parse("-4712-01-01T00:00:00+01:00"),
            "-infinity",
            earlyOffset("timestamptz")),
        silent(
            "timestamp",
            OffsetDateTime.parse("-4712-01-01T00:00:00+01:00"),
            "-infinity",
            earlyOffset("timestamp")),
        fails(
            "timestamp",
            OffsetDateTime.parse("+294276-12-31T23:59:59.999999500Z"),
            "22008",
            lateOffset("timestamp")),
        stored(
            "timestamptz",
            OffsetDateTime.parse("2020-01-01T00:00:00+15:59:59"),
            "2019-12-31 08:00:01+00"),
        stored(
            "timestamptz",
            OffsetDateTime.parse("2020-01-01T00:00:00-15:59:59"),
            "2020-01-01 15:59:59+00"),
        fails(
            "timestamptz",
            OffsetDateTime.parse("2020-01-01T00:00:00+16:00"),
            "22009",
            offset("timestamptz")),
        fails(
            "timestamp",
            OffsetDateTime.parse("2020-01-01T00:00:00-18:00"),
            "22009",
            offset("timestamp")),
        stored("timestamp", LocalDate.parse("+294276-12-31"), "294276-12-31 00:00:00"),
        fails("timestamp", LocalDate.parse("+294277-01-01"), "22008", lateDate("timestamp")),
        silent("timestamp", LocalDate.MAX, "infinity", lateDate("timestamp")),
        stored("timestamp", LocalDate.parse("-4712-01-01"), "4713-01-01 00:00:00 BC"),
        silent("timestamp", LocalDate.parse("-4713-12-31"), "-infinity", earlyDate("timestamp")),
        stored("timestamptz", LocalDate.parse("+294276-12-31"), "294276-12-31 00:00:00+00"),
        fails("timestamptz", LocalDate.parse("+294277-01-01"), "22008", lateDate("timestamptz")),
        silent("timestamptz", LocalDate.MAX, "infinity", lateDate("timestamptz")),
        silent(
            "timestamptz", LocalDate.parse("-4713-12-31"), "-infinity", earlyDate("timestamptz")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dateTimes")
  void whyUnwritable_dateTimeOutOfItsColumnsRange_isNamed_andFailsOrChangesInTheDatabase(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    check(type, value, outcome, reason);
  }

  private static String floats(String type, String range) {
    return "column 'v' holds a number out of the range of "
        + type
        + ": rounded to "
        + (range.startsWith("1.4") ? "real" : "double precision")
        + ", a value other than 0 must be from "
        + range
        + " in absolute value";
  }

  private static final String DOUBLE_RANGE = "4.9E-324 to 1.7976931348623157E308";
  private static final String REAL_RANGE = "1.4E-45 to 3.4028235E38";

  /**
   * A {@code BigDecimal} (bound as numeric) or {@code BigInteger} (its text) in a floating-point
   * column: PostgreSQL rounds its decimal text to the nearest double or real (half to even) and
   * fails when that is an infinity or, for a value other than 0, 0 (22003); a subnormal is kept.
   */
  static Stream<Arguments> floats() {
    BigInteger twoTo1024 = BigInteger.ONE.shiftLeft(1024);
    BigInteger halfwayToInfinity = twoTo1024.subtract(BigInteger.ONE.shiftLeft(970));
    String dp = "double precision";
    return Stream.of(
        stored(dp, new BigDecimal("1.7976931348623158e308"), "1.7976931348623157e+308"),
        fails(dp, new BigDecimal("1.797693134862315808e308"), "22003", floats(dp, DOUBLE_RANGE)),
        fails(dp, new BigDecimal("-1e309"), "22003", floats(dp, DOUBLE_RANGE)),
        stored(dp, new BigDecimal("2.4703282292062328e-324"), "5e-324"),
        fails(dp, new BigDecimal("2.4703282292062327e-324"), "22003", floats(dp, DOUBLE_RANGE)),
        fails(dp, new BigDecimal("-1e-400"), "22003", floats(dp, DOUBLE_RANGE)),
        stored(dp, new BigDecimal("0e-400"), "0"),
        stored(dp, new BigDecimal("1e-320"), "1e-320"),
        stored(dp, halfwayToInfinity.subtract(BigInteger.ONE), "1.7976931348623157e+308"),
        fails(dp, halfwayToInfinity, "22003", floats(dp, DOUBLE_RANGE)),
        fails("float8", new BigDecimal("1e309"), "22003", floats("float8", DOUBLE_RANGE)),
        fails("float", new BigDecimal("1e309"), "22003", floats("float", DOUBLE_RANGE)),
        fails("float(25)", new BigDecimal("1e309"), "22003", floats("float(25)", DOUBLE_RANGE)),
        stored("real", new BigDecimal("340282356779733661637539395458142568447"), "3.4028235e+38"),
        fails(
            "real",
            new BigDecimal("340282356779733661637539395458142568448"),
            "22003",
            floats("real", REAL_RANGE)),
        stored("real", new BigDecimal("7.1e-46"), "1e-45"),
        fails("real", new BigDecimal("1e-46"), "22003", floats("real", REAL_RANGE)),
        fails("real", new BigDecimal("-1e-400"), "22003", floats("real", REAL_RANGE)),
        fails("real", new BigDecimal("1e400"), "22003", floats("real", REAL_RANGE)),
        fails("float(24)", BigInteger.TEN.pow(400), "22003", floats("float(24)", REAL_RANGE)),
        fails("float4", BigInteger.TEN.pow(39), "22003", floats("float4", REAL_RANGE)),
        stored("real", BigInteger.TEN.pow(38), "1e+38"),
        stored("numeric", new BigDecimal("1e309"), "1" + "0".repeat(309)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("floats")
  void whyUnwritable_decimalOutOfAFloatColumnsRange_isNamed_andFailsInTheDatabase(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    check(type, value, outcome, reason);
  }

  private static String digits(String type, int length) {
    return "column 'v' holds a number whose text is longer than "
        + length
        + (length == 1 ? " character" : " characters")
        + ", the length of "
        + type;
  }

  /**
   * A number in a {@code varchar(n)} or {@code char(n)} column: its parameter is cast to {@code
   * text}, as PostgreSQL writes the number (a {@code BigDecimal} as plain digits with its scale),
   * and more than n characters fail the assignment (22001).
   */
  static Stream<Arguments> numbersAsText() {
    String v5 = "varchar(5)";
    return Stream.of(
        stored(v5, 12345L, "12345"),
        fails(v5, 123456L, "22001", digits(v5, 5)),
        fails(v5, 12345678901234567L, "22001", digits(v5, 5)),
        fails(v5, Long.MIN_VALUE, "22001", digits(v5, 5)),
        stored(v5, -1234, "-1234"),
        fails(v5, -12345, "22001", digits(v5, 5)),
        stored(v5, (short) -1234, "-1234"),
        fails(v5, (short) -32768, "22001", digits(v5, 5)),
        stored(v5, (byte) -123, "-123"),
        fails("varchar(3)", (byte) -123, "22001", digits("varchar(3)", 3)),
        stored(v5, new BigDecimal("1.500"), "1.500"),
        fails(v5, new BigDecimal("1.5000"), "22001", digits(v5, 5)),
        stored(v5, new BigDecimal("1E+4"), "10000"),
        fails(v5, new BigDecimal("1E+5"), "22001", digits(v5, 5)),
        stored(v5, new BigDecimal("0.001"), "0.001"),
        fails(v5, new BigDecimal("0.0001"), "22001", digits(v5, 5)),
        stored(v5, new BigDecimal("-0.01"), "-0.01"),
        fails(v5, new BigDecimal("-0.001"), "22001", digits(v5, 5)),
        stored(v5, new BigDecimal("0E-3"), "0.000"),
        stored(v5, new BigDecimal("0E+9"), "0"),
        stored(v5, BigInteger.valueOf(12345), "12345"),
        fails(v5, BigInteger.valueOf(-12345), "22001", digits(v5, 5)),
        fails(v5, BigInteger.TEN.pow(40), "22001", digits(v5, 5)),
        stored("char(5)", 12345L, "12345"),
        fails("char(5)", 123456L, "22001", digits("char(5)", 5)),
        fails("char", 10, "22001", digits("char", 1)),
        stored("varchar(5)[]", List.of(12345L), "{12345}"),
        fails(
            "varchar(5)[]",
            List.of(1L, 123456L),
            "22001",
            "column 'v', element 1, holds a number whose text is longer than 5 characters, the"
                + " length of varchar(5)"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("numbersAsText")
  void whyUnwritable_numberLongerThanItsTextColumn_isNamed_andFailsInTheDatabase(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    check(type, value, outcome, reason);
  }

  private static void check(String type, Object value, String outcome, @Nullable String reason)
      throws Exception {
    OneColumnTable.check(DATABASE, type, value, outcome, reason);
  }
}
