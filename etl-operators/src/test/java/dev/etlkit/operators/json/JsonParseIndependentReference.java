package dev.etlkit.operators.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Locale;
import java.util.Set;

/**
 * An independent reference for {@link JsonParse} of ONE scalar field: given the field's Java type,
 * the JSON text of its value and how the field is configured, what the field becomes or why the
 * record is rejected. Written from docs/formats-json.md and RFC 8259 only (not from the
 * implementation). Jackson's tree model is used to tokenize the value; every decision is ours.
 *
 * <p>Decisions where the docs are silent (see JsonParseIndependentReferenceTest for the list):
 *
 * <ul>
 *   <li>Strict: a JSON number with a fraction or exponent (also {@code 7.00}, {@code 1e3}) is
 *       WRONG_TYPE for an integer field; a number for an enum is WRONG_TYPE.
 *   <li>Coerced: a value of the field's own JSON type that the field still cannot take (an integer
 *       out of range, {@code "2024-02-30"}) is a failed cast, like SQL's TRY_CAST.
 *   <li>Coerced: a JSON number for a double is read as without coercion ({@code 1e400} is
 *       infinity); only the string {@code "1e400"} overflows and fails.
 * </ul>
 */
final class JsonParseIndependentReference {

  /** The scalar field kinds of {@link RefRecord}. */
  enum Kind {
    STRING,
    INT,
    LONG,
    DOUBLE,
    BOOLEAN,
    INT_BOX,
    LONG_BOX,
    DOUBLE_BOX,
    BOOLEAN_BOX,
    DECIMAL,
    INSTANT,
    DATE,
    DATETIME,
    ENUM
  }

  /** How a field is configured. */
  static final class FieldMode {
    final Coercion coercion; // none() = strict
    final boolean required;

    FieldMode(Coercion coercion, boolean required) {
      this.coercion = coercion;
      this.required = required;
    }
  }

  /** What the field (or the record) becomes. */
  static final class Outcome {
    final boolean accepted;
    final Object value; // when accepted (may be null)
    final Set<JsonRecordException.Reason> reasons; // when rejected: any of these

    private Outcome(boolean accepted, Object value, Set<JsonRecordException.Reason> reasons) {
      this.accepted = accepted;
      this.value = value;
      this.reasons = reasons;
    }

    static Outcome value(Object value) {
      return new Outcome(true, value, Set.of());
    }

    static Outcome reject(JsonRecordException.Reason... reasons) {
      return new Outcome(false, null, Set.of(reasons));
    }

    @Override
    public String toString() {
      return accepted ? "value " + describe(value) : "reject " + reasons;
    }
  }

  static String describe(Object v) {
    return v == null ? "null" : v + " (" + v.getClass().getSimpleName() + ")";
  }

  static final int MAX_NUMBER_LENGTH = 100; // JsonReadLimits default

  private static final ObjectMapper TREE =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  private static final Object FAILED = new Object();

  private JsonParseIndependentReference() {}

  /**
   * The outcome for one field; {@code json} is the value's JSON text, or null when the field is
   * missing from the object.
   */
  static Outcome field(Kind kind, String json, FieldMode mode, boolean primitivesRequired) {
    boolean primitive =
        kind == Kind.INT || kind == Kind.LONG || kind == Kind.DOUBLE || kind == Kind.BOOLEAN;
    boolean required = mode.required || (primitive && primitivesRequired);
    Object value;
    if (json == null) {
      value = null;
    } else {
      JsonNode node;
      try {
        node = TREE.readTree(json);
      } catch (Exception e) {
        throw new IllegalArgumentException("reference given invalid JSON: " + json, e);
      }
      if (node.isNull()) {
        value = null;
      } else {
        // the BigDecimal plain-notation limit holds for BigDecimal fields, strict or coerced
        Outcome early = mode.coercion.isEnabled() ? null : strict(kind, node, json);
        if (early != null) {
          return early;
        }
        if (mode.coercion.isEnabled()) {
          Object cast = cast(kind, node, json);
          if (cast == FAILED) {
            switch (mode.coercion.onFailure()) {
              case DEAD_LETTER:
                return Outcome.reject(JsonRecordException.Reason.COERCION_FAILED);
              case DEFAULT:
                cast = castDefault(kind, mode.coercion.defaultValue());
                break;
              default:
                cast = null;
            }
          }
          value = cast;
        } else {
          value = STRICT_VALUE.get();
        }
      }
    }
    if (value == null) {
      if (required) {
        return Outcome.reject(JsonRecordException.Reason.MISSING_REQUIRED_FIELD);
      }
      if (primitive) {
        return Outcome.value(primitiveDefault(kind));
      }
    }
    return Outcome.value(value);
  }

