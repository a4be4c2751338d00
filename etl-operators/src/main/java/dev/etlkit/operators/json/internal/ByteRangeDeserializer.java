package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.ArrayType;
import java.io.IOException;
import org.apache.flink.annotation.Internal;

/**
 * Holds {@code byte} and {@code Byte} values, and the numbers of a {@code byte[]} written as a JSON
 * array, to their Java range, -128 to 127, as every other integer is held to its own: Jackson reads
 * a byte with {@code getByteValue()}, which also accepts 128 to 255 ("unsigned" bytes) and wraps
 * them to negative numbers, so {@code 200} became {@code -56}. Such a number is {@code
 * OUT_OF_RANGE} here. Everything else (other tokens, a {@code byte[]} as a base64 string) is left
 * to Jackson's deserializers.
 */
@Internal
final class ByteRangeDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private final boolean array;

  private ByteRangeDeserializer(JsonDeserializer<?> delegate, boolean array) {
    super(delegate);
    this.array = array;
  }

  /** A module wrapping the {@code byte}, {@code Byte} and {@code byte[]} deserializers. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-byte-range").setDeserializerModifier(new Modifier());
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new ByteRangeDeserializer(newDelegatee, array);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (!array) {
      requireByte(p);
      return _delegatee.deserialize(p, ctxt);
    }
    if (p.isExpectedStartArrayToken()) {
      return _delegatee.deserialize(new RangeCheckingParser(p), ctxt);
    }
    return _delegatee.deserialize(p, ctxt); // base64 text, or what Jackson rejects
  }

  /**
   * Rejects a JSON integer at the parser outside -128..127 (beyond an int, Jackson's own check for
   * an int applies).
   *
   * @throws InputCoercionException for a number out of range, with {@code byte} as its target
   */
  static void requireByte(JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() == JsonParser.NumberType.INT) {
      int value = p.getIntValue();
      if (value < Byte.MIN_VALUE || value > Byte.MAX_VALUE) {
        throw new InputCoercionException(
            p, "number out of range for byte", JsonToken.VALUE_NUMBER_INT, Byte.TYPE);
      }
    }
  }

  @Override
  public boolean isCachable() {
    return false;
  }

  /**
   * Jackson's {@code byte[]} deserializer reads each number of the array form with {@code
   * getByteValue()}; this parser checks the range first. Only arrays of numbers pass through it.
   */
  private static final class RangeCheckingParser extends JsonParserDelegate {
    RangeCheckingParser(JsonParser p) {
      super(p);
    }

    @Override
    public byte getByteValue() throws IOException {
      requireByte(this);
      return super.getByteValue();
    }
  }

  /**
   * A {@code Byte} map key held to -128..127: Jackson's key deserializer takes 128 to 255 and wraps
   * them too. Such a key is a value that does not parse into its key type ({@code INVALID_VALUE}).
   */
  private static final class ByteKey extends KeyDeserializer {
    private final KeyDeserializer delegate;

    ByteKey(KeyDeserializer delegate) {
      this.delegate = delegate;
    }

    @Override
    public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
      Object value = delegate.deserializeKey(key, ctxt);
      if (value instanceof Byte && ((Byte) value) < 0 && !key.trim().startsWith("-")) {
        return ctxt.handleWeirdKey(Byte.class, key, "not a byte (-128 to 127)");
      }
      return value;
    }
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonDeserializer<?> modifyDeserializer(
        DeserializationConfig config, BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
      Class<?> c = beanDesc.getBeanClass();
      if (c == byte.class || c == Byte.class) {
        return new ByteRangeDeserializer(deserializer, false);
      }
      return deserializer;
    }

    @Override
    public KeyDeserializer modifyKeyDeserializer(
        DeserializationConfig config, JavaType type, KeyDeserializer deserializer) {
      Class<?> c = type.getRawClass();
      return c == byte.class || c == Byte.class ? new ByteKey(deserializer) : deserializer;
    }

    @Override
    public JsonDeserializer<?> modifyArrayDeserializer(
        DeserializationConfig config,
        ArrayType valueType,
        BeanDescription beanDesc,
        JsonDeserializer<?> deserializer) {
      if (valueType.getRawClass() == byte[].class) {
        return new ByteRangeDeserializer(deserializer, true);
      }
      return deserializer;
    }
  }
}
