package dev.etlkit.operators.avro.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.internal.JsonErrors;
import dev.etlkit.operators.internal.JsonNumbers;
import dev.etlkit.operators.internal.SafeJson;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.annotation.Internal;

/**
 * Converts plain JSON documents (as people and most services write them, not Avro's own JSON
 * encoding) into {@code GenericRecord}s of one schema. The mapping, by Avro type:
 *
 * <ul>
 *   <li>record: a JSON object; a field is read under its name, else under the first of its aliases
 *       the object has; unknown JSON fields are ignored; a missing field takes the schema's
 *       default, else null if the field is nullable, else the document is rejected;
 *   <li>union: JSON null picks the null branch; any other value the first branch that holds it
 *       exactly (no {@code {"type": value}} wrappers): {@code 1099511627776} skips an int branch
 *       for a long, {@code 0.1} a float branch for a double, {@code 9007199254740993} a double
 *       branch for a long;
 *   <li>int/long: integral numbers in range; float/double: numbers, or the strings {@code "NaN"},
 *       {@code "Infinity"}, {@code "-Infinity"}; boolean: true/false; string: text; enum: a symbol
 *       (or the enum's default for an unknown symbol); bytes/fixed: base64 text; array, map: JSON
 *       arrays and objects;
 *   <li>decimal: a number or numeric text, at most the schema's scale and precision; uuid: text;
 *       date: {@code yyyy-MM-dd} or days since 1970; time: {@code HH:mm:ss[.f]} or millis/micros of
 *       the day; timestamp: ISO-8601 with offset or millis/micros since 1970; local-timestamp:
 *       ISO-8601 without offset or millis/micros.
 * </ul>
 *
 * <p>No coercion between JSON types beyond these (a number is not a string, "5" is not an int).
 * Documents are read with {@link SafeJson} and the given {@link JsonReadLimits}. Errors are {@link
 * AvroFormatException}s naming the path and the expected type, never the value. Thread-safe once
 * built (the Jackson reader is immutable); not serializable: build it in {@code open()}.
 */
@Internal
public final class JsonToAvro {

  private final Schema schema;
  private final JsonReadLimits limits;
  private final ObjectReader reader;
  private final AvroData data = AvroData.get();

  public JsonToAvro(Schema schema, JsonReadLimits limits) {
    this.schema = RecordModel.generic(schema).schema();
    this.limits = limits;
    this.reader =
        SafeJson.mapperBuilder(limits)
            // Exact decimals: a double would round 12345678901234567.89.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build()
            .reader();
  }

  /**
   * The record {@code json} describes.
   *
   * @throws AvroFormatException if it is not one JSON object that fits the schema
   */
  public GenericRecord convert(byte[] json) throws AvroFormatException {
    try {
      SafeJson.checkSize(json, limits);
    } catch (IOException e) {
      throw new AvroFormatException(e.getMessage()); // sizes only
    }
    String invalid = SafeJson.invalidUtf8(json);
    if (invalid != null) {
      // what Jackson would decode anyway, reported as what it refuses itself
      throw AvroErrors.sanitize(
          "malformed JSON" + invalid, new JsonParseException((JsonParser) null, "Invalid UTF-8"));
    }
    String wide = SafeJson.invalidUtf16Or32(json);
    if (wide != null) {
      throw AvroErrors.sanitize(
          "malformed JSON: " + wide, new JsonParseException((JsonParser) null, "Invalid UTF-16"));
    }
    JsonNode root;
    try {
      root = reader.readTree(json);
    } catch (StreamConstraintsException e) {
      // Jackson's limit messages name the limit and the size, never the content.
      throw AvroErrors.sanitize(
          "JSON exceeds a read limit: " + JsonErrors.limitMessage(e.getOriginalMessage()), e);
    } catch (JsonProcessingException e) {
      throw AvroErrors.sanitize("malformed JSON" + where(e.getLocation()), e);
    } catch (IOException | RuntimeException e) {
      // e.g. a NumberFormatException for an exponent beyond int, quoting the number
      throw AvroErrors.sanitize("malformed JSON", e);
    }
    if (root == null || root.isMissingNode()) {
      throw new AvroFormatException("empty JSON document");
    }
    try {
      if (!root.isObject()) {
        throw mismatch(root, schema);
      }
      return record(root, schema);
    } catch (ValueException e) {
      throw e.toFormatException("JSON does not fit Avro schema", schema);
    } catch (RuntimeException e) {
      throw AvroErrors.sanitize("cannot convert JSON to Avro schema " + schema.getFullName(), e);
    } catch (StackOverflowError e) {
      // A recursive schema's document deeper than the stack (the nesting limit raised): no
      // Exception, so it would not become an AvroFormatException.
      throw new AvroFormatException(
          "cannot convert JSON to Avro schema "
              + schema.getFullName()
              + ": the document is nested too deeply");
    }
  }