  private static final ThreadLocal<Object> STRICT_VALUE = new ThreadLocal<>();

  private static Object primitiveDefault(Kind kind) {
    switch (kind) {
      case INT:
        return 0;
      case LONG:
        return 0L;
      case DOUBLE:
        return 0.0;
      default:
        return false;
    }
  }

  /** Strict reading: returns a rejection, or null with the value in STRICT_VALUE. */
  private static Outcome strict(Kind kind, JsonNode node, String json) {
    JsonRecordException.Reason wrong = JsonRecordException.Reason.WRONG_TYPE;
    JsonRecordException.Reason invalid = JsonRecordException.Reason.INVALID_VALUE;
    Object v;
    switch (kind) {
      case STRING:
        if (!node.isTextual()) {
          return Outcome.reject(wrong);
        }
        v = node.textValue();
        break;
      case INT:
      case INT_BOX:
      case LONG:
      case LONG_BOX:
        {
          if (!node.isIntegralNumber()) {
            return Outcome.reject(wrong);
          }
          BigInteger b = node.bigIntegerValue();
          boolean isInt = kind == Kind.INT || kind == Kind.INT_BOX;
          BigInteger min = BigInteger.valueOf(isInt ? Integer.MIN_VALUE : Long.MIN_VALUE);
          BigInteger max = BigInteger.valueOf(isInt ? Integer.MAX_VALUE : Long.MAX_VALUE);
          if (b.compareTo(min) < 0 || b.compareTo(max) > 0) {
            return Outcome.reject(JsonRecordException.Reason.OUT_OF_RANGE);
          }
          v = isInt ? (Object) b.intValue() : (Object) b.longValue();
          break;
        }
      case DOUBLE:
      case DOUBLE_BOX:
        if (node.isNumber()) {
          // an integer token is an integer: -0 is 0 (as in Jackson); -0.0 is negative zero
          v =
              node.isIntegralNumber()
                  ? node.bigIntegerValue().doubleValue()
                  : Double.parseDouble(json.trim());
        } else if (node.isTextual()
            && Set.of("NaN", "Infinity", "-Infinity").contains(node.textValue())) {
          v = Double.parseDouble(node.textValue());
        } else {
          return Outcome.reject(wrong);
        }
        break;
      case BOOLEAN:
      case BOOLEAN_BOX:
        if (!node.isBoolean()) {
          return Outcome.reject(wrong);
        }
        v = node.booleanValue();
        break;
      case DECIMAL:
        {
          if (!node.isNumber()) {
            return Outcome.reject(wrong);
          }
          BigDecimal d = new BigDecimal(json.trim());
          if (plainDigits(d) > MAX_NUMBER_LENGTH) {
            return Outcome.reject(JsonRecordException.Reason.LIMIT_EXCEEDED);
          }
          v = d;
          break;
        }
      case INSTANT:
        if (!node.isTextual()) {
          return Outcome.reject(wrong, invalid);
        }
        if (node.textValue().matches("-?\\d+")) {
          return Outcome.reject(wrong, invalid); // "a string of digits is not an Instant"
        }
        v = instantIso(node.textValue().trim(), false);
        if (v == null) {
          return Outcome.reject(invalid);
        }
        break;
      case DATE:
        if (!node.isTextual()) {
          return Outcome.reject(wrong, invalid);
        }
        v = date(node.textValue().trim());
        if (v == null) {
          return Outcome.reject(invalid);
        }
        break;
      case DATETIME:
        if (!node.isTextual()) {
          return Outcome.reject(wrong, invalid);
        }
        v = dateTime(node.textValue().trim(), false);
        if (v == null) {
          return Outcome.reject(invalid);
        }
        break;
      case ENUM:
        if (!node.isTextual()) {
          return Outcome.reject(wrong);
        }
        try {
          v = JsonParseIndependentReferenceTest.RefColor.valueOf(node.textValue());
        } catch (IllegalArgumentException e) {
          return Outcome.reject(invalid);
        }
        break;
      default:
        throw new IllegalStateException(kind.toString());
    }
    STRICT_VALUE.set(v);
    return null;
  }

