package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import java.io.CharConversionException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Turns whatever Jackson (or a target type's constructor) threw into a {@link JsonRecordException}
 * whose message says what and where without any payload contents.
 *
 * <p>Jackson's own messages quote values ({@code Cannot deserialize value of type `int` from String
 * "abc"}), tokens and field names, so they are never copied: the message is built from the kind of
 * exception, the target type, the JSON token type and a location. Locations are JSON paths whose
 * names are shown only when they are property names of the target type or of its nested types
 * (others, such as map keys or unknown fields, show as {@code ?}), or line and column for syntax
 * errors. The exception has no cause, so a failing job's stack trace cannot quote the payload
 * either.
 */
@Internal
public final class JsonErrors {

  private final Set<String> knownNames;

  /**
   * @param knownNames names that may appear in paths: the target type's property names
   */
  public JsonErrors(Set<String> knownNames) {
    this.knownNames = knownNames;
  }

  /**
   * Describes {@code error}, thrown while {@code parser} (if any) read a document.
   *
   * @param parser the parser, still positioned where the error happened, or null
   */
  public JsonRecordException describe(Throwable error, @Nullable JsonParser parser) {
    Throwable e = error;
    // Jackson sometimes wraps a streaming error into a mapping error: judge the streaming one.
    if (e instanceof JsonMappingException
        && !(e instanceof MismatchedInputException)
        && !(e instanceof FieldException)
        && e.getCause() instanceof JsonProcessingException) {
      e = e.getCause();
    }
    if (e instanceof FieldException) {
      FieldException f = (FieldException) e;
      return new JsonRecordException(
          f.reason(), f.getOriginalMessage() + at(parser, !f.aboutObject()));
    }
    if (e instanceof StreamConstraintsException) {
      return new JsonRecordException(
          Reason.LIMIT_EXCEEDED,
          dev.etlkit.operators.internal.JsonErrors.limitMessage(
              ((StreamConstraintsException) e).getOriginalMessage()));
    }
    if (e instanceof JsonEOFException) {
      return new JsonRecordException(
          Reason.TRUNCATED, "unexpected end of input" + lineAndColumn((JsonProcessingException) e));
    }
    if (e instanceof JsonParseException) {
      JsonParseException p = (JsonParseException) e;
      String original = p.getOriginalMessage();
      if (original != null && original.startsWith("Invalid UTF-8")) {
        return new JsonRecordException(Reason.INVALID_ENCODING, "invalid UTF-8" + lineAndColumn(p));
      }
      if (original != null && original.startsWith("Unexpected end-of-input")) {
        // Jackson reports some ends of input (after a comma) as plain parse errors.
        return new JsonRecordException(
            Reason.TRUNCATED, "unexpected end of input" + lineAndColumn(p));
      }
      return new JsonRecordException(Reason.MALFORMED, "not valid JSON" + lineAndColumn(p));
    }
    if (e instanceof InputCoercionException) {
      InputCoercionException c = (InputCoercionException) e;
      return new JsonRecordException(
          Reason.OUT_OF_RANGE,
          "number out of range for " + typeName(c.getTargetType()) + at(parser, true));
    }
    if (e instanceof PropertyBindingException) {
      PropertyBindingException b = (PropertyBindingException) e;
      return new JsonRecordException(
          Reason.UNKNOWN_FIELD,
          "unknown field in " + typeName(b.getReferringClass()) + at(parser, false));
    }
    if (e instanceof InvalidTypeIdException) {
      return new JsonRecordException(
          Reason.INVALID_VALUE,
          "type ids are not accepted (polymorphic typing is disabled)" + at(parser, false));
    }
    if (e instanceof InvalidNullException) {
      return new JsonRecordException(
          Reason.MISSING_REQUIRED_FIELD, "null for a non-null field" + at(parser, true));
    }
    if (e instanceof InvalidFormatException
        && !isWrongJsonType(((InvalidFormatException) e).getTargetType(), parser)) {
      return new JsonRecordException(
          Reason.INVALID_VALUE,
          "invalid "
              + typeName(((InvalidFormatException) e).getTargetType())
              + " value"
              + at(parser, true));
    }
    String missing = missingCreatorProperty(e);
    if (missing != null) {
      // Jackson's own required check, on a type the field rules do not reach (behind an
      // interface, a subtype): it names the field, not its type, and lets null through.
      return new JsonRecordException(
          Reason.MISSING_REQUIRED_FIELD,
          "required field '" + missing + "' is missing" + at(parser, true));
    }
    if (e instanceof MismatchedInputException) {
      return wrongType(expectedType((MismatchedInputException) e), parser);
    }
    if (e instanceof InvalidDefinitionException) {
      // A non-empty string for an array: Jackson looks for a String constructor and finds none.
      JavaType type = ((InvalidDefinitionException) e).getType();
      if (type != null && isWrongJsonType(type.getRawClass(), parser)) {
        return wrongType(type.getRawClass(), parser);
      }
    }
    if (e instanceof ValueInstantiationException) {
      ValueInstantiationException v = (ValueInstantiationException) e;
      Throwable cause = v.getCause();
      return new JsonRecordException(
          Reason.INVALID_VALUE,
          typeName(v.getType() == null ? null : v.getType().getRawClass())
              + " rejected its values"
              + (cause != null ? " (" + cause.getClass().getName() + ")" : "")
              + at(parser, true));
    }
    if (e instanceof JsonMappingException) {
      // A setter that throws: named by its exception class, whose message may quote the value.
      Throwable cause = e.getCause();
      return new JsonRecordException(
          Reason.INVALID_VALUE,
          "cannot bind the value"
              + (cause != null && !(cause instanceof JsonProcessingException)
                  ? " (" + cause.getClass().getName() + ")"
                  : "")
              + at(parser, true));
    }
    if (e instanceof JsonProcessingException) {
      return new JsonRecordException(
          Reason.MALFORMED, "not valid JSON" + lineAndColumn((JsonProcessingException) e));
    }
    if (e instanceof CharConversionException) {
      return new JsonRecordException(Reason.INVALID_ENCODING, "invalid character encoding");
    }
    return new JsonRecordException(
        Reason.INVALID_VALUE, "could not read the record (" + e.getClass().getName() + ")");
  }

