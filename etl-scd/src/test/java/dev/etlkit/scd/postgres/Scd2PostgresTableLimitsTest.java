package dev.etlkit.scd.postgres;

import static dev.etlkit.scd.postgres.LimitsTable.check;
import static dev.etlkit.scd.postgres.LimitsTable.count;
import static dev.etlkit.scd.postgres.LimitsTable.merge;
import static dev.etlkit.scd.postgres.LimitsTable.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.scd.Scd2PostgresTable;
import dev.etlkit.scd.Scd2Row;
import dev.etlkit.scd.postgres.OneColumnTable.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Scd2PostgresTable#whyUnwritable} against a real PostgreSQL (embedded, one per test JVM):
 * each value it refuses for its column's declared type fails the {@code MERGE} there, and each
 * value just inside the bound is written: text and numbers here (instants and dates in {@code
 * Scd2PostgresTableTimeLimitsTest}), and the type modifiers {@code withColumn} refuses. A value the
 * check passes but the database refuses fails the sink's batch, then the job, and the restart
 * replays the same change for ever.
 */
class Scd2PostgresTableLimitsTest {

  @RegisterExtension static final PostgresDatabase DATABASE = new PostgresDatabase();

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
        refused(
            "varchar(000000003)",
            "abcd",
            TOO_LONG + "3 characters, the length of varchar(000000003)" + CUTS),
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
    check(DATABASE, type, value, reason, sqlState);
  }

  private static String integers(String type, String min, String max) {
    return "column 'v' holds a number out of the range of "
        + type
        + ": rounded to an integer, it must be from "
        + min
        + " to "
        + max
        + " (not NaN or infinite)";
  }

  private static final String SMALLINT = integers("smallint", "-32768", "32767");
  private static final String INTEGER = integers("integer", "-2147483648", "2147483647");
  private static final String BIGINT =
      integers("bigint", "-9223372036854775808", "9223372036854775807");

  private static String numeric(String type, int scale, int digits) {
    return "column 'v' holds a number out of the range of "
        + type
        + ": rounded to "
        + scale
        + " decimal places, its absolute value must be less than 10^"
        + digits
        + " (not infinite)";
  }

  private static final String NUMERIC_5_2 = numeric("numeric(5, 2)", 2, 3);
  private static final String REAL =
      "column 'v' holds a number out of the range of real: rounded to real, a value other than 0"
          + " must be from 1.4E-45 to 3.4028235E38 in absolute value";

  /**
   * Numbers as the driver binds them ({@code Short}, {@code Byte}: int2, {@code Integer}: int4,
   * {@code Long}: int8, {@code Float}: float4, {@code Double}: float8, {@code BigDecimal}: numeric,
   * {@code BigInteger}: its text), then cast to the column's type: a fraction rounds (numeric half
   * away from zero, floating point half to even), a double goes to numeric through its 15
   * significant digits (a float through 6), and then the range is checked.
   */
  static Stream<Arguments> numbers() {
    BigInteger twoTo63 = BigInteger.ONE.shiftLeft(63);
    return Stream.of(
        written("smallint", 32767),
        range("smallint", 32768, SMALLINT),
        written("smallint", (short) -32768),
        written("smallint", (byte) -128),
        range("smallint", -32769L, SMALLINT),
        written("smallint", new BigDecimal("32767.4999")),
        range("smallint", new BigDecimal("32767.5"), SMALLINT),
        range("smallint", new BigDecimal("-32768.5"), SMALLINT),
        written("smallint", new BigDecimal("-32768.4999")),
        written("smallint", 32767.4),
        range("smallint", 32767.5, SMALLINT),
        range("smallint", Double.NaN, SMALLINT),
        written("smallint", -32768.5f),
        range("smallint", 32767.5f, SMALLINT),
        range("smallint", BigInteger.valueOf(32768), SMALLINT),
        written("smallint", BigInteger.valueOf(-32768)),
        range("int2", 32768, integers("int2", "-32768", "32767")),
        written("integer", 2147483647L),
        range("integer", 2147483648L, INTEGER),
        written("integer", 2147483647.4),
        range("integer", 2147483647.5, INTEGER),
        range("integer", Double.POSITIVE_INFINITY, INTEGER),
        written("integer", -2147483648.5),
        range("int", -2147483649L, integers("int", "-2147483648", "2147483647")),
        range("int4", 2147483648L, integers("int4", "-2147483648", "2147483647")),
        written("bigint", Long.MAX_VALUE),
        range("bigint", twoTo63, BIGINT),
        written("bigint", new BigDecimal("9223372036854775807.49")),
        range("bigint", new BigDecimal("9223372036854775807.5"), BIGINT),
        written("bigint", Math.nextDown(0x1p63)),
        range("bigint", 0x1p63, BIGINT),
        range("bigint", 0x1p63f, BIGINT),
        written("bigint", -0x1p63f),
        range(
            "int8",
            twoTo63.negate().subtract(BigInteger.ONE),
            integers("int8", "-9223372036854775808", "9223372036854775807")),
        written("numeric(5, 2)", new BigDecimal("999.994999")),
        range("numeric(5, 2)", new BigDecimal("999.995"), NUMERIC_5_2),
        range("numeric(5, 2)", new BigDecimal("-999.995"), NUMERIC_5_2),
        written("numeric(5, 2)", 999),
        range("numeric(5, 2)", 1000, NUMERIC_5_2),
        range("numeric(5, 2)", -1000L, NUMERIC_5_2),
        written("numeric(5, 2)", 999.994),
        range("numeric(5, 2)", 999.995, NUMERIC_5_2),
        written("numeric(5, 2)", Double.NaN),
        range("numeric(5, 2)", Double.NEGATIVE_INFINITY, NUMERIC_5_2),
        range("numeric(5, 2)", BigInteger.valueOf(1000), NUMERIC_5_2),
        written("numeric(5, 2)", BigInteger.valueOf(-999)),
        written("numeric(3, 1)", 99.94f),
        range("numeric(3, 1)", 99.94999f, numeric("numeric(3, 1)", 1, 2)),
        written("numeric(3)", new BigDecimal("999.4")),
        range("numeric(3)", new BigDecimal("999.5"), numeric("numeric(3)", 0, 3)),
        written("decimal(2, 5)", new BigDecimal("0.000994")),
        range("decimal(2, 5)", new BigDecimal("0.000995"), numeric("decimal(2, 5)", 5, -3)),
        written("decimal(2, 5)", 0),
        range("decimal(2, 5)", 1, numeric("decimal(2, 5)", 5, -3)),
        range("dec(3,1)", new BigDecimal("100"), numeric("dec(3,1)", 1, 2)),
        range("numeric(00005, 2)", new BigDecimal("1000"), numeric("numeric(00005, 2)", 2, 3)),
        written("numeric", Double.POSITIVE_INFINITY),
        written("numeric", new BigDecimal("1e100")),
        written("smallint[]", List.of(1, 32767)),
        Arguments.of(
            "smallint[]",
            List.of(1, 40000),
            "column 'v', element 1, holds a number out of the range of smallint: rounded to an"
                + " integer, it must be from -32768 to 32767 (not NaN or infinite)",
            "22003"),
        Arguments.of(
            "numeric(5, 2)[]",
            List.of(BigDecimal.ONE, new BigDecimal("1000")),
            "column 'v', element 1, holds a number out of the range of numeric(5, 2): rounded to"
                + " 2 decimal places, its absolute value must be less than 10^3 (not infinite)",
            "22003"),
        range("real", 1e300, REAL),
        range("real", 1e-300, REAL),
        written("real", (double) Float.MAX_VALUE),
        range("real", 3.4028235677973366e38, REAL),
        written("real", 1.401298464324817e-45),
        range("real", 7e-46, REAL),
        written("real", Double.NaN),
        written("real", Double.POSITIVE_INFINITY),
        written("real", Long.MAX_VALUE),
        range("float4", -1e300, REAL.replace("of real", "of float4")),
        range("float(24)", 1e300, REAL.replace("of real", "of float(24)")),
        range("float(024)", 1e300, REAL.replace("of real", "of float(024)")),
        written("float(25)", 1e300),
        written("double precision", 1e300));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("numbers")
  void whyUnwritable_numberOutOfItsColumnsRange_isNamed_andWouldHaveFailedTheStatement(
      String type, Object value, @Nullable String reason, @Nullable String sqlState)
      throws Exception {
    check(DATABASE, type, value, reason, sqlState);
  }

  private static final String LENGTH = "must give a length from 1 to 10485760";
  private static final String BITS = "must give a length from 1 to 83886080";
  private static final String NUMERIC =
      "must give a precision from 1 to 1000 and a scale from 0 to 1000";
  private static final String FLOAT = "must give a precision from 1 to 53 (bits)";

  /**
   * Type modifiers: each type PostgreSQL refuses in the DDL (and so in the {@code MERGE}'s casts),
   * with the rule {@code withColumn} names; the types just inside the bounds (null) are created
   * from the table's own DDL. A numeric's scale may exceed its precision since PostgreSQL 15; a
   * precision of a time type above 6 is reduced to 6 with a warning, not refused.
   */
  static Stream<Arguments> typeModifiers() {
    return Stream.of(
        Arguments.of("varchar(0)", LENGTH),
        Arguments.of("varchar (0)", LENGTH),
        Arguments.of("character varying(0)", LENGTH),
        Arguments.of("national character varying(0)", LENGTH),
        Arguments.of("char(0)", LENGTH),
        Arguments.of("character(0)", LENGTH),
        Arguments.of("nchar(0)", LENGTH),
        Arguments.of("bpchar(0)", LENGTH),
        Arguments.of("varchar(0)[]", LENGTH),
        Arguments.of("varchar(10485761)", LENGTH),
        Arguments.of("bpchar(10485761)", LENGTH),
        Arguments.of("varchar(10485760)", null),
        Arguments.of("char(1)", null),
        Arguments.of("varchar(2, 3)", "must give one length"),
        Arguments.of("bit(0)", BITS),
        Arguments.of("bit varying(0)", BITS),
        Arguments.of("varbit(0)", BITS),
        Arguments.of("bit(83886081)", BITS),
        Arguments.of("bit(83886080)", null),
        Arguments.of("bit(2, 3)", "must give one length"),
        Arguments.of("numeric(0)", NUMERIC),
        Arguments.of("numeric (0)", NUMERIC),
        Arguments.of("decimal(0)", NUMERIC),
        Arguments.of("dec(0)", NUMERIC),
        Arguments.of("numeric(0)[]", NUMERIC),
        Arguments.of("numeric(1001)", NUMERIC),
        Arguments.of("decimal(1001, 2)", NUMERIC),
        Arguments.of("numeric(2, 1001)", NUMERIC),
        Arguments.of("numeric(1000)", null),
        Arguments.of("numeric(2, 3)", null),
        Arguments.of("numeric(1000, 1000)", null),
        Arguments.of("float(0)", FLOAT),
        Arguments.of("float (0)", FLOAT),
        Arguments.of("float(54)", FLOAT),
        Arguments.of("float(0)[]", FLOAT),
        Arguments.of("float(1)", null),
        Arguments.of("float(53)", null),
        Arguments.of("float(2, 3)", FLOAT),
        Arguments.of("timestamp(6, 2)", "must give one precision"),
        Arguments.of("interval(2, 3)", "must give one precision"),
        Arguments.of("timestamp(7)", null),
        Arguments.of("timestamp(7) with time zone", null),
        Arguments.of("time(7)", null),
        Arguments.of("interval day to second(7)", null),
        Arguments.of("text(5)", "must give no type modifier: text takes none"),
        Arguments.of("integer(5)", "must give no type modifier: integer takes none"),
        Arguments.of("int4(3)", "must give no type modifier: int4 takes none"),
        Arguments.of("bigint(20)", "must give no type modifier: bigint takes none"),
        Arguments.of("real(5)", "must give no type modifier: real takes none"),
        Arguments.of(
            "double precision(5)", "must give no type modifier: double precision takes none"),
        Arguments.of("float8(5)", "must give no type modifier: float8 takes none"),
        Arguments.of("varchar(99999999999)", "must give numbers of at most 2147483647"),
        Arguments.of("numeric(5, 99999999999)", "must give numbers of at most 2147483647"),
        Arguments.of(
            "varchar(3) varying(4)", "must give at most one (precision[, scale]) or (length)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("typeModifiers")
  void withColumn_typeModifierPostgresRefuses_isRefused_namingTheRule(
      String type, @Nullable String rule) throws Exception {
    try (Connection db = DATABASE.connect();
        Statement statement = db.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS limits");
      if (rule != null) {
        assertThatThrownBy(() -> statement.execute("CREATE TABLE limits (v " + type + ")"))
            .isInstanceOf(SQLException.class);
        assertThatThrownBy(
                () ->
                    Scd2PostgresTable.<Value>named("limits", "id").withColumn("v", type, Value::v))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("sqlType of column 'v' " + rule + ", was '" + type + "'");
      } else {
        Scd2PostgresTable<Value> table =
            Scd2PostgresTable.<Value>named("limits", "id").withColumn("v", type, Value::v);
        statement.execute(table.createTableSql());
        merge(
            db,
            table,
            Change.insert(Scd2Row.of("k1", new Value("k1", null), 1_000L, null, true, 1, false)));
        assertThat(count(db)).isEqualTo(1);
      }
    }
  }

  private static Arguments range(String type, Object value, String reason) {
    return Arguments.of(type, value, reason, "22003");
  }

  private static final List<String> SHORT_TEXTS = List.of("ab", "cd  ");
  private static final String[] SHORT_ARRAY = {"ab", null};
  private static final Integer SMALL = 32767;
  private static final BigDecimal NEAR_LIMIT = new BigDecimal("-999.994");
  private static final Double NEAR_LIMIT_DOUBLE = 999.994;
  private static final BigInteger BIG = BigInteger.valueOf(Long.MAX_VALUE);
  private static final Instant LATE = Instant.parse("+294276-12-31T23:59:59Z");
  private static final List<Integer> SMALLS = List.of(1, -32768);
  private static final LocalDateTime LATE_LOCAL = LocalDateTime.parse("+294276-12-31T23:59:59");
  private static final OffsetDateTime LATE_OFFSET =
      OffsetDateTime.parse("+294276-12-31T23:59:59+15:00");
  private static final LocalDate LATE_DAY = LocalDate.parse("+294276-12-31");
  private static final BigDecimal HUGE = new BigDecimal("-1e300");
  private static final BigInteger WIDE = BigInteger.TEN.pow(300);
  private static final List<BigDecimal> DECIMALS = List.of(HUGE, NEAR_LIMIT);
  private static final Long FIVE_DIGITS = -1234L;
  private static final BigDecimal FIVE_CHARACTERS = new BigDecimal("-0.01");
  private static final BigInteger NINE_DIGITS = BigInteger.valueOf(999_999_999);
  private static final Map<String, String> TAGS = new HashMap<>(Map.of("a", "b", "c", "d"));
  private static final Map<String, String> SORTED_TAGS = new TreeMap<>(TAGS);
  private static final String JSON = "{\"a\": \"\\\\u0000 \\u0001\", \"b\": [1, 2]}";
  private static final List<String> JSONS = List.of(JSON, "{}");
  private static final List<Object> DATE_TIMES =
      List.of(
          Instant.parse("9999-12-31T23:59:59Z"),
          LATE_LOCAL.withYear(1),
          LATE_OFFSET.withYear(9999),
          LATE_DAY.withYear(9999),
          ZonedDateTime.parse("9999-12-31T23:00:00-05:00[America/New_York]"));
  private static final ZonedDateTime LATE_ZONED = LATE_OFFSET.toZonedDateTime();
  private static final List<LocalTime> TIMES = List.of(LocalTime.NOON);

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
            .withColumn("e", "char(2)[]", value -> SHORT_ARRAY)
            .withColumn("f", "smallint", value -> SMALL)
            .withColumn("g", "numeric(5, 2)", value -> NEAR_LIMIT)
            .withColumn("h", "numeric(5, 2)", value -> NEAR_LIMIT_DOUBLE)
            .withColumn("i", "integer", value -> NEAR_LIMIT_DOUBLE)
            .withColumn("j", "bigint", value -> BIG)
            .withColumn("k", "real", value -> NEAR_LIMIT_DOUBLE)
            .withColumn("l", "timestamptz", value -> LATE)
            .withColumn("m", "smallint[]", value -> SMALLS)
            .withColumn("n", "timestamp", value -> LATE_LOCAL)
            .withColumn("o", "timestamptz", value -> LATE_OFFSET)
            .withColumn("p", "timestamptz", value -> LATE_DAY)
            .withColumn("q", "double precision", value -> HUGE)
            .withColumn("r", "float8[]", value -> DECIMALS)
            .withColumn("s", "real", value -> NEAR_LIMIT)
            .withColumn("t", "double precision", value -> WIDE)
            .withColumn("u", "varchar(5)", value -> FIVE_DIGITS)
            .withColumn("w", "char(5)", value -> FIVE_CHARACTERS)
            .withColumn("x", "varchar(9)", value -> NINE_DIGITS)
            .withColumn("y", "hstore", value -> TAGS)
            .withColumn("z", "hstore", value -> SORTED_TAGS)
            .withColumn("aa", "jsonb", value -> JSON)
            .withColumn("ab", "jsonb[]", value -> JSONS)
            .withColumn("ac", "timestamptz[]", value -> DATE_TIMES)
            .withColumn("ad", "time[]", value -> TIMES)
            .withColumn("ae", "varchar(5)", value -> Boolean.FALSE)
            .withColumn("af", "char(4)", value -> Boolean.TRUE)
            .withColumn("ag", "timestamptz", value -> LATE_ZONED);
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

  private static Arguments refused(String type, Object value, String reason) {
    return Arguments.of(type, value, reason, "22001");
  }
}
