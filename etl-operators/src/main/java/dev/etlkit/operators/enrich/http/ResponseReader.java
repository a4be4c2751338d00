package dev.etlkit.operators.enrich.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.internal.SafeJson;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Reads the values out of response bodies: Jackson through {@link SafeJson} (read limits, no
 * polymorphic typing, no source excerpts), unknown properties ignored. An empty body, one of JSON
 * whitespace only, or JSON {@code null} is a miss; anything unreadable is a permanent {@link
 * HttpLookupException} naming the exception class and position, never body content.
 */
final class ResponseReader<V> {
  private final ObjectMapper mapper;

  /** Binds one value of a batch response, the parser standing on it (no document end there). */
  @Nullable private final ObjectReader batchValue;

  private final JsonReadLimits limits;
  @Nullable private final Class<V> type;
  @Nullable private final SerializableFunction<JsonNode, V> function;

  ResponseReader(
      JsonReadLimits limits,
      @Nullable Class<V> type,
      @Nullable SerializableFunction<JsonNode, V> function) {
    this.mapper =
        SafeJson.mapperBuilder(limits)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    this.batchValue =
        type == null
            ? null
            : mapper.readerFor(type).without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.limits = limits;
    this.type = type;
    this.function = function;
  }

  ObjectMapper mapper() {
    return mapper;
  }

  /** The value in a single-key response; null for a miss. */
  @Nullable
  V value(byte[] body, int status) {
    checkSize(body, status);
    if (isBlank(body)) {
      return null;
    }
    requireUnicode(body, status);
    JsonNode tree;
    try {
      if (type != null) {
        V value = mapper.readValue(body, type);
        // JSON null is a miss: JsonNode's deserializer reads it as a NullNode, not as null.
        return value instanceof JsonNode && ((JsonNode) value).isNull() ? null : value;
      }
      tree = mapper.readTree(body);
    } catch (IOException | RuntimeException e) {
      throw unreadable(e, status);
    }
    return convert(tree, status);
  }

  /**
   * The values of a batch response: a JSON object from formatted key to value. Keys not asked for
   * are ignored; absent or null values are misses.
   */
  <K> Map<K, V> values(byte[] body, int status, Map<String, K> keysByName) {
    checkSize(body, status);
    Map<K, V> found = new HashMap<>();
    if (isBlank(body)) {
      return found;
    }
    requireUnicode(body, status);
    if (type != null) {
      return bind(body, status, keysByName, batchValue, type, found);
    }
    JsonNode tree;
    try {
      tree = mapper.readTree(body);
    } catch (IOException | RuntimeException e) {
      throw unreadable(e, status);
    }
    if (tree == null || tree.isNull()) {
      return found;
    }
    if (!tree.isObject()) {
      throw notAnObject(status, tree.getNodeType().name());
    }
    for (Map.Entry<String, K> key : keysByName.entrySet()) {
      V value = convert(tree.get(key.getKey()), status);
      if (value != null) {
        found.put(key.getValue(), value);
      }
    }
    return found;
  }

