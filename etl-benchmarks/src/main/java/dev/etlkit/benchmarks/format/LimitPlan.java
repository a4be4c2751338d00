package dev.etlkit.benchmarks.format;

import com.fasterxml.jackson.core.io.SerializedString;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The {@code LIMIT} impl's view of one Avro record schema, built once: its fields in schema order
 * with their kinds, a name → position lookup for JSON field names, and one reused value slot per
 * field (a {@code long}, a {@code double}, or a byte buffer for UTF-8 or a decimal's bytes), so
 * that a JSON object can be read in any field order and then encoded in schema order without
 * allocating.
 */
final class LimitPlan {

  /** The value kinds of the benchmark's schemas. */
  enum Kind {
    LONG,
    INT,
    DOUBLE,
    BOOLEAN,
    STRING,
    /** A {@code long} with logical type {@code timestamp-millis}, ISO-8601 in JSON. */
    TIMESTAMP_MILLIS,
    /**
     * {@code bytes} with logical type {@code decimal}: the unscaled value's two's complement bytes,
     * a JSON number at the field's scale.
     */
    DECIMAL,
    RECORD
  }

  final int size;
  final Kind[] kinds;

  /** The JSON field names, pre-encoded for the generator. */
  final SerializedString[] names;

  /** For a nullable field (a union with null), the branch index of null, else -1. */
  final int[] nullIndex;

  /** For a nullable field, the branch index of the value. */
  final int[] valueIndex;

  /** For a decimal field, its scale. */
  final int[] scales;

  /** The plans of nested records, by position. */
  final LimitPlan[] nested;

  private final Map<String, Integer> positions = new HashMap<>();

  // Value slots, by position.
  final long[] longs;
  final double[] doubles;
  final byte[][] utf8;
  final int[] utf8Lengths;
  final boolean[] isNull;
  final boolean[] seen;

  LimitPlan(Schema schema) {
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException("not a record schema: " + schema.getType());
    }
    size = schema.getFields().size();
    kinds = new Kind[size];
    names = new SerializedString[size];
    nullIndex = new int[size];
    valueIndex = new int[size];
    scales = new int[size];
    nested = new LimitPlan[size];
    longs = new long[size];
    doubles = new double[size];
    utf8 = new byte[size][];
    utf8Lengths = new int[size];
    isNull = new boolean[size];
    seen = new boolean[size];
    for (Schema.Field field : schema.getFields()) {
      int i = field.pos();
      Schema type = field.schema();
      nullIndex[i] = -1;
      if (type.getType() == Schema.Type.UNION) {
        if (type.getTypes().size() != 2) {
          throw new IllegalArgumentException("only [null, T] unions are supported: " + field);
        }
        nullIndex[i] = type.getTypes().get(0).getType() == Schema.Type.NULL ? 0 : 1;
        valueIndex[i] = 1 - nullIndex[i];
        type = type.getTypes().get(valueIndex[i]);
      }
      kinds[i] = kind(type, field);
      if (kinds[i] == Kind.RECORD) {
        nested[i] = new LimitPlan(type);
      } else if (kinds[i] == Kind.STRING || kinds[i] == Kind.DECIMAL) {
        utf8[i] = new byte[64];
      }
      if (kinds[i] == Kind.DECIMAL) {
        scales[i] = ((LogicalTypes.Decimal) type.getLogicalType()).getScale();
        if (scales[i] > LimitDecimals.MAX_SCALE) {
          throw new IllegalArgumentException(
              "scale beyond " + LimitDecimals.MAX_SCALE + ": " + field);
        }
      }
      names[i] = new SerializedString(field.name());
      positions.put(field.name(), i);
    }
  }

  private static Kind kind(Schema type, Schema.Field field) {
    switch (type.getType()) {
      case LONG:
        return type.getLogicalType() instanceof LogicalTypes.TimestampMillis
            ? Kind.TIMESTAMP_MILLIS
            : Kind.LONG;
      case INT:
        return Kind.INT;
      case DOUBLE:
        return Kind.DOUBLE;
      case BOOLEAN:
        return Kind.BOOLEAN;
      case STRING:
        return Kind.STRING;
      case BYTES:
        if (type.getLogicalType() instanceof LogicalTypes.Decimal) {
          return Kind.DECIMAL;
        }
        throw new IllegalArgumentException("unsupported type of field " + field);
      case RECORD:
        return Kind.RECORD;
      default:
        throw new IllegalArgumentException("unsupported type of field " + field);
    }
  }

  /**
   * The position of a field, or -1. The name is the parser's canonical (interned) string, so the
   * lookup hashes a cached hash code and allocates nothing.
   */
  int position(String name) {
    Integer position = positions.get(name);
    return position == null ? -1 : position;
  }

  /** Room for {@code length} bytes in the byte slot (UTF-8 or decimal) of field {@code i}. */
  byte[] utf8Slot(int i, int length) {
    byte[] slot = utf8[i];
    if (slot.length < length) {
      slot = new byte[Math.max(length, 2 * slot.length)];
      utf8[i] = slot;
    }
    return slot;
  }
}
