package dev.etlkit.operators.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.etlkit.operators.JsonReadLimits;
import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The one way etlkit builds Jackson mappers: read limits from {@link JsonReadLimits}, java.time
 * support, {@code BigDecimal} and {@code BigInteger} values in one form per value ({@link
 * Decimals#canonical}, so that equal values serialize alike in Flink), no default (polymorphic)
 * typing ever, and exception messages without source excerpts (so payloads never reach a log or a
 * dead letter's message).
 */
@Internal
public final class SafeJson {
  private SafeJson() {}

  /** A mapper enforcing {@code limits}; configure per step on top of it, then share it. */
  public static JsonMapper.Builder mapperBuilder(JsonReadLimits limits) {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(limits.maxNestingDepth())
                    .maxStringLength(limits.maxStringLength())
                    .maxNumberLength(limits.maxNumberLength())
                    .maxNameLength(limits.maxNameLength())
                    .maxDocumentLength(limits.maxDocumentBytes())
                    .build())
            // Keeps the source excerpt out of exception locations ("Source: REDACTED").
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    return JsonMapper.builder(factory)
        .addModule(new JavaTimeModule())
        .addModule(CanonicalNumbers.module())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .deactivateDefaultTyping();
  }

  /**
   * Rejects a document over the size limit before any parsing.
   *
   * @throws IOException naming the size and the limit
   */
  public static void checkSize(byte[] payload, JsonReadLimits limits) throws IOException {
    if (payload.length > limits.maxDocumentBytes()) {
      throw new IOException(
          "document of "
              + payload.length
              + " bytes exceeds maxDocumentBytes "
              + limits.maxDocumentBytes());
    }
  }

  /**
   * Where a UTF-8 document holds a byte sequence that is not UTF-8 (RFC 3629, section 3) although
   * Jackson decodes it without complaint, as {@code " at line L, column C"} (the column counts
   * bytes, as Jackson's do), or null when there is none. Jackson takes overlong forms ({@code C0
   * AF} is read as {@code /}, a classic filter bypass), the three-byte form of a UTF-16 surrogate
   * ({@code ED A0 80}: an unpaired surrogate in a string) and code points above U+10FFFF; what it
   * refuses itself (a lead byte without its continuation bytes, {@code FF}) is left to it. UTF-16
   * and UTF-32 documents (a zero byte or a byte order mark at the start) are not checked here (see
   * {@link #invalidUtf16Or32}). ASCII bytes cost one comparison each.
   */
  @Nullable
  public static String invalidUtf8(byte[] payload) {
    int n = payload.length;
    if (n >= 2
        && (payload[0] == 0
            || payload[1] == 0
            || (payload[0] == (byte) 0xFE && payload[1] == (byte) 0xFF)
            || (payload[0] == (byte) 0xFF && payload[1] == (byte) 0xFE))) {
      return null;
    }
    for (int i = 0; i < n; i++) {
      int b = payload[i] & 0xFF;
      if (b < 0xC0) {
        continue; // ASCII or a continuation byte (Jackson checks where those may stand)
      }
      int next = i + 1 < n ? payload[i + 1] & 0xFF : -1;
      boolean invalid =
          b <= 0xC1 // overlong two-byte form of ASCII
              || b >= 0xF5 // beyond U+10FFFF, or not a lead byte at all
              || (b == 0xE0 && next >= 0 && next < 0xA0) // overlong three-byte form
              || (b == 0xED && next >= 0xA0) // a UTF-16 surrogate
              || (b == 0xF0 && next >= 0 && next < 0x90) // overlong four-byte form
              || (b == 0xF4 && next >= 0x90); // beyond U+10FFFF
      if (invalid) {
        int line = 1;
        int lineStart = 0;
        for (int k = 0; k < i; k++) {
          if (payload[k] == '\n') {
            line++;
            lineStart = k + 1;
          }
        }
        return " at line " + line + ", column " + (i - lineStart + 1);
      }
    }
    return null;
  }

  /**
   * Where a UTF-16 or UTF-32 document holds code units that are not Unicode text although Jackson
   * reads them, as {@code "invalid UTF-16 at line L, column C"} (or {@code UTF-32}; the column
   * counts code units), or null when there are none or the document is UTF-8 (see {@link
   * #invalidUtf8}). The encoding is detected as Jackson detects it: a byte order mark, else the
   * zero bytes of the first characters. Jackson decodes UTF-16 with Java's replacing decoder, so an
   * unpaired surrogate became U+FFFD and took the next character with it (a closing quote, say),
   * and it reads UTF-32 code units U+D800 to U+DFFF as lone surrogates. Both are invalid, as their
   * UTF-8 forms are, and so is a last code unit cut short. A UTF-8 document costs a look at its
   * first four bytes; a UTF-16 or UTF-32 one a pass over its code units.
   */
  @Nullable
  public static String invalidUtf16Or32(byte[] payload) {
    int n = payload.length;
    if (n < 4) {
      return null; // too short for a JSON object in UTF-16 or UTF-32 anyway
    }
    int quad =
        (payload[0] & 0xFF) << 24
            | (payload[1] & 0xFF) << 16
            | (payload[2] & 0xFF) << 8
            | (payload[3] & 0xFF);
    int width;
    boolean bigEndian;
    int start = 0;
    if (quad == 0x0000FEFF || quad == 0xFFFE0000) {
      width = 4;
      bigEndian = quad == 0x0000FEFF;
      start = 4;
    } else if (quad >>> 16 == 0xFEFF || quad >>> 16 == 0xFFFE) {
      width = 2;
      bigEndian = quad >>> 16 == 0xFEFF;
      start = 2;
    } else if ((quad & 0xFFFFFF00) == 0 || (quad & 0x00FFFFFF) == 0) {
      width = 4;
      bigEndian = (quad & 0xFFFFFF00) == 0;
    } else if ((quad & 0xFF00FFFF) == 0 || (quad & 0xFFFF00FF) == 0) {
      return null; // UCS-4 in an unusual byte order: Jackson refuses it itself
    } else if ((quad & 0xFF000000) == 0 || (quad & 0x00FF0000) == 0) {
      width = 2;
      bigEndian = (quad & 0xFF000000) == 0;
    } else {
      return null; // UTF-8
    }
    int line = 1;
    int lineStart = start;
    for (int i = start; i < n; i += width) {
      if (i + width > n) {
        return invalidAt(width, line, i, lineStart); // a code unit cut short
      }
      int unit = width == 2 ? unit16(payload, i, bigEndian) : unit32(payload, i, bigEndian);
      if (unit == '\n') {
        line++;
        lineStart = i + width;
      } else if (width == 2
          && unit >= 0xD800
          && unit <= 0xDBFF
          && i + 4 <= n
          && isLowSurrogate(unit16(payload, i + 2, bigEndian))) {
        i += 2; // a surrogate pair
      } else if (unit >= 0xD800 && unit <= 0xDFFF) {
        return invalidAt(width, line, i, lineStart);
      }
    }
    return null;
  }

  private static int unit16(byte[] b, int i, boolean bigEndian) {
    return bigEndian
        ? (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF)
        : (b[i + 1] & 0xFF) << 8 | (b[i] & 0xFF);
  }

  /** A UTF-32 code unit; above U+10FFFF Jackson refuses it itself. */
  private static int unit32(byte[] b, int i, boolean bigEndian) {
    return bigEndian
        ? (b[i] & 0xFF) << 24 | (b[i + 1] & 0xFF) << 16 | (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF)
        : (b[i + 3] & 0xFF) << 24
            | (b[i + 2] & 0xFF) << 16
            | (b[i + 1] & 0xFF) << 8
            | (b[i] & 0xFF);
  }

  private static boolean isLowSurrogate(int unit) {
    return unit >= 0xDC00 && unit <= 0xDFFF;
  }

  private static String invalidAt(int width, int line, int index, int lineStart) {
    return "invalid UTF-"
        + (width * 8)
        + " at line "
        + line
        + ", column "
        + ((index - lineStart) / width + 1);
  }
}
