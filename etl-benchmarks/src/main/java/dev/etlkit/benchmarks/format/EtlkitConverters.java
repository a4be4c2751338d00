package dev.etlkit.benchmarks.format;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.internal.AvroRecordDecoder;
import dev.etlkit.operators.avro.internal.AvroRecordEncoder;
import dev.etlkit.operators.avro.internal.AvroToJson;
import dev.etlkit.operators.avro.internal.JsonToAvro;
import dev.etlkit.operators.avro.internal.PojoToAvro;
import dev.etlkit.operators.avro.internal.RecordModel;
import dev.etlkit.operators.json.Json;
import dev.etlkit.operators.json.JsonParse;
import dev.etlkit.operators.json.internal.JsonParseConfig;
import dev.etlkit.operators.json.internal.JsonRecordReader;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The {@code ETLKIT} impls: the per-record code of etlkit's JSON and Avro steps, called directly on
 * the plain-Java codec classes each step function builds in {@code open()} and calls once per
 * record, configured as the public factories configure them with their defaults. Each chain below
 * is the steps a user would chain:
 *
 * <ul>
 *   <li>{@code ETLKIT}, JSON → Avro through the typed record: {@code Json.parse(type)} ({@link
 *       JsonRecordReader}), {@code Avro.fromPojo(type, schema)} ({@link PojoToAvro}), {@code
 *       Avro.encode(schema)} ({@link AvroRecordEncoder}).
 *   <li>{@code ETLKIT_GENERIC}, JSON → Avro straight to a {@code GenericRecord}: {@code
 *       Avro.fromJson(schema)} ({@link JsonToAvro}), {@code Avro.encode(schema)}.
 *   <li>both, Avro → JSON: {@code Avro.decode(schema)} ({@link AvroRecordDecoder}), {@code
 *       Avro.toJson().asBytes()} ({@link AvroToJson}, which writes the JSON as UTF-8 bytes, what a
 *       Kafka sink needs). etlkit has no Avro → typed record step, so this direction goes through
 *       {@code GenericRecord}.
 * </ul>
 *
 * <p>Why the codec classes rather than the step functions in Flink's {@code
 * ProcessFunctionTestHarnesses}: the functions add the same small per-record cost to every step
 * (counters, the dead-letter {@code try}, collecting the output), and a harness adds its own output
 * queue and record copies; measuring the codecs keeps the comparison with {@code FLINK_SQL}, whose
 * deserialization and serialization schemas are called directly too, like for like. The functions'
 * wrapping is the same for all etlkit steps and is not what this benchmark compares.
 */
final class EtlkitConverters {

  private EtlkitConverters() {}

  /** {@code Json.parse(type)} → {@code Avro.fromPojo(type, schema)} → {@code Avro.encode}. */
  static <T> Converter jsonToAvroTyped(Class<T> type, Schema schema) {
    // The public factories validate the type and schema as a user's pipeline would.
    Json.parse("parse", type);
    Avro.fromPojo("to-avro", type, schema);
    Avro.encode("encode", schema);
    JsonRecordReader<T> reader = new JsonRecordReader<>(defaultParseConfig(type));
    PojoToAvro<T> toAvro = new PojoToAvro<>(type, schema);
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(schema), null);
    return document -> encoder.encode(toAvro.convert(reader.read(document)));
  }

  /** {@code Avro.fromJson(schema)} → {@code Avro.encode(schema)}. */
  static Converter jsonToAvroGeneric(Schema schema) {
    Avro.fromJson("from-json", schema, PayloadInput.bytes());
    Avro.encode("encode", schema);
    JsonToAvro fromJson = new JsonToAvro(schema, JsonReadLimits.defaults());
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(schema), null);
    return document -> encoder.encode(fromJson.convert(document));
  }

  /** {@code Avro.decode(schema)} → {@code Avro.toJson().asBytes()}. */
  static Converter avroToJson(Schema schema) {
    Avro.decode("decode", schema, PayloadInput.bytes());
    Avro.toJson("to-json").asBytes();
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(
            RecordModel.generic(schema), null, null, Avro.DEFAULT_MAX_COLLECTION_ITEMS);
    AvroToJson toJson = new AvroToJson();
    return document -> toJson.convertToBytes(decoder.decode(document));
  }

  /** The configuration {@code Json.parse(name, type)} runs with when no option is changed. */
  private static <T> JsonParseConfig<T> defaultParseConfig(Class<T> type) {
    return new JsonParseConfig<>(
        type,
        JsonReadLimits.defaults(),
        JsonParse.DEFAULT_UNKNOWN_FIELDS,
        Set.of(),
        JsonParse.DEFAULT_PRIMITIVE_FIELDS_REQUIRED,
        JsonParse.DEFAULT_COERCION,
        Map.of());
  }
}
