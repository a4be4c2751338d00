package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.internal.Decimals;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;

/**
 * The value mappers of {@link PojoToAvro} for enums and scalars: each checks the Java value's class
 * against the Avro type (and the logical type's range) and returns the Avro representation.
 */
final class PojoValues {
  private PojoValues() {}

  /** Maps one non-null Java value to its Avro representation. */
  interface ValueMapper {
    Object map(Object value);
  }

  /** Null check, then the mapper. */
  static Object nullable(Object value, ValueMapper mapper, Schema s) {
    if (value == null) {
      if (JsonToAvro.isNullable(s)) {
        return null;
      }
      throw new ValueException("null is not allowed for " + LogicalValues.describe(s));
    }
    return mapper.map(value);
  }

  static ValueException mismatch(Object value, Schema s) {
    return new ValueException(
        "a " + value.getClass().getName() + " does not map to " + LogicalValues.describe(s));
  }

  /**
   * An integer the float or double field would round (beyond 2^24 or 2^53): refused, as encode
   * refuses a {@code Long} in a double field, rather than written as another number.
   */
  private static ValueException rounded(Object value, Schema s) {
    return new ValueException(
        "a "
            + value.getClass().getName()
            + " does not fit "
            + LogicalValues.describe(s)
            + " without rounding");
  }

  static boolean isIntegral(Object value) {
    return value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof Byte;
  }

  static ValueMapper enumMapper(Schema s) {
    Map<String, GenericData.EnumSymbol> symbols = new HashMap<>();
    for (String symbol : s.getEnumSymbols()) {
      symbols.put(symbol, new GenericData.EnumSymbol(s, symbol));
    }
    GenericData.EnumSymbol fallback =
        s.getEnumDefault() == null ? null : symbols.get(s.getEnumDefault());
    return value -> {
      String name;
      if (value instanceof Enum) {
        name = ((Enum<?>) value).name();
      } else if (value instanceof CharSequence || value instanceof GenericData.EnumSymbol) {
        name = value.toString();
      } else {
        throw mismatch(value, s);
      }
      GenericData.EnumSymbol symbol = symbols.get(name);
      if (symbol == null) {
        if (fallback == null) {
          throw new ValueException("value is not a symbol of " + LogicalValues.describe(s));
        }
        return fallback;
      }
      return symbol;
    };
  }

  static ValueMapper scalar(Schema s) {
    String logical = LogicalValues.logicalName(s);
    switch (s.getType()) {
      case STRING:
        if (LogicalValues.UUID_TYPE.equals(logical)) {
          return value -> {
            if (value instanceof UUID) {
              return value;
            }
            if (value instanceof CharSequence) {
              return LogicalValues.parseUuid(value.toString());
            }
            throw mismatch(value, s);
          };
        }
        return value -> {
          if (value instanceof CharSequence) {
            return value.toString();
          }
          if (value instanceof Enum) {
            return ((Enum<?>) value).name();
          }
          if (value instanceof UUID) {
            return value.toString();
          }
          throw mismatch(value, s);
        };
      case BOOLEAN:
        return value -> {
          if (value instanceof Boolean) {
            return value;
          }
          throw mismatch(value, s);
        };
      case INT:
        return intMapper(s, logical);
      case LONG:
        return longMapper(s, logical);
      case FLOAT:
        return value -> {
          if (value instanceof Float) {
            return value;
          }
          if (isIntegral(value)) {
            long v = ((Number) value).longValue();
            float f = v;
            if (f == 0x1p63f || (long) f != v) { // Long.MAX_VALUE rounds up to 2^63
              throw rounded(value, s);
            }
            return f;
          }
          throw mismatch(value, s);
        };
      case DOUBLE:
        return value -> {
          if (value instanceof Double) {
            return value;
          }
          if (value instanceof Long) {
            long v = (Long) value;
            double d = v;
            if (d == 0x1p63 || (long) d != v) {
              throw rounded(value, s);
            }
            return d;
          }
          if (value instanceof Float || isIntegral(value)) {
            return ((Number) value).doubleValue(); // exact for these
          }
          throw mismatch(value, s);
        };
      case BYTES:
      case FIXED:
        return bytesMapper(s, logical);
      default: // NULL: only null fits, and nulls never reach a mapper
        return value -> {
          throw mismatch(value, s);
        };
    }
  }