  /** Digits of a BigDecimal in plain notation, a leading "0." counted, the sign not. */
  static long plainDigits(BigDecimal d) {
    long precision = d.precision();
    long scale = d.scale();
    if (scale <= 0) {
      return precision - scale; // unscaled digits plus trailing zeros
    }
    if (scale >= precision) {
      return scale + 1; // 0.000ddd: the leading zero and the fraction digits
    }
    return precision;
  }

  /** TRY-cast of a non-null value; FAILED when it cannot be converted without loss. */
  static Object cast(Kind kind, JsonNode node, String json) {
    if (node.isContainerNode()) {
      return FAILED;
    }
    switch (kind) {
      case STRING:
        if (node.isTextual()) {
          return node.textValue();
        }
        if (node.isNumber()) {
          return json.trim(); // as written
        }
        if (node.isBoolean()) {
          return String.valueOf(node.booleanValue());
        }
        return FAILED;
      case INT:
      case INT_BOX:
      case LONG:
      case LONG_BOX:
        {
          BigDecimal d = number(node, json);
          if (d == null) {
            return FAILED;
          }
          BigInteger b;
          try {
            b = d.toBigIntegerExact();
          } catch (ArithmeticException e) {
            return FAILED;
          }
          boolean isInt = kind == Kind.INT || kind == Kind.INT_BOX;
          BigInteger min = BigInteger.valueOf(isInt ? Integer.MIN_VALUE : Long.MIN_VALUE);
          BigInteger max = BigInteger.valueOf(isInt ? Integer.MAX_VALUE : Long.MAX_VALUE);
          if (b.compareTo(min) < 0 || b.compareTo(max) > 0) {
            return FAILED;
          }
          return isInt ? (Object) b.intValue() : (Object) b.longValue();
        }
      case DOUBLE:
      case DOUBLE_BOX:
        if (node.isNumber()) {
          // under coercion, a number that overflows a double is a failed cast (docs)
          double x =
              node.isIntegralNumber()
                  ? node.bigIntegerValue().doubleValue()
                  : Double.parseDouble(json.trim());
          return Double.isInfinite(x) ? FAILED : (Object) x;
        }
        if (node.isTextual()) {
          String t = node.textValue().trim();
          if (Set.of("NaN", "Infinity", "-Infinity").contains(t)) {
            return Double.parseDouble(t);
          }
          BigDecimal d = number(node, json);
          if (d == null) {
            return FAILED;
          }
          double x = d.doubleValue();
          if (x == 0.0 && t.startsWith("-")) {
            return -0.0; // a string keeps the sign of its zero, as Double.parseDouble does
          }
          return Double.isInfinite(x) ? FAILED : (Object) x;
        }
        return FAILED;
      case BOOLEAN:
      case BOOLEAN_BOX:
        if (node.isBoolean()) {
          return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
          BigInteger b = node.bigIntegerValue();
          if (b.equals(BigInteger.ONE)) {
            return true;
          }
          return b.signum() == 0 ? (Object) false : FAILED;
        }
        if (node.isTextual()) {
          switch (node.textValue().trim().toLowerCase(Locale.ROOT)) {
            case "true":
            case "t":
            case "yes":
            case "y":
            case "1":
              return true;
            case "false":
            case "f":
            case "no":
            case "n":
            case "0":
              return false;
            default:
              return FAILED;
          }
        }
        return FAILED;
      case DECIMAL:
        {
          BigDecimal d = number(node, json);
          if (d == null || plainDigits(d) > MAX_NUMBER_LENGTH) {
            return FAILED;
          }
          return d;
        }
      case INSTANT:
        if (node.isNumber()) {
          // epoch milliseconds: integers and integral decimals (7.00, 1e3), as for long (docs)
          BigInteger ms;
          try {
            ms = new BigDecimal(json.trim()).toBigIntegerExact();
          } catch (ArithmeticException e) {
            return FAILED;
          }
          return ms.bitLength() > 63 ? FAILED : Instant.ofEpochMilli(ms.longValue());
        }
        if (node.isTextual()) {
          String t = node.textValue().trim();
          if (t.matches("-?\\d{1,18}")) {
            return Instant.ofEpochMilli(Long.parseLong(t));
          }
          Instant i = instantIso(t, true);
          return i == null ? FAILED : i;
        }
        return FAILED;
      case DATE:
        if (node.isTextual()) {
          LocalDate d = date(node.textValue().trim());
          return d == null ? FAILED : d;
        }
        return FAILED;
      case DATETIME:
        if (node.isTextual()) {
          LocalDateTime d = dateTime(node.textValue().trim(), true);
          return d == null ? FAILED : d;
        }
        return FAILED;
      case ENUM:
      default:
        throw new IllegalStateException("not coercible: " + kind);
    }
  }

