package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Debezium's {@code unavailable.value.placeholder}: what its PostgreSQL connector writes for a
 * value the database did not send (an unchanged TOAST column under {@code REPLICA IDENTITY
 * DEFAULT}), in each form it takes there: the text for text and most other columns; its bytes as
 * base64 (also URL-safe) or hex text for a binary column, as {@code binary.handling.mode} writes
 * them; for an {@code hstore}, the map of the text to itself, or that map's JSON text ({@code
 * hstore.handling.mode} {@code map} or {@code json}); for an array, a one-element array of the text
 * (text arrays), of the name-based UUID of the bytes ({@code uuid[]}) or of the bytes in a binary
 * form ({@code bytea[]}), or the bytes as numbers (integer and, in Debezium 3.x, floating-point
 * arrays). Configured as Debezium takes it: the text, or {@code hex:} and the bytes in hex.
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

  /** An {@code hstore} with {@code hstore.handling.mode=json}: {@code {"text":"text"}}. */
  private final String hstoreJson;

  /** The one element of a {@code uuid[]}: {@link UUID#nameUUIDFromBytes} of the bytes. */
  private final String uuid;

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
    String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(text));
    hstoreJson = "{\"" + quoted + "\":\"" + quoted + "\"}";
    uuid = UUID.nameUUIDFromBytes(bytes).toString();
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
      return isTextOrBinary(s) || s.equals(hstoreJson);
    }
    if (value.isObject()) { // hstore.handling.mode=map
      JsonNode entry = value.size() == 1 ? value.get(text) : null;
      return entry != null && entry.isTextual() && entry.textValue().equals(text);
    }
    if (!value.isArray()) {
      return false;
    }
    if (value.size() == 1 && value.get(0).isTextual()) {
      String s = value.get(0).textValue();
      return isTextOrBinary(s) || s.equals(uuid);
    }
    if (value.size() != bytes.length) {
      return false;
    }
    for (int i = 0; i < bytes.length; i++) {
      JsonNode element = value.get(i);
      if (!element.isNumber() || !equalsNumber(element, bytes[i])) {
        return false;
      }
    }
    return true;
  }

  private boolean isTextOrBinary(String s) {
    return s.equals(text) || s.equals(base64) || s.equals(base64Url) || s.equalsIgnoreCase(hex);
  }

  /** An integer exactly, a floating-point number ({@code 95.0}) by its value. */
  private static boolean equalsNumber(JsonNode number, byte b) {
    if (number.isIntegralNumber()) {
      return number.canConvertToLong() && number.longValue() == b;
    }
    if (number.isBigDecimal()) {
      return number.decimalValue().compareTo(BigDecimal.valueOf(b)) == 0;
    }
    return number.doubleValue() == b; // a double or float node, NaN too
  }
}
