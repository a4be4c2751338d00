package dev.etlkit.scd.postgres;

import static dev.etlkit.scd.postgres.OneColumnTable.fails;
import static dev.etlkit.scd.postgres.OneColumnTable.silent;
import static dev.etlkit.scd.postgres.OneColumnTable.stored;

import dev.etlkit.scd.Scd2PostgresTable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scd2PostgresTable#whyUnwritable} for values the driver or the table sends as text in a
 * format PostgreSQL parses (a map as {@code hstore}, JSON into {@code jsonb}, the ISO-8601 text of
 * {@code java.time} elements of an array, a boolean as text) and for a {@code ZonedDateTime},
 * against a real PostgreSQL (embedded, one per test JVM, session time zone UTC): each value it
 * refuses fails the {@code MERGE} there, and each value just inside the rule is stored as itself.
 */
class Scd2PostgresTableFormatsTest {

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  private static String nulInMap(String part) {
    return "column 'v' holds a map with a NUL character (U+0000) in "
        + part
        + ", which PostgreSQL cannot store in text";
  }

  /**
   * A {@code Map} is bound as {@code hstore}, its keys' and values' text, whatever the column's
   * type: a NUL in a key or a value fails the statement (22021), as in any text.
   */
  static Stream<Arguments> maps() {
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("a", null);
    Map<String, String> sorted = new TreeMap<>(Map.of("a", "b", "c", "d\0"));
    return Stream.of(
        stored("hstore", Map.of("a", "b"), "\"a\"=>\"b\""),
        stored("hstore", nullValue, "\"a\"=>NULL"),
        stored("hstore", Map.of('a', 1), "\"a\"=>\"1\""),
        fails("hstore", Map.of("a\0", "b"), "22021", nulInMap("a key")),
        fails("hstore", Map.of("a", "b\0"), "22021", nulInMap("a value")),
        fails("hstore", Map.of("a", '\0'), "22021", nulInMap("a value")),
        fails("hstore", sorted, "22021", nulInMap("a value")),
        fails("text", Map.of("a", "\0"), "22021", nulInMap("a value")),
        fails("jsonb", Map.of("\0", "b"), "22021", nulInMap("a key")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("maps")
  void whyUnwritable_mapWithANulInAKeyOrValue_isNamed_andFailsInTheDatabase(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    OneColumnTable.check(DATABASE, type, value, outcome, reason);
  }

  private static String nulEscape(int at) {
    return "column 'v' holds the JSON escape \\u0000 (a NUL character) at index "
        + at
        + ", which PostgreSQL cannot store in jsonb";
  }

  /**
   * JSON into {@code jsonb}: the escape <code>&#92;u0000</code> (a backslash that is not itself
   * escaped, so an odd number of them, then {@code u0000}), in a key or a value, fails the
   * statement (22P05); an escaped backslash before {@code u0000} is text, stored as such, and
   * {@code json} keeps the escape as written. A raw NUL fails as in any text (22021).
   */
  static Stream<Arguments> json() {
    return Stream.of(
        fails("jsonb", "{\"a\":\"\\u0000\"}", "22P05", nulEscape(6)),
        fails("jsonb", "{\"\\u0000\":1}", "22P05", nulEscape(2)),
        fails("jsonb", "[\"x\\u00000\"]", "22P05", nulEscape(3)),
        fails("jsonb", "{\"a\":\"\\\\\\u0000\"}", "22P05", nulEscape(8)),
        stored("jsonb", "{\"a\":\"\\\\u0000\"}", "{\"a\": \"\\\\u0000\"}"),
        stored("jsonb", "{\"a\":\"\\\\\\\\u0000\"}", "{\"a\": \"\\\\\\\\u0000\"}"),
        stored("jsonb", "{\"a\":\"\\u0001\"}", "{\"a\": \"\\u0001\"}"),
        stored("json", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\u0000\"}"),
        fails(
            "jsonb",
            "{\"a\":\"\0\"}",
            "22021",
            "column 'v' holds a NUL character (U+0000) at index 6, which PostgreSQL cannot store"
                + " in text"),
        stored("jsonb[]", List.of("\"\\\\u0000\""), "{\"\\\"\\\\\\\\u0000\\\"\"}"),
        fails(
            "jsonb[]",
            List.of("{}", "\"\\u0000\""),
            "22P05",
            "column 'v', element 1, holds the JSON escape \\u0000 (a NUL character) at index 1,"
                + " which PostgreSQL cannot store in jsonb"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("json")
  void whyUnwritable_jsonbWithTheEscapeOfANul_isNamed_andFailsInTheDatabase(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    OneColumnTable.check(DATABASE, type, value, outcome, reason);
  }

  private static String year(String type) {
    return "column 'v', element 0, holds a date or date-time whose ISO-8601 text has a year outside"
        + " 1 to 9999, which PostgreSQL does not parse as "
        + type;
  }

  private static String offset(String type) {
    return "column 'v', element 0, holds an offset date-time whose offset PostgreSQL refuses for "
        + type
        + ": it must be from -15:59:59 to +15:59:59";
  }

  private static String time(String type) {
    return "column 'v', element 0, holds a date or date-time, whose ISO-8601 text PostgreSQL does"
        + " not parse as "
        + type
        + " (a LocalTime's or an OffsetTime's it does)";
  }

  /**
   * The {@code java.time} elements of an array go as their ISO-8601 text, which the element type
   * parses: with a year of four digits only ({@code +10000-01-01} fails with 22009, year {@code
   * 0000} with 22008, a negative year with 22007), so by the year in the text (an offset
   * date-time's own, not its instant's); an offset of 16 hours or more fails (22009); and a {@code
   * time} or {@code timetz} takes no date (22007).
   */
  static Stream<Arguments> dateTimeArrays() {
    String tz = "timestamptz[]";
    return Stream.of(
        stored(
            tz,
            List.of(Instant.parse("9999-12-31T23:59:59.999999Z")),
            ts("9999-12-31 23:59:59.999999+00")),
        fails(tz, List.of(Instant.parse("+10000-01-01T00:00:00Z")), "22009", year("timestamptz")),
        stored(tz, List.of(Instant.parse("0001-01-01T00:00:00Z")), ts("0001-01-01 00:00:00+00")),
        fails(tz, List.of(Instant.parse("0000-12-31T23:59:59Z")), "22008", year("timestamptz")),
        fails(tz, List.of(Instant.parse("-0001-06-01T00:00:00Z")), "22007", year("timestamptz")),
        stored(
            tz,
            List.of(OffsetDateTime.parse("9999-12-31T23:00:00-05:00")),
            ts("10000-01-01 04:00:00+00")),
        fails(
            tz,
            List.of(OffsetDateTime.parse("+10000-01-01T00:00:00+05:00")),
            "22009",
            year("timestamptz")),
        stored(
            tz,
            List.of(OffsetDateTime.parse("0001-01-01T00:00:00+01:00")),
            ts("0001-12-31 23:00:00+00 BC")),
        stored(
            tz,
            List.of(OffsetDateTime.parse("2020-01-01T00:00:00+15:59:59")),
            ts("2019-12-31 08:00:01+00")),
        fails(
            tz,
            List.of(OffsetDateTime.parse("2020-01-01T00:00:00-16:00")),
            "22009",
            offset("timestamptz")),
        fails(
            "timestamp[]",
            List.of(OffsetDateTime.parse("2020-01-01T00:00:00+16:00")),
            "22009",
            offset("timestamp")),
        fails(
            "date[]",
            List.of(OffsetDateTime.parse("2020-01-01T00:00:00+16:00")),
            "22009",
            offset("date")),
        stored(
            "timestamp[]",
            List.of(LocalDateTime.parse("9999-12-31T23:59:59")),
            ts("9999-12-31 23:59:59")),
        fails(
            "timestamp[]",
            List.of(LocalDateTime.parse("+10000-01-01T00:00")),
            "22009",
            year("timestamp")),
        fails(
            "timestamp(3) without time zone[]",
            List.of(LocalDateTime.parse("0000-01-01T00:00")),
            "22008",
            year("timestamp(3) without time zone")),
        stored("date[]", List.of(LocalDate.parse("9999-12-31")), "{9999-12-31}"),
        stored("date[]", List.of(LocalDate.parse("0001-01-01")), "{0001-01-01}"),
        fails("date[]", List.of(LocalDate.parse("+10000-01-01")), "22009", year("date")),
        fails("date[]", List.of(LocalDate.parse("0000-01-01")), "22008", year("date")),
        fails("date[]", List.of(LocalDate.parse("-0001-01-01")), "22007", year("date")),
        fails(
            "timestamp with time zone[]",
            List.of(LocalDate.parse("+10000-01-01")),
            "22009",
            year("timestamp with time zone")),
        stored(
            "text[]", List.of(Instant.parse("+10000-01-01T00:00:00Z")), "{+10000-01-01T00:00:00Z}"),
        stored("time[]", List.of(LocalTime.parse("23:00")), "{23:00:00}"),
        fails("time[]", List.of(Instant.parse("2020-01-01T23:00:00Z")), "22007", time("time")),
        fails("time[]", List.of(LocalDateTime.parse("2020-01-01T23:00")), "22007", time("time")),
        fails(
            "time(3)[]",
            List.of(OffsetDateTime.parse("2020-01-01T23:00+01:00")),
            "22007",
            time("time(3)")),
        fails("time[]", List.of(LocalDate.parse("2020-01-01")), "22007", time("time")),
        stored("timetz[]", List.of(OffsetTime.parse("23:00+01:00")), "{23:00:00+01}"),
        fails("timetz[]", List.of(Instant.parse("2020-01-01T23:00:00Z")), "22007", time("timetz")),
        fails(
            "time with time zone[]",
            List.of(LocalDate.parse("2020-01-01")),
            "22007",
            time("time with time zone")));
  }

  /** A one-element array's text: quoted, as its element holds a space. */
  private static String ts(String element) {
    return "{\"" + element + "\"}";
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dateTimeArrays")
  void whyUnwritable_dateTimeElementItsArrayDoesNotParse_isNamed_andFailsInTheDatabase(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    OneColumnTable.check(DATABASE, type, value, outcome, reason);
  }

  private static String booleanText(String type, int length) {
    return "column 'v' holds a boolean whose text is longer than "
        + length
        + (length == 1 ? " character" : " characters")
        + ", the length of "
        + type;
  }

  /**
   * A {@code Boolean} in a {@code varchar(n)} or {@code char(n)} column: its parameter is cast to
   * {@code text}, {@code true} or {@code false}, and more than n characters fail the assignment
   * (22001).
   */
  static Stream<Arguments> booleans() {
    return Stream.of(
        stored("varchar(5)", false, "false"),
        fails("varchar(4)", false, "22001", booleanText("varchar(4)", 4)),
        stored("varchar(4)", true, "true"),
        fails("varchar(3)", true, "22001", booleanText("varchar(3)", 3)),
        stored("char(5)", false, "false"),
        fails("char", true, "22001", booleanText("char", 1)),
        stored("text", false, "false"),
        fails(
            "varchar(4)[]",
            List.of(true, false),
            "22001",
            "column 'v', element 1, holds a boolean whose text is longer than 4 characters, the"
                + " length of varchar(4)"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("booleans")
  void whyUnwritable_booleanLongerThanItsTextColumn_isNamed_andFailsInTheDatabase(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    OneColumnTable.check(DATABASE, type, value, outcome, reason);
  }

  private static String zoned(String type, String rule) {
    return "column 'v' holds a zoned date-time " + rule + type;
  }

  private static final String END = "+294276-12-31T23:59:59.999999Z";

  /**
   * A {@code ZonedDateTime} is bound as the {@code OffsetDateTime} it denotes (the driver infers no
   * SQL type for it, 07006), so it is stored as the same instant, with an offset date-time's rules;
   * in an array it goes as that offset date-time's ISO-8601 text (its own text, with the zone's
   * name, no element type parses: 22007).
   */
  static Stream<Arguments> zonedDateTimes() {
    ZonedDateTime paris = ZonedDateTime.parse("2020-01-01T23:00:00+01:00[Europe/Paris]");
    ZonedDateTime parisSummer = ZonedDateTime.parse("2020-07-01T12:00:00+02:00[Europe/Paris]");
    String late = "after the end of ";
    String early = "before -4712-01-01T00:00:00Z (4713 BC), which the driver writes to ";
    return Stream.of(
        stored("timestamptz", paris, "2020-01-01 22:00:00+00"),
        stored("timestamptz", parisSummer, "2020-07-01 10:00:00+00"),
        stored("timestamp", paris, "2020-01-01 22:00:00"),
        stored("date", paris, "2020-01-01"),
        stored("text", paris, "2020-01-01 22:00:00+00"),
        stored(
            "timestamptz",
            ZonedDateTime.parse("+294276-12-31T23:59:59.999999499Z"),
            "294276-12-31 23:59:59.999999+00"),
        fails(
            "timestamptz",
            ZonedDateTime.parse("+294276-12-31T23:59:59.999999500Z"),
            "22008",
            zoned("timestamptz", late)
                .concat(": rounded to the microsecond, its instant must be at most " + END)),
        stored(
            "timestamptz",
            ZonedDateTime.parse("-4712-01-01T00:00:00Z"),
            "4713-01-01 00:00:00+00 BC"),
        silent(
            "timestamptz",
            ZonedDateTime.parse("-4712-01-01T00:00:00+01:00"),
            "-infinity",
            zoned("timestamptz", early).concat(" as -infinity")),
        stored(
            "timestamptz",
            ZonedDateTime.of(LocalDateTime.parse("2020-01-01T00:00"), ZoneOffset.ofHours(-15)),
            "2020-01-01 15:00:00+00"),
        fails(
            "timestamptz",
            ZonedDateTime.of(LocalDateTime.parse("2020-01-01T00:00"), ZoneOffset.ofHours(16)),
            "22009",
            "column 'v' holds a zoned date-time whose offset PostgreSQL refuses for timestamptz: it"
                + " must be from -15:59:59 to +15:59:59"),
        stored(
            "timestamptz[]",
            List.of(paris, parisSummer),
            "{\"2020-01-01 22:00:00+00\",\"2020-07-01 10:00:00+00\"}"),
        fails(
            "timestamptz[]",
            List.of(ZonedDateTime.parse("+10000-01-01T00:00:00+01:00[Europe/Paris]")),
            "22009",
            year("timestamptz")),
        fails(
            "timestamptz[]",
            List.of(
                ZonedDateTime.of(LocalDateTime.parse("2020-01-01T00:00"), ZoneOffset.ofHours(17))),
            "22009",
            "column 'v', element 0, holds a zoned date-time whose offset PostgreSQL refuses for"
                + " timestamptz: it must be from -15:59:59 to +15:59:59"),
        fails("time[]", List.of(paris), "22007", time("time")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("zonedDateTimes")
  void zonedDateTime_isWrittenAsTheOffsetDateTimeItDenotes_andChecked(
      String type, Object value, String outcome, @Nullable String reason) throws Exception {
    OneColumnTable.check(DATABASE, type, value, outcome, reason);
  }
}
