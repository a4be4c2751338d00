package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.avro.internal.AvroErrors;
import dev.etlkit.operators.avro.internal.BoundedBinaryDecoder;
import dev.etlkit.operators.avro.internal.ConfluentWireFormat;
import dev.etlkit.operators.avro.internal.SchemaLookups;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * Reads Debezium records that Confluent's {@code AvroConverter} wrote (the Confluent wire format:
 * magic byte 0, 4-byte schema id, Avro binary) into the tree Kafka Connect's {@code JsonConverter}
 * would have written for the same Connect data: records as objects, unions unwrapped, {@code bytes}
 * and {@code fixed} as base64 text, floats and doubles as exact decimal numbers (non-finite ones as
 * the text {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}), logical types in their raw form
 * (a {@code MicroTimestamp} stays its long, a decimal its bytes). The column encodings come from
 * the properties {@code AvroConverter} writes on each column's schema: {@code connect.name} and
 * {@code connect.parameters} (a decimal's {@code scale}), else the Avro logical type.
 *
 * <p>Each schema id is looked up once (misses are asked again, as {@link SchemaProvider} says);
 * data is read with its writer schema, so any table schema decodes. Every error is an {@link
 * AvroFormatException} whose message never holds payload values, except a failed lookup under
 * {@link SchemaLookupFailures#FAIL_TASK} (see {@link SchemaLookups}). Not thread-safe.
 */
final class AvroEventReader implements EventReader {

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private final SchemaProvider provider;
  private final SchemaLookupFailures lookupFailures;
  private final JsonReadLimits limits;
  private final BoundedBinaryDecoder decoder;
  private final GenericData data = new GenericData(); // no conversions: raw logical values
  private final HashMap<Integer, Writer> writers = new HashMap<>();

  AvroEventReader(
      SchemaProvider provider,
      SchemaLookupFailures lookupFailures,
      JsonReadLimits limits,
      long maxCollectionItems) {
    this.provider = provider;
    this.lookupFailures = lookupFailures;
    this.limits = limits;
    this.decoder = new BoundedBinaryDecoder(maxCollectionItems);
  }

  /** One writer schema: its reader, and the column encodings it gives as a value and as a key. */
  private static final class Writer {
    final Schema schema;
    final GenericDatumReader<Object> reader;
    @Nullable ColumnEncodings asValue;
    @Nullable ColumnEncodings asKey;

    Writer(Schema schema, GenericData data) {
      this.schema = schema;
      this.reader = new GenericDatumReader<>(schema, schema, data);
    }
  }

  @Override
  public Read value(byte[] value) throws IOException {
    Writer writer = writer(value, "value");
    if (writer.schema.getType() != Schema.Type.RECORD) {
      throw new AvroFormatException(
          "value must be an Avro record (a Debezium envelope), was a "
              + describe(writer.schema)
              + " schema");
    }
    JsonNode envelope = read(writer, value, "value");
    if (writer.asValue == null) {
      writer.asValue = valueEncodings(writer.schema);
    }
    return new Read(envelope, writer.asValue, writer.schema.getFullName());
  }

  @Override
  public Read key(byte[] key) throws IOException {
    Writer writer = writer(key, "key");
    if (writer.schema.getType() != Schema.Type.RECORD) {
      throw new AvroFormatException(
          "key must be an Avro record of key columns, was a "
              + describe(writer.schema)
              + " schema");
    }
    JsonNode columns = read(writer, key, "key");
    if (writer.asKey == null) {
      writer.asKey = rowEncodings(writer.schema);
    }
    return new Read(columns, writer.asKey);
  }

  private Writer writer(byte[] bytes, String what) throws IOException {
    if (bytes.length > limits.maxDocumentBytes()) {
      throw new IOException(
          what
              + " of "
              + bytes.length
              + " bytes exceeds maxDocumentBytes "
              + limits.maxDocumentBytes());
    }
    if (bytes.length == 0) {
      throw new IllegalArgumentException(what + " is empty");
    }
    int id;
    try {
      id = ConfluentWireFormat.schemaId(bytes);
    } catch (AvroFormatException e) {
      throw prefixed(what, e);
    }
    Writer known = writers.get(id);
    if (known != null) {
      return known;
    }
    Schema schema = SchemaLookups.schemaById(provider, id, lookupFailures, what + ": ");
    if (schema == null) {
      throw new AvroFormatException(what + ": unknown writer schema id " + id);
    }
    Writer writer = new Writer(schema, data);
    writers.put(id, writer);
    return writer;
  }

  private JsonNode read(Writer writer, byte[] bytes, String what) throws IOException {
    int id = ConfluentWireFormat.schemaId(bytes);
    String cannot = what + ": cannot decode the Avro record (writer schema id " + id + ")";
    decoder.reset(
        bytes, ConfluentWireFormat.HEADER_BYTES, bytes.length - ConfluentWireFormat.HEADER_BYTES);
    Object datum;
    try {
      datum = writer.reader.read(null, decoder);
    } catch (Exception e) {
      throw prefixed(what, AvroErrors.sanitize(cannot, e));
    } catch (StackOverflowError e) {
      throw new AvroFormatException(cannot + ": the record is nested too deeply");
    }
    if (decoder.remaining() != 0) {
      throw new AvroFormatException(
          cannot
              + ": "
              + decoder.remaining()
              + " trailing bytes after the record (not one record of this schema)");
    }
    return tree(datum, writer.schema, 1, what);
  }

  /** {@code e} with {@code what: } in front of its message, unless it is there already. */
  private static AvroFormatException prefixed(String what, AvroFormatException e) {
    String message = e.getMessage();
    if (message != null && message.startsWith(what + ":")) {
      return e;
    }
    AvroFormatException with = new AvroFormatException(what + ": " + message);
    with.setStackTrace(e.getStackTrace());
    return with;
  }

  /**
   * The JSON tree {@code JsonConverter} writes for the Connect value of {@code datum}.
   *
   * @param depth the nesting depth of a record, array or map here, as Jackson counts JSON's objects
   *     and arrays (the value's own record is 1); values inside one do not nest deeper
   */
  private JsonNode tree(@Nullable Object datum, Schema schema, int depth, String what)
      throws AvroFormatException {
    Schema.Type type = schema.getType();
    if (depth > limits.maxNestingDepth()
        && (type == Schema.Type.RECORD || type == Schema.Type.ARRAY || type == Schema.Type.MAP)) {
      throw new AvroFormatException(
          what + ": nesting deeper than maxNestingDepth " + limits.maxNestingDepth());
    }
    switch (type) {
      case NULL:
        return NullNode.getInstance();
      case UNION:
        int branch = data.resolveUnion(schema, datum);
        return tree(datum, schema.getTypes().get(branch), depth, what);
      case RECORD:
        ObjectNode object = NODES.objectNode();
        IndexedRecord record = (IndexedRecord) datum;
        for (Schema.Field field : schema.getFields()) {
          object.set(field.name(), tree(record.get(field.pos()), field.schema(), depth + 1, what));
        }
        return object;
      case ARRAY:
        ArrayNode array = NODES.arrayNode();
        for (Object element : (List<?>) datum) {
          array.add(tree(element, schema.getElementType(), depth + 1, what));
        }
        return array;
      case MAP:
        ObjectNode map = NODES.objectNode();
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) datum).entrySet()) {
          map.set(
              text(entry.getKey().toString(), what),
              tree(entry.getValue(), schema.getValueType(), depth + 1, what));
        }
        return map;
      case STRING:
        return TextNode.valueOf(text(datum.toString(), what));
      case ENUM:
        return TextNode.valueOf(((GenericEnumSymbol<?>) datum).toString());
      case BYTES:
        ByteBuffer buffer = ((ByteBuffer) datum).duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return TextNode.valueOf(Base64.getEncoder().encodeToString(bytes));
      case FIXED:
        return TextNode.valueOf(Base64.getEncoder().encodeToString(((GenericFixed) datum).bytes()));
      case INT:
        return IntNode.valueOf((Integer) datum);
      case LONG:
        long n = (Long) datum;
        // as Jackson reads JsonConverter's output: an int node where the number fits one
        return n == (int) n ? IntNode.valueOf((int) n) : LongNode.valueOf(n);
      case FLOAT:
        float f = (Float) datum;
        return Float.isFinite(f)
            ? DecimalNode.valueOf(new BigDecimal(Float.toString(f)))
            : TextNode.valueOf(Float.toString(f));
      case DOUBLE:
        double d = (Double) datum;
        return Double.isFinite(d)
            ? DecimalNode.valueOf(new BigDecimal(Double.toString(d)))
            : TextNode.valueOf(Double.toString(d));
      case BOOLEAN:
        return BooleanNode.valueOf((Boolean) datum);
      default:
        throw new AvroFormatException(what + ": unsupported Avro type " + schema.getType());
    }
  }

  private String text(String text, String what) throws AvroFormatException {
    if (text.length() > limits.maxStringLength()) {
      throw new AvroFormatException(
          what + ": a string longer than maxStringLength " + limits.maxStringLength());
    }
    return text;
  }

  /**
   * The encodings of the envelope's row schema: the record of {@code after}, else {@code before}.
   */
  static ColumnEncodings valueEncodings(Schema envelope) {
    Schema.Field after = envelope.getField("after");
    Schema row = after == null ? null : recordOf(after.schema());
    if (row == null) {
      Schema.Field before = envelope.getField("before");
      row = before == null ? null : recordOf(before.schema());
    }
    return row == null ? ColumnEncodings.NONE : rowEncodings(row);
  }

  /**
   * The encodings of a record whose fields are columns: its fields described as Kafka Connect's
   * JSON schema does ({@code field}, {@code name}, {@code parameters}), read by {@link
   * ColumnEncodings#ofRowSchema}.
   */
  static ColumnEncodings rowEncodings(Schema row) {
    ObjectNode struct = NODES.objectNode();
    ArrayNode fields = struct.putArray("fields");
    for (Schema.Field field : row.getFields()) {
      Schema column = nonNull(field.schema());
      String connectName = column.getProp("connect.name");
      LogicalType logical = column.getLogicalType();
      Integer scale = null;
      if (logical instanceof LogicalTypes.Decimal) {
        scale = ((LogicalTypes.Decimal) logical).getScale();
      } else if (logical == null && "decimal".equals(column.getProp("logicalType"))) {
        // A scale below 0 or above the precision: AvroData writes the decimal as before Avro had
        // logical types ("logicalType" and "scale" properties), which Avro's parser ignores as
        // invalid. Without connect.name, those properties are all that says it is a decimal.
        Object legacyScale = column.getObjectProp("scale");
        if (legacyScale instanceof Integer) {
          scale = (Integer) legacyScale;
          if (connectName == null) {
            connectName = "org.apache.kafka.connect.data.Decimal";
          }
        }
      }
      Object parameters = column.getObjectProp("connect.parameters");
      if (parameters instanceof Map && ((Map<?, ?>) parameters).get("scale") != null) {
        scale = scaleOf(((Map<?, ?>) parameters).get("scale"));
      }
      if (connectName == null && logical != null) {
        connectName = connectNameOf(logical);
      }
      if (connectName == null) {
        continue;
      }
      ObjectNode described = fields.addObject();
      described.put("field", field.name());
      described.put("name", connectName);
      if (scale != null) {
        described.putObject("parameters").put("scale", scale.toString());
      }
    }
    return ColumnEncodings.ofRowSchema(struct);
  }

  @Nullable
  private static Integer scaleOf(Object scale) {
    String text = scale.toString();
    return text.length() > 0 && text.length() <= 6 && text.matches("-?[0-9]+")
        ? Integer.valueOf(text)
        : null;
  }

  /** The Connect schema name of a logical type, for schemas written without Connect's names. */
  @Nullable
  private static String connectNameOf(LogicalType logical) {
    switch (logical.getName()) {
      case "decimal":
        return "org.apache.kafka.connect.data.Decimal";
      case "date":
        return "org.apache.kafka.connect.data.Date";
      case "time-millis":
        return "org.apache.kafka.connect.data.Time";
      case "timestamp-millis":
        return "org.apache.kafka.connect.data.Timestamp";
      case "time-micros":
        return "io.debezium.time.MicroTime";
      case "timestamp-micros":
        return "io.debezium.time.MicroTimestamp";
      default:
        return null;
    }
  }

  /** The schema of a field's values: a nullable union's other branch, or the schema itself. */
  private static Schema nonNull(Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      List<Schema> types = schema.getTypes();
      if (types.size() == 2) {
        if (types.get(0).getType() == Schema.Type.NULL) {
          return types.get(1);
        }
        if (types.get(1).getType() == Schema.Type.NULL) {
          return types.get(0);
        }
      }
    }
    return schema;
  }

  @Nullable
  private static Schema recordOf(Schema schema) {
    Schema value = nonNull(schema);
    return value.getType() == Schema.Type.RECORD ? value : null;
  }

  private static String describe(Schema schema) {
    return schema.getType().getName();
  }
}