  /** A JSON number, or a string holding one (trimmed, at most MAX_NUMBER_LENGTH chars). */
  private static BigDecimal number(JsonNode node, String json) {
    String t;
    if (node.isNumber()) {
      t = json.trim();
    } else if (node.isTextual()) {
      t = node.textValue().trim();
      if (t.length() > MAX_NUMBER_LENGTH || !t.chars().allMatch(c -> c < 0x80)) {
        return null; // SQL's CAST reads ASCII digits only; BigDecimal takes every script's
      }
    } else {
      return null;
    }
    try {
      return new BigDecimal(t);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Object castDefault(Kind kind, Object defaultValue) {
    String json;
    if (defaultValue instanceof String
        || defaultValue instanceof LocalDate
        || defaultValue instanceof LocalDateTime
        || defaultValue instanceof Instant) {
      json = "\"" + defaultValue + "\"";
    } else if (defaultValue instanceof BigDecimal) {
      json = ((BigDecimal) defaultValue).toPlainString();
    } else {
      json = String.valueOf(defaultValue);
    }
    try {
      Object v = cast(kind, TREE.readTree(json), json);
      if (v == FAILED) {
        throw new IllegalStateException("default does not fit");
      }
      return v;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ISO_LOCAL_DATE.withResolverStyle(ResolverStyle.STRICT);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ISO_LOCAL_TIME.withResolverStyle(ResolverStyle.STRICT);

  static LocalDate date(String t) {
    try {
      return LocalDate.parse(t, DATE);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static LocalDateTime dateTime(String t, boolean lenient) {
    String s = t;
    if (lenient) {
      if (s.length() == 10) {
        LocalDate d = date(s);
        return d == null ? null : d.atStartOfDay();
      }
      if (s.length() > 10 && s.charAt(10) == ' ') {
        s = s.substring(0, 10) + 'T' + s.substring(11);
      }
    }
    int tee = s.indexOf('T');
    if (tee != 10) {
      return null;
    }
    LocalDate d = date(s.substring(0, 10));
    if (d == null) {
      return null;
    }
    try {
      return LocalDateTime.of(d, LocalTime.parse(s.substring(11), TIME));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static Instant instantIso(String t, boolean lenient) {
    String s = t;
    if (lenient && s.length() > 10 && s.charAt(10) == ' ') {
      s = s.substring(0, 10) + 'T' + s.substring(11);
    }
    try {
      return OffsetDateTime.parse(
              s, DateTimeFormatter.ISO_OFFSET_DATE_TIME.withResolverStyle(ResolverStyle.STRICT))
          .toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
