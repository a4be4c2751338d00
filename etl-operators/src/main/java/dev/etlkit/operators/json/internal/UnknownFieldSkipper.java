package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Skips the value of a field that a class does not bind, holding its strings to {@code
 * maxStringLength} as every other string is held: Jackson skips such a value without reading its
 * strings, so the limit did not apply to them (it does to numbers, which Jackson reads anyway).
 * Called by Jackson only for fields its deserializers do not know, so known fields cost nothing.
 *
 * <p>Which fields are skipped:
 *
 * <ul>
 *   <li>every unknown field, with {@code UnknownFields.IGNORE};
 *   <li>with {@code UnknownFields.DEAD_LETTER}, only a property the class writes but cannot bind (a
 *       getter without a setter, field or creator parameter, such as a derived {@code
 *       getFullName()}): {@code Json.write} writes it, and {@code Json.parse} reads back what
 *       {@code Json.write} writes. For a Jackson builder these are the properties of the type it
 *       builds: of the types the field rules' walk found read through it, wherever it is declared,
 *       and of the type it is nested in if that type names it as its builder (which covers a type
 *       the walk does not reach, such as one read through an interface). Any other field is left to
 *       Jackson, which rejects it ({@code UNKNOWN_FIELD}).
 * </ul>
 *
 * <p>Not thread-safe (it caches each class's written-only names): one per reader.
 */
@Internal
final class UnknownFieldSkipper extends DeserializationProblemHandler {

  private final boolean skipAll;
  private final Map<Class<?>, Set<Class<?>>> builtBy;
  private final Map<Class<?>, Set<String>> writtenOnly = new HashMap<>();

  /**
   * @param skipAll whether every unknown field is skipped, or only the written-only ones
   * @param builtBy the types read through a Jackson builder, by builder class ({@link
   *     FieldRules#builtBy()})
   */
  UnknownFieldSkipper(boolean skipAll, Map<Class<?>, Set<Class<?>>> builtBy) {
    this.skipAll = skipAll;
    this.builtBy = builtBy;
  }

  @Override
  public boolean handleUnknownProperty(
      DeserializationContext ctxt,
      JsonParser p,
      JsonDeserializer<?> deserializer,
      Object beanOrClass,
      String propertyName)
      throws IOException {
    if (!skipAll) {
      Class<?> type =
          beanOrClass instanceof Class ? (Class<?>) beanOrClass : beanOrClass.getClass();
      Set<String> names = writtenOnly.get(type);
      if (names == null) {
        names = writtenOnly(ctxt, type);
        // the built types, not their builder, write the properties
        for (Class<?> built : builtBy.getOrDefault(type, Set.of())) {
          names.addAll(writtenOnly(ctxt, built));
        }
        Class<?> enclosing = builtByEnclosing(ctxt, type);
        if (enclosing != null) {
          names.addAll(writtenOnly(ctxt, enclosing));
        }
        writtenOnly.put(type, names);
      }
      if (!names.contains(propertyName)) {
        return false;
      }
    }
    skipValue(p);
    return true;
  }

  /**
   * The type enclosing {@code type} if it names {@code type} as its builder ({@code
   * JsonDeserialize(builder = …)}), else null: a nested builder of a type the rules' walk does not
   * reach (one read through an interface or abstract type) is still known by where it is declared.
   */
  @Nullable
  private static Class<?> builtByEnclosing(DeserializationContext ctxt, Class<?> type) {
    Class<?> enclosing = type.getEnclosingClass();
    if (enclosing == null) {
      return null;
    }
    Class<?> builder = ctxt.getConfig().introspect(ctxt.constructType(enclosing)).findPOJOBuilder();
    return builder == type ? enclosing : null;
  }

  /** The names of the properties of {@code type} that have a getter and nothing to bind them. */
  private static Set<String> writtenOnly(DeserializationContext ctxt, Class<?> type) {
    Set<String> names = new HashSet<>();
    for (BeanPropertyDefinition property :
        ctxt.getConfig().introspect(ctxt.constructType(type)).findProperties()) {
      if (property.hasGetter() && !property.couldDeserialize()) {
        names.add(property.getName());
      }
    }
    return names;
  }

  /**
   * Skips the value at the parser's current token, reading the length of each string in it (which
   * decodes the string into the parser's reused buffer, no {@code String} built) and checking it
   * against the parser's {@code maxStringLength}.
   */
  static void skipValue(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.VALUE_STRING) {
      p.streamReadConstraints().validateStringLength(p.getTextLength());
      return;
    }
    if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
      return; // numbers are read (and their length checked) by the parser itself
    }
    for (int depth = 1; depth > 0; ) {
      token = p.nextToken();
      if (token == null) {
        return; // the caller reports the truncated document
      }
      if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
        depth++;
      } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
        depth--;
      } else if (token == JsonToken.VALUE_STRING) {
        p.streamReadConstraints().validateStringLength(p.getTextLength());
      }
    }
  }
}
