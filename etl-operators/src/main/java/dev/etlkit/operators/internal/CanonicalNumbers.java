package dev.etlkit.operators.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Makes Jackson read every {@code BigDecimal} and {@code BigInteger}, map keys included, in the
 * form of {@link Decimals#canonical}: Jackson reads decimal text of more than 18 characters ({@code
 * 0.000000000000000001}) and integer text ({@code "1"}) into values equal to, but serialized by
 * Flink unlike, the same values read from shorter text or made by {@code valueOf}.
 */
final class CanonicalNumbers extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private CanonicalNumbers(JsonDeserializer<?> delegate) {
    super(delegate);
  }

  /** A module wrapping every {@code BigDecimal} and {@code BigInteger} (key) deserializer. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-canonical-numbers").setDeserializerModifier(new Modifier());
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new CanonicalNumbers(newDelegatee);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    return canonical(_delegatee.deserialize(p, ctxt));
  }

  /** {@code value} in its {@link Decimals#canonical} form if it is a decimal or an integer. */
  private static Object canonical(Object value) {
    if (value instanceof BigDecimal) {
      return Decimals.canonical((BigDecimal) value);
    }
    if (value instanceof BigInteger) {
      return Decimals.canonical((BigInteger) value);
    }
    return value;
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonDeserializer<?> modifyDeserializer(
        DeserializationConfig config, BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
      Class<?> type = beanDesc.getBeanClass();
      if (type == BigDecimal.class || type == BigInteger.class) {
        return new CanonicalNumbers(deserializer);
      }
      return deserializer;
    }

    @Override
    public KeyDeserializer modifyKeyDeserializer(
        DeserializationConfig config, JavaType type, KeyDeserializer deserializer) {
      Class<?> c = type.getRawClass();
      return c == BigDecimal.class || c == BigInteger.class ? new Key(deserializer) : deserializer;
    }
  }

  /** A map key deserializer giving {@link Decimals#canonical} forms. */
  private static final class Key extends KeyDeserializer {
    private final KeyDeserializer delegate;

    Key(KeyDeserializer delegate) {
      this.delegate = delegate;
    }

    @Override
    public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
      return canonical(delegate.deserializeKey(key, ctxt));
    }
  }
}
