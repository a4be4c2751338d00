package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import javax.annotation.Nullable;

/**
 * The source metadata of the change event being decoded, read on demand. One instance per decoder,
 * pointed at each event in turn.
 */
final class EnvelopeMetadata {
  @Nullable private JsonNode envelope;
  @Nullable private JsonNode source;

  void set(JsonNode changeEnvelope, @Nullable JsonNode sourceBlock) {
    this.envelope = changeEnvelope;
    this.source = sourceBlock;
  }

  void clear() {
    this.envelope = null;
    this.source = null;
  }

  /** The metadata value as a JSON node of the metadata's type, or null when absent or mistyped. */
  @Nullable
  JsonNode value(Metadata kind) {
    switch (kind) {
      case OP:
        return text(envelope == null ? null : envelope.get("op"));
      case TS_MS:
        return number(envelope == null ? null : envelope.get("ts_ms"));
      case SOURCE_TS_MS:
        return number(source("ts_ms"));
      case CONNECTOR:
        return text(source("connector"));
      case DB:
        return text(source("db"));
      case SCHEMA:
        return text(source("schema"));
      case TABLE:
        return text(source("table"));
      case SNAPSHOT:
        JsonNode snapshot = source("snapshot");
        if (snapshot != null && snapshot.isBoolean()) {
          return TextNode.valueOf(snapshot.asText());
        }
        return text(snapshot);
      case LSN:
        return number(source("lsn"));
      case TX_ID:
        return number(source("txId"));
      case BINLOG_FILE:
        return text(source("file"));
      case BINLOG_POS:
        return number(source("pos"));
      case BINLOG_ROW:
        JsonNode row = source("row");
        return row != null && row.isIntegralNumber() && row.canConvertToInt() ? row : null;
      default:
        throw new IllegalStateException("unknown metadata " + kind);
    }
  }

  @Nullable
  private JsonNode source(String field) {
    return source == null ? null : source.get(field);
  }

  @Nullable
  private static JsonNode text(@Nullable JsonNode node) {
    return node != null && node.isTextual() ? node : null;
  }

  @Nullable
  private static JsonNode number(@Nullable JsonNode node) {
    return SourcePositions.isLong(node) ? node : null;
  }
}
