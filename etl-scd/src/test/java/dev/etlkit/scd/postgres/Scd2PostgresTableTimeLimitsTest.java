package dev.etlkit.scd.postgres;

import static dev.etlkit.scd.postgres.LimitsTable.check;
import static dev.etlkit.scd.postgres.LimitsTable.merge;
import static dev.etlkit.scd.postgres.LimitsTable.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.postgres.OneColumnTable.Value;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scd2PostgresTable#whyUnwritable} for instants and dates against a real PostgreSQL
 * (embedded, one per test JVM), beside {@code Scd2PostgresTableLimitsTest}'s text and numbers: each
 * instant or date it refuses for a {@code timestamp}, {@code timestamptz}, {@code date} or {@code
 * time} column fails the {@code MERGE} there or is written as {@code -infinity}, and each one just
 * inside the bound is written; the version columns need no check.
 */
class Scd2PostgresTableTimeLimitsTest {

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  private static String instants(String type) {
    return "column 'v' holds an instant after the end of "
        + type
        + ": rounded to the microsecond, it must be at most +294276-12-31T23:59:59.999999Z";
  }

  /**
   * An instant is bound as its date and time in UTC, to the microsecond (the driver rounds half a
   * microsecond up); PostgreSQL's timestamps end with 294276 AD. (Their start, 4714 BC, is never
   * reached: the driver sends an instant before 4713 BC as {@code -infinity}, see {@link
   * #earlyInstants}.)
   */
  static Stream<Arguments> instants() {
    return Stream.of(
        written("timestamptz", Instant.parse("+294276-12-31T23:59:59.999999499Z")),
        timestamp(
            "timestamptz",
            Instant.parse("+294276-12-31T23:59:59.999999500Z"),
            instants("timestamptz")),
        timestamp("timestamptz", Instant.parse("+294277-01-01T00:00:00Z"), instants("timestamptz")),
        written("timestamp", Instant.parse("+294276-12-31T23:59:59.999999Z")),
        timestamp("timestamp", Instant.parse("+294277-01-01T00:00:00Z"), instants("timestamp")),
        timestamp(
            "timestamp(3) with time zone",
            Instant.parse("+300000-01-01T00:00:00Z"),
            instants("timestamp(3) with time zone")),
        timestamp(
            "timestamp without time zone",
            Instant.parse("+294277-01-01T00:00:00Z"),
            instants("timestamp without time zone")),
        written("timestamptz(3)", Instant.parse("+294276-12-31T23:59:59Z")),
        timestamp(
            "timestamptz(3)",
            Instant.parse("+294277-01-01T00:00:00Z"),
            instants("timestamptz(3)")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("instants")
  void whyUnwritable_instantOutOfItsColumnsRange_isNamed_andWouldHaveFailedTheStatement(
      String type, Object value, @Nullable String reason, @Nullable String sqlState)
      throws Exception {
    check(DATABASE, type, value, reason, sqlState);
  }

  /**
   * {@code valid_from} and {@code valid_to} need no check of their own: they are effective times of
   * the SCD2 step (or its {@code validToCurrent}, bounded alike), which makes a change effective
   * outside {@link Scd2#MIN_EFFECTIVE_TIME} … {@link Scd2#MAX_EFFECTIVE_TIME} a dead letter ({@code
   * Scd2EffectiveTimeRangeTest}), far inside PostgreSQL's range (4713 BC to 294276 AD, the driver's
   * -infinity before 4713 BC): both ends are stored as themselves, whatever the session's time
   * zone.
   */
  @Test
  void versionTimes_atTheEndsOfTheScd2StepsRange_areStoredAsThemselves() throws Exception {
    Scd2PostgresTable<Value> table = Scd2PostgresTable.named("limits", "id");
    long min = Scd2.MIN_EFFECTIVE_TIME.toEpochMilli();
    long max = Scd2.MAX_EFFECTIVE_TIME.toEpochMilli();
    Value entity = new Value("k1", null);
    try (Connection db = DATABASE.connect()) {
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'Pacific/Kiritimati'");
        statement.execute("DROP TABLE IF EXISTS limits");
        statement.execute(table.createTableSql());
      }
      merge(db, table, Change.insert(Scd2Row.of("k1", entity, min, max, false, 1, false)));
      merge(db, table, Change.insert(Scd2Row.of("k1", entity, max, null, true, 2, false)));
      List<String> stored = new ArrayList<>();
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'UTC'");
        try (ResultSet rs =
            statement.executeQuery(
                "SELECT valid_from::text, coalesce(valid_to::text, 'open'),"
                    + " (extract(epoch from valid_from) * 1000)::bigint"
                    + " FROM limits ORDER BY valid_from")) {
          while (rs.next()) {
            stored.add(rs.getString(1) + " .. " + rs.getString(2) + " = " + rs.getLong(3));
          }
        }
      }
      assertThat(stored)
          .containsExactly(
              "0001-01-01 00:00:00+00 .. 9999-12-31 23:59:59.999+00 = " + min,
              "9999-12-31 23:59:59.999+00 .. open = " + max);
    }
  }

  private static Arguments timestamp(String type, Object value, String reason) {
    return Arguments.of(type, value, reason, "22008");
  }

  private static String early(String type) {
    return "column 'v' holds an instant before -4712-01-01T00:00:00Z (4713 BC), which the driver"
        + " writes to "
        + type
        + " as -infinity";
  }

  /**
   * Instants before 4713 BC: the driver (pgjdbc) sends them as {@code -infinity}, which PostgreSQL
   * stores without complaint: no failure, but a version whose value is not the entity's. The check
   * refuses them; the first instant the driver sends as itself is written as itself.
   */
  static Stream<Arguments> earlyInstants() {
    Instant first = Instant.parse("-4712-01-01T00:00:00Z");
    Instant before = first.minusNanos(1_000);
    return Stream.of(
        Arguments.of("timestamptz", first, "4713-01-01 00:00:00+00 BC", null),
        Arguments.of("timestamptz", before, "-infinity", early("timestamptz")),
        Arguments.of("timestamp", first, "4713-01-01 00:00:00 BC", null),
        Arguments.of("timestamp", before, "-infinity", early("timestamp")),
        Arguments.of("date", first, "4713-01-01 BC", null),
        Arguments.of("date", before, "-infinity", early("date")),
        Arguments.of("date", LocalDate.parse("-4712-01-01"), "4713-01-01 BC", null),
        Arguments.of(
            "date",
            LocalDate.parse("-4713-12-31"),
            "-infinity",
            "column 'v' holds a date before -4712-01-01 (4713 BC), which the driver writes to"
                + " date as -infinity"),
        Arguments.of("date", LocalDate.MAX, "infinity", LATE_DATE),
        Arguments.of("time", first, "00:00:00", null),
        Arguments.of("time", before, null, early("time")));
  }

  private static final String LATE_DATE =
      "column 'v' holds a date after the end of date: it must be at most +5874897-12-31";

  /**
   * A {@code date} or {@code time} column's {@code Instant} goes as its UTC date and time, a
   * timestamp, so it has a timestamp's end (and its start, {@link #earlyInstants}); a {@code
   * LocalDate} goes as a date, which ends with 5874897 AD (but {@code LocalDate.MAX}, which the
   * driver writes as {@code infinity}).
   */
  static Stream<Arguments> dates() {
    return Stream.of(
        written("date", Instant.parse("+294276-12-31T23:59:59.999999Z")),
        timestamp("date", Instant.parse("+294277-01-01T00:00:00Z"), instants("date")),
        timestamp("date", Instant.parse("+5874898-01-01T00:00:00Z"), instants("date")),
        written("time", Instant.parse("+294276-12-31T23:59:59.999999Z")),
        timestamp("time", Instant.parse("+294277-01-01T00:00:00Z"), instants("time")),
        timestamp(
            "time(3) without time zone",
            Instant.parse("+294277-01-01T00:00:00Z"),
            instants("time(3) without time zone")),
        written("timetz", Instant.parse("+294277-01-01T00:00:00Z")),
        written("date", LocalDate.parse("+5874897-12-31")),
        timestamp("date", LocalDate.parse("+5874898-01-01"), LATE_DATE));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dates")
  void whyUnwritable_dateOrTimeOutOfItsColumnsRange_isNamed_andWouldHaveFailedTheStatement(
      String type, Object value, @Nullable String reason, @Nullable String sqlState)
      throws Exception {
    check(DATABASE, type, value, reason, sqlState);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("earlyInstants")
  void whyUnwritable_instantTheDriverWritesAsMinusInfinity_isNamed(
      String type, Object value, @Nullable String stored, @Nullable String reason)
      throws Exception {
    Scd2PostgresTable<Value> table =
        Scd2PostgresTable.<Value>named("limits", "id").withColumn("v", type, Value::v);
    Value entity = new Value("k1", value);
    try (Connection db = DATABASE.connect()) {
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'UTC'");
        statement.execute("DROP TABLE IF EXISTS limits");
        statement.execute(table.createTableSql());
      }
      merge(db, table, Change.insert(Scd2Row.of("k1", entity, 1_000L, null, true, 1, false)));
      try (Statement statement = db.createStatement();
          ResultSet rs = statement.executeQuery("SELECT v::text FROM limits")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(stored);
      }
    }
    assertThat(table.whyUnwritable("k1", entity)).isEqualTo(reason);
  }
}
