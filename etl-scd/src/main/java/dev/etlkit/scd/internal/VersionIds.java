package dev.etlkit.scd.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/**
 * Version ids: lowercase hex MD5 of the UTF-8 bytes of {@code key + "|" + validFromEpochMillis}
 * (decimal). MD5 is in every JDK and every database ({@code md5(...)} in PostgreSQL), so a sink can
 * recompute the id in SQL; it is an id, not a secret.
 *
 * <p>A key that is not valid Unicode (a Java string with an unpaired surrogate, which no text
 * column of a database holds) is encoded as generalized UTF-8 (WTF-8): the surrogate as its own
 * 3-byte form, which never occurs in UTF-8, where {@link String#getBytes} would write {@code '?'}
 * and give a lone U+D800 before {@code x} the ids of {@code "?x"}. For every well-formed key that
 * is its UTF-8.
 */
@Internal
public final class VersionIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private VersionIds() {}

  /** The id of the version of {@code key} valid from {@code validFromMillis}. */
  public static String of(String key, long validFromMillis) {
    String text = key + "|" + validFromMillis;
    byte[] digest =
        md5()
            .digest(
                hasUnpairedSurrogate(key)
                    ? generalizedUtf8(text)
                    : text.getBytes(StandardCharsets.UTF_8));
    char[] hex = new char[digest.length * 2];
    for (int i = 0; i < digest.length; i++) {
      hex[2 * i] = HEX[(digest[i] >> 4) & 0xF];
      hex[2 * i + 1] = HEX[digest[i] & 0xF];
    }
    return new String(hex);
  }

  /** Whether {@code text} holds a surrogate that is not part of a pair (not valid Unicode). */
  static boolean hasUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++; // a pair
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * UTF-8, but an unpaired surrogate is written as its 3-byte form (as a BMP character would be)
   * rather than replaced.
   */
  static byte[] generalizedUtf8(String text) {
    byte[] bytes = new byte[3 * text.length()]; // a pair: 4 bytes for 2 chars
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      int c = text.charAt(i);
      if (Character.isHighSurrogate((char) c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        c = Character.toCodePoint((char) c, text.charAt(++i));
      }
      if (c < 0x80) {
        bytes[n++] = (byte) c;
      } else if (c < 0x800) {
        bytes[n++] = (byte) (0xC0 | (c >> 6));
        bytes[n++] = (byte) (0x80 | (c & 0x3F));
      } else if (c < 0x10000) { // lone surrogates too
        bytes[n++] = (byte) (0xE0 | (c >> 12));
        bytes[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        bytes[n++] = (byte) (0x80 | (c & 0x3F));
      } else {
        bytes[n++] = (byte) (0xF0 | (c >> 18));
        bytes[n++] = (byte) (0x80 | ((c >> 12) & 0x3F));
        bytes[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        bytes[n++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return Arrays.copyOf(bytes, n);
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }
}
