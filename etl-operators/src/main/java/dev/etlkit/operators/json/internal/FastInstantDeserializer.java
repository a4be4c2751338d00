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
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.io.IOException;
import java.time.Instant;
import org.apache.flink.annotation.Internal;

/**
 * Reads an {@link Instant} written in a common ISO-8601 UTC layout ({@link IsoInstantParser})
 * straight from the parser's characters, without a {@code String} or a {@code DateTimeFormatter};
 * hands every other value (other layouts and offsets, numbers, nulls, errors) to the java.time
 * module's own deserializer, which decides exactly as before.
 *
 * <p>The fast path is used only for a value without format overrides (no {@code @JsonFormat}
 * pattern, locale, time zone or shape); otherwise the whole value goes to the module's
 * deserializer.
 */
@Internal
final class FastInstantDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private final boolean fast;

  private FastInstantDeserializer(JsonDeserializer<?> delegate, boolean fast) {
    super(delegate);
    this.fast = fast;
  }

  /**
   * A module wrapping the java.time module's {@code Instant} deserializer. Add it after every other
   * module that modifies deserializers, so that it wraps the plain deserializer (Jackson applies
   * the modifier added last first).
   */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-fast-instant").setDeserializerModifier(new Modifier());
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new FastInstantDeserializer(newDelegatee, fast);
  }

  @Override
  public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
      throws JsonMappingException {
    JsonDeserializer<?> delegate =
        ctxt.handleSecondaryContextualization(
            _delegatee, property, ctxt.constructType(Instant.class));
    JsonFormat.Value format = findFormatOverrides(ctxt, property, Instant.class);
    boolean plain =
        format == null
            || (!format.hasPattern()
                && !format.hasLocale()
                && !format.hasTimeZone()
                && format.getShape() == JsonFormat.Shape.ANY);
    return new FastInstantDeserializer(delegate, plain && delegate instanceof InstantDeserializer);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (fast && p.hasToken(JsonToken.VALUE_STRING)) {
      // the module's deserializer builds a String, which checks maxStringLength; this path not
      StringLimitDeserializer.requireStringWithinLimit(p);
      Instant instant =
          IsoInstantParser.parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
      if (instant != null) {
        return instant;
      }
    }
    return _delegatee.deserialize(p, ctxt);
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
      if (beanDesc.getBeanClass() == Instant.class && deserializer instanceof InstantDeserializer) {
        return new FastInstantDeserializer(deserializer, false);
      }
      return deserializer;
    }
  }
}
