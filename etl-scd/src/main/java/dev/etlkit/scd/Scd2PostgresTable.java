package dev.etlkit.scd;

import dev.etlkit.core.Change;
import dev.etlkit.core.Steps;
import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.types.RowKind;

/**
 * An SCD2 history as a PostgreSQL table (PostgreSQL 15 or later, for {@code MERGE}): one row per
 * version with the primary key {@code (key, valid_from)}. Gives the table's DDL, one {@code MERGE}
 * statement that applies any change of an {@link Scd2} step's output to it, and the binding of that
 * statement's parameters, so that Flink's JDBC sink ({@code flink-connector-jdbc-core}) can
 * materialize the history:
 *
 * <pre>{@code
 * Scd2PostgresTable<Customer> table =
 *     Scd2PostgresTable.<Customer>named("customer_dimension", "customer_id")
 *         .withColumn("name", "text", Customer::name)
 *         .withColumn("tier", "text", Customer::tier);
 * JdbcSink<Change<Scd2Row<Customer>>> sink =
 *     JdbcSink.<Change<Scd2Row<Customer>>>builder()
 *         .withQueryStatement(table.mergeSql(), table::bind)
 *         .buildAtLeastOnce(connectionOptions);
 * }</pre>
 *
 * <p>Columns, in this order: the key column ({@code text}), {@value #VALID_FROM} and {@value
 * #VALID_TO} ({@code timestamptz}; {@code valid_to} null for an open end), {@value #IS_CURRENT},
 * {@value #VERSION}, {@value #IS_DELETED}, {@value #VERSION_ID} ({@code char(32)}, {@link
 * Scd2Row#versionId()}), then the attribute columns in the order they were added.
 *
 * <p>Every change runs the same {@code MERGE}, keyed by (key, validFrom): {@code +I} and {@code +U}
 * upsert the version's row; {@code -D} deletes it; {@code -U} changes nothing, as a retract output
 * always follows it with the {@code +U} of the same version, which writes the row (so a reader
 * between the two, which Flink's JDBC sink may flush apart, still sees the version). Every
 * statement sets or deletes at most one row by its primary key, so replaying a suffix of the
 * changelog (an at-least-once sink after a restore) converges to the same table when the replay
 * gives each key's changes in the order the failed attempt read them (one source split per key,
 * nothing reordering them on the way). Not otherwise: a version the failed attempt wrote that the
 * replay does not open again stays in the table, as it is not in the restored state. Nor with
 * {@link EffectiveTime#processingTime()}: its replay after a failure gives the changes new
 * effective times, hence versions with other validFrom values beside the rows written before. In
 * those cases use an exactly-once sink, which rolls a failed attempt's writes back (Flink's XA JDBC
 * sink; not tested by etlkit, see docs/scd2.md for what a test run of it showed). All three {@link
 * Scd2Output} modes can be written: retract and upsert give the whole history, append the final
 * versions. The changes of one key must reach the database in their order: run the sink with the
 * step's parallelism, chained to it (the default when nothing is in between).
 *
 * <p>Attribute values are bound with {@link PreparedStatement#setObject(int, Object)} and cast in
 * SQL to the column's type (character and bit strings to {@code text} and {@code varbit}, as such a
 * cast would cut a value to the column's length); an {@link Instant} is bound as an {@link
 * OffsetDateTime} in UTC (as a {@link LocalDateTime} in UTC for a {@code timestamp}, {@code date}
 * or {@code time} column, as an {@link OffsetTime} in UTC for a {@code timetz} column, which so get
 * the UTC date and time whatever the session's time zone), a {@link ZonedDateTime}, which the
 * driver cannot bind, as the {@link OffsetDateTime} it denotes (the same instant), an enum constant
 * as its {@link Enum#name() name}, a collection (a {@code List}, a {@code Set}) as an array of its
 * elements for an array column such as {@code text[]} (enum and {@code java.time} elements as their
 * names and ISO-8601 text, a {@code ZonedDateTime}'s as its offset date-time's, which the column's
 * element type parses: an {@code Instant} in a {@code timestamptz[]} is the same instant whatever
 * the session's time zone; {@code timestamp[]}, {@code timestamptz[]} and {@code date[]} parse a
 * year from 1 to 9999 only, {@code time[]} and {@code timetz[]} no date: give them {@code
 * LocalTime} or {@code OffsetTime} elements), a {@code Map} as {@code hstore} (by the driver), a
 * null as SQL {@code NULL}. A value the column cannot hold (too long, out of range, not
 * convertible, a NUL character in text) fails the statement (decimals beyond a {@code numeric}'s
 * scale are rounded, as PostgreSQL stores them): Flink's JDBC sink retries the batch, then fails
 * the job, and the restart replays the same change. So reject what can be known without the
 * database before the SCD2 step keeps state of it: {@link #rejectUnwritable} is a step that makes
 * such a change a dead letter with its reason ({@link #whyUnwritable} gives the reason alone); it
 * finds a NUL character in the key or in a value bound as text (a {@code String}, a {@code
 * Character}, the elements of a collection or an object array, the keys and values of a map), the
 * JSON escape of a NUL in a {@code jsonb} column, text or a number's or a boolean's text longer
 * than its {@code varchar(n)} or {@code char(n)} column, a number out of its {@code smallint},
 * {@code integer}, {@code bigint}, {@code numeric(p, s)}, {@code real} or {@code double precision}
 * column's range, an {@code Instant}, {@code LocalDateTime}, {@code OffsetDateTime} or {@code
 * ZonedDateTime} out of the range of a {@code timestamp}, {@code timestamptz}, {@code date} or
 * {@code time} column and a {@code LocalDate} out of its column's, and {@code java.time} elements
 * of an array whose text the element type does not parse (see there for the rules). Names must be
 * plain lower-case identifiers (a table name may carry a schema: {@code dim.customers}); they are
 * quoted in the SQL, so reserved words work as names. Types are checked against a small grammar, so
 * no name or type can inject SQL, and the modifiers of built-in types against PostgreSQL's bounds
 * ({@link #withColumn}). Immutable and serializable: {@link #bind} can be passed as the sink's
 * statement builder.
 *
 * @param <T> the entity's attribute type
 */
