package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Account;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scd2PostgresTable}'s {@code MERGE} and binding run one change at a time on a real
 * PostgreSQL (embedded, one per test JVM): how attribute values land in their columns.
 */
class Scd2PostgresTableDatabaseTest {

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

  @Test
  void tooLongValue_forALengthLimitedColumn_failsTheStatementRatherThanTruncating()
      throws Exception {
    Scd2PostgresTable<Account> table =
        Scd2PostgresTable.<Account>named("limited", "account_id")
            .withColumn("plan", "varchar(3)", Account::plan)
            .withColumn("note", "char(2)", Account::note);
    try (Connection db = connect()) {
      create(db, table);
      merge(db, table, Change.insert(version(new Account("a1", "pro", "x", "ok"))));

      assertThatThrownBy(
              () -> merge(db, table, Change.insert(version(new Account("a1", "basic", "x", "ok")))))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("value too long for type character varying(3)");
      assertThatThrownBy(
              () -> merge(db, table, Change.insert(version(new Account("a1", "pro", "x", "long")))))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("value too long for type character(2)");
      assertThat(select(db, "SELECT plan || '/' || note FROM limited")).containsExactly("pro/ok");
    }
  }

  /** A membership tier, stored as its name in a {@code text} column. */
  enum Tier {
    BASIC,
    GOLD
  }

  /** An entity with an enum attribute. */
  record Member(String id, Tier tier) {}

  @Test
  void enumValue_isStoredAsItsName() throws Exception {
    Scd2PostgresTable<Member> table =
        Scd2PostgresTable.<Member>named("members", "member_id")
            .withColumn("tier", "text", Member::tier);
    try (Connection db = connect()) {
      create(db, table);
      Member gold = new Member("m1", Tier.GOLD);
      merge(db, table, Change.insert(Scd2Row.of("m1", gold, 1_000L, null, true, 1, false)));

      assertThat(select(db, "SELECT tier FROM members")).containsExactly("GOLD");
    }
  }

  /** An entity with lists of date-time values. */
  record Visits(String id, List<Instant> at, List<LocalDate> days, List<LocalTime> opens) {}

  /**
   * The driver binds no array of {@code java.time} values, so without help every statement with
   * such a list failed, and the job restarted on it forever.
   */
  @Test
  void listsOfDateTimeValues_intoArrayColumns_areStored() throws Exception {
    Scd2PostgresTable<Visits> table =
        Scd2PostgresTable.<Visits>named("visits", "visitor_id")
            .withColumn("at", "timestamptz[]", Visits::at)
            .withColumn("days", "date[]", Visits::days)
            .withColumn("opens", "time[]", Visits::opens);
    try (Connection db = connect()) {
      create(db, table);
      Visits visits =
          new Visits(
              "v1",
              Arrays.asList(Instant.parse("2024-01-01T02:30:00.123Z"), null),
              List.of(LocalDate.of(2024, 2, 29)),
              List.of(LocalTime.of(9, 30, 15)));
      merge(db, table, Change.insert(Scd2Row.of("v1", visits, 1_000L, null, true, 1, false)));

      assertThat(
              select(
                  db,
                  "SELECT (at[1] AT TIME ZONE 'UTC')::text || ' ' || (at[2] IS NULL)"
                      + " || ' ' || days::text || ' ' || opens::text FROM visits"))
          .containsExactly("2024-01-01 02:30:00.123 true {2024-02-29} {09:30:15}");
    }
  }

  /** An entity with list attributes, as Flink POJOs and records often have. */
  record Tagged(String id, List<String> tags, List<Integer> scores, List<Tier> tiers) {}

