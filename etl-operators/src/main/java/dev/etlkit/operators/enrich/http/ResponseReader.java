package dev.etlkit.operators.enrich.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
      throw new HttpLookupException(
          "HTTP lookup batch response of status "
              + status
              + " must be a JSON object from key to value, was "
              + tree.getNodeType(),
          false,
          status,
          null);
    }
    for (Map.Entry<String, K> key : keysByName.entrySet()) {
      JsonNode node = tree.get(key.getKey());
      V value;
      if (type == null) {
        value = convert(node, status);
      } else {
        try {
          value = node == null || node.isNull() ? null : mapper.treeToValue(node, type);
        } catch (IOException | RuntimeException e) {
          throw unreadable(e, status);
        }
      }
      if (value != null) {
        found.put(key.getValue(), value);
      }
    }
    return found;
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
