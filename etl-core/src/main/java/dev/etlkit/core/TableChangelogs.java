package dev.etlkit.core;

import static org.apache.flink.table.api.Expressions.$;

import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.expressions.Expression;
import org.apache.flink.types.Row;

/**
 * The Table API half of {@link Changelogs}. Kept out of that class because the JVM verifies all of
 * a class's methods when it links it: a Table API type in one of its method bodies would make
 * {@link Changelogs#toRows} and {@link Changelogs#fromRows} fail without the Table API on the class
 * path ({@code NoClassDefFoundError: org/apache/flink/table/types/AbstractDataType}), although they
 * only map DataStreams.
 */
final class TableChangelogs {

  private TableChangelogs() {}

  static <T> Table toTable(
      StreamTableEnvironment tableEnv, DataStream<Change<T>> changes, RowMapping<T> mapping) {
    Objects.requireNonNull(tableEnv, "tableEnv");
    return tableEnv.fromChangelogStream(Changelogs.toRows(changes, mapping));
  }

  static <T> SingleOutputStreamOperator<Change<T>> fromTable(
      StreamTableEnvironment tableEnv, Table table, RowMapping<T> mapping) {
    Objects.requireNonNull(tableEnv, "tableEnv");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(mapping, "mapping");
    RowTypeInfo rowType = mapping.rowType();
    String[] names = rowType.getFieldNames();
    Expression[] columns = new Expression[names.length];
    Schema.Builder schema = Schema.newBuilder();
    for (int i = 0; i < names.length; i++) {
      columns[i] = $(names[i]);
      TypeInformation<?> columnType = rowType.getTypeAt(i);
      // Nullable: Flink derives NOT NULL columns from Types.INT, LONG, BOOLEAN, ..., and its
      // not-null enforcer would fail the job on a NULL meant for an Integer field. A NULL for a
      // primitive field fails in the mapping instead, naming the field.
      schema.column(names[i], DataTypes.of(columnType).nullable());
    }
    DataStream<Row> rows = tableEnv.toChangelogStream(table.select(columns), schema.build());
    return Changelogs.fromRows(rows, mapping);
  }
}
