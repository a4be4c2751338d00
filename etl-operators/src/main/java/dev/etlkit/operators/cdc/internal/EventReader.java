package dev.etlkit.operators.cdc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import javax.annotation.Nullable;

/**
 * Reads a record's value and key, in one wire format, into the JSON tree that {@link
 * DebeziumDecoder} binds (the payload as Kafka Connect's {@code JsonConverter} would write it,
 * without the schema wrapper) and the column encodings its schema gives. So every format shares one
 * set of binding rules.
 */
interface EventReader {

  /**
   * A value or key read: its tree, the column encodings of its row schema and, for a value, the
   * name of the schema it came with (null when the format carries none, or the schema has no name).
   */
  final class Read {
    final JsonNode node;
    final ColumnEncodings encodings;
    @Nullable final String schemaName;

    Read(JsonNode node, ColumnEncodings encodings) {
      this(node, encodings, null);
    }

    Read(JsonNode node, ColumnEncodings encodings, @Nullable String schemaName) {
      this.node = node;
      this.encodings = encodings;
      this.schemaName = schemaName;
    }
  }

  /**
   * The envelope of a non-null value, with the encodings of its row schema (the struct of {@code
   * after}, else {@code before}); null when the value is a tombstone in the format's own way (a
   * schema wrapper around a null payload).
   *
   * @throws IOException if the value cannot be read
   * @throws IllegalArgumentException if it is empty
   */
  @Nullable
  Read value(byte[] value) throws IOException;

  /**
   * The key, with the encodings of its row schema.
   *
   * @throws IOException if the key cannot be read
   * @throws IllegalArgumentException if it is empty
   */
  Read key(byte[] key) throws IOException;
}
