package dev.etlkit.scd.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.flink.annotation.Internal;

/**
 * Version ids: lowercase hex MD5 of the UTF-8 bytes of {@code key + "|" + validFromEpochMillis}
 * (decimal). MD5 is in every JDK and every database ({@code md5(...)} in PostgreSQL), so a sink can
 * recompute the id in SQL; it is an id, not a secret.
 */
@Internal
public final class VersionIds {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private VersionIds() {}

  /** The id of the version of {@code key} valid from {@code validFromMillis}. */
  public static String of(String key, long validFromMillis) {
    byte[] digest = md5().digest((key + "|" + validFromMillis).getBytes(StandardCharsets.UTF_8));
    char[] hex = new char[digest.length * 2];
    for (int i = 0; i < digest.length; i++) {
      hex[2 * i] = HEX[(digest[i] >> 4) & 0xF];
      hex[2 * i + 1] = HEX[digest[i] & 0xF];
    }
    return new String(hex);
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }
}
