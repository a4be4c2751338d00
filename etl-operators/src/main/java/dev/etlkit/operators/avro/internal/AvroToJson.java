package dev.etlkit.operators.avro.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.internal.SafeJson;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;

/**
 * Writes Avro records as plain JSON, the inverse of {@link JsonToAvro}: records and maps as
 * objects, union values unwrapped, bytes and fixed as base64, enums as their symbol, decimals as
 * exact JSON numbers (never in exponent notation), uuid, date, time and timestamps as ISO-8601
 * text, and NaN or infinite floats as the text {@code "NaN"}, {@code "Infinity"}, {@code
 * "-Infinity"}. So {@code JsonToAvro} reads back an equal record.
 *
 * <p>A value that does not fit its schema (a null in a non-null field, a value of another type) is
 * an {@link AvroFormatException} naming its path and types, never the value. Not thread-safe (one
 * reused output buffer); build it in {@code open()}.
 */
@Internal
public final class AvroToJson {

  private final JsonFactory factory;
  private final StringWriter out = new StringWriter(256);

  public AvroToJson() {
    this.factory =
        SafeJson.mapperBuilder(JsonReadLimits.defaults())
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build()
            .getFactory();
  }

  /**
   * The JSON text of {@code record}, written with its own schema.
   *
   * @throws AvroFormatException if a value does not fit the record's schema
   */
  public String convert(IndexedRecord record) throws AvroFormatException {
    out.getBuffer().setLength(0);
    Schema schema = record.getSchema();
    try (JsonGenerator json = factory.createGenerator(out)) {
      record(json, record, schema);
    } catch (ValueException e) {
      throw new AvroFormatException(
          "record does not fit its schema "
              + schema.getFullName()
              + " at "
              + e.path()
              + ": "
              + e.getMessage());
    } catch (IOException | RuntimeException e) {
      throw AvroErrors.sanitize("cannot write the record as JSON", e);
    }
    return out.toString();
  }

  private static void record(JsonGenerator json, IndexedRecord record, Schema schema)
      throws IOException {
    json.writeStartObject();
    List<Schema.Field> fields = schema.getFields();
    for (int i = 0, n = fields.size(); i < n; i++) {
      Schema.Field field = fields.get(i);
      json.writeFieldName(field.name());
      try {
        value(json, record.get(i), field.schema());
      } catch (ValueException e) {
        throw e.inField(field.name());
      }
    }
    json.writeEndObject();
  }

  private static void value(JsonGenerator json, Object v, Schema s) throws IOException {
    if (v == null) {
      if (!JsonToAvro.isNullable(s)) {
        throw new ValueException("null is not allowed for " + LogicalValues.describe(s));
      }
      json.writeNull();
      return;
    }
    String logical = LogicalValues.logicalName(s);
    switch (s.getType()) {
      case UNION:
        value(json, v, branch(v, s));
        return;
      case RECORD:
        record(json, cast(v, IndexedRecord.class, s), s);
        return;
      case ARRAY:
        array(json, cast(v, Collection.class, s), s.getElementType());
        return;
      case MAP:
        map(json, cast(v, Map.class, s), s.getValueType());
        return;
      case ENUM:
        json.writeString(v.toString());
        return;
      case STRING:
        json.writeString(
            LogicalValues.UUID_TYPE.equals(logical)
                ? cast(v, UUID.class, s).toString()
                : cast(v, CharSequence.class, s).toString());
        return;
      case BYTES:
      case FIXED:
        if (LogicalValues.DECIMAL.equals(logical)) {
          json.writeNumber(cast(v, BigDecimal.class, s));
        } else if (v instanceof GenericFixed) {
          json.writeBinary(((GenericFixed) v).bytes());
        } else {
          ByteBuffer bytes = cast(v, ByteBuffer.class, s).duplicate();
          byte[] copy = new byte[bytes.remaining()];
          bytes.get(copy);
          json.writeBinary(copy);
        }
        return;
      case INT:
      case LONG:
        if (logical != null && !(v instanceof Number)) {
          json.writeString(temporal(v, s).toString());
        } else if (s.getType() == Schema.Type.INT) {
          json.writeNumber(cast(v, Integer.class, s));
        } else {
          json.writeNumber(cast(v, Long.class, s));
        }
        return;
      case FLOAT:
      case DOUBLE:
        double d = cast(v, Number.class, s).doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          json.writeString(Double.toString(d));
        } else if (v instanceof Float) {
          json.writeNumber((Float) v);
        } else {
          json.writeNumber(d);
        }
        return;
      case BOOLEAN:
        json.writeBoolean(cast(v, Boolean.class, s));
        return;
      default: // NULL with a non-null value
        throw mismatch(v, s);
    }
  }

  private static Object temporal(Object v, Schema s) {
    if (v instanceof LocalDate
        || v instanceof LocalTime
        || v instanceof Instant
        || v instanceof LocalDateTime) {
      return v;
    }
    throw mismatch(v, s);
  }

  private static void array(JsonGenerator json, Collection<?> items, Schema itemSchema)
      throws IOException {
    json.writeStartArray();
    int i = 0;
    for (Object item : items) {
      try {
        value(json, item, itemSchema);
      } catch (ValueException e) {
        throw e.atIndex(i);
      }
      i++;
    }
    json.writeEndArray();
  }

  private static void map(JsonGenerator json, Map<?, ?> map, Schema valueSchema)
      throws IOException {
    json.writeStartObject();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      json.writeFieldName(String.valueOf(e.getKey()));
      try {
        value(json, e.getValue(), valueSchema);
      } catch (ValueException ve) {
        throw ve.inMapValue();
      }
    }
    json.writeEndObject();
  }

  /** The union branch of {@code v}: Avro's resolution, which knows the logical-type classes. */
  private static Schema branch(Object v, Schema union) {
    try {
      return union.getTypes().get(AvroData.get().resolveUnion(union, v));
    } catch (RuntimeException e) { // UnresolvedUnionException quotes the value
      throw new ValueException(
          "a " + v.getClass().getName() + " fits no branch of the union " + union.getTypes());
    }
  }

  private static <X> X cast(Object v, Class<X> type, Schema s) {
    if (!type.isInstance(v)) {
      throw mismatch(v, s);
    }
    return type.cast(v);
  }

  private static ValueException mismatch(Object v, Schema s) {
    return new ValueException(
        "a " + v.getClass().getName() + " does not fit " + LogicalValues.describe(s));
  }
}
