package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * A small model of Kafka Connect schemas and values, written the way Kafka Connect's {@code
 * JsonConverter} (with {@code schemas.enable=true}) and Confluent's {@code AvroConverter} write
 * them, so that one Debezium event can be had in both forms. Follows the converters' documented
 * shapes: optional fields as {@code ["null", T]} unions with default null, structs as records with
 * {@code connect.name}, named types with {@code connect.name}, {@code connect.version} and {@code
 * connect.parameters}, Connect's logical types with Avro's {@code logicalType} as well; {@code
 * bytes} as base64 in JSON.
 */
final class ConnectRecords {
  private ConnectRecords() {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A Connect schema: a primitive (maybe named) or a struct. */
  sealed interface Type permits Prim, Struct {}

  /**
   * A primitive: {@code type} is Connect's ({@code int32}, {@code int64}, {@code string}, {@code
   * boolean}, {@code bytes}, {@code float64}).
   */
  record Prim(
      String type,
      @Nullable String name,
      Map<String, String> parameters,
      @Nullable String avroLogicalType)
      implements Type {}

  /** A struct of fields, in order. */
  record Struct(String name, List<Field> fields) implements Type {}

  /** A field of a struct. */
  record Field(String name, Type type, boolean optional) {}

  static Prim prim(String type) {
    return new Prim(type, null, Map.of(), null);
  }

  static Prim named(String type, String name) {
    return new Prim(type, name, Map.of(), null);
  }

  /** Kafka Connect's {@code Decimal}: unscaled big-endian bytes, the scale as a parameter. */
  static Prim decimal(int precision, int scale) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("scale", Integer.toString(scale));
    params.put("connect.decimal.precision", Integer.toString(precision));
    return new Prim("bytes", "org.apache.kafka.connect.data.Decimal", params, "decimal");
  }

  static Field required(String name, Type type) {
    return new Field(name, type, false);
  }

  static Field optional(String name, Type type) {
    return new Field(name, type, true);
  }

  static Struct struct(String name, Field... fields) {
    return new Struct(name, List.of(fields));
  }

  /** Debezium's {@code io.debezium.data.VariableScaleDecimal}. */
  static final Struct VARIABLE_SCALE_DECIMAL =
      struct(
          "io.debezium.data.VariableScaleDecimal",
          required("scale", prim("int32")),
          required("value", prim("bytes")));

  /** Debezium's change event envelope of {@code row} with the connector's {@code source}. */
  static Struct envelope(String topic, Struct row, Struct source) {
    return struct(
        topic + ".Envelope",
        optional("before", row),
        optional("after", row),
        required("source", source),
        required("op", prim("string")),
        optional("ts_ms", prim("int64")),
        optional(
            "transaction",
            struct(
                "event.block",
                required("id", prim("string")),
                required("total_order", prim("int64")),
                required("data_collection_order", prim("int64")))));
  }

  // ---- JsonConverter