  private static String where(JsonLocation location) {
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private GenericRecord record(JsonNode object, Schema recordSchema) {
    AvroData.Record record = new AvroData.Record(recordSchema);
    List<Schema.Field> fields = recordSchema.getFields();
    for (int i = 0, n = fields.size(); i < n; i++) {
      Schema.Field field = fields.get(i);
      JsonNode node = object.get(field.name());
      if (node == null && !field.aliases().isEmpty()) {
        node = underAlias(object, field);
      }
      try {
        record.put(i, node == null ? missing(field) : value(node, field.schema()));
      } catch (ValueException e) {
        throw e.inField(field.name());
      }
    }
    return record;
  }

  /**
   * The value under the first of {@code field}'s aliases the object has: a producer still writing a
   * renamed field's old name fills it, as Avro's schema resolution would (and as the union rule
   * assumes when it counts an alias key as held by the record).
   */
  private static JsonNode underAlias(JsonNode object, Schema.Field field) {
    for (String alias : field.aliases()) {
      JsonNode node = object.get(alias);
      if (node != null) {
        return node;
      }
    }
    return null;
  }

  private Object missing(Schema.Field field) {
    if (field.hasDefaultValue()) {
      return data.deepCopy(field.schema(), data.getDefaultValue(field));
    }
    if (isNullable(field.schema())) {
      return null;
    }
    throw new ValueException("required field is missing (no default, not nullable)");
  }

  static boolean isNullable(Schema schema) {
    if (schema.getType() == Schema.Type.NULL) {
      return true;
    }
    if (schema.getType() == Schema.Type.UNION) {
      for (Schema branch : schema.getTypes()) {
        if (branch.getType() == Schema.Type.NULL) {
          return true;
        }
      }
    }
    return false;
  }

  private Object value(JsonNode node, Schema s) {
    if (node.isNull()) {
      if (isNullable(s)) {
        return null;
      }
      throw new ValueException("null is not allowed for " + LogicalValues.describe(s));
    }
    switch (s.getType()) {
      case UNION:
        return unionValue(node, s);
      case RECORD:
        if (!node.isObject()) {
          throw mismatch(node, s);
        }
        return record(node, s);
      case ARRAY:
        return array(node, s);
      case MAP:
        return map(node, s);
      case ENUM:
        return enumSymbol(node, s);
      case STRING:
        return string(node, s);
      case BYTES:
        return bytes(node, s);
      case FIXED:
        return fixed(node, s);
      case INT:
        return intValue(node, s);
      case LONG:
        return longValue(node, s);
      case FLOAT:
        // from the number as written: by way of a double it would be rounded twice
        return node.isBigDecimal() || node.isIntegralNumber()
            ? asFloat(node)
            : (float) floating(node, s);
      case DOUBLE:
        return floating(node, s);
      case BOOLEAN:
        if (!node.isBoolean()) {
          throw mismatch(node, s);
        }
        return node.booleanValue();
      default: // NULL with a non-null value
        throw mismatch(node, s);
    }
  }

  /**
   * {@code node} as the first branch of {@code union} that holds it exactly: an int branch is
   * skipped for a number beyond the int range, a float branch for a number a float would round, a
   * double branch for a long a double would round (unless no later branch holds it either: then it
   * is rounded, as in a float or double field), any branch whose conversion fails. If none holds
   * it, the error of the first branch its JSON type fits. Conversions only fail here when a branch
   * before the right one fits the JSON type, which is rare, and {@link ValueException}s carry no
   * stack trace.
   */
  private Object unionValue(JsonNode node, Schema union) {
    JsonNodeType type = node.getNodeType();
    List<Schema> branches = union.getTypes();
    ValueException firstError = null;
    // The first branch that holds the value only with a loss (a float that rounds it, a double
    // that rounds a long, a record without some of its keys, an enum's default for text that
    // is none of its symbols): taken only when no later branch holds the value as it is.
    Schema lossy = null;
    for (int i = 0, n = branches.size(); i < n; i++) {
      Schema b = branches.get(i);
      if (!fits(type, node, b)) {
        continue;
      }
      if (holdsWithLoss(node, b)) {
        if (lossy == null) {
          lossy = b;
        }
        continue;
      }
      try {
        return value(node, b);
      } catch (ValueException e) {
        if (firstError == null) {
          firstError = e;
        }
      }
    }
    if (lossy != null) {
      return value(node, lossy);
    }
    if (firstError != null) {
      throw firstError;
    }
    throw new ValueException(
        "a JSON " + typeName(node) + " fits no branch of the union " + union.getTypes());
  }

  /** Whether branch {@code b}, which {@link #fits} the node, would hold it only with a loss. */
  private static boolean holdsWithLoss(JsonNode node, Schema b) {
    switch (b.getType()) {
      case FLOAT:
        return node.isNumber() && !holdsAsFloat(node);
      case DOUBLE:
        return node.isNumber() && roundsALong(node);
      case ENUM:
        return !b.hasEnumSymbol(node.textValue());
      case RECORD:
        Iterator<String> keys = node.fieldNames();
        while (keys.hasNext()) {
          if (!isFieldOf(b, keys.next())) {
            return true;
          }
        }
        return false;
      default:
        return false;
    }
  }

  private static boolean isFieldOf(Schema record, String name) {
    if (record.getField(name) != null) {
      return true;
    }
    for (Schema.Field field : record.getFields()) {
      if (field.aliases().contains(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a float holds the number exactly: an integer as written (its double may round it to a
   * float), a fraction as a double field would read it.
   */
  private static boolean holdsAsFloat(JsonNode node) {
    if (node.isInt() || node.isLong()) {
      long v = node.longValue();
      float f = v;
      return f != 0x1p63f && (long) f == v; // Long.MAX_VALUE rounds up to 2^63
    }
    if (node.isIntegralNumber()) {
      float f = asFloat(node);
      return !Float.isInfinite(f)
          && new BigDecimal(f).compareTo(new BigDecimal(node.bigIntegerValue())) == 0;
    }
    double d = node.doubleValue();
    return (double) (float) d == d;
  }

  /** The float nearest the number as written, rounded once. */
  private static float asFloat(JsonNode node) {
    if (node.isInt() || node.isLong()) {
      return (float) node.longValue();
    }
    if (node.isBigInteger()) {
      return node.bigIntegerValue().floatValue();
    }
    return node.decimalValue().floatValue();
  }

  /** Whether a double would round this integer of the long range (2^53 + 1 to 2^53). */
  private static boolean roundsALong(JsonNode node) {
    if (node.isInt() || !node.canConvertToExactIntegral() || !node.canConvertToLong()) {
      return false;
    }
    long v = node.longValue();
    double d = v;
    return d == 0x1p63 || (long) d != v; // Long.MAX_VALUE rounds up to 2^63
  }

  private static boolean isNonFiniteText(JsonNode node) {
    return JsonNumbers.nonFinite(node.textValue()) != null;
  }

  private static boolean fits(JsonNodeType type, JsonNode node, Schema s) {
    String logical = LogicalValues.logicalName(s);
    switch (s.getType()) {
      case RECORD:
      case MAP:
        return type == JsonNodeType.OBJECT;
      case ARRAY:
        return type == JsonNodeType.ARRAY;
      case BOOLEAN:
        return type == JsonNodeType.BOOLEAN;
      case STRING:
      case ENUM:
        return type == JsonNodeType.STRING;
      case BYTES:
      case FIXED:
        return type == JsonNodeType.STRING
            || (type == JsonNodeType.NUMBER && LogicalValues.DECIMAL.equals(logical));
      case INT:
      case LONG:
        // Any number: an integral decimal (5.0, 1e3) is an int as in an int field; a fraction
        // fails the branch's conversion and the next branch is tried.
        return type == JsonNodeType.NUMBER || (type == JsonNodeType.STRING && logical != null);
      case FLOAT:
      case DOUBLE:
        return type == JsonNodeType.NUMBER
            || (type == JsonNodeType.STRING && isNonFiniteText(node));
      default:
        return false;
    }
  }

  private Object array(JsonNode node, Schema s) {
    if (!node.isArray()) {
      throw mismatch(node, s);
    }
    Schema items = s.getElementType();
    int n = node.size();
    GenericData.Array<Object> array = new GenericData.Array<>(n, s);
    for (int i = 0; i < n; i++) {
      try {
        array.add(value(node.get(i), items));
      } catch (ValueException e) {
        throw e.atIndex(i);
      }
    }
    return array;
  }

  private Object map(JsonNode node, Schema s) {
    if (!node.isObject()) {
      throw mismatch(node, s);
    }
    Schema values = s.getValueType();
    Map<String, Object> map = new HashMap<>((int) (node.size() / 0.75f) + 1);
    Iterator<Map.Entry<String, JsonNode>> entries = node.fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> entry = entries.next();
      try {
        map.put(entry.getKey(), value(entry.getValue(), values));
      } catch (ValueException e) {
        throw e.inMapValue();
      }
    }
    return map;
  }

  private static Object enumSymbol(JsonNode node, Schema s) {
    if (!node.isTextual()) {
      throw mismatch(node, s);
    }
    String symbol = node.textValue();
    if (!s.hasEnumSymbol(symbol)) {
      if (s.getEnumDefault() == null) {
        throw new ValueException("text is not a symbol of " + LogicalValues.describe(s));
      }
      symbol = s.getEnumDefault();
    }
    return new GenericData.EnumSymbol(s, symbol);
  }

  private static Object string(JsonNode node, Schema s) {
    if (!node.isTextual()) {
      throw mismatch(node, s);
    }
    if (LogicalValues.UUID_TYPE.equals(LogicalValues.logicalName(s))) {
      return LogicalValues.parseUuid(node.textValue());
    }
    return node.textValue();
  }

  private static Object bytes(JsonNode node, Schema s) {
    if (LogicalValues.DECIMAL.equals(LogicalValues.logicalName(s))) {
      return decimal(node, s);
    }
    return ByteBuffer.wrap(base64(node, s));
  }

  private static Object fixed(JsonNode node, Schema s) {
    if (LogicalValues.DECIMAL.equals(LogicalValues.logicalName(s))) {
      return decimal(node, s);
    }
    byte[] bytes = base64(node, s);
    if (bytes.length != s.getFixedSize()) {
      throw new ValueException(
          "fixed "
              + s.getFullName()
              + " needs "
              + s.getFixedSize()
              + " bytes, the base64 text holds "
              + bytes.length);
    }
    return new GenericData.Fixed(s, bytes);
  }

  private static byte[] base64(JsonNode node, Schema s) {
    if (!node.isTextual()) {
      throw mismatch(node, s);
    }
    try {
      return node.binaryValue();
    } catch (IOException | IllegalArgumentException e) {
      throw new ValueException("text is not base64 for " + LogicalValues.describe(s));
    }
  }

  private static BigDecimal decimal(JsonNode node, Schema s) {
    if (node.isNumber()) {
      return LogicalValues.decimal(node.decimalValue(), s);
    }
    if (node.isTextual()) {
      return LogicalValues.parseDecimal(node.textValue(), s);
    }
    throw mismatch(node, s);
  }

  private static Object intValue(JsonNode node, Schema s) {
    String logical = LogicalValues.logicalName(s);
    if (node.isTextual() && logical != null) {
      if (LogicalValues.DATE.equals(logical)) {
        return LogicalValues.parseDate(node.textValue());
      }
      if (LogicalValues.TIME_MILLIS.equals(logical)) {
        return LogicalValues.parseTime(node.textValue(), logical);
      }
    }
    long value = integral(node, s);
    if (LogicalValues.DATE.equals(logical)) {
      return LogicalValues.dateFromDays(value);
    }
    if (LogicalValues.TIME_MILLIS.equals(logical)) {
      return LogicalValues.timeFromMillis(value);
    }
    if (value != (int) value) {
      throw new ValueException("number is outside the int range");
    }
    return (int) value;
  }

  private static Object longValue(JsonNode node, Schema s) {
    String logical = LogicalValues.logicalName(s);
    if (logical == null) {
      return integral(node, s);
    }
    boolean text = node.isTextual();
    switch (logical) {
      case LogicalValues.TIMESTAMP_MILLIS:
      case LogicalValues.TIMESTAMP_MICROS:
        return text
            ? LogicalValues.parseTimestamp(node.textValue(), logical)
            : LogicalValues.timestampFrom(integral(node, s), logical);
      case LogicalValues.LOCAL_TIMESTAMP_MILLIS:
      case LogicalValues.LOCAL_TIMESTAMP_MICROS:
        return text
            ? LogicalValues.parseLocalTimestamp(node.textValue(), logical)
            : LogicalValues.localTimestampFrom(integral(node, s), logical);
      case LogicalValues.TIME_MICROS:
        return text
            ? LogicalValues.parseTime(node.textValue(), logical)
            : LogicalValues.timeFromMicros(integral(node, s));
      default:
        return integral(node, s);
    }
  }

  /** An integral JSON number in the long range (5.0 counts, 5.5 does not). */
  private static long integral(JsonNode node, Schema s) {
    if (node.isInt() || node.isLong()) {
      return node.longValue();
    }
    if (!node.isNumber()) {
      throw mismatch(node, s);
    }
    try {
      return node.decimalValue().longValueExact();
    } catch (ArithmeticException e) {
      throw new ValueException(
          "number is not integral or outside the long range for " + LogicalValues.describe(s));
    }
  }

  private static double floating(JsonNode node, Schema s) {
    if (node.isNumber()) {
      return node.doubleValue();
    }
    Double nonFinite = node.isTextual() ? JsonNumbers.nonFinite(node.textValue()) : null;
    if (nonFinite != null) {
      return nonFinite;
    }
    throw mismatch(node, s);
  }

  private static ValueException mismatch(JsonNode node, Schema s) {
    return new ValueException(
        "expected " + LogicalValues.describe(s) + ", got a JSON " + typeName(node));
  }

  private static String typeName(JsonNode node) {
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
