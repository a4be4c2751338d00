package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * How the columns of a row are encoded, as far as the Kafka Connect schema of an event says it: the
 * unit of integer dates, times and timestamps ({@code io.debezium.time.*} and Kafka Connect logical
 * types) and the scale of base64 decimals ({@code org.apache.kafka.connect.data.Decimal}, {@code
 * decimal.handling.mode=precise}), and what a temporal column denotes (a date, a time of day, a
 * timestamp or something else such as a year), so that a field that would misread it can refuse it.
 * Events without a schema have {@link #NONE}.
 */
final class ColumnEncodings {

  /** The encoding of one column. */
  enum Encoding {
    /** Nothing special known. */
    PLAIN,
    /** Integer days since the epoch. */
    EPOCH_DAYS,
    /** Integer milliseconds (since the epoch, or since midnight for times). */
    MILLIS,
    /** Integer microseconds. */
    MICROS,
    /** Integer nanoseconds. */
    NANOS,
    /** Base64 big-endian two's-complement unscaled value, scale in the schema. */
    DECIMAL,
    /** A struct {@code {"scale": int, "value": base64}}. */
    VARIABLE_SCALE_DECIMAL
  }

  /** What a column of a temporal semantic type denotes. */
  enum Meaning {
    DATE,
    TIME_OF_DAY,
    TIMESTAMP,
    /** A year, a duration: no point in time, whatever its encoding. */
    NO_POINT_IN_TIME
  }

  static final ColumnEncodings NONE = new ColumnEncodings(Map.of(), Map.of(), Map.of(), Map.of());

  private final Map<String, Encoding> encodings;
  private final Map<String, Integer> scales;
  private final Map<String, Meaning> meanings;
  private final Map<String, String> semanticTypes;

  private ColumnEncodings(
      Map<String, Encoding> encodings,
      Map<String, Integer> scales,
      Map<String, Meaning> meanings,
      Map<String, String> semanticTypes) {
    this.encodings = encodings;
    this.scales = scales;
    this.meanings = meanings;
    this.semanticTypes = semanticTypes;
  }

  Encoding of(String column) {
    Encoding e = encodings.get(column);
    return e == null ? Encoding.PLAIN : e;
  }

  /** The scale of a {@link Encoding#DECIMAL} column, or null when the schema did not give one. */
  @Nullable
  Integer scaleOf(String column) {
    return scales.get(column);
  }

  /** What a column denotes, or null when its schema names no temporal type etlkit knows. */
  @Nullable
  Meaning meaningOf(String column) {
    return meanings.get(column);
  }

  /** The schema name of a column that has a {@link #meaningOf meaning}, for error messages. */
  @Nullable
  String semanticTypeOf(String column) {
    return semanticTypes.get(column);
  }

  /**
   * The encodings of the row schema of a change event's value schema: the struct of its {@code
   * after} (else {@code before}) field.
   */
  static ColumnEncodings ofValueSchema(@Nullable JsonNode envelopeSchema) {
    if (envelopeSchema == null || !envelopeSchema.isObject()) {
      return NONE;
    }
    JsonNode fields = envelopeSchema.get("fields");
    if (fields == null || !fields.isArray()) {
      return NONE;
    }
    JsonNode before = null;
    for (JsonNode field : fields) {
      JsonNode name = field.get("field");
      if (name != null && "after".equals(name.textValue())) {
        return ofRowSchema(field);
      }
      if (name != null && "before".equals(name.textValue())) {
        before = field;
      }
    }
    return before == null ? NONE : ofRowSchema(before);
  }

  /** The encodings of a struct schema whose fields are the columns (a row or a key schema). */
  static ColumnEncodings ofRowSchema(@Nullable JsonNode struct) {
    if (struct == null || !struct.isObject()) {
      return NONE;
    }
    JsonNode fields = struct.get("fields");
    if (fields == null || !fields.isArray()) {
      return NONE;
    }
    Map<String, Encoding> encodings = new HashMap<>();
    Map<String, Integer> scales = new HashMap<>();
    Map<String, Meaning> meanings = new HashMap<>();
    Map<String, String> semanticTypes = new HashMap<>();
    for (JsonNode field : fields) {
      JsonNode column = field.get("field");
      JsonNode name = field.get("name");
      if (column == null || !column.isTextual() || name == null || !name.isTextual()) {
        continue;
      }
      Meaning meaning = meaningOfType(name.textValue());
      if (meaning != null) {
        meanings.put(column.textValue(), meaning);
        semanticTypes.put(column.textValue(), name.textValue());
      }
      Encoding encoding = encodingOf(name.textValue());
      if (encoding == Encoding.PLAIN) {
        continue;
      }
      encodings.put(column.textValue(), encoding);
      if (encoding == Encoding.DECIMAL) {
        Integer scale = scaleParameter(field.get("parameters"));
        if (scale != null) {
          scales.put(column.textValue(), scale);
        }
      }
    }
    return encodings.isEmpty() && meanings.isEmpty()
        ? NONE
        : new ColumnEncodings(encodings, scales, meanings, semanticTypes);
  }

  @Nullable
  private static Meaning meaningOfType(String semanticType) {
    switch (semanticType) {
      case "io.debezium.time.Date":
      case "org.apache.kafka.connect.data.Date":
        return Meaning.DATE;
      case "io.debezium.time.Time":
      case "io.debezium.time.MicroTime":
      case "io.debezium.time.NanoTime":
      case "io.debezium.time.ZonedTime":
      case "org.apache.kafka.connect.data.Time":
        return Meaning.TIME_OF_DAY;
      case "io.debezium.time.Timestamp":
      case "io.debezium.time.MicroTimestamp":
      case "io.debezium.time.NanoTimestamp":
      case "io.debezium.time.ZonedTimestamp":
      case "org.apache.kafka.connect.data.Timestamp":
        return Meaning.TIMESTAMP;
      case "io.debezium.time.Year":
      case "io.debezium.time.MicroDuration":
      case "io.debezium.time.NanoDuration":
      case "io.debezium.time.Interval":
        return Meaning.NO_POINT_IN_TIME;
      default:
        return null;
    }
  }

  private static Encoding encodingOf(String semanticType) {
    switch (semanticType) {
      case "io.debezium.time.Date":
      case "org.apache.kafka.connect.data.Date":
        return Encoding.EPOCH_DAYS;
      case "io.debezium.time.Timestamp":
      case "io.debezium.time.Time":
      case "org.apache.kafka.connect.data.Timestamp":
      case "org.apache.kafka.connect.data.Time":
        return Encoding.MILLIS;
      case "io.debezium.time.MicroTimestamp":
      case "io.debezium.time.MicroTime":
        return Encoding.MICROS;
      case "io.debezium.time.NanoTimestamp":
      case "io.debezium.time.NanoTime":
        return Encoding.NANOS;
      case "org.apache.kafka.connect.data.Decimal":
        return Encoding.DECIMAL;
      case "io.debezium.data.VariableScaleDecimal":
        return Encoding.VARIABLE_SCALE_DECIMAL;
      default:
        return Encoding.PLAIN;
    }
  }

  @Nullable
  private static Integer scaleParameter(@Nullable JsonNode parameters) {
    if (parameters == null || !parameters.isObject()) {
      return null;
    }
    JsonNode scale = parameters.get("scale");
    if (scale == null) {
      return null;
    }
    if (scale.isInt()) {
      return scale.intValue();
    }
    if (scale.isTextual()) {
      String text = scale.textValue();
      if (text.length() > 0 && text.length() <= 6 && text.matches("-?[0-9]+")) {
        return Integer.valueOf(text);
      }
    }
    return null;
  }
}
