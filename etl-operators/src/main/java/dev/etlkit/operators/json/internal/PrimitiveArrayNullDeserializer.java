package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.ArrayType;
import dev.etlkit.operators.json.JsonRecordException;
import java.io.IOException;
import org.apache.flink.annotation.Internal;

/**
 * Refuses a JSON {@code null} among the elements of a primitive array ({@code int[]}, {@code
 * long[]}, {@code double[]}, {@code float[]}, {@code short[]}, {@code byte[]}, {@code boolean[]},
 * {@code char[]}) as a null for a primitive field is refused: Jackson reads it as 0, {@code false}
 * or {@code '\0'} without telling anyone. Such an element is {@code MISSING_REQUIRED_FIELD} at its
 * path ({@code null element in int[] at $.values[2]}). Installed only while primitive fields are
 * required ({@code withPrimitiveFieldsRequired}); without it a null element reads as the default,
 * as a null primitive field does.
 *
 * <p>Jackson's own deserializer reads the array, through a parser that throws when the next token
 * is a null (the elements of a primitive array are scalars, so every such token is an element).
 * Each instance reuses one such parser, so reading an array allocates nothing more; like the reader
 * whose mapper holds it, it is not thread-safe.
 */
@Internal
final class PrimitiveArrayNullDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  private final String message;
  private final transient NullRefusingParser elements;

  private PrimitiveArrayNullDeserializer(JsonDeserializer<?> delegate, String message) {
    super(delegate);
    this.message = message;
    this.elements = new NullRefusingParser(message);
  }

  /** A module wrapping the deserializers of the eight primitive array types. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-primitive-array-nulls")
        .setDeserializerModifier(new Modifier());
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new PrimitiveArrayNullDeserializer(newDelegatee, message);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (!p.isExpectedStartArrayToken()) {
      return _delegatee.deserialize(p, ctxt); // base64 or text, or what Jackson rejects
    }
    elements.reading(p);
    try {
      return _delegatee.deserialize(elements, ctxt);
    } finally {
      elements.reading(null);
    }
  }

  /** A {@code @JsonMerge} array: read into the existing one, through the same parser. */
  @Override
  @SuppressWarnings("unchecked")
  public Object deserialize(JsonParser p, DeserializationContext ctxt, Object intoValue)
      throws IOException {
    if (!p.isExpectedStartArrayToken()) {
      return ((JsonDeserializer<Object>) _delegatee).deserialize(p, ctxt, intoValue);
    }
    elements.reading(p);
    try {
      return ((JsonDeserializer<Object>) _delegatee).deserialize(elements, ctxt, intoValue);
    } finally {
      elements.reading(null);
    }
  }

  @Override
  public boolean isCachable() {
    return false;
  }

  /** The parser of one array's elements: the real parser, refusing a null token. */
  private static final class NullRefusingParser extends JsonParserDelegate {
    private final String message;

    NullRefusingParser(String message) {
      super(null);
      this.message = message;
    }

    void reading(JsonParser p) {
      delegate = p;
    }

    @Override
    public JsonToken nextToken() throws IOException {
      JsonToken token = delegate.nextToken();
      if (token == JsonToken.VALUE_NULL) {
        throw new FieldException(
            delegate, JsonRecordException.Reason.MISSING_REQUIRED_FIELD, message);
      }
      return token;
    }
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonDeserializer<?> modifyArrayDeserializer(
        DeserializationConfig config,
        ArrayType valueType,
        BeanDescription beanDesc,
        JsonDeserializer<?> deserializer) {
      Class<?> element = valueType.getContentType().getRawClass();
      if (!element.isPrimitive()) {
        return deserializer;
      }
      return new PrimitiveArrayNullDeserializer(
          deserializer, "null element in " + element.getName() + "[]");
    }
  }
}
