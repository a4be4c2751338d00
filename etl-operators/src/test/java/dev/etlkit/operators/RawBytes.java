package dev.etlkit.operators;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Payloads with raw bytes in them, for tests of byte sequences no Java string can hold. */
public final class RawBytes {
  private RawBytes() {}

  /** {@code text}'s UTF-8 bytes with its one {@code #} replaced by the bytes {@code hex} gives. */
  public static byte[] withBytes(String text, String hex) {
    byte[] raw = HexFormat.of().parseHex(hex);
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    int at = text.indexOf('#'); // ASCII before it: the char index is the byte index
    byte[] out = new byte[utf8.length - 1 + raw.length];
    System.arraycopy(utf8, 0, out, 0, at);
    System.arraycopy(raw, 0, out, at, raw.length);
    System.arraycopy(utf8, at + 1, out, at + raw.length, utf8.length - at - 1);
    return out;
  }
}
