package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.etlkit.operators.internal.JsonNumbers;
import dev.etlkit.operators.json.JsonRecordException;
import java.io.IOException;
import java.math.BigDecimal;
import org.apache.flink.annotation.Internal;

/**
 * Applies {@code JsonReadLimits.maxNumberLength} to a {@link BigDecimal} as written out in plain
 * notation, not only to its JSON text: {@code 1e999999999} is 11 characters, but a billion digits
 * to {@code toPlainString}, {@code setScale} or {@code Json.write} (which writes plain numbers). A
 * longer value is {@code LIMIT_EXCEEDED}. Reads a JSON float of at most 38 digits in plain notation
 * itself ({@link PlainDecimalText}) where the delegate would read it with Jackson's parser.
 */
@Internal
final class DecimalLimitDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private final int maxNumberLength;

  /**
   * Whether the delegate is Jackson's own {@code BigDecimal} deserializer, which reads a JSON float
   * with {@code getDecimalValue()}: then short plain text is read by {@link PlainDecimalText}
   * instead, the same value.
   */
  private final boolean plainShortCut;

  private DecimalLimitDeserializer(JsonDeserializer<?> delegate, int maxNumberLength) {
    super(delegate);
    this.maxNumberLength = maxNumberLength;
    this.plainShortCut = delegate.getClass() == NumberDeserializers.BigDecimalDeserializer.class;
  }

  /** A module wrapping every {@code BigDecimal} deserializer. */
  static SimpleModule module(int maxNumberLength) {
    return new SimpleModule("etlkit-json-decimal-limit")
        .setDeserializerModifier(new Modifier(maxNumberLength));
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new DecimalLimitDeserializer(newDelegatee, maxNumberLength);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    Object value = null;
    if (plainShortCut && p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
      value = PlainDecimalText.parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }
    if (value == null) {
      value = _delegatee.deserialize(p, ctxt);
    }
    if (value instanceof BigDecimal) {
      long length = JsonNumbers.plainDigits((BigDecimal) value);
      if (length > maxNumberLength) {
        throw new FieldException(
            p,
            JsonRecordException.Reason.LIMIT_EXCEEDED,
            "BigDecimal value length in plain notation ("
                + length
                + ") exceeds the maximum allowed ("
                + maxNumberLength
                + ") (JsonReadLimits.maxNumberLength)");
      }
    }
    return value;
  }

  @Override
  public boolean isCachable() {
    return false;
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    private final int maxNumberLength;

    Modifier(int maxNumberLength) {
      this.maxNumberLength = maxNumberLength;
    }

    @Override
    public JsonDeserializer<?> modifyDeserializer(
        DeserializationConfig config, BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
      if (beanDesc.getBeanClass() == BigDecimal.class) {
        return new DecimalLimitDeserializer(deserializer, maxNumberLength);
      }
      return deserializer;
    }
  }
}
