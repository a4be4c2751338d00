package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.ArrayType;
import java.io.IOException;
import org.apache.flink.annotation.Internal;

/**
 * Holds a {@code byte[]} written as a base64 string and a {@code char[]} written as a string to
 * {@code maxStringLength}, as every other string is held: Jackson decodes those straight from the
 * parser's characters without building a {@code String}, and only building one checks the limit.
 * Other tokens (a {@code byte[]} as an array of numbers, null) are left to Jackson.
 */
@Internal
final class StringLimitDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private StringLimitDeserializer(JsonDeserializer<?> delegate) {
    super(delegate);
  }

  /** A module wrapping the {@code byte[]} and {@code char[]} deserializers. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-string-limit").setDeserializerModifier(new Modifier());
  }

  /**
   * Checks the string at the parser against the parser's {@code maxStringLength} (reading its
   * length decodes it into the parser's reused buffer; no {@code String} is built).
   *
   * @throws com.fasterxml.jackson.core.exc.StreamConstraintsException when it is longer
   */
  static void requireStringWithinLimit(JsonParser p) throws IOException {
    if (p.hasToken(JsonToken.VALUE_STRING)) {
      p.streamReadConstraints().validateStringLength(p.getTextLength());
    }
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new StringLimitDeserializer(newDelegatee);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    requireStringWithinLimit(p);
    return _delegatee.deserialize(p, ctxt);
  }

  @Override
  public boolean isCachable() {
    return false;
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonDeserializer<?> modifyArrayDeserializer(
        DeserializationConfig config,
        ArrayType valueType,
        BeanDescription beanDesc,
        JsonDeserializer<?> deserializer) {
      Class<?> c = valueType.getRawClass();
      return c == byte[].class || c == char[].class
          ? new StringLimitDeserializer(deserializer)
          : deserializer;
    }
  }
}
