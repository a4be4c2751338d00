package dev.etlkit.scd.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scd2PostgresTable#whyUnwritable} against a real PostgreSQL (embedded, started by the
 * test): each value it refuses for its column's declared type fails the {@code MERGE} there, and
 * each value just inside the bound is written. A value the check passes but the database refuses
 * fails the sink's batch, then the job, and the restart replays the same change for ever.
 */
class Scd2PostgresTableLimitsTest {

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

  /** An entity with one attribute of any type. */
  record Value(String id, @Nullable Object v) {}

  /** A membership tier, bound as its name. */
  enum Tier {
    GOLD
  }

  private static final String TOO_LONG = "column 'v' holds text longer than ";
  private static final String CUTS = " (beyond it PostgreSQL cuts only spaces)";

  /**
   * Text is cast to {@code text} and then assigned to the column, which counts characters (code
   * points) and fails on more than n unless all the excess characters are spaces, which it cuts.
   */
  static Stream<Arguments> texts() {
    return Stream.of(
        written("varchar(3)", "abc"),
        written("varchar(3)", "abc   "),
        written("varchar(3)", "\u00e9\ud83d\ude00\u00e9"),
        refused("varchar(3)", "abcd", TOO_LONG + "3 characters, the length of varchar(3)" + CUTS),
        refused("varchar(3)", "ab  x", TOO_LONG + "3 characters, the length of varchar(3)" + CUTS),
        refused(
            "varchar(3)",
            "\u00e9\ud83d\ude00\u00e9x",
            TOO_LONG + "3 characters, the length of varchar(3)" + CUTS),
        refused(
            "character varying(2)",
            "abc",
            TOO_LONG + "2 characters, the length of character varying(2)" + CUTS),
        written("char(3)", "abc "),
        refused("char(3)", "abcd", TOO_LONG + "3 characters, the length of char(3)" + CUTS),
        refused(
            "character(2)", "abc", TOO_LONG + "2 characters, the length of character(2)" + CUTS),
        written("char", "a "),
        refused("char", "ab", TOO_LONG + "1 character, the length of char" + CUTS),
        refused("character", "ab", TOO_LONG + "1 character, the length of character" + CUTS),
        refused("bpchar(2)", "abc", TOO_LONG + "2 characters, the length of bpchar(2)" + CUTS),
        written("varchar", "a long text without a limit"),
        written("bpchar", "a long text without a limit"),
        written("varchar(4)", Tier.GOLD),
        refused(
            "varchar(3)", Tier.GOLD, TOO_LONG + "3 characters, the length of varchar(3)" + CUTS),
        written("varchar(2)[]", List.of("ab", "cd  ")),
        written("varchar(2)[]", new String[] {"ab", null}),
        refused(
            "varchar(2)[]",
            List.of("ab", "abc"),
            "column 'v', element 1, holds text longer than 2 characters, the length of"
                + " varchar(2)"
                + CUTS),
        refused(
            "char(2)[]",
            new String[] {"abc"},
            "column 'v', element 0, holds text longer than 2 characters, the length of char(2)"
                + CUTS),
        refused(
            "varchar(3)[]",
            Arrays.asList(null, Tier.GOLD),
            "column 'v', element 1, holds text longer than 3 characters, the length of"
                + " varchar(3)"
                + CUTS));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("texts")
  void whyUnwritable_textLongerThanItsColumn_isNamed_andWouldHaveFailedTheStatement(
      String type, Object value, @Nullable String reason, @Nullable String sqlState)
      throws Exception {
    check(type, value, reason, sqlState);
  }

  private static final List<String> SHORT_TEXTS = List.of("ab", "cd  ");
  private static final String[] SHORT_ARRAY = {"ab", null};

  /**
   * One call per change on the hot path: a writable change builds no text and leaves no garbage
   * (100,000 calls; one small object each would be megabytes).
   */
  @Test
  void whyUnwritable_writableChange_allocatesNothing() {
    Scd2PostgresTable<Value> table =
        Scd2PostgresTable.<Value>named("limits", "id")
            .withColumn("a", "varchar(3)", value -> "abc   ")
            .withColumn("b", "char(2)", value -> "go  ")
            .withColumn("c", "varchar(4)", value -> Tier.GOLD)
            .withColumn("d", "varchar(2)[]", value -> SHORT_TEXTS)
            .withColumn("e", "char(2)[]", value -> SHORT_ARRAY);
    Value entity = new Value("k1", null);
    for (int i = 0; i < 1_000; i++) {
      assertThat(table.whyUnwritable("k1", entity)).isNull();
    }
    long before = allocatedBytes();
    String why = null;
    for (int i = 0; i < 100_000 && why == null; i++) {
      why = table.whyUnwritable("k1", entity);
    }
    long allocated = allocatedBytes() - before;

    assertThat(why).isNull();
    assertThat(allocated).isLessThan(16_384L);
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean)
            java.lang.management.ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  private static Arguments written(String type, Object value) {
    return Arguments.of(type, value, null, null);
  }

  private static Arguments refused(String type, Object value, String reason) {
    return Arguments.of(type, value, reason, "22001");
  }

  /**
   * The database first: a refused value fails the {@code MERGE} with the SQLState, one the check
   * passes is written; then the check says so without it.
   */
  private static void check(
      String type, Object value, @Nullable String reason, @Nullable String sqlState)
      throws Exception {
    Scd2PostgresTable<Value> table =
        Scd2PostgresTable.<Value>named("limits", "id").withColumn("v", type, Value::v);
    Value entity = new Value("k1", value);
    Change<Scd2Row<Value>> change =
        Change.insert(Scd2Row.of("k1", entity, 1_000L, null, true, 1, false));
    try (Connection db = postgres.getPostgresDatabase().getConnection()) {
      try (Statement statement = db.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS limits");
        statement.execute(table.createTableSql());
      }
      if (sqlState == null) {
        merge(db, table, change);
        assertThat(count(db)).isEqualTo(1);
      } else {
        assertThatThrownBy(() -> merge(db, table, change))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo(sqlState));
        assertThat(count(db)).isZero();
      }
    }
    assertThat(table.whyUnwritable("k1", entity)).isEqualTo(reason);
  }

  private static void merge(
      Connection db, Scd2PostgresTable<Value> table, Change<Scd2Row<Value>> change)
      throws SQLException {
    try (PreparedStatement statement = db.prepareStatement(table.mergeSql())) {
      table.bind(statement, change);
      statement.executeUpdate();
    }
  }

  private static int count(Connection db) throws SQLException {
    try (Statement statement = db.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) FROM limits")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
