package dev.etlkit.scd.postgres;

import static dev.etlkit.scd.postgres.OneColumnTable.fails;
import static dev.etlkit.scd.postgres.OneColumnTable.stored;

import dev.etlkit.scd.Scd2PostgresTable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scd2PostgresTable#whyUnwritable} for values the driver or the table sends as text in a
 * format PostgreSQL parses (a map as {@code hstore}, JSON into {@code jsonb}), against a real
 * PostgreSQL (embedded, started by the test, session time zone UTC): each value it refuses fails
 * the {@code MERGE} there, and each value just inside the rule is stored as itself.
 */
class Scd2PostgresTableFormatsTest {

  @Nullable private static EmbeddedPostgres postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

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
    OneColumnTable.check(postgres, type, value, outcome, reason);
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
    OneColumnTable.check(postgres, type, value, outcome, reason);
  }
}