  private static ValueMapper intMapper(Schema s, String logical) {
    if (LogicalValues.DATE.equals(logical)) {
      return value -> {
        if (value instanceof LocalDate) {
          return LogicalValues.date((LocalDate) value);
        }
        throw mismatch(value, s);
      };
    }
    if (LogicalValues.TIME_MILLIS.equals(logical)) {
      return value -> {
        if (value instanceof LocalTime) {
          return LogicalValues.time((LocalTime) value, logical);
        }
        throw mismatch(value, s);
      };
    }
    return value -> {
      if (value instanceof Integer) {
        return value;
      }
      if (value instanceof Short || value instanceof Byte) {
        return ((Number) value).intValue();
      }
      throw mismatch(value, s);
    };
  }

  private static ValueMapper longMapper(Schema s, String logical) {
    if (LogicalValues.TIMESTAMP_MILLIS.equals(logical)
        || LogicalValues.TIMESTAMP_MICROS.equals(logical)) {
      return value -> {
        if (value instanceof Instant) {
          return LogicalValues.timestamp((Instant) value, logical);
        }
        if (value instanceof java.sql.Timestamp) {
          // its nanos, which getTime() cuts to millis
          return LogicalValues.timestamp(((java.sql.Timestamp) value).toInstant(), logical);
        }
        if (value instanceof java.util.Date) {
          // getTime, not toInstant: java.sql.Date and Time refuse toInstant
          return LogicalValues.timestamp(
              java.time.Instant.ofEpochMilli(((java.util.Date) value).getTime()), logical);
        }
        throw mismatch(value, s);
      };
    }
    if (LogicalValues.LOCAL_TIMESTAMP_MILLIS.equals(logical)
        || LogicalValues.LOCAL_TIMESTAMP_MICROS.equals(logical)) {
      return value -> {
        if (value instanceof LocalDateTime) {
          return LogicalValues.localTimestamp((LocalDateTime) value, logical);
        }
        throw mismatch(value, s);
      };
    }
    if (LogicalValues.TIME_MICROS.equals(logical)) {
      return value -> {
        if (value instanceof LocalTime) {
          return LogicalValues.time((LocalTime) value, logical);
        }
        throw mismatch(value, s);
      };
    }
    return value -> {
      if (value instanceof Long) {
        return value;
      }
      if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
        return ((Number) value).longValue();
      }
      throw mismatch(value, s);
    };
  }

  private static ValueMapper bytesMapper(Schema s, String logical) {
    if (LogicalValues.DECIMAL.equals(logical)) {
      return value -> {
        if (value instanceof BigDecimal) {
          return LogicalValues.decimal((BigDecimal) value, s);
        }
        if (value instanceof BigInteger) {
          return LogicalValues.decimal(Decimals.of((BigInteger) value, 0), s);
        }
        if (isIntegral(value)) {
          return LogicalValues.decimal(BigDecimal.valueOf(((Number) value).longValue()), s);
        }
        throw mismatch(value, s);
      };
    }
    boolean fixed = s.getType() == Schema.Type.FIXED;
    return value -> {
      byte[] bytes;
      if (value instanceof byte[]) {
        bytes = ((byte[]) value).clone();
      } else if (value instanceof ByteBuffer) {
        ByteBuffer b = ((ByteBuffer) value).duplicate();
        bytes = new byte[b.remaining()];
        b.get(bytes);
      } else if (fixed && value instanceof GenericFixed) {
        bytes = ((GenericFixed) value).bytes().clone();
      } else {
        throw mismatch(value, s);
      }
      if (!fixed) {
        return ByteBuffer.wrap(bytes);
      }
      if (bytes.length != s.getFixedSize()) {
        throw new ValueException(
            "fixed "
                + s.getFullName()
                + " needs "
                + s.getFixedSize()
                + " bytes, got "
                + bytes.length);
      }
      return new GenericData.Fixed(s, bytes);
    };
  }
}