  @Test
  void listValues_intoArrayColumns_areStoredAsArrays() throws Exception {
    Scd2PostgresTable<Tagged> table =
        Scd2PostgresTable.<Tagged>named("tagged", "tagged_id")
            .withColumn("tags", "text[]", Tagged::tags)
            .withColumn("scores", "integer[]", Tagged::scores)
            .withColumn("tiers", "varchar(8)[]", Tagged::tiers);
    try (Connection db = connect()) {
      create(db, table);
      Tagged full =
          new Tagged("t1", List.of("a", "b,c"), Arrays.asList(3, null, 5), List.of(Tier.GOLD));
      Tagged empty = new Tagged("t2", List.of(), List.of(), List.of());
      merge(db, table, Change.insert(Scd2Row.of("t1", full, 1_000L, null, true, 1, false)));
      merge(db, table, Change.insert(Scd2Row.of("t2", empty, 1_000L, null, true, 1, false)));

      assertThat(
              select(
                  db,
                  "SELECT tags::text || ' ' || scores::text || ' ' || tiers::text"
                      + " || ' ' || pg_typeof(scores) FROM tagged ORDER BY tagged_id"))
          .containsExactly("{a,\"b,c\"} {3,NULL,5} {GOLD} integer[]", "{} {} {} integer[]");
    }
  }

  /**
   * The driver sets the session's time zone to the JVM's default when it connects, so a
   * TaskManager's time zone must not reach the values: an instant is written as UTC into columns
   * without a zone too, as the Javadoc says ("an Instant is bound as an OffsetDateTime in UTC").
   */
  @Test
  void instant_intoColumnsWithAndWithoutZone_isUtc_whateverTheSessionTimeZone() throws Exception {
    Instant at = Instant.parse("2024-01-01T02:30:00Z");
    Scd2PostgresTable<Account> table =
        Scd2PostgresTable.<Account>named("instants", "account_id")
            .withColumn("zoned", "timestamptz", account -> at)
            .withColumn("local", "timestamp", account -> at)
            .withColumn("day", "date", account -> at);
    try (Connection db = connect()) {
      create(db, table);
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'America/New_York'");
      }
      merge(db, table, Change.insert(version(new Account("a1", "pro", "x", "n"))));
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'UTC'");
      }