  /**
   * The values of a batch response bound to the value class straight from the tokens, as {@link
   * #value} binds a single one: a tree in between would hold a number with a fraction as a double
   * and round a decimal of the value. The last occurrence of a key counts, as in a tree.
   */
  private <K> Map<K, V> bind(
      byte[] body,
      int status,
      Map<String, K> keysByName,
      ObjectReader reader,
      Class<V> type,
      Map<K, V> found) {
    try (JsonParser parser = mapper.createParser(body)) {
      JsonToken first = parser.nextToken();
      if (first == JsonToken.START_OBJECT) {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          K key = keysByName.get(parser.currentName());
          JsonToken token = parser.nextToken();
          if (key == null) {
            parser.skipChildren();
            continue;
          }
          V value = token == JsonToken.VALUE_NULL ? null : reader.readValue(parser);
          if (value == null || (value instanceof JsonNode && ((JsonNode) value).isNull())) {
            found.remove(key);
          } else {
            found.put(key, value);
          }
        }
      } else if (first != JsonToken.VALUE_NULL) {
        throw notAnObject(status, nodeType(first));
      }
      if (parser.nextToken() != null) {
        throw MismatchedInputException.from(parser, type, "Trailing token after the document");
      }
      return found;
    } catch (IOException | RuntimeException e) {
      if (e instanceof HttpLookupException) {
        throw (HttpLookupException) e;
      }
      throw unreadable(e, status);
    }
  }

  /** The name a tree would give the node of a document starting with {@code token}. */
  private static String nodeType(@Nullable JsonToken token) {
    if (token == null) {
      return "MISSING";
    }
    switch (token) {
      case START_ARRAY:
        return "ARRAY";
      case VALUE_STRING:
        return "STRING";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "NUMBER";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "BOOLEAN";
      default:
        return token.name();
    }
  }

  private static HttpLookupException notAnObject(int status, String found) {
    return new HttpLookupException(
        "HTTP lookup batch response of status "
            + status
            + " must be a JSON object from key to value, was "
            + found,
        false,
        status,
        null);
  }

  @Nullable
  private V convert(@Nullable JsonNode node, int status) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    try {
      return function.apply(node);
    } catch (RuntimeException e) {
      HttpLookupException failure =
          new HttpLookupException(
              "HTTP lookup value mapper failed on a response of status "
                  + status
                  + ": "
                  + e.getClass().getSimpleName(),
              false,
              status,
              null);
      failure.setStackTrace(e.getStackTrace());
      throw failure;
    }
  }

  /** The body subscriber enforces the size already; this guards bodies from elsewhere. */
  private void checkSize(byte[] body, int status) {
    if (body.length > limits.maxDocumentBytes()) {
      throw tooLarge(body.length, limits.maxDocumentBytes(), status);
    }
  }

  /**
   * Refuses bytes that are not Unicode text although Jackson would decode them (an overlong UTF-8
   * form such as {@code C0 AF} for {@code /}, an encoded surrogate, a code point above U+10FFFF, an
   * unpaired UTF-16 surrogate), as etlkit's other JSON readers do: see {@link SafeJson#invalidUtf8}
   * and {@link SafeJson#invalidUtf16Or32}.
   */
  private static void requireUnicode(byte[] body, int status) {
    String where = SafeJson.invalidUtf8(body);
    String problem = where != null ? "invalid UTF-8" + where : SafeJson.invalidUtf16Or32(body);
    if (problem != null) {
      throw new HttpLookupException(
          "HTTP lookup response body of status "
              + status
              + " is not Unicode text ("
              + problem
              + ")",
          false,
          status,
          null);
    }
  }

  static HttpLookupException tooLarge(long size, int limit, int status) {
    return new HttpLookupException(
        "HTTP lookup response body of status "
            + status
            + " exceeds maxDocumentBytes "
            + limit
            + (size < 0 ? "" : " (" + size + " bytes)"),
        false,
        status,
        null);
  }

  private static HttpLookupException unreadable(Exception e, int status) {
    String problem =
        e instanceof StreamConstraintsException
            ? "exceeds the JSON read limits"
            : "is not valid JSON for the value type";
    String at = "";
    if (e instanceof JsonProcessingException) {
      JsonLocation location = ((JsonProcessingException) e).getLocation();
      if (location != null && location.getLineNr() > 0) {
        at = " at line " + location.getLineNr() + ", column " + location.getColumnNr();
      }
    }
    HttpLookupException failure =
        new HttpLookupException(
            "HTTP lookup response body of status "
                + status
                + " "
                + problem
                + " ("
                + e.getClass().getSimpleName()
                + at
                + ")",
            false,
            status,
            null);
    failure.setStackTrace(e.getStackTrace());
    return failure;
  }

  /** An empty body, or one of JSON whitespace only: no document, a miss like an empty body. */
  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
