package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Event time and source position of a change event. Metadata of an unexpected JSON type is treated
 * as absent: it never rejects an otherwise valid change.
 */
@Internal
public final class SourcePositions {
  private static final long MAX_BINLOG_POS = 0xFFFF_FFFFL;

  private SourcePositions() {}

  /**
   * {@code source.ts_ms} (when the change was made in the database), else the envelope's {@code
   * ts_ms} (when the connector processed it); a value of 0 or less counts as unknown (older MySQL
   * connectors write 0 in snapshot events).
   */
  @Nullable
  static Long eventTime(JsonNode envelope, @Nullable JsonNode source) {
    if (source != null) {
      JsonNode ts = source.get("ts_ms");
      if (isLong(ts) && ts.longValue() > 0) {
        return ts.longValue();
      }
    }
    JsonNode ts = envelope.get("ts_ms");
    if (isLong(ts) && ts.longValue() > 0) {
      return ts.longValue();
    }
    return null;
  }

  /**
   * PostgreSQL's {@code source.lsn}, or MySQL's {@code source.file} and {@code source.pos} as
   * {@link #binlogPosition}, or null.
   */
  @Nullable
  static Long position(@Nullable JsonNode source) {
    if (source == null) {
      return null;
    }
    JsonNode lsn = source.get("lsn");
    if (isLong(lsn)) {
      return lsn.longValue();
    }
    JsonNode file = source.get("file");
    JsonNode pos = source.get("pos");
    if (file != null && file.isTextual() && isLong(pos)) {
      return binlogPosition(file.textValue(), pos.longValue());
    }
    return null;
  }

  /**
   * A MySQL binlog position as one long that orders like the binlog: the numeric suffix of the file
   * name ({@code mysql-bin.000003} is 3) in the upper 32 bits, the position in the file in the
   * lower 32. Rows of one binlog event share a position. Null when the file name has no numeric
   * suffix below 2^31 or the position is not in [0, 2^32).
   */
  @Nullable
  public static Long binlogPosition(String file, long pos) {
    if (pos < 0 || pos > MAX_BINLOG_POS) {
      return null;
    }
    int dot = file.lastIndexOf('.');
    int digits = file.length() - dot - 1;
    if (digits < 1 || digits > 10) {
      return null;
    }
    long index = 0;
    for (int i = dot + 1; i < file.length(); i++) {
      char c = file.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      index = index * 10 + (c - '0');
    }
    if (index > Integer.MAX_VALUE) {
      return null;
    }
    return (index << 32) | pos;
  }

  static boolean isLong(@Nullable JsonNode node) {
    return node != null && node.isIntegralNumber() && node.canConvertToLong();
  }
}
