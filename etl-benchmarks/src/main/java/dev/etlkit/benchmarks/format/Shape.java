package dev.etlkit.benchmarks.format;

import org.apache.avro.Schema;
import org.apache.flink.formats.avro.typeutils.AvroSchemaConverter;
import org.apache.flink.table.types.logical.RowType;

/**
 * The documents {@link FormatConversionBenchmark} converts, each a Java record of the data model.
 * The SQL row type and the Avro schema are derived from the record, so every impl reads and writes
 * the same fields with the same types.
 */
public enum Shape {
  /** {@link Order}: ten flat fields; about 210 bytes of JSON, 52 of Avro. */
  FLAT_10(Order.class),
  /** {@link WideEvent}: fifty flat fields; about 1,070 bytes of JSON, 346 of Avro. */
  FLAT_50(WideEvent.class),
  /**
   * {@link NestedOrder}: ten leaf values, two of the six top-level fields nested objects; about 240
   * bytes of JSON, 62 of Avro.
   */
  NESTED_10(NestedOrder.class),
  /**
   * {@link LedgerEntry}: ten flat fields, six of them decimals from {@code DECIMAL(5, 0)} to {@code
   * DECIMAL(24, 6)}; about 215 bytes of JSON, 57 of Avro.
   */
  DECIMAL_10(LedgerEntry.class);

  private final Class<? extends Record> type;

  Shape(Class<? extends Record> type) {
    this.type = type;
  }

  /** The Java record of this shape: the typed form etlkit decodes JSON into. */
  public Class<? extends Record> type() {
    return type;
  }

  /** The SQL row type of the record (see {@link DataModel#rowType}). */
  public RowType rowType() {
    return DataModel.rowType(type);
  }

  /**
   * The Avro schema every impl writes and reads: Flink's derivation of {@link #rowType()} with the
   * non-legacy timestamp mapping ({@code TIMESTAMP_LTZ(3)} ↔ {@code timestamp-millis}).
   */
  public Schema avroSchema() {
    return AvroSchemaConverter.convertToSchema(rowType(), false);
  }
}