  private JsonRecordException wrongType(@Nullable Class<?> expected, @Nullable JsonParser parser) {
    return new JsonRecordException(
        Reason.WRONG_TYPE,
        "expected "
            + typeName(expected)
            + ", got "
            + describeToken(parser == null ? null : parser.currentToken())
            + at(parser, true));
  }

  /**
   * Whether the value at the parser is of another JSON type than {@code target} is written as (a
   * string for a number, a decimal for an integer, a string for an array or a map): Jackson reports
   * refused coercions as invalid formats, but they are wrong types. A value of the right JSON type
   * that does not parse (a bad date, an unknown enum constant) is an invalid value, and so is a map
   * key that does not parse into its key type: a key is always a JSON string.
   */
  private static boolean isWrongJsonType(@Nullable Class<?> target, @Nullable JsonParser parser) {
    if (target == null || parser == null || parser.currentToken() == null) {
      return false;
    }
    JsonToken token = parser.currentToken();
    if (token == JsonToken.FIELD_NAME) {
      return false;
    }
    Class<?> t = target.isPrimitive() ? boxed(target) : target;
    if (t == Integer.class
        || t == Long.class
        || t == Short.class
        || t == Byte.class
        || t == java.math.BigInteger.class) {
      return token != JsonToken.VALUE_NUMBER_INT;
    }
    if (Number.class.isAssignableFrom(t)) {
      return !token.isNumeric();
    }
    if (t == String.class || t == Character.class) {
      return token != JsonToken.VALUE_STRING;
    }
    if (t == Boolean.class) {
      return !token.isBoolean();
    }
    if (t.isEnum()) {
      return token != JsonToken.VALUE_STRING;
    }
    if (t.isArray() && t != byte[].class && t != char[].class) {
      // (byte[] is read from a Base64 string and char[] from a string, as Json.write writes them)
      return token != JsonToken.START_ARRAY;
    }
    if (Collection.class.isAssignableFrom(t)) {
      return token != JsonToken.START_ARRAY;
    }
    if (Map.class.isAssignableFrom(t)) {
      return token != JsonToken.START_OBJECT;
    }
    return false;
  }

