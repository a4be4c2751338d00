package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Debezium's {@code unavailable.value.placeholder}: what its PostgreSQL connector writes for a
 * value the database did not send (an unchanged TOAST column under {@code REPLICA IDENTITY
 * DEFAULT}), in each form it takes there: the text for text and most other columns, a one-element
 * array of it for a text array, its bytes as numbers for an integer array, and its bytes as base64
 * (also URL-safe) or hex text for a binary column, as {@code binary.handling.mode} writes them.
 * Configured as Debezium takes it: the text, or {@code hex:} and the bytes in hex.
 */
@Internal
public final class UnavailableValue implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The placeholder's bytes' prefix in Debezium's configuration. */
  private static final String HEX_PREFIX = "hex:";

  private final String text;
  private final byte[] bytes;
  private final String base64;
  private final String base64Url;
  private final String hex;

  /**
   * @param placeholder as configured in Debezium ({@code __debezium_unavailable_value} by default)
   * @throws IllegalArgumentException if it is empty, or {@code hex:} is not followed by hex digits
   */
  public UnavailableValue(String placeholder) {
    if (placeholder.isEmpty() || placeholder.equals(HEX_PREFIX)) {
      throw new IllegalArgumentException("unavailableValuePlaceholder must not be empty");
    }
    if (placeholder.startsWith(HEX_PREFIX)) {
      try {
        bytes = HexFormat.of().parseHex(placeholder.substring(HEX_PREFIX.length()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unavailableValuePlaceholder after 'hex:' must be hex digits", e);
      }
    } else {
      bytes = placeholder.getBytes(StandardCharsets.UTF_8);
    }
    text = new String(bytes, StandardCharsets.UTF_8);
    base64 = Base64.getEncoder().encodeToString(bytes);
    base64Url = Base64.getUrlEncoder().encodeToString(bytes);
    hex = HexFormat.of().formatHex(bytes);
  }

  /** The first column of {@code image} holding the placeholder, or null if none does. */
  @Nullable
  public String columnIn(JsonNode image) {
    Iterator<Map.Entry<String, JsonNode>> columns = image.fields();
    while (columns.hasNext()) {
      Map.Entry<String, JsonNode> column = columns.next();
      if (matches(column.getValue())) {
        return column.getKey();
      }
    }
    return null;
  }

  private boolean matches(JsonNode value) {
    if (value.isTextual()) {
      String s = value.textValue();
      return s.equals(text) || s.equals(base64) || s.equals(base64Url) || s.equalsIgnoreCase(hex);
    }
    if (!value.isArray()) {
      return false;
    }
    if (value.size() == 1 && value.get(0).isTextual()) {
      return value.get(0).textValue().equals(text);
    }
    if (value.size() != bytes.length) {
      return false;
    }
    for (int i = 0; i < bytes.length; i++) {
      JsonNode element = value.get(i);
      if (!element.isIntegralNumber() || element.longValue() != bytes[i]) {
        return false;
      }
    }
    return true;
  }
}
