package dev.etlkit.benchmarks.reference;

import static org.apache.flink.table.api.DataTypes.FIELD;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.serialization.RuntimeContextInitializationContextAdapters;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonParserRowDataDeserializationSchema;
import org.apache.flink.formats.json.debezium.DebeziumJsonDeserializationSchema;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * The Flink SQL job's input decoding: the decoders that a Kafka table with {@code 'format' =
 * 'json'} and {@code 'format' = 'debezium-json'} runs for every record, straight into the planner's
 * {@link RowData} (no conversion from external types, as with a connector). A line is encoded to
 * UTF-8 bytes first, as the formats read bytes. Options as a SQL user of this input would set them:
 * {@code json.fail-on-missing-field = false} (a missing field is null, and the job's {@code IS NOT
 * NULL} filter drops the order, as etlkit's required fields dead-letter it), {@code
 * ignore-parse-errors = true} (SQL has no dead letters: a bad line is dropped), ISO-8601 times.
 */
final class SqlDecoders {

  /** The orders' columns: the JSON fields. */
  static final DataType ORDER_TYPE =
      DataTypes.ROW(
          FIELD("orderId", DataTypes.STRING()),
          FIELD("customerId", DataTypes.STRING()),
          FIELD("amount", DataTypes.DECIMAL(10, 2)),
          FIELD("currency", DataTypes.STRING()),
          FIELD("orderedAt", DataTypes.TIMESTAMP_LTZ(3)));

  /** The customers' columns; {@code id} is the primary key. */
  static final DataType CUSTOMER_TYPE =
      DataTypes.ROW(
          FIELD("id", DataTypes.STRING().notNull()),
          FIELD("name", DataTypes.STRING()),
          FIELD("tier", DataTypes.STRING()),
          FIELD("city", DataTypes.STRING()));

  static final TypeInformation<RowData> ORDER_ROWS =
      InternalTypeInfo.of((RowType) ORDER_TYPE.getLogicalType());

  static final TypeInformation<RowData> CUSTOMER_ROWS =
      InternalTypeInfo.of((RowType) CUSTOMER_TYPE.getLogicalType());

  private SqlDecoders() {}

  /** Order lines to order rows ({@code 'format' = 'json'}). */
  static final class Orders extends RichFlatMapFunction<String, RowData> {

    private static final long serialVersionUID = 1L;

    private transient JsonParserRowDataDeserializationSchema decoder;

    @Override
    public void open(OpenContext openContext) throws Exception {
      decoder =
          new JsonParserRowDataDeserializationSchema(
              (RowType) ORDER_TYPE.getLogicalType(),
              ORDER_ROWS,
              false, // a missing field is null ...
              true, // ... and a line that does not parse is dropped
              TimestampFormat.ISO_8601);
      decoder.open(
          RuntimeContextInitializationContextAdapters.deserializationAdapter(getRuntimeContext()));
    }

    @Override
    public void flatMap(String line, Collector<RowData> out) throws Exception {
      RowData row = decoder.deserialize(line.getBytes(StandardCharsets.UTF_8));
      if (row != null) {
        out.collect(row);
      }
    }
  }

  /**
   * Debezium change lines to upserts ({@code 'format' = 'debezium-json'}, without the {@code -U}
   * rows, which an upsert source does not have): {@code +I} for {@code r} and {@code c}, {@code +U}
   * for {@code u}, {@code -D} with the row before for {@code d}.
   */
  static final class CustomerUpserts extends RichFlatMapFunction<String, RowData> {

    private static final long serialVersionUID = 1L;

    private transient DebeziumJsonDeserializationSchema decoder;
    private transient WithoutUpdateBefore upserts;

    @Override
    public void open(OpenContext openContext) throws Exception {
      decoder =
          new DebeziumJsonDeserializationSchema(
              CUSTOMER_TYPE,
              List.of(), // no metadata columns
              CUSTOMER_ROWS,
              false, // no schema in the events
              true, // drop a line that does not decode
              TimestampFormat.ISO_8601);
      decoder.open(
          RuntimeContextInitializationContextAdapters.deserializationAdapter(getRuntimeContext()));
      upserts = new WithoutUpdateBefore();
    }

    @Override
    public void flatMap(String line, Collector<RowData> out) throws Exception {
      upserts.out = out;
      decoder.deserialize(line.getBytes(StandardCharsets.UTF_8), upserts);
    }
  }

  /** Passes every row on but {@code -U}. */
  private static final class WithoutUpdateBefore implements Collector<RowData> {

    private Collector<RowData> out;

    @Override
    public void collect(RowData row) {
      if (row.getRowKind() != RowKind.UPDATE_BEFORE) {
        out.collect(row);
      }
    }

    @Override
    public void close() {}
  }
}