  private static Class<?> boxed(Class<?> primitive) {
    if (primitive == int.class) {
      return Integer.class;
    } else if (primitive == long.class) {
      return Long.class;
    } else if (primitive == short.class) {
      return Short.class;
    } else if (primitive == byte.class) {
      return Byte.class;
    } else if (primitive == double.class) {
      return Double.class;
    } else if (primitive == float.class) {
      return Float.class;
    } else if (primitive == boolean.class) {
      return Boolean.class;
    }
    return Character.class;
  }

  /**
   * The type Jackson expected: for an element of a primitive array, the element's type (Jackson
   * names the array, whose deserializer wraps the element's error with its index).
   */
  @Nullable
  private static Class<?> expectedType(MismatchedInputException e) {
    Class<?> target = e.getTargetType();
    List<JsonMappingException.Reference> path = e.getPath();
    if (target != null
        && target.isArray()
        && target.getComponentType().isPrimitive()
        && !path.isEmpty()) {
      Object from = path.get(path.size() - 1).getFrom();
      if (from != null
          && from.getClass().isArray()
          && from.getClass().getComponentType().isPrimitive()) {
        return target.getComponentType();
      }
    }
    return target;
  }

  /** "a JSON string", "a JSON array", ...: what kind of value a token starts. */
  public static String describeToken(@Nullable JsonToken token) {
    if (token == null) {
      return "no value";
    }
    switch (token) {
      case VALUE_STRING:
        return "a JSON string";
      case VALUE_NUMBER_INT:
        return "a JSON integer";
      case VALUE_NUMBER_FLOAT:
        return "a JSON decimal number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a JSON boolean";
      case VALUE_NULL:
        return "JSON null";
      case START_OBJECT:
      case END_OBJECT:
        return "a JSON object";
      case START_ARRAY:
      case END_ARRAY:
        return "a JSON array";
      case FIELD_NAME:
        return "a field name";
      default:
        return "an unsupported value";
    }
  }

  /**
   * " at $.a.b[2]": where the parser is, with names shown only when they are known property names.
   * Without {@code withCurrentName} the path ends at the object holding the current field.
   */
  String at(@Nullable JsonParser parser, boolean withCurrentName) {
    if (parser == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    JsonStreamContext ctx = parser.getParsingContext();
    JsonToken token = parser.currentToken();
    if ((token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) && ctx != null) {
      ctx = ctx.getParent(); // the value itself opened this context: point at the value
    }
    boolean innermost = true;
    for (; ctx != null && !ctx.inRoot(); ctx = ctx.getParent()) {
      if (ctx.inArray()) {
        parts.add("[" + Math.max(0, ctx.getCurrentIndex()) + "]");
      } else if (ctx.inObject() && (withCurrentName || !innermost)) {
        String name = ctx.getCurrentName();
        if (name != null) {
          parts.add("." + (knownNames.contains(name) ? name : "?"));
        }
      }
      innermost = false;
    }
    StringBuilder path = new StringBuilder(" at $");
    for (int i = parts.size() - 1; i >= 0; i--) {
      path.append(parts.get(i));
    }
    return path.toString();
  }

  private static String lineAndColumn(JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static String typeName(@Nullable Class<?> type) {
    if (type == null) {
      return "another type";
    }
    return type.isArray() ? type.getComponentType().getSimpleName() + "[]" : type.getSimpleName();
  }

  /**
   * The field named by Jackson's "Missing required creator property 'x' (index n)", the only
   * mismatch it reports for a missing {@code @JsonProperty(required = true)}; else null.
   */
  @Nullable
  private static String missingCreatorProperty(Throwable e) {
    if (!(e instanceof MismatchedInputException)) {
      return null;
    }
    String message = ((MismatchedInputException) e).getOriginalMessage();
    String prefix = "Missing required creator property '";
    if (message == null || !message.startsWith(prefix)) {
      return null;
    }
    int end = message.indexOf('\'', prefix.length());
    return end < 0 ? null : message.substring(prefix.length(), end);
  }
}