@PublicEvolving
public final class Scd2PostgresTable<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The column of {@link Scd2Row#validFrom()}. */
  public static final String VALID_FROM = "valid_from";

  /** The column of {@link Scd2Row#validTo()}. */
  public static final String VALID_TO = "valid_to";

  /** The column of {@link Scd2Row#isCurrent()}. */
  public static final String IS_CURRENT = "is_current";

  /** The column of {@link Scd2Row#version()}. */
  public static final String VERSION = "version";

  /** The column of {@link Scd2Row#isDeleted()}. */
  public static final String IS_DELETED = "is_deleted";

  /** The column of {@link Scd2Row#versionId()}. */
  public static final String VERSION_ID = "version_id";

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Pattern TABLE = Pattern.compile(IDENTIFIER + "(\\." + IDENTIFIER + ")?");

  /**
   * A type name, then only the words of PostgreSQL's multi-word types ({@code double precision},
   * {@code character varying}, {@code timestamp with time zone}, {@code interval day to second}):
   * any other word ({@code or}, {@code is}, {@code collate}) would make the cast an expression. A
   * precision may follow the name ({@code timestamp(3) with time zone}, as PostgreSQL spells it) or
   * the last word ({@code character varying(10)}, {@code interval day to second(3)}).
   */
  private static final Pattern SQL_TYPE =
      Pattern.compile(
          "[a-z][a-z0-9_]*( ?\\(\\d+\\))?( (varying|precision|char|character|with|without|time"
              + "|zone|to|year|month|day|hour|minute|second))*( ?\\(\\d+( ?, ?\\d+)?\\))?(\\[\\])?");

