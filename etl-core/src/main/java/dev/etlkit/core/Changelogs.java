package dev.etlkit.core;

import dev.etlkit.core.internal.ChangeToRowFunction;
import dev.etlkit.core.internal.RowToChangeFunction;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * Converts change streams to and from Table API changelogs, so that a {@code DataStream<Change<T>>}
 * can be written to any Flink SQL sink (or queried with SQL) and a changelog table read back as
 * changes.
 *
 * <p>A change becomes a row with the same {@link org.apache.flink.types.RowKind} and the columns of
 * {@link RowMapping#toRow}; a row becomes a change of the row's kind holding {@link
 * RowMapping#fromRow}, one to one and in order; what a query does to the changelog in between is up
 * to the planner. The change's event time and source position are not carried: put them into value
 * fields if a table needs them. Changes coming back from rows have neither.
 *
 * <pre>{@code
 * RowMapping<Customer> mapping = RowMapping.pojo(Customer.class);
 * Table table = Changelogs.toTable(tableEnv, changes, mapping);
 * tableEnv.createTemporaryView("customers", table);
 * Table rich = tableEnv.sqlQuery("SELECT * FROM customers WHERE credit > 100");
 * DataStream<Change<Customer>> back = Changelogs.fromTable(tableEnv, rich, mapping);
 * }</pre>
 *
 * <p>For an upsert changelog or a primary key, use {@link #toRows} with {@link
 * StreamTableEnvironment#fromChangelogStream(DataStream, Schema,
 * org.apache.flink.table.connector.ChangelogMode)}.
 *
 * <p>{@link #toRows} and {@link #fromRows} need Flink's DataStream API only; {@link #toTable} and
 * {@link #fromTable} need the Table API ({@code flink-table-api-java-bridge}) on the class path.
 */
@PublicEvolving
public final class Changelogs {

  private static final String TO_ROWS_NAME = "Changes to rows";
  private static final String FROM_ROWS_NAME = "Rows to changes";

  private Changelogs() {}

  /**
   * Maps each change to a row of {@code mapping.rowType()} with the change's row kind. The operator
   * is named "Changes to rows"; it has no state, set a uid on the result if your setup requires
   * one.
   */
  public static <T> SingleOutputStreamOperator<Row> toRows(
      DataStream<Change<T>> changes, RowMapping<T> mapping) {
    Objects.requireNonNull(changes, "changes");
    Objects.requireNonNull(mapping, "mapping");
    return changes.map(new ChangeToRowFunction<>(mapping), mapping.rowType()).name(TO_ROWS_NAME);
  }

  /**
   * Maps each row to a change of the row's kind, typed {@code
   * Change.typeInfo(mapping.valueType())}. Rows must have the columns of {@code mapping.rowType()}
   * in that order ({@link RowMapping#pojo} also takes rows named by those columns in any order, as
   * from {@code StreamTableEnvironment.toChangelogStream}). The operator is named "Rows to
   * changes".
   *
   * <p>A plain map outside any pipeline: a row the mapping cannot convert (a NULL column into a
   * primitive field, a column of another type) fails the task, as it has no dead-letter output.
   * Where rows can be bad, convert them in a pipeline step instead, which dead-letters them with
   * the reason: {@code Etl.from(rows, "p").apply(Steps.map("to-changes", row ->
   * Change.of(row.getKind(), mapping.fromRow(row)), Change.typeInfo(mapping.valueType())))}.
   */
  public static <T> SingleOutputStreamOperator<Change<T>> fromRows(
      DataStream<Row> rows, RowMapping<T> mapping) {
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(mapping, "mapping");
    return rows.map(new RowToChangeFunction<>(mapping), Change.typeInfo(mapping.valueType()))
        .name(FROM_ROWS_NAME);
  }

  /**
   * The change stream as a changelog table with the columns of {@code mapping.rowType()}, accepting
   * all row kinds ({@link StreamTableEnvironment#fromChangelogStream(DataStream)}).
   */
  public static <T> Table toTable(
      StreamTableEnvironment tableEnv, DataStream<Change<T>> changes, RowMapping<T> mapping) {
    return TableChangelogs.toTable(tableEnv, changes, mapping);
  }

  /**
   * The changelog of {@code table} as changes. The table's columns are picked by the names of
   * {@code mapping.rowType()} (extra columns are ignored, a missing one fails here with the Table
   * API's validation error) and converted to the Java types of the mapping's column types.
   */
  public static <T> SingleOutputStreamOperator<Change<T>> fromTable(
      StreamTableEnvironment tableEnv, Table table, RowMapping<T> mapping) {
    return TableChangelogs.fromTable(tableEnv, table, mapping);
  }
}
