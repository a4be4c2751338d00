package dev.etlkit.operators.avro;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Base64;
import java.util.UUID;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * An independent reference for {@code Avro.fromJson} of one field: given the field's Avro schema
 * and the JSON text of its value, the Java value the record holds, or {@link #REJECT}. Written from
 * docs/formats-avro.md ("JSON to Avro and back", "Logical types") and the Avro 1.11 specification
 * only. Jackson's tree is used to tokenize; the decisions are ours.
 *
 * <p>Decisions where the docs are silent (listed in AvroJsonIndependentReferenceTest):
 *
 * <ul>
 *   <li>epoch numbers for date, time and timestamps must be integers;
 *   <li>uuid text must be the canonical 36-character form (Java's UUID.fromString is lenient);
 *   <li>a float or double field given a number beyond its range: either infinity or a rejection is
 *       accepted ({@link #EITHER_INFINITY_OR_REJECT}).
 * </ul>
 */
final class AvroJsonIndependentReference {

  /** The value is rejected: the document becomes a dead letter. */
  static final Object REJECT =
      new Object() {
        @Override
        public String toString() {
          return "REJECT";
        }
      };

  /** A number beyond a float's or double's range: infinity or a rejection, both fine. */
  static final Object EITHER_INFINITY_OR_REJECT =
      new Object() {
        @Override
        public String toString() {
          return "INFINITY|REJECT";
        }
      };

  private static final ObjectMapper TREE =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  private AvroJsonIndependentReference() {}

  static JsonNode tree(String json) {
    try {
      return TREE.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(json, e);
    }
  }

  /** The value of a field whose JSON is {@code json} (null: the field is missing). */
  static Object field(Schema.Field field, String json) {
    if (json == null) {
      if (field.hasDefaultValue()) {
        Object d = GenericData.get().getDefaultValue(field);
        return convertDefault(field.schema(), d);
      }
      return isNullable(field.schema()) ? null : REJECT;
    }
    return value(field.schema(), json, tree(json));
  }

  private static Object convertDefault(Schema schema, Object d) {
    if (d instanceof org.apache.avro.util.Utf8) {
      return d.toString();
    }
    return d;
  }

  static boolean isNullable(Schema s) {
    return s.getType() == Schema.Type.NULL
        || (s.getType() == Schema.Type.UNION
            && s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL));
  }

  static Object value(Schema schema, String json, JsonNode node) {
    if (schema.getType() == Schema.Type.UNION) {
      if (node.isNull()) {
        return isNullable(schema) ? null : REJECT;
      }
      // the first branch that holds the value exactly; a rounding float only as a last resort
      Object roundingFloat = null;
      for (Schema branch : schema.getTypes()) {
        if (branch.getType() == Schema.Type.NULL) {
          continue;
        }
        if (branch.getType() == Schema.Type.FLOAT && node.isNumber()) {
          double d = new BigDecimal(json.trim()).doubleValue();
          float f = (float) d;
          if (!Float.isInfinite(f) && (double) f == d) {
            return f;
          }
          if (roundingFloat == null && !Float.isInfinite(f)) {
            roundingFloat = f; // used only when no later branch holds the value
          }
          continue;
        }
        if (branch.getType() == Schema.Type.DOUBLE && node.isNumber()) {
          double d = new BigDecimal(json.trim()).doubleValue();
          return Double.isInfinite(d) ? EITHER_INFINITY_OR_REJECT : (Object) d;
        }
        Object v = value(branch, json, node);
        if (v != REJECT && v != EITHER_INFINITY_OR_REJECT) {
          return v;
        }
      }
      return roundingFloat != null ? roundingFloat : REJECT;
    }
    if (node.isNull()) {
      return schema.getType() == Schema.Type.NULL ? null : REJECT;
    }
    LogicalType logical = schema.getLogicalType();
    if (logical != null) {
      return logical(schema, logical, node);
    }
    switch (schema.getType()) {
      case INT:
      case LONG:
        {
          BigInteger b = integral(node);
          if (b == null) {
            return REJECT;
          }
          if (schema.getType() == Schema.Type.INT) {
            return b.bitLength() <= 31 ? (Object) b.intValue() : REJECT;
          }
          return b.bitLength() <= 63 ? (Object) b.longValue() : REJECT;
        }
      case FLOAT:
        if (node.isNumber()) {
          float f = new BigDecimal(json.trim()).floatValue();
          return Float.isInfinite(f) ? EITHER_INFINITY_OR_REJECT : (Object) f;
        }
        return special(node, true);
      case DOUBLE:
        if (node.isNumber()) {
          double d = new BigDecimal(json.trim()).doubleValue();
          return Double.isInfinite(d) ? EITHER_INFINITY_OR_REJECT : (Object) d;
        }
        return special(node, false);
      case BOOLEAN:
        return node.isBoolean() ? (Object) node.booleanValue() : REJECT;
      case STRING:
        return node.isTextual() ? node.textValue() : REJECT;
      case ENUM:
        if (!node.isTextual()) {
          return REJECT;
        }
        if (schema.getEnumSymbols().contains(node.textValue())) {
          return node.textValue();
        }
        return schema.getEnumDefault() != null ? schema.getEnumDefault() : REJECT;
      case BYTES:
      case FIXED:
        {
          byte[] bytes = base64(node);
          if (bytes == null
              || (schema.getType() == Schema.Type.FIXED && bytes.length != schema.getFixedSize())) {
            return REJECT;
          }
          return ByteBuffer.wrap(bytes);
        }
      default:
        throw new IllegalStateException("not a scalar: " + schema);
    }
  }

  private static Object special(JsonNode node, boolean isFloat) {
    if (!node.isTextual()) {
      return REJECT;
    }
    switch (node.textValue()) {
      case "NaN":
        return isFloat ? (Object) Float.NaN : (Object) Double.NaN;
      case "Infinity":
        return isFloat ? (Object) Float.POSITIVE_INFINITY : (Object) Double.POSITIVE_INFINITY;
      case "-Infinity":
        return isFloat ? (Object) Float.NEGATIVE_INFINITY : (Object) Double.NEGATIVE_INFINITY;
      default:
        return REJECT;
    }
  }

  private static byte[] base64(JsonNode node) {
    if (!node.isTextual()) {
      return null;
    }
    if (node.textValue().length() % 4 != 0) {
      return null; // RFC 4648 base64 is padded; Java's decoder would take "AQ" too
    }
    try {
      return Base64.getDecoder().decode(node.textValue());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** An integral JSON number (5.0 and 1e3 count), else null. */
  private static BigInteger integral(JsonNode node) {
    if (!node.isNumber()) {
      return null;
    }
    try {
      return node.decimalValue().toBigIntegerExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ISO_LOCAL_TIME.withResolverStyle(ResolverStyle.STRICT);

  private static Object logical(Schema schema, LogicalType logical, JsonNode node) {
    String name = logical.getName();
    switch (name) {
      case "decimal":
        {
          LogicalTypes.Decimal dec = (LogicalTypes.Decimal) logical;
          BigDecimal v;
          try {
            v =
                node.isNumber()
                    ? node.decimalValue()
                    : node.isTextual() ? new BigDecimal(node.textValue()) : null;
          } catch (NumberFormatException e) {
            v = null;
          }
          if (v == null) {
            return REJECT;
          }
          BigDecimal scaled;
          try {
            scaled = v.setScale(dec.getScale());
          } catch (ArithmeticException e) {
            return REJECT; // more fraction digits than the scale: no rounding
          }
          if (scaled.precision() > dec.getPrecision() && scaled.signum() != 0) {
            return REJECT;
          }
          if (schema.getType() == Schema.Type.FIXED) {
            // the fixed size bounds the unscaled value too
            int bytes = scaled.unscaledValue().toByteArray().length;
            if (bytes > schema.getFixedSize()) {
              return REJECT;
            }
          }
          return scaled;
        }
      case "uuid":
        if (!node.isTextual()
            || !node.textValue()
                .matches(
                    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
          return REJECT;
        }
        return UUID.fromString(node.textValue());
      case "date":
        if (node.isTextual()) {
          try {
            return LocalDate.parse(
                node.textValue(),
                DateTimeFormatter.ISO_LOCAL_DATE.withResolverStyle(ResolverStyle.STRICT));
          } catch (DateTimeParseException e) {
            return REJECT;
          }
        }
        {
          BigInteger days = integral(node);
          return days == null || days.bitLength() > 31
              ? REJECT
              : LocalDate.ofEpochDay(days.intValue());
        }
      case "time-millis":
      case "time-micros":
        {
          boolean millis = name.equals("time-millis");
          if (node.isTextual()) {
            LocalTime t;
            try {
              t = LocalTime.parse(node.textValue(), TIME);
            } catch (DateTimeParseException e) {
              return REJECT;
            }
            long unit = millis ? 1_000_000L : 1_000L;
            return t.toNanoOfDay() % unit == 0 ? t : REJECT;
          }
          BigInteger n = integral(node);
          long max = millis ? 86_400_000L : 86_400_000_000L;
          if (n == null || n.signum() < 0 || n.compareTo(BigInteger.valueOf(max)) >= 0) {
            return REJECT;
          }
          return LocalTime.ofNanoOfDay(n.longValue() * (millis ? 1_000_000L : 1_000L));
        }
      case "timestamp-millis":
      case "timestamp-micros":
        {
          boolean millis = name.equals("timestamp-millis");
          if (node.isTextual()) {
            Instant i;
            try {
              i =
                  OffsetDateTime.parse(
                          node.textValue(),
                          DateTimeFormatter.ISO_OFFSET_DATE_TIME.withResolverStyle(
                              ResolverStyle.STRICT))
                      .toInstant();
            } catch (DateTimeParseException e) {
              return REJECT;
            }
            return i.getNano() % (millis ? 1_000_000 : 1_000) == 0 ? i : REJECT;
          }
          BigInteger n = integral(node);
          if (n == null || n.bitLength() > 63) {
            return REJECT;
          }
          long v = n.longValue();
          return millis
              ? Instant.ofEpochMilli(v)
              : Instant.ofEpochSecond(
                  Math.floorDiv(v, 1_000_000L), Math.floorMod(v, 1_000_000L) * 1000);
        }
      case "local-timestamp-millis":
      case "local-timestamp-micros":
        {
          boolean millis = name.equals("local-timestamp-millis");
          if (node.isTextual()) {
            LocalDateTime t;
            try {
              t =
                  LocalDateTime.parse(
                      node.textValue(),
                      DateTimeFormatter.ISO_LOCAL_DATE_TIME.withResolverStyle(
                          ResolverStyle.STRICT));
            } catch (DateTimeParseException e) {
              return REJECT;
            }
            return t.getNano() % (millis ? 1_000_000 : 1_000) == 0 ? t : REJECT;
          }
          BigInteger n = integral(node);
          if (n == null || n.bitLength() > 63) {
            return REJECT;
          }
          long v = n.longValue();
          long perSecond = millis ? 1000L : 1_000_000L;
          return LocalDateTime.ofEpochSecond(
              Math.floorDiv(v, perSecond),
              (int) (Math.floorMod(v, perSecond) * (millis ? 1_000_000L : 1000L)),
              ZoneOffset.UTC);
        }
      default:
        throw new IllegalStateException("logical type " + name);
    }
  }
}
