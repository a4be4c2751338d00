package dev.etlkit.operators.enrich.http;

import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A URL with one {@value #PLACEHOLDER} where the key goes, percent-encoded (every byte of its UTF-8
 * form except {@code A-Z a-z 0-9 - . _ ~}), so that a key can never add a path segment, a query
 * parameter or a fragment. Keys that are empty, {@code .} or {@code ..} are refused: as a path
 * segment they would name another resource.
 */
final class UrlTemplate implements Serializable {
  private static final long serialVersionUID = 1L;

  static final String PLACEHOLDER = "{key}";
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final String prefix;
  private final String suffix;

  private UrlTemplate(String prefix, String suffix) {
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /**
   * Checks a template. Messages do not repeat it: a template may carry an API key in its query.
   *
   * @throws IllegalArgumentException unless an absolute http(s) URL with {@value #PLACEHOLDER}
   *     once, in its path or query
   */
  static UrlTemplate parse(String template) {
    if (template == null) {
      throw new IllegalArgumentException("urlTemplate must not be null");
    }
    int at = template.indexOf(PLACEHOLDER);
    if (at < 0 || template.indexOf(PLACEHOLDER, at + 1) >= 0) {
      throw new IllegalArgumentException(
          "urlTemplate must contain " + PLACEHOLDER + " exactly once, where the key goes");
    }
    String prefix = template.substring(0, at);
    String suffix = template.substring(at + PLACEHOLDER.length());
    URI sample = requireHttpUrl(prefix + "k" + suffix, "urlTemplate");
    int authority = prefix.indexOf("://") + 3;
    boolean inPathOrQuery =
        prefix.indexOf('/', authority) >= 0 || prefix.indexOf('?', authority) >= 0;
    if (!inPathOrQuery || prefix.indexOf('#') >= 0 || sample.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "urlTemplate must have " + PLACEHOLDER + " in its path or query, and no fragment");
    }
    return new UrlTemplate(prefix, suffix);
  }

  /**
   * Checks a URL without placeholder.
   *
   * @throws IllegalArgumentException unless an absolute http(s) URL with a host
   */
  static URI requireHttpUrl(String url, String option) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(option + " is not a valid URI");
    }
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(option + " must be an absolute http or https URL");
    }
    return uri;
  }

  /**
   * The URL for one formatted key.
   *
   * @throws HttpLookupException (permanent) for an empty, {@code .} or {@code ..} key, and for one
   *     with a lone surrogate (UTF-8 would turn it into {@code ?}, the URL of another key)
   */
  URI expand(String key) {
    if (key.isEmpty() || key.equals(".") || key.equals("..")) {
      throw new HttpLookupException(
          "HTTP lookup key formats to an empty or dot path segment", false, 0, null);
    }
    if (hasLoneSurrogate(key)) {
      throw new HttpLookupException(
          "HTTP lookup key formats to text with a lone surrogate, which has no UTF-8 form",
          false,
          0,
          null);
    }
    return URI.create(prefix + encode(key) + suffix);
  }

  private static boolean hasLoneSurrogate(String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < key.length()
          && Character.isLowSurrogate(key.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** Percent-encodes every byte of the UTF-8 form but the unreserved characters. */
  static String encode(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    StringBuilder encoded = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xFF;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        encoded.append((char) c);
      } else {
        encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return encoded.toString();
  }
}