      assertThat(select(db, "SELECT zoned || ' ' || local || ' ' || day FROM instants"))
          .containsExactly("2024-01-01 02:30:00+00 2024-01-01 02:30:00 2024-01-01");
    }
  }

  /**
   * A time of day without or with a zone takes an instant's UTC time too, not the one in the
   * session's (the TaskManager's) time zone: the same change lands alike on every TaskManager.
   */
  @Test
  void instant_intoTimeColumnsWithAndWithoutZone_isUtc_whateverTheSessionTimeZone()
      throws Exception {
    Instant at = Instant.parse("2024-01-01T02:30:00Z");
    Scd2PostgresTable<Account> table =
        Scd2PostgresTable.<Account>named("times", "account_id")
            .withColumn("local", "time", account -> at)
            .withColumn("precise", "time(3)", account -> at)
            .withColumn("zoned", "timetz", account -> at)
            .withColumn("spelled", "time with time zone", account -> at);
    try (Connection db = connect()) {
      create(db, table);
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'America/New_York'");
      }
      merge(db, table, Change.insert(version(new Account("a1", "pro", "x", "n"))));
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'UTC'");
      }

      assertThat(
              select(
                  db,
                  "SELECT local || ' ' || precise || ' ' || zoned || ' ' || spelled FROM times"))
          .containsExactly("02:30:00 02:30:00 02:30:00+00 02:30:00+00");
    }
  }

  /**
   * Date-time types with a precision, in the spelling PostgreSQL itself prints them in ({@code \d},
   * {@code pg_dump}, {@code format_type}): the precision after the first word. Accepted, created,
   * and an instant lands in UTC in each.
   */
  @Test
  void dateTimeTypes_withPrecision_inPostgresqlsOwnSpelling_areAcceptedAndTakeUtc()
      throws Exception {
    Instant at = Instant.parse("2024-01-01T02:30:00.123456Z");
    Scd2PostgresTable<Account> table =
        Scd2PostgresTable.<Account>named("precise", "account_id")
            .withColumn("zoned", "timestamp(3) with time zone", account -> at)
            .withColumn("local", "timestamp(3) without time zone", account -> at)
            .withColumn("clock", "time(3) without time zone", account -> at)
            .withColumn("zoned_clock", "time(3) with time zone", account -> at);
    try (Connection db = connect()) {
      create(db, table);
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'America/New_York'");
      }
      merge(db, table, Change.insert(version(new Account("a1", "pro", "x", "n"))));
      try (Statement statement = db.createStatement()) {
        statement.execute("SET TIME ZONE 'UTC'");
      }

      assertThat(
              select(
                  db,
                  "SELECT zoned || ' ' || local || ' ' || clock || ' ' || zoned_clock"
                      + " || ' ' || format_type(atttypid, atttypmod) FROM precise, pg_attribute"
                      + " WHERE attrelid = 'precise'::regclass AND attname = 'zoned'"))
          .containsExactly(
              "2024-01-01 02:30:00.123+00 2024-01-01 02:30:00.123 02:30:00.123 02:30:00.123+00"
                  + " timestamp(3) with time zone");
    }
  }

  /**
   * A retract output closes a version with {@code -U} then {@code +U} of the same row, and Flink's
   * JDBC sink may flush between the two (by batch size, or a checkpoint): a reader in between must
   * still see the version, and a failed attempt that wrote only the {@code -U} must not leave the
   * key without it until the replay. So {@code -U} changes nothing; {@code -D} deletes.
   */
  @Test
  void updateBefore_flushedWithoutItsUpdateAfter_leavesTheVersionsRow() throws Exception {
    Scd2PostgresTable<Account> table =
        Scd2PostgresTable.<Account>named("closing", "account_id")
            .withColumn("plan", "text", Account::plan);
    Account pro = new Account("a1", "pro", "x", "n");
    try (Connection db = connect()) {
      create(db, table);
      merge(db, table, Change.insert(version(pro)));

      merge(db, table, Change.updateBefore(version(pro)));
      assertThat(select(db, "SELECT plan || ' ' || (valid_to IS NULL) FROM closing"))
          .as("between the -U and its +U")
          .containsExactly("pro true");

      merge(db, table, Change.updateAfter(Scd2Row.of("a1", pro, 1_000L, 5_000L, false, 1, false)));
      assertThat(select(db, "SELECT plan || ' ' || (valid_to IS NULL) FROM closing"))
          .containsExactly("pro false");

      merge(db, table, Change.updateBefore(version(new Account("a2", "pro", "x", "n"))));
      assertThat(select(db, "SELECT count(*) FROM closing WHERE account_id = 'a2'"))
          .as("a -U of a row never written inserts nothing")
          .containsExactly("0");

      merge(db, table, Change.delete(Scd2Row.of("a1", pro, 1_000L, 5_000L, false, 1, false)));
      assertThat(select(db, "SELECT count(*) FROM closing")).containsExactly("0");
    }
  }

  /** An entity with every kind of value bound as text, and one that is not. */
  record Texts(
      String id,
      String name,
      Character initial,
      Tier tier,
      List<String> tags,
      String[] aliases,
      Instant seen) {}

  private static final Scd2PostgresTable<Texts> TEXTS =
      Scd2PostgresTable.<Texts>named("texts", "text_id")
          .withColumn("name", "text", Texts::name)
          .withColumn("initial", "char(1)", Texts::initial)
          .withColumn("tier", "text", Texts::tier)
          .withColumn("tags", "text[]", Texts::tags)
          .withColumn("aliases", "varchar(20)[]", Texts::aliases)
          .withColumn("seen", "timestamptz", Texts::seen);

  private static Texts texts(
      String id, String name, char initial, List<String> tags, String alias) {
    return new Texts(
        id,
        name,
        initial,
        Tier.GOLD,
        tags,
        new String[] {alias},
        Instant.parse("2024-01-01T02:30:00Z"));
  }

  /**
   * Text the check accepts, other control characters and characters beyond the BMP included, is
   * written as it is.
   */
  @Test
  void whyUnwritable_acceptedText_isWritten() throws Exception {
    String name = "An\u0001na\t\u00df \ud83d\ude00";
    Texts accepted = texts("t-1", name, 'A', List.of("a", "", "b\u007fc"), "x\u0002");
    assertThat(TEXTS.whyUnwritable("t-1", accepted)).isNull();
    try (Connection db = connect()) {
      create(db, TEXTS);
      merge(db, TEXTS, Change.insert(Scd2Row.of("t-1", accepted, 1_000L, null, true, 1, false)));

      assertThat(select(db, "SELECT name FROM texts")).containsExactly(name);
      assertThat(
              select(
                  db,
                  "SELECT initial || ' ' || tier || ' ' || array_length(tags, 1)"
                      + " || ' ' || length(aliases[1]) FROM texts"))
          .containsExactly("A GOLD 3 2");
    }
  }

  /**
   * A NUL character in text made the sink's statement fail (SQLState 22021), then, after its
   * retries, the job, and the restart replayed the same change: a restart loop from one bad input.
   * The check finds each such value without the database, naming the column and the NUL's index,
   * never the value; each would have failed the statement.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("nulTexts")
  void whyUnwritable_nulInText_isNamed_andWouldHaveFailedTheStatement(
      String where, Texts refused, String reason) throws Exception {
    assertThat(TEXTS.whyUnwritable(refused.id(), refused)).isEqualTo(reason);
    try (Connection db = connect()) {
      create(db, TEXTS);
      Change<Scd2Row<Texts>> change =
          Change.insert(Scd2Row.of(refused.id(), refused, 1_000L, null, true, 1, false));

      assertThatThrownBy(() -> merge(db, TEXTS, change))
          .isInstanceOfSatisfying(
              SQLException.class,
              e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("22021"));
      assertThat(select(db, "SELECT count(*) FROM texts")).containsExactly("0");
    }
  }

  static Stream<Arguments> nulTexts() {
    String tail = " holds a NUL character (U+0000) at index ";
    String pg = ", which PostgreSQL cannot store in text";
    return Stream.of(
        Arguments.of(
            "key",
            texts("t\u00001", "Anna", 'A', List.of(), "x"),
            "key column 'text_id'" + tail + 1 + pg),
        Arguments.of(
            "text",
            texts("t-1", "An\u0000na", 'A', List.of(), "x"),
            "column 'name'" + tail + 2 + pg),
        Arguments.of(
            "character",
            texts("t-1", "Anna", '\0', List.of(), "x"),
            "column 'initial'" + tail + 0 + pg),
        Arguments.of(
            "list element",
            texts("t-1", "Anna", 'A', List.of("a", "bc\u0000"), "x"),
            "column 'tags', element 1," + tail + 2 + pg),
        Arguments.of(
            "array element",
            texts("t-1", "Anna", 'A', List.of(), "\u0000x"),
            "column 'aliases', element 0," + tail + 0 + pg));
  }

  private static Scd2Row<Account> version(Account account) {
    return Scd2Row.of(account.id(), account, 1_000L, null, true, 1, false);
  }

  private static Connection connect() throws SQLException {
    return DATABASE.connect();
  }

  private static void create(Connection db, Scd2PostgresTable<?> table) throws SQLException {
    try (Statement statement = db.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS " + table.table());
      statement.execute(table.createTableSql());
    }
  }

  private static <T> void merge(
      Connection db, Scd2PostgresTable<T> table, Change<Scd2Row<T>> change) throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(table.mergeSql())) {
      table.bind(statement, change);
      statement.executeUpdate();
    }
  }

  private static List<String> select(Connection db, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement statement = db.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }
}
