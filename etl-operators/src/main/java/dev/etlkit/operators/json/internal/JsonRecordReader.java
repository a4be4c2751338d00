package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.internal.SafeJson;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import dev.etlkit.operators.json.UnknownFields;
import java.io.IOException;
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
 * default typing being off), and the document must be exactly one JSON object.
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
    JsonMapper.Builder builder = mapperBuilder(config);
    if (!rules.isEmpty()) {
      builder.addModule(
          new SimpleModule("etlkit-json-field-rules")
              .setDeserializerModifier(new FieldRulesModifier(rules, tracker)));
    }
    builder.addModule(DecimalLimitDeserializer.module(limits.maxNumberLength()));
    // Before the fast module, so that it wraps the fast deserializer.
    builder.addModule(StrictInstantDeserializer.module());
    if (fastInstants) {
      // Last, so that its modifier runs first and wraps the java.time module's own deserializer.
      builder.addModule(FastInstantDeserializer.module());
    }
    ObjectMapper mapper = builder.build();
    this.reader = mapper.readerFor(config.type());
    this.errors = new JsonErrors(rules.knownNames());
  }

  private static JsonMapper.Builder mapperBuilder(JsonParseConfig<?> config) {
    return SafeJson.mapperBuilder(config.limits())
        // Strict scalars: coercion only where a field's Coercion asks for it.
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
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
      return value;
    } catch (JsonRecordException e) {
      throw e;
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
