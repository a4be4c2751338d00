package dev.etlkit.benchmarks.dedup;

import dev.etlkit.core.Change;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.conversion.DataStructureConverter;
import org.apache.flink.table.data.conversion.DataStructureConverters;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.Row;

/**
 * What a job whose records are {@link BenchRow}s pays to run a dedup in Flink SQL instead, beyond
 * the SQL function itself ({@link DedupImpl#FLINK_SQL_FROM_POJO}): the conversions the Table API
 * bridge runs, done by the converters it uses (Flink's {@link DataStructureConverters}, the
 * structured-type one generated and compiled by Flink as in a job).
 *
 * <ul>
 *   <li>In: {@code fromDataStream} turns each {@link BenchRow} into a {@code GenericRowData} of its
 *       fields ({@code InputConversionOperator} with the converter of the POJO's structured type).
 *   <li>Out, insert-only (keep-first): {@code toDataStream(table, BenchRow.class)} turns each row
 *       back into a new {@link BenchRow} with the same converter.
 *   <li>Out, a changelog (keep-last): {@code toChangelogStream} gives a {@link Row} carrying the
 *       row's kind (the {@code ROW} type's converter), which the job maps to the {@link Change} of
 *       a {@link BenchRow} that etlkit's step emits.
 * </ul>
 *
 * <p>Left out, as for every variant: the network exchange a {@code keyBy} puts between the
 * conversion and the keyed operator (which would hand the SQL function binary rows, and etlkit's
 * step POJOs, each through its serializer). So the SQL function here gets the converted {@code
 * GenericRowData}: its key projection and equaliser read fields, and RocksDB serializes the row
 * into binary form when it stores it, as it does for any row that is not binary yet. Its strings
 * wrap the POJO's, so the output conversion hands the same {@code String} back: in a job the
 * exchange would encode them (in both variants) and decode them (etlkit's step's at its input,
 * Flink SQL's at its output conversion). Also left out: the copies Flink makes between chained
 * operators when object reuse is off (a streaming job's default), which the bridged job has more of
 * (into the input conversion, into the output conversion, into the job's map after it), and the
 * planner's projection of a processing-time column. What the variant shows is a lower bound.
 */
final class SqlPojos {

  /**
   * {@link BenchRow} as the structured type {@code fromDataStream} derives for it (its fields, each
   * with the conversion class Flink gives it: {@code long} for the primitive fields), in the
   * benchmark's row order (key, version, payload) rather than {@code PojoTypeInfo}'s alphabetical
   * one (key, payload, version): both SQL variants then share one row type, key projection and
   * equaliser, and the order changes nothing the conversion does per field.
   */
  static final DataType STRUCTURED =
      DataTypes.STRUCTURED(
          BenchRow.class,
          DataTypes.FIELD("key", DataTypes.BIGINT().notNull().bridgedTo(long.class)),
          DataTypes.FIELD("version", DataTypes.BIGINT().notNull().bridgedTo(long.class)),
          DataTypes.FIELD("payload", DataTypes.STRING()));

  /** The same fields as the {@code ROW} type {@code toChangelogStream} converts to {@link Row}s. */
  static final DataType ROW =
      DataTypes.ROW(
          DataTypes.FIELD("key", DataTypes.BIGINT().notNull()),
          DataTypes.FIELD("version", DataTypes.BIGINT().notNull()),
          DataTypes.FIELD("payload", DataTypes.STRING()));

  private final DataStructureConverter<Object, Object> pojos;
  private final DataStructureConverter<Object, Object> rows;

  SqlPojos() {
    pojos = DataStructureConverters.getConverter(STRUCTURED);
    pojos.open(SqlPojos.class.getClassLoader());
    rows = DataStructureConverters.getConverter(ROW);
    rows.open(SqlPojos.class.getClassLoader());
  }

  /** The row {@code fromDataStream} hands the SQL operator for a record. */
  RowData toRow(BenchRow row) {
    return (RowData) pojos.toInternalOrNull(row);
  }

  /** A new {@link BenchRow} from an output row, as {@code toDataStream(table, BenchRow.class)}. */
  BenchRow toPojo(RowData row) {
    return (BenchRow) pojos.toExternalOrNull(row);
  }

  /**
   * The {@link Change} of a new {@link BenchRow} from an output row: {@code toChangelogStream}'s
   * {@link Row}, then the map a job writes after it.
   */
  Change<BenchRow> toChange(RowData internal) {
    Row row = (Row) rows.toExternalOrNull(internal);
    BenchRow pojo =
        new BenchRow(row.<Long>getFieldAs(0), row.<Long>getFieldAs(1), row.getFieldAs(2));
    return Change.of(row.getKind(), pojo);
  }
}