  /** The JSON that {@code JsonConverter} with schemas writes for {@code value} of {@code type}. */
  static byte[] json(Struct type, @Nullable Map<String, Object> value) {
    ObjectNode wrapper = NODES.objectNode();
    wrapper.set("schema", jsonSchema(type, null, false));
    wrapper.set("payload", jsonValue(type, value));
    try {
      return MAPPER.writeValueAsBytes(wrapper);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode jsonSchema(Type type, @Nullable String field, boolean optional) {
    ObjectNode schema = NODES.objectNode();
    if (type instanceof Struct struct) {
      schema.put("type", "struct");
      ArrayNode fields = schema.putArray("fields");
      for (Field f : struct.fields()) {
        fields.add(jsonSchema(f.type(), f.name(), f.optional()));
      }
      schema.put("optional", optional);
      schema.put("name", struct.name());
    } else {
      Prim prim = (Prim) type;
      schema.put("type", prim.type());
      schema.put("optional", optional);
      if (prim.name() != null) {
        schema.put("name", prim.name());
        schema.put("version", 1);
      }
      if (!prim.parameters().isEmpty()) {
        ObjectNode params = schema.putObject("parameters");
        prim.parameters().forEach(params::put);
      }
    }
    if (field != null) {
      schema.put("field", field);
    }
    return schema;
  }

  @SuppressWarnings("unchecked")
  private static JsonNode jsonValue(Type type, @Nullable Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (type instanceof Struct struct) {
      Map<String, Object> fields = (Map<String, Object>) value;
      ObjectNode object = NODES.objectNode();
      for (Field f : struct.fields()) {
        object.set(f.name(), jsonValue(f.type(), fields.get(f.name())));
      }
      return object;
    }
    return switch (((Prim) type).type()) {
      case "int32" -> NODES.numberNode((Integer) value);
      case "int64" -> NODES.numberNode((Long) value);
      case "float64" -> NODES.numberNode((Double) value);
      case "boolean" -> NODES.booleanNode((Boolean) value);
      case "string" -> NODES.textNode((String) value);
      case "bytes" -> NODES.textNode(Base64.getEncoder().encodeToString((byte[]) value));
      default -> throw new IllegalArgumentException(((Prim) type).type());
    };
  }

  // ---- AvroConverter

  /** The Avro schema that {@code AvroConverter} registers for {@code type}. */
  static Schema avroSchema(Struct type) {
    try {
      return new Schema.Parser()
          .parse(MAPPER.writeValueAsString(avroSchemaJson(type, new java.util.HashSet<>())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A record defined before is referred to by its name, as Avro requires. */
  private static JsonNode avroSchemaJson(Type type, java.util.Set<String> defined) {
    ObjectNode schema = NODES.objectNode();
    if (type instanceof Struct struct) {
      if (!defined.add(struct.name())) {
        return NODES.textNode(struct.name());
      }
      int dot = struct.name().lastIndexOf('.');
      schema.put("type", "record");
      schema.put("name", struct.name().substring(dot + 1));
      if (dot > 0) {
        schema.put("namespace", struct.name().substring(0, dot));
      }
      ArrayNode fields = schema.putArray("fields");
      for (Field f : struct.fields()) {
        ObjectNode field = fields.addObject();
        field.put("name", f.name());
        JsonNode fieldType = avroSchemaJson(f.type(), defined);
        if (f.optional()) {
          ArrayNode union = field.putArray("type");
          union.add("null");
          union.add(fieldType);
          field.putNull("default");
        } else {
          field.set("type", fieldType);
        }
      }
      schema.put("connect.name", struct.name());
      return schema;
    }
    Prim prim = (Prim) type;
    String avroType =
        switch (prim.type()) {
          case "int32" -> "int";
          case "int64" -> "long";
          case "float64" -> "double";
          default -> prim.type();
        };
    if (prim.name() == null) {
      return NODES.textNode(avroType);
    }
    schema.put("type", avroType);
    if ("decimal".equals(prim.avroLogicalType())) {
      schema.put("scale", Integer.parseInt(prim.parameters().get("scale")));
      schema.put("precision", Integer.parseInt(prim.parameters().get("connect.decimal.precision")));
    }
    schema.put("connect.version", 1);
    if (!prim.parameters().isEmpty()) {
      ObjectNode params = schema.putObject("connect.parameters");
      prim.parameters().forEach(params::put);
    }
    schema.put("connect.name", prim.name());
    if (prim.avroLogicalType() != null) {
      schema.put("logicalType", prim.avroLogicalType());
    }
    return schema;
  }

  /** {@code value} in the Confluent wire format: magic byte 0, {@code schemaId}, Avro binary. */
  static byte[] avro(int schemaId, Schema schema, Map<String, Object> value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      new GenericDatumWriter<>(schema, new GenericData()).write(avroValue(schema, value), encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @SuppressWarnings("unchecked")
  private static Object avroValue(Schema schema, @Nullable Object value) {
    if (value == null) {
      return null;
    }
    switch (schema.getType()) {
      case UNION:
        for (Schema branch : schema.getTypes()) {
          if (branch.getType() != Schema.Type.NULL) {
            return avroValue(branch, value);
          }
        }
        throw new IllegalArgumentException("union without a non-null branch");
      case RECORD:
        Map<String, Object> fields = (Map<String, Object>) value;
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
          record.put(f.pos(), avroValue(f.schema(), fields.get(f.name())));
        }
        return record;
      case BYTES:
        return ByteBuffer.wrap((byte[]) value);
      default:
        return value;
    }
  }

  /** A struct value: alternating names and values (a value may be null). */
  static Map<String, Object> values(Object... namesAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      map.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return map;
  }

  /** A copy of {@code row} with some columns changed. */
  static Map<String, Object> with(Map<String, Object> row, Object... namesAndValues) {
    Map<String, Object> copy = new LinkedHashMap<>(row);
    copy.putAll(values(namesAndValues));
    return copy;
  }

  static List<Field> fields(Field... fields) {
    return new ArrayList<>(Arrays.asList(fields));
  }

  static byte[] utf8(String text) {
    return text.getBytes(UTF_8);
  }
}
