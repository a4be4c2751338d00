package dev.etlkit.scd.internal;

import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;

/**
 * A place in a key's history that a {@link KeyCursor} remembers besides its own: the version in
 * force there (status, validFrom, number, attributes). The attributes, when deserialized, stay as
 * their bytes until {@link #row()} needs them (most changes never do), and are written back as they
 * are.
 */
@Internal
final class Position<T> {
  byte status;
  long validFrom;
  long version;

  /** The attributes, once decoded or set; read them with {@link #row()}. */
  @Nullable private T row;

  /** The attributes as {@link KeyCursorSerializer} read them, until decoded; never modified. */
  @Nullable private byte[] rowBytes;

  /** Decodes {@link #rowBytes}. */
  @Nullable private TypeSerializer<T> rowSerializer;

  /** Nothing in force, no version so far: the start of a key's history. */
  static <T> Position<T> start() {
    Position<T> position = new Position<>();
    position.status = KeyCursor.NONE;
    return position;
  }

  /** A position with the given version in force. */
  static <T> Position<T> of(byte status, long validFrom, long version, @Nullable T row) {
    Position<T> position = new Position<>();
    position.set(status, validFrom, version, row);
    return position;
  }

  /** Moves this position to the given version in force. */
  void set(byte newStatus, long newValidFrom, long newVersion, @Nullable T newRow) {
    status = newStatus;
    validFrom = newValidFrom;
    version = newVersion;
    row = newRow;
    rowBytes = null;
    rowSerializer = null;
  }

  /** The attributes (null for none), decoded on first access after deserialization. */
  @Nullable
  T row() throws IOException {
    if (row == null && rowBytes != null) {
      row = rowSerializer.deserialize(new DataInputDeserializer(rowBytes));
    }
    return row;
  }

  /** Sets the attributes to {@code bytes}, as {@code serializer} wrote them: decoded when read. */
  void setRowBytes(byte[] bytes, TypeSerializer<T> serializer) {
    row = null;
    rowBytes = bytes;
    rowSerializer = serializer;
  }

  /** The attributes as serialized, if they were read so and not set since, else null. */
  @Nullable
  byte[] rowBytes() {
    return rowBytes;
  }

  /** The serializer that wrote {@link #rowBytes()} (null when there are none). */
  @Nullable
  TypeSerializer<T> rowBytesSerializer() {
    return rowBytes == null ? null : rowSerializer;
  }

  /** The attributes if set or decoded (null when only their bytes are known, or for none). */
  @Nullable
  T decodedRow() {
    return row;
  }

  /** True when there are attributes (set, or as bytes). */
  boolean hasRow() {
    return row != null || rowBytes != null;
  }

  /**
   * A deep copy: attributes copied with {@code serializer}, or if not decoded yet, their bytes
   * shared (never modified) with the serializer that wrote them.
   */
  Position<T> copy(TypeSerializer<T> serializer) {
    Position<T> copy = new Position<>();
    copy.status = status;
    copy.validFrom = validFrom;
    copy.version = version;
    if (rowBytes != null && row == null) {
      copy.setRowBytes(rowBytes, rowSerializer);
    } else {
      copy.row = row == null ? null : serializer.copy(row);
    }
    return copy;
  }

  @Override
  public String toString() {
    return "{status=" + status + ", validFrom=" + validFrom + ", version=" + version + "}";
  }
}
