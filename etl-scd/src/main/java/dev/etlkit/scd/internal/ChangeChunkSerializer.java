package dev.etlkit.scd.internal;

import static dev.etlkit.scd.internal.KeyCursorSerializer.readVarLong;
import static dev.etlkit.scd.internal.KeyCursorSerializer.writeVarLong;

import java.io.IOException;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link ChangeChunk}, composing the serializer of the attributes; the {@link
 * KeyCursorSerializer} writes the open chunk the same way.
 *
 * <p>Binary format, version 1: the number of changes (a var, see {@link KeyCursorSerializer}); if
 * any, the first time (a long) and each later time minus the one before it (vars); then per change
 * its length (a var) and its bytes: a byte with bit 0 set for a delete, the tie-break sequence (a
 * long), and unless a delete the attributes as the attribute serializer writes them.
 */
@Internal
public final class ChangeChunkSerializer<T> extends TypeSerializer<ChangeChunk<T>> {

  private static final long serialVersionUID = 1L;

  /** The most changes a chunk may hold when read (a guard against corrupt input). */
  static final int MAX_CHANGES = 1 << 20;

  private final TypeSerializer<T> rowSerializer;

  /** Where changes without bytes are serialized to learn their length. */
  @Nullable private transient DataOutputSerializer scratch;

  public ChangeChunkSerializer(TypeSerializer<T> rowSerializer) {
    this.rowSerializer = Objects.requireNonNull(rowSerializer, "rowSerializer");
  }

  public TypeSerializer<T> getRowSerializer() {
    return rowSerializer;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<ChangeChunk<T>> duplicate() {
    return new ChangeChunkSerializer<>(rowSerializer.duplicate());
  }

  @Override
  public ChangeChunk<T> createInstance() {
    return new ChangeChunk<>();
  }

  @Override
  public ChangeChunk<T> copy(ChangeChunk<T> from) {
    return from.copy(rowSerializer);
  }

  @Override
  public ChangeChunk<T> copy(ChangeChunk<T> from, ChangeChunk<T> reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(ChangeChunk<T> chunk, DataOutputView target) throws IOException {
    DataOutputSerializer buffer = scratch;
    if (buffer == null) {
      buffer = new DataOutputSerializer(128);
      scratch = buffer;
    }
    write(chunk, rowSerializer, buffer, target);
  }

  /** Writes {@code chunk} with attributes by {@code rows}; {@code buffer} is scratch space. */
  static <T> void write(
      ChangeChunk<T> chunk,
      TypeSerializer<T> rows,
      DataOutputSerializer buffer,
      DataOutputView target)
      throws IOException {
    int size = chunk.size();
    writeVarLong(size, target);
    if (size == 0) {
      return;
    }
    target.writeLong(chunk.time(0));
    for (int i = 1; i < size; i++) {
      writeVarLong(chunk.time(i) - chunk.time(i - 1), target);
    }
    TypeSerializer<T> decoder = null;
    for (int i = 0; i < size; i++) {
      byte[] bytes = chunk.encodedBy(i, rows);
      if (bytes != null) {
        writeVarLong(bytes.length, target);
        target.write(bytes);
        continue;
      }
      if (decoder == null) {
        decoder = chunk.decoderForWriting();
      }
      buffer.clear();
      chunk.writeChange(i, rows, decoder, buffer);
      writeVarLong(buffer.length(), target);
      target.write(buffer.getSharedBuffer(), 0, buffer.length());
    }
  }

  @Override
  public ChangeChunk<T> deserialize(DataInputView source) throws IOException {
    return read(rowSerializer, source);
  }

  /** Reads what {@link #write} wrote; the changes stay as bytes until read. */
  static <T> ChangeChunk<T> read(TypeSerializer<T> rows, DataInputView source) throws IOException {
    int size = readCount(source, MAX_CHANGES, "changes");
    if (size == 0) {
      return new ChangeChunk<>();
    }
    long[] times = new long[size + 1]; // room for one more
    times[0] = source.readLong();
    for (int i = 1; i < size; i++) {
      times[i] = times[i - 1] + readVarLong(source);
    }
    byte[][] encoded = new byte[size + 1][];
    for (int i = 0; i < size; i++) {
      byte[] bytes = new byte[readCount(source, Integer.MAX_VALUE, "change bytes")];
      source.readFully(bytes);
      encoded[i] = bytes;
    }
    return ChangeChunk.encoded(times, encoded, size, rows);
  }

  /** Copies what {@link #write} wrote. */
  static void copyChunk(DataInputView source, DataOutputView target) throws IOException {
    int size = readCount(source, MAX_CHANGES, "changes");
    writeVarLong(size, target);
    if (size == 0) {
      return;
    }
    target.writeLong(source.readLong());
    for (int i = 1; i < size; i++) {
      writeVarLong(readVarLong(source), target);
    }
    for (int i = 0; i < size; i++) {
      byte[] bytes = new byte[readCount(source, Integer.MAX_VALUE, "change bytes")];
      source.readFully(bytes);
      writeVarLong(bytes.length, target);
      target.write(bytes);
    }
  }

  private static int readCount(DataInputView source, int max, String what) throws IOException {
    return KeyCursorSerializer.readCount(source, max, what, "ChangeChunk");
  }

  @Override
  public ChangeChunk<T> deserialize(ChangeChunk<T> reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    copyChunk(source, target);
  }

  @Override
  public TypeSerializerSnapshot<ChangeChunk<T>> snapshotConfiguration() {
    return new ChangeChunkSerializerSnapshot<>(this);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof ChangeChunkSerializer
        && rowSerializer.equals(((ChangeChunkSerializer<?>) obj).rowSerializer);
  }

  @Override
  public int hashCode() {
    return rowSerializer.hashCode();
  }

  @Override
  public String toString() {
    return "ChangeChunkSerializer(" + rowSerializer + ")";
  }
}
