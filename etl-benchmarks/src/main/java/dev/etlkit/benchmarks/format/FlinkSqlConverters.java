package dev.etlkit.benchmarks.format;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.avro.AvroFormatOptions.AvroEncoding;
import org.apache.flink.formats.avro.AvroRowDataDeserializationSchema;
import org.apache.flink.formats.avro.AvroRowDataSerializationSchema;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonFormatOptions.MapNullKeyMode;
import org.apache.flink.formats.json.JsonParserRowDataDeserializationSchema;
import org.apache.flink.formats.json.JsonRowDataSerializationSchema;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * The {@code FLINK_SQL} impl: Flink's own row formats, built exactly as the {@code json} and {@code
 * avro} format factories of Flink 2.2.1 build them for a table with these options:
 *
 * <pre>
 * 'json.timestamp-format.standard' = 'ISO-8601'  -- instants as 2026-11-20T23:16:03.120Z
 * 'avro.timestamp_mapping.legacy'  = 'false'     -- TIMESTAMP_LTZ(3) as timestamp-millis
 * </pre>
 *
 * and every other option at its default: JSON decoding with {@link
 * JsonParserRowDataDeserializationSchema} ({@code decode.json-parser.enabled} is true by default;
 * the older {@code JsonNode}-tree decoder is slower), missing fields as null, parse errors failing,
 * null fields written, Avro binary encoding. The two schemas meet at {@link RowData}, Flink SQL's
 * typed row, as they do in a {@code INSERT INTO avro_table SELECT * FROM json_table} pipeline.
 */
final class FlinkSqlConverters {

  private FlinkSqlConverters() {}

  static Converter jsonToAvro(RowType rowType) throws Exception {
    JsonParserRowDataDeserializationSchema json =
        new JsonParserRowDataDeserializationSchema(
            rowType, InternalTypeInfo.of(rowType), false, false, TimestampFormat.ISO_8601);
    json.open(Context.INSTANCE);
    AvroRowDataSerializationSchema avro =
        new AvroRowDataSerializationSchema(rowType, AvroEncoding.BINARY, false);
    avro.open(Context.INSTANCE);
    return new JsonToAvro(json, avro);
  }

  static Converter avroToJson(RowType rowType) throws Exception {
    AvroRowDataDeserializationSchema avro =
        new AvroRowDataDeserializationSchema(
            rowType, InternalTypeInfo.of(rowType), AvroEncoding.BINARY, false);
    avro.open(Context.INSTANCE);
    JsonRowDataSerializationSchema json =
        new JsonRowDataSerializationSchema(
            rowType, TimestampFormat.ISO_8601, MapNullKeyMode.FAIL, "null", false, false);
    json.open(Context.INSTANCE);
    return new AvroToJson(avro, json);
  }

  private static final class JsonToAvro implements Converter, Collector<RowData> {
    private final JsonParserRowDataDeserializationSchema json;
    private final AvroRowDataSerializationSchema avro;
    private RowData row;

    JsonToAvro(JsonParserRowDataDeserializationSchema json, AvroRowDataSerializationSchema avro) {
      this.json = json;
      this.avro = avro;
    }

    @Override
    public byte[] convert(byte[] document) throws Exception {
      row = null;
      json.deserialize(document, this);
      return avro.serialize(row);
    }

    @Override
    public void collect(RowData record) {
      row = record;
    }

    @Override
    public void close() {}
  }

  private static final class AvroToJson implements Converter {
    private final AvroRowDataDeserializationSchema avro;
    private final JsonRowDataSerializationSchema json;

    AvroToJson(AvroRowDataDeserializationSchema avro, JsonRowDataSerializationSchema json) {
      this.avro = avro;
      this.json = json;
    }

    @Override
    public byte[] convert(byte[] document) throws Exception {
      return json.serialize(avro.deserialize(document));
    }
  }

  /**
   * What a source or sink would give the schemas in {@code open}: no metrics, this class loader.
   */
  private static final class Context
      implements SerializationSchema.InitializationContext,
          DeserializationSchema.InitializationContext {
    static final Context INSTANCE = new Context();

    private final UserCodeClassLoader classLoader =
        SimpleUserCodeClassLoader.create(FlinkSqlConverters.class.getClassLoader());

    @Override
    public UnregisteredMetricsGroup getMetricGroup() {
      return new UnregisteredMetricsGroup();
    }

    @Override
    public UserCodeClassLoader getUserCodeClassLoader() {
      return classLoader;
    }
  }
}
