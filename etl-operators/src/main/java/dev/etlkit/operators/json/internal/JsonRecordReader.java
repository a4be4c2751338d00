package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.internal.SafeJson;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import dev.etlkit.operators.json.UnknownFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Reads one JSON document into a {@code T}, or says why not: the whole parse step without Flink.
 * Builds its Jackson reader once; {@link #read} binds directly from the bytes (no tree model).
 *
 * <p>Strict by default: no scalar coercion (a JSON string is not an {@code int}, a number is not a
 * {@code String}, a decimal is not an integer), non-lenient java.time parsing, offsets kept as
 * written, a {@code BigDecimal} no longer in plain notation than the number length limit, an {@code
 * Instant} only from an ISO-8601 string (not a number: the java.time module would take it for epoch
 * seconds), no class-name type ids at all (deny-all polymorphic type validator, on top of the
 * default typing being off), no two names for one key of a map whose keys are not strings ({@link
 * MapKeyCollisions}), and the document must be exactly one JSON object.
 *
 * <p>Not thread-safe (its required-field tracker is per instance): one reader per function
 * instance.
 */
@Internal
public final class JsonRecordReader<T> {
  private final JsonReadLimits limits;
  private final ObjectReader reader;
  private final RequiredTracker tracker;
  private final JsonErrors errors;
  private final String typeName;

  /**
   * @throws IllegalArgumentException when the options do not fit the type (see {@link FieldRules})
   */
  public JsonRecordReader(JsonParseConfig<T> config) {
    this(config, true);
  }

  /**
   * @param fastInstants whether {@code Instant}s in the common ISO-8601 UTC layouts are read by
   *     {@link FastInstantDeserializer} (always, except in tests comparing it with the old path)
   */
  JsonRecordReader(JsonParseConfig<T> config, boolean fastInstants) {
    this.limits = config.limits();
    FieldRules rules = FieldRules.of(config, mapperBuilder(config).build());
    this.tracker = new RequiredTracker(rules.requiredNameCount());
    JsonMapper.Builder builder =
        mapperBuilder(config)
            // Skips unknown fields' values within the read limits, and lets written-only
            // properties by (of the type a builder builds too, which the rules have found).
            .addHandler(
                new UnknownFieldSkipper(
                    config.unknownFields() == UnknownFields.IGNORE, rules.builtBy()));
    if (!rules.isEmpty()) {
      builder.addModule(
          new SimpleModule("etlkit-json-field-rules")
              .setDeserializerModifier(new FieldRulesModifier(rules, tracker)));
      // The rules check the required fields of the types they cover (FieldRules read the
      // annotations with the plain mapper); Jackson's own check would come first for a record
      // component and report it as a type mismatch, naming one field and letting null through.
      // Types the rules do not reach (behind an interface, a subtype) keep Jackson's check.
      builder.annotationIntrospector(new WithoutRequiredMarkers(rules));
    }
    // After the field rules, so that its modifier runs first and their router wraps its map
    // deserializers (which must be Jackson's own to be replaced).
    builder.addModule(MapKeyCollisions.module());
    builder.addModule(DecimalLimitDeserializer.module(limits.maxNumberLength()));
    builder.addModule(ByteRangeDeserializer.module());
    builder.addModule(StringLimitDeserializer.module());
    builder.addModule(NonFiniteSpellingDeserializer.module());
    if (config.primitiveFieldsRequired()) {
      builder.addModule(PrimitiveArrayNullDeserializer.module());
    }
    // Before the fast module, so that it wraps the fast deserializer.
    builder.addModule(StrictInstantDeserializer.module());
    builder.addModule(StrictTextDeserializer.module());
    if (fastInstants) {
      // Last, so that its modifier runs first and wraps the java.time module's own deserializer.
      builder.addModule(FastInstantDeserializer.module());
    }
    ObjectMapper mapper = builder.build();
    this.reader = mapper.readerFor(config.type());
    this.errors = new JsonErrors(rules.knownNames());
    this.typeName = config.type().getSimpleName();
  }

  private static JsonMapper.Builder mapperBuilder(JsonParseConfig<?> config) {
    return SafeJson.mapperBuilder(config.limits())
        // Strict scalars: coercion only where a field's Coercion asks for it.
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        // A blank string is not a number or a boolean: without this Jackson reads "  " as null,
        // and so as 0 or false for a primitive (only the empty string "" was refused).
        .withCoercionConfigDefaults(c -> c.setAcceptBlankAsEmpty(Boolean.FALSE))
        // An enum is read from its name only, not from a number taken as its ordinal.
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .withCoercionConfig(
            LogicalType.Textual,
            c ->
                c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        // Correctly rounded like Double.parseDouble / new BigDecimal, just faster.
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
        .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
        .defaultLeniency(false)
        // An OffsetDateTime keeps the offset it was written with.
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
        // Checked by read() itself, to report TRAILING_CONTENT rather than a mapping error.
        .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .configure(
            DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
            config.unknownFields() == UnknownFields.DEAD_LETTER)
        // Even a class annotated with @JsonTypeInfo(use = CLASS) cannot name a class to build.
        .polymorphicTypeValidator(BasicPolymorphicTypeValidator.builder().build());
  }

  /**
   * Reads one document.
   *
   * @param payload the document's bytes (UTF-8, or UTF-16/32 with a detectable encoding), or null
   * @throws JsonRecordException when the document is not one valid {@code T}
   */
  public T read(@Nullable byte[] payload) throws JsonRecordException {
    if (payload == null) {
      throw new JsonRecordException(Reason.NO_PAYLOAD, "the record has no payload (a tombstone)");
    }
    try {
      SafeJson.checkSize(payload, limits);
    } catch (IOException e) {
      throw new JsonRecordException(Reason.TOO_LARGE, e.getMessage());
    }
    if (payload.length == 0) {
      throw new JsonRecordException(Reason.EMPTY, "the payload is empty");
    }
    requireValidEncoding(payload);
    JsonParser parser = null;
    try {
      parser = reader.createParser(payload);
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new JsonRecordException(Reason.EMPTY, "the payload holds only whitespace");
      }
      if (first != JsonToken.START_OBJECT) {
        throw new JsonRecordException(
            Reason.NOT_AN_OBJECT, "expected a JSON object, got " + JsonErrors.describeToken(first));
      }
      tracker.reset();
      T value = reader.readValue(parser);
      requireEnd(parser);
      return requireRecord(value);
    } catch (JsonRecordException e) {
      throw e;
    } catch (InvalidDefinitionException e) {
      // A key seen again after every creator parameter (a record component) had its value: Jackson
      // has already built the object and has no setter for the repeated key. Read the document
      // again, keeping the last value of each key (readLastValues).
      return readLastValues(payload, errors.describe(e, parser));
    } catch (Exception e) {
      throw errors.describe(e, parser);
    } finally {
      if (parser != null) {
        try {
          parser.close(); // returns the parser's buffers for reuse
        } catch (IOException ignored) {
          // nothing to release for byte input
        }
      }
    }
  }

  /**
   * The slow path for documents with a repeated key (rare): the document is read again into nested
   * maps and lists where the last value of a key has replaced the earlier ones, as the docs
   * promise, and bound from those. Scalars keep the token and text they were written with, so a
   * number binds exactly as in the first pass ({@code -0.0} stays negative, {@code 1.50} keeps its
   * scale, a number read as text keeps its spelling). Limits hold as in the first pass, and so does
   * the rule that nothing but whitespace may follow the object ({@code TRAILING_CONTENT}).
   */
  private T readLastValues(byte[] payload, JsonRecordException firstError)
      throws JsonRecordException {
    JsonParser parser = null;
    JsonParser replay = null;
    try {
      parser = reader.createParser(payload);
      parser.nextToken();
      // The parser's limits, but a context of its own: the replay's paths start at its root (with
      // the parser's context as parent, a path in an array read "$.values.values[0]").
      TokenBuffer tokens = new TokenBuffer(parser, null).overrideParentContext(null);
      write(lastValues(parser), tokens);
      replay = new FloatsFromText(tokens.asParser());
      replay.nextToken();
      tracker.reset();
      T value = reader.readValue(replay);
      requireEnd(parser);
      return requireRecord(value);
    } catch (JsonRecordException e) {
      throw e;
    } catch (InvalidDefinitionException e) {
      throw firstError;
    } catch (Exception e) {
      throw errors.describe(e, replay != null ? replay : parser);
    } finally {
      closeQuietly(replay);
      closeQuietly(parser);
    }
  }

  /**
   * Jackson's annotations without {@code @JsonProperty(required = true)} on the types whose
   * required fields the field rules enforce instead; other types (reached only through an interface
   * or a subtype, which the rules do not walk) keep Jackson's check.
   */
  private static final class WithoutRequiredMarkers extends JacksonAnnotationIntrospector {
    private static final long serialVersionUID = 1L;

    private final transient FieldRules rules;

    WithoutRequiredMarkers(FieldRules rules) {
      this.rules = rules;
    }

    @Override
    @Nullable
    public Boolean hasRequiredMarker(AnnotatedMember member) {
      if (!rules.requiredFieldsOf(member.getDeclaringClass()).isEmpty()) {
        return null; // the rules check this type's required fields
      }
      return super.hasRequiredMarker(member);
    }
  }

  /**
   * The replay of the second pass, reading a {@code float} from the number's text as the first pass
   * does: the token buffer's own {@code getFloatValue()} narrows a double, rounding twice ({@code
   * 1.00000017881393432617187499} became {@code 1.0000002f}, not {@code 1.0000001f}).
   */
  private static final class FloatsFromText extends JsonParserDelegate {
    FloatsFromText(JsonParser replay) {
      super(replay);
    }

    @Override
    public float getFloatValue() throws IOException {
      if (currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
        return Float.parseFloat(getText());
      }
      return super.getFloatValue();
    }
  }

  /** A JSON scalar as the parser gave it: the number types of the first pass, or the text. */
  private record Scalar(JsonToken token, @Nullable Object value) {}

  /**
   * The value at the parser's current token: objects as maps in which a repeated key holds its last
   * value (in the place of its first), arrays as lists, scalars as {@link Scalar}s.
   */
  private static Object lastValues(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    switch (token) {
      case START_OBJECT:
        Map<String, Object> fields = new LinkedHashMap<>();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
          p.nextToken();
          fields.put(name, lastValues(p));
        }
        return fields;
      case START_ARRAY:
        List<Object> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(lastValues(p));
        }
        return items;
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            int i = p.getIntValue();
            // -0 is the one JSON integer an int does not spell back (no '+', no leading zeros).
            return new Scalar(token, i == 0 && p.getTextLength() > 1 ? p.getText() : i);
          case LONG:
            return new Scalar(token, p.getLongValue());
          default:
            return new Scalar(token, p.getText());
        }
      case VALUE_NUMBER_FLOAT:
      case VALUE_STRING:
        return new Scalar(token, p.getText());
      default:
        return new Scalar(token, null); // true, false, null
    }
  }

  @SuppressWarnings("unchecked")
  private static void write(Object value, TokenBuffer out) throws IOException {
    if (value instanceof Map) {
      out.writeStartObject();
      for (Map.Entry<String, Object> field : ((Map<String, Object>) value).entrySet()) {
        out.writeFieldName(field.getKey());
        write(field.getValue(), out);
      }
      out.writeEndObject();
      return;
    }
    if (value instanceof List) {
      out.writeStartArray();
      for (Object item : (List<Object>) value) {
        write(item, out);
      }
      out.writeEndArray();
      return;
    }
    Scalar scalar = (Scalar) value;
    switch (scalar.token()) {
      case VALUE_STRING:
        out.writeString((String) scalar.value());
        break;
      case VALUE_NUMBER_INT:
        if (scalar.value() instanceof Integer i) {
          out.writeNumber(i.intValue());
        } else if (scalar.value() instanceof Long l) {
          out.writeNumber(l.longValue());
        } else {
          out.writeNumber((String) scalar.value(), true);
        }
        break;
      case VALUE_NUMBER_FLOAT:
        out.writeNumber((String) scalar.value(), false); // parsed for its target when bound
        break;
      case VALUE_TRUE:
        out.writeBoolean(true);
        break;
      case VALUE_FALSE:
        out.writeBoolean(false);
        break;
      default:
        out.writeNull();
    }
  }

  private static void closeQuietly(@Nullable JsonParser parser) {
    if (parser != null) {
      try {
        parser.close();
      } catch (IOException ignored) {
        // nothing to release for byte input or a token buffer
      }
    }
  }

  /**
   * Invalid UTF-8, UTF-16 or UTF-32 that Jackson would decode anyway (see {@link
   * SafeJson#invalidUtf8} and {@link SafeJson#invalidUtf16Or32}).
   */
  private static void requireValidEncoding(byte[] payload) throws JsonRecordException {
    String where = SafeJson.invalidUtf8(payload);
    if (where != null) {
      throw new JsonRecordException(Reason.INVALID_ENCODING, "invalid UTF-8" + where);
    }
    String wide = SafeJson.invalidUtf16Or32(payload);
    if (wide != null) {
      throw new JsonRecordException(Reason.INVALID_ENCODING, wide);
    }
  }

  /**
   * The record, unless Jackson read the object as null: the type's {@code @JsonCreator} factory or
   * its own deserializer returned null, which no step after this one expects (Flink cannot even
   * serialize it), so it is a rejected document.
   */
  private T requireRecord(@Nullable T value) throws JsonRecordException {
    if (value == null) {
      throw new JsonRecordException(
          Reason.INVALID_VALUE,
          typeName + " was read as null (its creator or deserializer returned null)");
    }
    return value;
  }

  private static void requireEnd(JsonParser parser) throws JsonRecordException {
    try {
      if (parser.nextToken() == null) {
        return;
      }
    } catch (IOException | RuntimeException e) {
      // garbage after the object: the same reason as a second value
    }
    throw new JsonRecordException(
        Reason.TRAILING_CONTENT,
        "content after the JSON object at line "
            + parser.currentLocation().getLineNr()
            + ", column "
            + parser.currentLocation().getColumnNr());
  }
}
