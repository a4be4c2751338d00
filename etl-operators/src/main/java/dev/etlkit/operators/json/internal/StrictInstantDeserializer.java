package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.etlkit.operators.json.JsonRecordException;
import java.io.IOException;
import java.time.Instant;
import org.apache.flink.annotation.Internal;

/**
 * Holds an {@link Instant} without coercion to the strict rule: it is written as an ISO-8601
 * string. The java.time module ignores leniency here and reads a JSON number, or a string of
 * digits, as epoch <em>seconds</em>, so {@code 1700000000000} (epoch milliseconds, as coercion
 * reads it) became the year 55840. A number is a {@code WRONG_TYPE}, a numeric string an {@code
 * INVALID_VALUE}; everything else goes to the wrapped deserializer. Coerced fields do not use it:
 * {@link TryCast} reads epoch milliseconds; nor do fields annotated with a numeric {@code
 * JsonFormat} shape, which ask for numbers.
 */
@Internal
final class StrictInstantDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private StrictInstantDeserializer(JsonDeserializer<?> delegate) {
    super(delegate);
  }

  /** A module wrapping every {@code Instant} deserializer, including a fast one. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-strict-instant").setDeserializerModifier(new Modifier());
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new StrictInstantDeserializer(newDelegatee);
  }

  /**
   * A field annotated {@code @JsonFormat(shape = NUMBER)} (or another numeric shape) declares its
   * JSON type a number: it keeps the java.time module's reading of numbers, epoch seconds.
   */
  @Override
  public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
      throws JsonMappingException {
    JsonDeserializer<?> contextual = super.createContextual(ctxt, property);
    if (property != null && contextual instanceof StrictInstantDeserializer) {
      JsonFormat.Value format = property.findPropertyFormat(ctxt.getConfig(), Instant.class);
      if (format != null && format.getShape().isNumeric()) {
        return ((StrictInstantDeserializer) contextual).getDelegatee();
      }
    }
    return contextual;
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
      throw new FieldException(
          p,
          JsonRecordException.Reason.WRONG_TYPE,
          "expected Instant, got " + JsonErrors.describeToken(token));
    }
    if (token == JsonToken.VALUE_STRING
        && isNumeric(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
      throw new FieldException(
          p, JsonRecordException.Reason.INVALID_VALUE, "invalid Instant value");
    }
    return _delegatee.deserialize(p, ctxt);
  }

  /**
   * Whether the text, trimmed, is what the java.time module takes for a timestamp: an optional
   * minus, then digits and dots only, with at least one digit. An ISO string always has a letter.
   */
  static boolean isNumeric(char[] text, int offset, int length) {
    int start = offset;
    int end = offset + length;
    while (start < end && text[start] <= ' ') {
      start++;
    }
    while (end > start && text[end - 1] <= ' ') {
      end--;
    }
    if (start < end && text[start] == '-') {
      start++;
    }
    boolean digit = false;
    for (int i = start; i < end; i++) {
      char c = text[i];
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '.') {
        return false;
      }
    }
    return digit;
  }

  @Override
  public boolean isCachable() {
    return false;
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonDeserializer<?> modifyDeserializer(
        DeserializationConfig config, BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
      if (beanDesc.getBeanClass() == Instant.class) {
        return new StrictInstantDeserializer(deserializer);
      }
      return deserializer;
    }
  }
}
