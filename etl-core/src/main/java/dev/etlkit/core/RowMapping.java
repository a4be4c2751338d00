package dev.etlkit.core;

import dev.etlkit.core.internal.FunctionRowMapping;
import dev.etlkit.core.internal.PojoRowMapping;
import java.io.Serializable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.types.Row;
import org.apache.flink.util.function.SerializableFunction;

/**
 * How the values of a change stream map to table rows and back: the row layout ({@link #rowType()},
 * column names and types) and the two conversions. {@link Changelogs} uses it to turn a {@code
 * DataStream<Change<T>>} into a Table API changelog and back.
 *
 * <p>Rows are positional, in the order of {@link #rowType()} ({@link #pojo} also reads rows by
 * column name); the row kind is not part of the mapping ({@link Changelogs} carries it). Mappings
 * are shipped to the cluster inside functions, so they must be serializable; the conversions run
 * once per record and must not keep state.
 *
 * <pre>{@code
 * RowMapping<Customer> byReflection = RowMapping.pojo(Customer.class);
 * RowMapping<Customer> byHand =
 *     RowMapping.of(
 *         new RowTypeInfo(new TypeInformation<?>[] {Types.LONG, Types.STRING}, new String[] {"id", "name"}),
 *         TypeInformation.of(Customer.class),
 *         c -> Row.of(c.id, c.name),
 *         row -> new Customer(row.getFieldAs(0), row.getFieldAs(1)));
 * }</pre>
 *
 * @param <T> the type of the values
 */
@PublicEvolving
public interface RowMapping<T> extends Serializable {

  /**
   * The columns of the rows, in position order. Column names become the table's column names;
   * column types become its SQL types (as Flink derives them from type information).
   */
  RowTypeInfo rowType();

  /** The type information of the values, used to declare the type of change streams. */
  TypeInformation<T> valueType();

  /** A new row holding the value's columns in {@link #rowType()} order; never null. */
  Row toRow(T value);

  /** The value held by a row whose columns are in {@link #rowType()} order; never null. */
  T fromRow(Row row);

  /**
   * A mapping from explicit conversions. {@code toRow} must return a new row of {@code rowType}'s
   * arity for each call; {@code fromRow} must not keep the row.
   */
  static <T> RowMapping<T> of(
      RowTypeInfo rowType,
      TypeInformation<T> valueType,
      SerializableFunction<T, Row> toRow,
      SerializableFunction<Row, T> fromRow) {
    return new FunctionRowMapping<>(rowType, valueType, toRow, fromRow);
  }

  /**
   * A mapping by reflection for a class Flink treats as a POJO, or a Java record: one column per
   * field, named after the field, typed with Flink's type information of the field. Columns are in
   * Flink's POJO field order, which is alphabetical (the order {@code fromDataStream} uses too).
   * {@link #fromRow} reads a row that has all these columns as field names by name, as the Table
   * API's {@code toChangelogStream} and {@code toDataStream} make them (in the table's column
   * order) and {@code Row.withNames()}; other rows by position.
   *
   * <p>A {@code BigDecimal} field becomes {@code DECIMAL(38, 18)} in a table, as Flink derives it:
   * through {@link Changelogs#toTable} and back a value takes scale 18, and one with more than 20
   * integer digits becomes null without an error (Flink's conversion). Keep such amounts as a
   * {@code String} or a {@code long} of minor units.
   *
   * <p>{@code LocalDate}, {@code LocalTime} and {@code LocalDateTime} fields, which Flink's POJO
   * analysis types as generic (RAW columns no SQL function or sink takes), get Flink's {@code
   * Types.LOCAL_DATE}, {@code LOCAL_TIME} and {@code LOCAL_DATE_TIME} columns: {@code DATE}, {@code
   * TIME} and {@code TIMESTAMP(9)} in a table. Flink keeps a {@code TIME} to the millisecond, so
   * through {@link Changelogs#toTable} and back a {@code LocalTime} loses finer fractions.
   *
   * <p>Enum, {@code UUID}, {@code char} and {@code Character} fields, RAW columns as well, get
   * {@code STRING} columns: the constant's name, the canonical form, the one character. Text that
   * names no constant, is no canonical UUID (either case of hex digits), or is not one {@code char}
   * long fails {@code fromRow} naming the field, never the text.
   *
   * @throws IllegalArgumentException if Flink does not see {@code type} as a POJO or record
   */
  static <T> RowMapping<T> pojo(Class<T> type) {
    return PojoRowMapping.of(type);
  }
}