  /** Reads one attribute column's value from the entity. */
  @PublicEvolving
  @FunctionalInterface
  public interface Attribute<T> extends Serializable {
    @Nullable
    Object of(T value);
  }

  /**
   * An attribute column: name, SQL type, how to read it, how to bind an {@link Instant} and what
   * its type makes certain to fail (null: nothing known).
   */
  private record Column<T>(
      String name,
      String sqlType,
      Attribute<T> value,
      PostgresParameters.InstantAs instantAs,
      @Nullable PostgresLimit limit)
      implements Serializable {}

  private final String table;
  private final String keyColumn;
  private final List<Column<T>> columns;

  private Scd2PostgresTable(String table, String keyColumn, List<Column<T>> columns) {
    this.table = table;
    this.keyColumn = keyColumn;
    this.columns = columns;
  }

  /**
   * A history table without attribute columns yet.
   *
   * @param table the table's name, optionally schema-qualified
   * @param keyColumn the column of the business key ({@link Scd2Row#key()})
   * @throws IllegalArgumentException if a name is not a plain lower-case identifier of at most 63
   *     characters (PostgreSQL would cut a longer one) or the key column takes the name of a
   *     version column
   */
  public static <T> Scd2PostgresTable<T> named(String table, String keyColumn) {
    Objects.requireNonNull(table, "table");
    if (!TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "table must be a lower-case identifier of at most 63 characters, optionally"
              + " schema-qualified, was '"
              + table
              + "'");
    }
    checkColumnName("keyColumn", keyColumn, List.of());
    return new Scd2PostgresTable<>(table, keyColumn, List.of());
  }

  /**
   * Adds an attribute column after the ones added before.
   *
   * @param name the column's name
   * @param sqlType its PostgreSQL type, such as {@code text}, {@code numeric(12, 2)}, {@code double
   *     precision}, {@code timestamptz}, {@code timestamp(3) with time zone} or {@code text[]}: a
   *     type name, the further words of a multi-word type only ({@code varying}, {@code precision},
   *     {@code with time zone}, interval fields), an optional (precision[, scale]) after the name
   *     or the last word, and an optional {@code []}
   * @param value reads the column's value from the entity's attributes
   * @throws IllegalArgumentException if the name is not a plain lower-case identifier or is taken,
   *     the type is not of the accepted form, or its modifier is one PostgreSQL refuses for a
   *     built-in type: a length of a character string type ({@code varchar(n)}, {@code char(n)})
   *     outside 1 to 10485760, of a bit string type outside 1 to 83886080, a {@code numeric(p, s)}
   *     precision outside 1 to 1000 or scale above 1000 (a scale above the precision is allowed, as
   *     in PostgreSQL 15), a {@code float(p)} outside 1 to 53, two numbers where the type takes
   *     one, a modifier on a type that takes none ({@code integer(5)}, {@code text(5)}), a number
   *     above 2147483647 or two parenthesised lists
   */
  public Scd2PostgresTable<T> withColumn(String name, String sqlType, Attribute<T> value) {
    List<String> taken = new ArrayList<>(List.of(keyColumn));
    columns.forEach(column -> taken.add(column.name()));
    checkColumnName("column name", name, taken);
    Objects.requireNonNull(sqlType, "sqlType");
    if (!SQL_TYPE.matcher(sqlType).matches()) {
      throw new IllegalArgumentException(
          "sqlType must be a type name with optional (precision[, scale]) and [], was '"
              + sqlType
              + "'");
    }
    String refused =
        PostgresTypeModifiers.whyRefused(
            sqlType.endsWith("[]") ? sqlType.substring(0, sqlType.length() - 2) : sqlType);
    if (refused != null) {
      throw new IllegalArgumentException(
          "sqlType of column '" + name + "' " + refused + ", was '" + sqlType + "'");
    }
    Objects.requireNonNull(value, "value");
    List<Column<T>> more = new ArrayList<>(columns);
    more.add(
        new Column<>(
            name,
            sqlType,
            value,
            PostgresParameters.instantAs(sqlType),
            PostgresLimit.of(sqlType)));
    return new Scd2PostgresTable<>(table, keyColumn, Collections.unmodifiableList(more));
  }

  /** The table's name. */
  public String table() {
    return table;
  }

  /** {@code CREATE TABLE IF NOT EXISTS} with every column and the primary key (key, validFrom). */
  public String createTableSql() {
    List<String> definitions = new ArrayList<>();
    List<String> names = columnNames();
    List<String> types = columnTypes();
    for (int i = 0; i < names.size(); i++) {
      boolean nullable = i == 2 || i >= 7; // valid_to and the attributes
      definitions.add(
          "\n  " + quote(names.get(i)) + ' ' + types.get(i) + (nullable ? "" : " NOT NULL"));
    }
    definitions.add("\n  PRIMARY KEY (" + quote(keyColumn) + ", " + quote(VALID_FROM) + ")");
    return "CREATE TABLE IF NOT EXISTS "
        + quoteTable()
        + " ("
        + String.join(",", definitions)
        + ")";
  }

  /**
   * The {@code MERGE} that applies one change: parameter 1 is whether it deletes ({@code -D}), null
   * for a change that changes nothing ({@code -U}), then one parameter per column in table order.
   * Bind it with {@link #bind}.
   */
  public String mergeSql() {
    List<String> names = columnNames().stream().map(Scd2PostgresTable::quote).toList();
    String parameters =
        columnTypes().stream()
            .map(type -> "?::" + PostgresParameters.parameterType(type))
            .collect(Collectors.joining(", ", "?::boolean, ", ""));
    String updates =
        names.subList(2, names.size()).stream()
            .map(name -> name + " = c." + name)
            .collect(Collectors.joining(", "));
    String values = names.stream().map(name -> "c." + name).collect(Collectors.joining(", "));
    String key = names.get(0);
    String validFrom = names.get(1);
    return "MERGE INTO "
        + quoteTable()
        + " t\nUSING (VALUES ("
        + parameters
        + "))\n  AS c(retract, "
        + String.join(", ", names)
        + ")\nON t."
        + key
        + " = c."
        + key
        + " AND t."
        + validFrom
        + " = c."
        + validFrom
        + "\nWHEN MATCHED AND c.retract IS NULL THEN DO NOTHING"
        + "\nWHEN MATCHED AND c.retract THEN DELETE\nWHEN MATCHED THEN UPDATE SET "
        + updates
        + "\nWHEN NOT MATCHED AND NOT c.retract THEN INSERT ("
        + String.join(", ", names)
        + ")\n  VALUES ("
        + values
        + ")";
  }

  /**
   * Binds the parameters of {@link #mergeSql()} for one change of the step's output. Matches
   * Flink's {@code JdbcStatementBuilder}, so {@code table::bind} can be the sink's statement
   * builder.
   */
  public void bind(PreparedStatement statement, Change<Scd2Row<T>> change) throws SQLException {
    Scd2Row<T> row = change.value();
    RowKind kind = change.kind();
    if (kind == RowKind.UPDATE_BEFORE) {
      statement.setNull(1, Types.BOOLEAN); // changes nothing: its +U follows
    } else {
      statement.setBoolean(1, kind == RowKind.DELETE);
    }
    statement.setString(2, row.key());
    statement.setObject(3, PostgresParameters.utc(row.validFrom()));
    Instant validTo = row.validTo();
    if (validTo == null) {
      statement.setNull(4, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      statement.setObject(4, PostgresParameters.utc(validTo));
    }
    statement.setBoolean(5, row.isCurrent());
    statement.setLong(6, row.version());
    statement.setBoolean(7, row.isDeleted());
    statement.setString(8, row.versionId());
    int index = 9;
    for (Column<T> column : columns) {
      PostgresParameters.bind(statement, index, column.value().of(row.value()), column.instantAs());
      index++;
    }
  }

  /**
   * Why a version of {@code key} with these attributes cannot be written to this table, for a
   * reason known without the database; null if none is known. The reasons:
   *
   * <ul>
   *   <li>a NUL character ({@code U+0000}), which PostgreSQL refuses in text (SQLState {@code
   *       22021}), in the key or in a value {@link #bind} sends as text: a {@code String} or {@code
   *       Character} attribute, one of the elements of a collection or an object array bound as an
   *       array, or a {@code String} or {@code Character} key or value of a {@code Map}, which the
   *       driver binds as {@code hstore} text (whatever the column's type). An enum constant's name
   *       and the ISO-8601 text of a {@code java.time} value cannot hold one. The reason names the
   *       index of the first NUL (of a map, whether a key or a value holds one);
   *   <li>JSON with the escape <code>&#92;u0000</code> (a NUL) in a {@code jsonb} column, or as an
   *       element of a {@code jsonb[]} column, which PostgreSQL refuses (SQLState {@code 22P05}; a
   *       {@code json} column keeps the escape as written): a {@code String} with a backslash that
   *       is not itself escaped (the last of an odd number) before {@code u0000}, in a key or a
   *       value (<code>\&#92;u0000</code>, an escaped backslash and then text, is stored). The
   *       reason names the backslash's index;
   *   <li>text longer than its column's {@code varchar(n)}, {@code character varying(n)}, {@code
   *       char(n)}, {@code character(n)}, {@code nchar(n)} or {@code bpchar(n)} ({@code char},
   *       {@code character} and {@code nchar} without a length are {@code char(1)}): more than n
   *       characters (code points) with one that is not a space beyond them (SQLState {@code
   *       22001}; PostgreSQL cuts excess spaces). A {@code String} or an enum constant's name, or
   *       an element of an array column of such a type. So is a number, whose parameter is cast to
   *       text: a {@code Byte}, {@code Short}, {@code Integer}, {@code Long} or {@code BigInteger}
   *       with more digits and sign, a {@code BigDecimal} with more plain digits, point and sign
   *       ({@code 1.500}, {@code 1E+3} as {@code 1000}), than n (not a {@code Double} or {@code
   *       Float}, which PostgreSQL writes in its own shortest form), and a {@code Boolean}, whose
   *       text is {@code true} or {@code false};
   *   <li>a number out of its column's range (SQLState {@code 22003}), as the driver binds it and
   *       PostgreSQL casts it: for {@code smallint}, {@code integer} and {@code bigint} (and {@code
   *       int2}, {@code int}, {@code int4}, {@code int8}), a {@code Byte}, {@code Short}, {@code
   *       Integer}, {@code Long}, {@code BigInteger}, a {@code BigDecimal} rounded half away from
   *       zero, a {@code Float} or {@code Double} rounded half to even (NaN and infinities never
   *       fit); for {@code numeric(p, s)} ({@code decimal}, {@code dec}), the same types rounded to
   *       s decimal places must be less than 10^(p - s) in absolute value, a {@code Double} taken
   *       at its 15 significant digits and a {@code Float} at its 6 as PostgreSQL converts them
   *       (NaN fits, infinities do not); for {@code real} ({@code float4}, {@code float(p)} up to
   *       24), a {@code Double}, {@code BigDecimal} or {@code BigInteger} that rounds (half to
   *       even) to an infinity or, other than 0, to 0; for {@code double precision} ({@code
   *       float8}, {@code float}, {@code float(p)} from 25), a {@code BigDecimal} or {@code
   *       BigInteger} that does. Element by element in an array column of such a type;
   *   <li>an {@code Instant} from {@code +294276-12-31T23:59:59.9999995Z} on in a {@code timestamp}
   *       or {@code timestamptz} column, or in a {@code date} or {@code time} column, where it goes
   *       as its UTC date and time, a timestamp (SQLState {@code 22008}): the driver rounds it to
   *       the microsecond, past PostgreSQL's last one; and one before {@code -4712-01-01T00:00:00Z}
   *       (4713 BC), which the driver writes as {@code -infinity} and PostgreSQL stores without
   *       complaint (as {@code -infinity}, in a {@code time} as null: a version silently holding
   *       another value). Not in an array, whose instants go as text (see the last item);
   *   <li>a {@code LocalDateTime} (bound as a timestamp) or an {@code OffsetDateTime} (a {@code
   *       timestamptz}, by its instant; so is a {@code ZonedDateTime}, bound as the offset
   *       date-time it denotes) in the same columns with the same bounds, as a session in UTC sees
   *       them (a {@code LocalDateTime} in a {@code timestamptz} is taken in the session's time
   *       zone, which within a day of the end decides): from {@code +294276-12-31T23:59:59.9999995}
   *       on it fails (SQLState {@code 22008}; the driver writes the last half second of {@code
   *       LocalDateTime.MAX} and {@code OffsetDateTime.MAX} as {@code infinity}), before {@code
   *       -4712-01-01T00:00} it goes as {@code -infinity}; and an {@code OffsetDateTime} or {@code
   *       ZonedDateTime} whose offset is 16 hours or more, which PostgreSQL refuses (SQLState
   *       {@code 22009});
   *   <li>a {@code LocalDate} in a {@code date} column after {@code +5874897-12-31}, PostgreSQL's
   *       last date, or in a {@code timestamp} or {@code timestamptz} column after {@code
   *       +294276-12-31} (SQLState {@code 22008}; {@code LocalDate.MAX} the driver writes as {@code
   *       infinity}), or before {@code -4712-01-01}, which it writes as {@code -infinity};
   *   <li>an element of an array column that goes as ISO-8601 text its element type does not parse:
   *       an {@code Instant} (its UTC date), {@code LocalDateTime}, {@code OffsetDateTime} or
   *       {@code ZonedDateTime} (its own date, not its instant's) or {@code LocalDate} whose year
   *       is outside 1 to 9999 in a {@code timestamp[]}, {@code timestamptz[]} or {@code date[]}
   *       column (Java writes {@code +10000-01-01}, refused with SQLState {@code 22009}; year 0
   *       with {@code 22008}, negative years with {@code 22007}), an {@code OffsetDateTime} or
   *       {@code ZonedDateTime} there whose offset is 16 hours or more ({@code 22009}), and any of
   *       them in a {@code time[]} or {@code timetz[]} column, which parses no date ({@code 22007}:
   *       give it {@code LocalTime} or {@code OffsetTime} elements; a single {@code Instant} in a
   *       {@code time} column is bound as its UTC time, but an element's class cannot be known when
   *       the column is declared).
   * </ul>
   *
   * <p>The version columns need no check: {@code valid_from} and {@code valid_to} are effective
   * times, which the SCD2 step keeps within {@link Scd2#MIN_EFFECTIVE_TIME} … {@link
   * Scd2#MAX_EFFECTIVE_TIME} (a change outside is a dead letter there), far inside PostgreSQL's
   * range.
   *
   * <p>The reason names the column (and the element's index, in an array), the rule and its bound,
   * never the value. A null answer does not promise the statement succeeds: a value not convertible
   * to the column's type, or out of the range of a type or class not listed, still fails it. Reads
   * each attribute column once; builds no text and allocates nothing for a change it finds writable
   * (but an iterator for a collection that is not a {@code List} with random access or for a map
   * whose {@code forEach} takes one, unlike {@code HashMap}'s and {@code TreeMap}'s, and the text
   * of a {@code BigInteger} beyond a {@code long} whose digits might just fit a {@code
   * varchar(n)}).
   *
   * <p>Call it before the SCD2 step keeps state of the change (the ready-made step is {@link
   * #rejectUnwritable}): a change the history holds but the sink cannot write fails the sink's
   * batch, then the job, and the restart replays the same change.
   */
  @Nullable
  public String whyUnwritable(String key, T attributes) {
    String why = whyKeyUnwritable(key);
    for (int i = 0; why == null && i < columns.size(); i++) {
      Column<T> column = columns.get(i);
      Object value = column.value().of(attributes);
      why = PostgresText.whyNul("column", column.name(), value);
      PostgresLimit limit = column.limit();
      if (why == null && limit != null) {
        why = limit.why("column", column.name(), value);
      }
    }
    return why;
  }

  /**
   * A step that makes every change this table cannot hold ({@link #whyUnwritable}) a dead letter of
   * its own, with the reason as its message ({@code IllegalArgumentException}), and passes the
   * others on unchanged; nothing is filtered. Put it right after decoding, before any step that
   * keeps state of the changes (normalize, a join, the SCD2 step), so that what they hold and the
   * table stay the same: without it such a change reaches the history, its statement fails the
   * sink's batch, then the job, and the restart replays it. An insert or update is checked with its
   * key and attributes; a delete, or an update's before-image ({@code -U}), with its key alone: the
   * SCD2 step writes neither's attributes (a delete closes the version it holds, or opens a marker
   * with that version's attributes; a {@code -U} is skipped). A change whose key is null is passed
   * on, for the SCD2 step to reject. Stateless; the pipeline's error policy applies ({@code
   * withErrorPolicy} overrides it), as for any {@link Steps#filter}.
   *
   * <pre>{@code
   * .apply(Debezium.decode("decode", Customer.class))
   * .apply(table.rejectUnwritable("writable", Customer::id))
   * }</pre>
   *
   * @param stepName the step's name
   * @param key the business key, the one the SCD2 step is given
   * @throws IllegalArgumentException if the name is invalid
   */
  public Steps.FilterStep<Change<T>> rejectUnwritable(String stepName, KeySelector<T, String> key) {
    return Steps.filter(
        stepName, new PostgresText.WritableCheck<>(this, Objects.requireNonNull(key, "key")));
  }

  /** Why the key cannot be written, or null; see {@link #whyUnwritable}. */
  @Nullable
  String whyKeyUnwritable(String key) {
    return PostgresText.whyNul("key column", keyColumn, key);
  }

  @Override
  public String toString() {
    return "Scd2PostgresTable{"
        + table
        + ", key="
        + keyColumn
        + ", columns="
        + columns.stream().map(Column::name).toList()
        + "}";
  }

  /** Every column's name in table order. */
  private List<String> columnNames() {
    List<String> names = new ArrayList<>();
    names.add(keyColumn);
    names.addAll(versionColumns());
    columns.forEach(column -> names.add(column.name()));
    return names;
  }

  /** Every column's SQL type in table order. */
  private List<String> columnTypes() {
    List<String> types =
        new ArrayList<>(
            List.of(
                "text", "timestamptz", "timestamptz", "boolean", "bigint", "boolean", "char(32)"));
    columns.forEach(column -> types.add(column.sqlType()));
    return types;
  }

  private String quoteTable() {
    return Arrays.stream(table.split("\\."))
        .map(Scd2PostgresTable::quote)
        .collect(Collectors.joining("."));
  }

  /** Quotes a checked identifier, so that reserved words ({@code order}, {@code user}) work too. */
  private static String quote(String identifier) {
    return '"' + identifier + '"';
  }

  private static List<String> versionColumns() {
    return List.of(VALID_FROM, VALID_TO, IS_CURRENT, VERSION, IS_DELETED, VERSION_ID);
  }

  private static void checkColumnName(String option, String name, List<String> taken) {
    Objects.requireNonNull(name, option);
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          option
              + " must be a lower-case identifier ([a-z_][a-z0-9_]*) of at most 63 characters,"
              + " was '"
              + name
              + "'");
    }
    if (versionColumns().contains(name) || taken.contains(name) || name.equals("retract")) {
      throw new IllegalArgumentException(option + " '" + name + "' is taken");
    }
  }
}
