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
 * Holds {@code double}, {@code Double}, {@code float} and {@code Float} values written as strings,
 * and the elements of a {@code double[]} or {@code float[]}, to the spellings {@code Json.write}
 * writes and {@link TryCast} reads: {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}. Jackson
 * also reads its own {@code "INF"} and {@code "-INF"} as infinities; those are a {@code WRONG_TYPE}
 * here, as any other string is. Everything else is left to Jackson's deserializers.
 */
@Internal
final class NonFiniteSpellingDeserializer extends DelegatingDeserializer {
  private static final long serialVersionUID = 1L;

  /** The type in messages ({@code double}, {@code Double}, ...; for an array its element). */
  private final Class<?> type;

  private final boolean array;

  private NonFiniteSpellingDeserializer(
      JsonDeserializer<?> delegate, Class<?> type, boolean array) {
    super(delegate);
    this.type = type;
    this.array = array;
  }

  /** A module wrapping the {@code double}, {@code float} and their boxes' and arrays' ones. */
  static SimpleModule module() {
    return new SimpleModule("etlkit-json-non-finite-spelling")
        .setDeserializerModifier(new Modifier());
  }

  @Override
  protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
    return new NonFiniteSpellingDeserializer(newDelegatee, type, array);
  }

  @Override
  public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (!array) {
      requireSpelling(p, type);
      return _delegatee.deserialize(p, ctxt);
    }
    if (p.isExpectedStartArrayToken()) {
      return _delegatee.deserialize(new SpellingCheckingParser(p, type), ctxt);
    }
    return _delegatee.deserialize(p, ctxt); // what Jackson rejects
  }

  /** Rejects Jackson's own spellings of an infinity at the parser. */
  private static void requireSpelling(JsonParser p, Class<?> type) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_STRING) {
      String text = p.getText();
      if (text.equals("INF") || text.equals("-INF")) {
        throw new FieldException(
            p,
            JsonRecordException.Reason.WRONG_TYPE,
            "expected " + type.getSimpleName() + ", got a JSON string");
      }
    }
  }

  @Override
  public boolean isCachable() {
    return false;
  }

  /** The parser of one array's elements, checking each string element first. */
  private static final class SpellingCheckingParser extends JsonParserDelegate {
    private final Class<?> element;

    SpellingCheckingParser(JsonParser p, Class<?> element) {
      super(p);
      this.element = element;
    }

    @Override
    public JsonToken nextToken() throws IOException {
      JsonToken token = delegate.nextToken();
      requireSpelling(delegate, element);
      return token;
    }
  }

  private static final class Modifier extends BeanDeserializerModifier {
    private static final long serialVersionUID = 1L;

    @Override
    public JsonDeserializer<?> modifyDeserializer(
        DeserializationConfig config, BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
      Class<?> c = beanDesc.getBeanClass();
      if (c == double.class || c == Double.class || c == float.class || c == Float.class) {
        return new NonFiniteSpellingDeserializer(deserializer, c, false);
      }
      return deserializer;
    }

    @Override
    public JsonDeserializer<?> modifyArrayDeserializer(
        DeserializationConfig config,
        ArrayType valueType,
        BeanDescription beanDesc,
        JsonDeserializer<?> deserializer) {
      Class<?> c = valueType.getRawClass();
      if (c == double[].class || c == float[].class) {
        return new NonFiniteSpellingDeserializer(deserializer, c.getComponentType(), true);
      }
      return deserializer;
    }
  }
}
