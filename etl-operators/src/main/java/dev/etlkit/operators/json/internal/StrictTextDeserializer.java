package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.etlkit.operators.json.JsonRecordException;
import java.io.IOException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import org.apache.flink.annotation.Internal;

/**
 * Holds {@link LocalDate}, {@link LocalDateTime}, {@link LocalTime} and enums to the strict rule:
 * they are written as strings (ISO-8601, the constant's name). An enum is never read from a number
 * (Jackson would take it as an ordinal). The java.time module also reads its own array form ({@code
 * [2024,1,31]}, and {@code []} as null) and numbers (a {@code LocalDate} as a day count), whatever
 * the leniency; both are a {@code WRONG_TYPE} here. Coerced fields do not use it ({@link TryCast}
 * fails arrays and numbers itself); nor do fields annotated with a numeric or array {@code
 * JsonFormat} shape, which ask for those forms.
 */
@Internal
final class StrictTextDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private final Class<?> type;

  private StrictTextDeserializer(Class<?> type, JsonDeserializer<?> delegate) {
    super(delegate);
    this.type = type;
  }

  /** A module wrapping the {@code LocalDate}, {@code LocalDateTime} and {@code LocalTime} ones. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-strict-text").setDeserializerModifier(new Modifier());
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new StrictTextDeserializer(type, newDelegatee);
  }

  @Override
  public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property)
      throws JsonMappingException {
    JsonDeserializer<?> contextual = super.createContextual(ctxt, property);
    if (property != null && contextual instanceof StrictTextDeserializer) {
      JsonFormat.Value format = property.findPropertyFormat(ctxt.getConfig(), type);
      if (format != null
          && (format.getShape().isNumeric() || format.getShape() == JsonFormat.Shape.ARRAY)) {
        return ((StrictTextDeserializer) contextual).getDelegatee();
      }
    }
    return contextual;
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.START_ARRAY
        || token == JsonToken.VALUE_NUMBER_INT
        || token == JsonToken.VALUE_NUMBER_FLOAT) {
      throw new FieldException(
          p,
          JsonRecordException.Reason.WRONG_TYPE,
          "expected " + type.getSimpleName() + ", got " + JsonErrors.describeToken(token));
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
      Class<?> c = beanDesc.getBeanClass();
      if (c == LocalDate.class || c == LocalDateTime.class || c == LocalTime.class) {
        return new StrictTextDeserializer(c, deserializer);
      }
      return deserializer;
    }

    @Override
    public JsonDeserializer<?> modifyEnumDeserializer(
        DeserializationConfig config,
        JavaType type,
        BeanDescription beanDesc,
        JsonDeserializer<?> deserializer) {
      // FAIL_ON_NUMBERS_FOR_ENUMS refuses ordinals, but Jackson reads the number as an int first,
      // so 2147483648 was an OUT_OF_RANGE "for int": any number is a WRONG_TYPE for an enum.
      return new StrictTextDeserializer(type.getRawClass(), deserializer);
    }
  }
}
