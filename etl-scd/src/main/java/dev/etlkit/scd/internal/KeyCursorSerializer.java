package dev.etlkit.scd.internal;

import dev.etlkit.scd.Scd2Output;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link KeyCursor}, composing the serializer of the attributes. Read and written for
 * every change of a key, so it writes only what is set, and the attributes of the base and the
 * candidate base stay as bytes until a replay needs them ({@link Position}).
 *
 * <p>Binary format, version 2 (see {@link KeyCursorSerializerSnapshot#CURRENT_VERSION}): version 1
 * with bit 7 of the flags added for state format 3 and the prune mark in the status byte for state
 * format 4. A cursor of version 1 reads as one that does not know whether its key pruned. "Var" is
 * an unsigned variable-length integer (7 bits a byte, low bits first); "before latest" is the
 * latest effective time minus the value, as a var (two's complement arithmetic, so any value
 * round-trips):
 *
 * <ol>
 *   <li>one byte of flags: bit 0 set when the cursor has attributes, bit 1 when it knows the times
 *       of the changes before the latest one, bit 2 when it holds the base, bit 3 when it holds a
 *       candidate base, bit 4 when the state TTL fields follow, bit 5 when the validTo of a pending
 *       version follows, bit 6 when the latest change follows, bit 7 when the chunk index and the
 *       open chunk follow (state format 3; a cursor without it keeps its changes in the map state);
 *   <li>the status byte: the status in its low 4 bits, bit 4 set when the cursor knows whether its
 *       key pruned and bit 5 when it did (state format 4; an older cursor has neither, and its key
 *       may have pruned);
 *   <li>the latest effective time (a long);
 *   <li>validFrom (before latest) and the version number (a var);
 *   <li>the attributes, written by the attribute serializer, if flagged;
 *   <li>the prune point (before latest);
 *   <li>if flagged, the pending validTo (a long; else it is {@code Long.MAX_VALUE});
 *   <li>if flagged, the last write and the cleanup time (longs; else both 0);
 *   <li>if flagged, the earlier times: their number (a var), then the latest time minus the last of
 *       them, then each one minus the one before it, from the last (vars);
 *   <li>if flagged, the base, as a position: a byte with the status in its low 4 bits and bit 4 set
 *       when attributes follow, validFrom (before latest), the version number (a var), and the
 *       attributes as their length (a var) and the bytes the attribute serializer wrote;
 *   <li>if flagged, the candidate's time (before latest) and the candidate, as a position;
 *   <li>if flagged, the latest change: a byte with bit 0 set for a delete and bit 1 when its
 *       attributes are the cursor's own (the same object: not written again), its tie-break
 *       sequence (a long), and its attributes if neither bit is set.
 *   <li>if flagged, the chunks: their number (a var), if any the time before which a sealed chunk's
 *       changes were pruned (a long), per sealed chunk its first and last time (before latest), and
 *       the open chunk as {@link ChangeChunkSerializer} writes a chunk.
 * </ol>
 *
 * <p>The serializer also knows the class of the step's output mode ({@link OutputClass}), which it
 * does not write per cursor: its snapshot records it (snapshot version 3), so that a restore into
 * the other class fails instead of emitting what the state does not mean.
 */
@Internal
public final class KeyCursorSerializer<T> extends TypeSerializer<KeyCursor<T>> {

  private static final long serialVersionUID = 1L;

  static final int FLAG_ROW = 1;
  static final int FLAG_EARLIER = 1 << 1;
  static final int FLAG_BASE = 1 << 2;
  static final int FLAG_CANDIDATE = 1 << 3;
  static final int FLAG_TTL = 1 << 4;
  static final int FLAG_PENDING = 1 << 5;
  static final int FLAG_LATEST = 1 << 6;
  static final int FLAG_CHUNKS = 1 << 7;
  private static final int KNOWN_FLAGS =
      FLAG_ROW
          | FLAG_EARLIER
          | FLAG_BASE
          | FLAG_CANDIDATE
          | FLAG_TTL
          | FLAG_PENDING
          | FLAG_LATEST
          | FLAG_CHUNKS;

  /** In the latest change's first byte: a delete. */
  static final int LATEST_DELETE = 1;

  /** In the latest change's first byte: its attributes are the cursor's. */
  static final int LATEST_CURRENT_ROW = 1 << 1;

  private static final int LATEST_KNOWN = LATEST_DELETE | LATEST_CURRENT_ROW;

  /** In the status byte: the status. */
  static final int STATUS_BITS = 0x0F;

  /** In the status byte: the cursor knows whether its key pruned (state format 4). */
  static final int STATUS_PRUNE_KNOWN = 1 << 4;

  /** In the status byte: the key pruned (with {@link #STATUS_PRUNE_KNOWN} only). */
  static final int STATUS_PRUNED = 1 << 5;

  /** In a position's first byte: attributes follow. */
  static final int POSITION_ROW = 1 << 4;

  /**
   * What a step's cursors mean, as its output mode makes them: append output holds back the closed
   * versions that are not final yet and never emits the current one, a changelog (retract or
   * upsert, which keep the same state and emit the same rows but for {@code -U}) has emitted every
   * version as it changed. A state of one class restored into the other would write versions twice
   * or never, so the serializer snapshot records the class and refuses the other.
   */
  enum OutputClass {
    APPEND("APPEND"),
    CHANGELOG("RETRACT or UPSERT");

    private final String modes;

    OutputClass(String modes) {
      this.modes = modes;
    }

    /** The class of {@code output}. */
    static OutputClass of(Scd2Output output) {
      return output == Scd2Output.APPEND ? APPEND : CHANGELOG;
    }

    /** The output modes of this class, as messages name them: "RETRACT or UPSERT". */
    String modes() {
      return modes;
    }

    /** How {@link KeyCursorSerializer#toString()} names a serializer of this class. */
    String serializerPrefix() {
      return "KeyCursorSerializer(output " + modes + ", ";
    }
  }

  private final TypeSerializer<T> rowSerializer;

  /** The class of the step's output mode; null when not known (a snapshot before version 3). */
  @Nullable private final OutputClass output;

  /** Where decoded attributes of a position are serialized to learn their length. */
  @Nullable private transient DataOutputSerializer scratch;

  /** A serializer that does not know the output mode (it records none in its snapshot). */
  public KeyCursorSerializer(TypeSerializer<T> rowSerializer) {
    this(rowSerializer, null);
  }

  KeyCursorSerializer(TypeSerializer<T> rowSerializer, @Nullable OutputClass output) {
    this.rowSerializer = Objects.requireNonNull(rowSerializer, "rowSerializer");
    this.output = output;
  }

  public TypeSerializer<T> getRowSerializer() {
    return rowSerializer;
  }

  /** The class of the step's output mode, or null when not known. */
  @Nullable
  OutputClass output() {
    return output;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  /** A new instance always: each has its own scratch buffer. */
  @Override
  public TypeSerializer<KeyCursor<T>> duplicate() {
    return new KeyCursorSerializer<>(rowSerializer.duplicate(), output);
  }

  @Override
  public KeyCursor<T> createInstance() {
    return new KeyCursor<>();
  }

  @Override
  public KeyCursor<T> copy(KeyCursor<T> from) {
    KeyCursor<T> to = new KeyCursor<>();
    to.status = from.status;
    to.validFrom = from.validFrom;
    to.version = from.version;
    to.row = from.row == null ? null : rowSerializer.copy(from.row);
    to.latest = from.latest;
    to.pruneTime = from.pruneTime;
    to.pruned = from.pruned;
    to.prunedKnown = from.prunedKnown;
    to.pendingFinal = from.pendingFinal;
    to.lastWrite = from.lastWrite;
    to.cleanupAt = from.cleanupAt;
    to.base = from.base == null ? null : from.base.copy(rowSerializer);
    to.candidate = from.candidate == null ? null : from.candidate.copy(rowSerializer);
    to.candidateTime = from.candidateTime;
    if (from.earlier != null) {
      to.earlier = Arrays.copyOf(from.earlier, from.earlier.length);
      to.earlierCount = from.earlierCount;
    }
    StoredChange<T> latest = from.latestChange;
    if (latest != null) {
      T row =
          latest.row == null
              ? null
              : latest.row == from.row ? to.row : rowSerializer.copy(latest.row);
      to.latestChange = new StoredChange<>(latest.sequence, latest.delete, row);
    }
    to.legacyChanges = from.legacyChanges;
    to.chunkFirst = Arrays.copyOf(from.chunkFirst, from.chunkFirst.length);
    to.chunkLast = Arrays.copyOf(from.chunkLast, from.chunkLast.length);
    to.chunkCount = from.chunkCount;
    to.chunkFloor = from.chunkFloor;
    to.open = from.open == null ? null : from.open.copy(rowSerializer);
    return to;
  }

  @Override
  public KeyCursor<T> copy(KeyCursor<T> from, KeyCursor<T> reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(KeyCursor<T> cursor, DataOutputView target) throws IOException {
    cursor.serialized = true; // see KeyCursor#writeSerialized
    boolean ttl = cursor.lastWrite != 0 || cursor.cleanupAt != 0;
    boolean pending = cursor.pendingFinal != Long.MAX_VALUE;
    long[] earlier = cursor.earlier;
    int flags =
        (cursor.row != null ? FLAG_ROW : 0)
            | (earlier != null ? FLAG_EARLIER : 0)
            | (cursor.base != null ? FLAG_BASE : 0)
            | (cursor.candidate != null ? FLAG_CANDIDATE : 0)
            | (ttl ? FLAG_TTL : 0)
            | (pending ? FLAG_PENDING : 0)
            | (cursor.latestChange != null ? FLAG_LATEST : 0)
            | (cursor.legacyChanges ? 0 : FLAG_CHUNKS);
    long latest = cursor.latest;
    target.writeByte(flags);
    target.writeByte(
        cursor.status
            | (cursor.prunedKnown ? STATUS_PRUNE_KNOWN : 0)
            | (cursor.pruned ? STATUS_PRUNED : 0));
    target.writeLong(latest);
    writeVarLong(latest - cursor.validFrom, target);
    writeVarLong(cursor.version, target);
    if (cursor.row != null) {
      rowSerializer.serialize(cursor.row, target);
    }
    writeVarLong(latest - cursor.pruneTime, target);
    if (pending) {
      target.writeLong(cursor.pendingFinal);
    }
    if (ttl) {
      target.writeLong(cursor.lastWrite);
      target.writeLong(cursor.cleanupAt);
    }
    if (earlier != null) {
      int count = cursor.earlierCount;
      writeVarLong(count, target);
      long next = latest;
      for (int i = count - 1; i >= 0; i--) {
        writeVarLong(next - earlier[i], target);
        next = earlier[i];
      }
    }
    if (cursor.base != null) {
      writePosition(cursor.base, latest, target);
    }
    if (cursor.candidate != null) {
      writeVarLong(latest - cursor.candidateTime, target);
      writePosition(cursor.candidate, latest, target);
    }
    StoredChange<T> change = cursor.latestChange;
    if (change != null) {
      boolean currentRow = !change.delete && change.row == cursor.row;
      target.writeByte((change.delete ? LATEST_DELETE : 0) | (currentRow ? LATEST_CURRENT_ROW : 0));
      target.writeLong(change.sequence);
      if (!change.delete && !currentRow) {
        rowSerializer.serialize(change.row, target);
      }
    }
    if (!cursor.legacyChanges) {
      int count = cursor.chunkCount;
      writeVarLong(count, target);
      if (count > 0) {
        target.writeLong(cursor.chunkFloor);
      }
      for (int i = 0; i < count; i++) {
        writeVarLong(latest - cursor.chunkFirst[i], target);
        writeVarLong(latest - cursor.chunkLast[i], target);
      }
      ChangeChunk<T> open = cursor.open;
      if (open == null) {
        writeVarLong(0, target);
      } else {
        ChangeChunkSerializer.write(open, rowSerializer, scratch(), target);
      }
    }
  }

  private DataOutputSerializer scratch() {
    DataOutputSerializer buffer = scratch;
    if (buffer == null) {
      buffer = new DataOutputSerializer(128);
      scratch = buffer;
    }
    return buffer;
  }

  private void writePosition(Position<T> position, long latest, DataOutputView target)
      throws IOException {
    boolean hasRow = position.hasRow();
    target.writeByte(position.status | (hasRow ? POSITION_ROW : 0));
    writeVarLong(latest - position.validFrom, target);
    writeVarLong(position.version, target);
    if (!hasRow) {
      return;
    }
    byte[] bytes = position.rowBytes();
    T row = position.decodedRow();
    if (bytes != null) {
      TypeSerializer<T> writer = position.rowBytesSerializer();
      if (writer == rowSerializer || rowSerializer.equals(writer)) {
        writeVarLong(bytes.length, target);
        target.write(bytes);
        return;
      }
      if (row == null) { // read by an older serializer (a migration): written anew
        row = writer.duplicate().deserialize(new DataInputDeserializer(bytes));
      }
    }
    DataOutputSerializer buffer = scratch();
    buffer.clear();
    rowSerializer.serialize(row, buffer);
    writeVarLong(buffer.length(), target);
    target.write(buffer.getSharedBuffer(), 0, buffer.length());
  }

  @Override
  public KeyCursor<T> deserialize(DataInputView source) throws IOException {
    KeyCursor<T> cursor = new KeyCursor<>();
    int flags = readFlags(source);
    int status = source.readUnsignedByte();
    cursor.status = readStatus(status & STATUS_BITS);
    checkPruneMark(status);
    cursor.prunedKnown = (status & STATUS_PRUNE_KNOWN) != 0;
    cursor.pruned = (status & STATUS_PRUNED) != 0;
    long latest = source.readLong();
    cursor.latest = latest;
    cursor.validFrom = latest - readVarLong(source);
    cursor.version = readVarLong(source);
    if ((flags & FLAG_ROW) != 0) {
      cursor.row = rowSerializer.deserialize(source);
    }
    cursor.pruneTime = latest - readVarLong(source);
    cursor.pendingFinal = (flags & FLAG_PENDING) != 0 ? source.readLong() : Long.MAX_VALUE;
    if ((flags & FLAG_TTL) != 0) {
      cursor.lastWrite = source.readLong();
      cursor.cleanupAt = source.readLong();
    }
    if ((flags & FLAG_EARLIER) != 0) {
      int count = readCount(source, KeyCursor.MAX_EARLIER, "earlier times");
      long[] earlier = new long[Math.max(4, count + 1)]; // room for the next change
      long next = latest;
      for (int i = count - 1; i >= 0; i--) {
        next -= readVarLong(source);
        earlier[i] = next;
      }
      cursor.earlier = earlier;
      cursor.earlierCount = count;
    }
    if ((flags & FLAG_BASE) != 0) {
      cursor.base = readPosition(latest, source);
    }
    if ((flags & FLAG_CANDIDATE) != 0) {
      cursor.candidateTime = latest - readVarLong(source);
      cursor.candidate = readPosition(latest, source);
    }
    if ((flags & FLAG_LATEST) != 0) {
      int head = readLatestHead(source);
      long sequence = source.readLong();
      boolean delete = (head & LATEST_DELETE) != 0;
      T row =
          delete
              ? null
              : (head & LATEST_CURRENT_ROW) != 0 ? cursor.row : rowSerializer.deserialize(source);
      cursor.latestChange = new StoredChange<>(sequence, delete, row);
    }
    cursor.legacyChanges = (flags & FLAG_CHUNKS) == 0;
    if (!cursor.legacyChanges) {
      int count = readCount(source, Integer.MAX_VALUE, "chunks");
      cursor.chunkFirst = new long[count + 1]; // room for the next one
      cursor.chunkLast = new long[count + 1];
      cursor.chunkFloor = count > 0 ? source.readLong() : Long.MIN_VALUE;
      for (int i = 0; i < count; i++) {
        cursor.chunkFirst[i] = latest - readVarLong(source);
        cursor.chunkLast[i] = latest - readVarLong(source);
      }
      cursor.chunkCount = count;
      ChangeChunk<T> open = ChangeChunkSerializer.read(rowSerializer, source);
      cursor.open = open.isEmpty() ? null : open;
    }
    return cursor;
  }

  private static int readLatestHead(DataInputView source) throws IOException {
    int head = source.readUnsignedByte();
    if ((head & ~LATEST_KNOWN) != 0 || head == LATEST_KNOWN) {
      throw new IOException(
          "Cannot read KeyCursor: latest change flags 0x" + Integer.toHexString(head));
    }
    return head;
  }

  private Position<T> readPosition(long latest, DataInputView source) throws IOException {
    int head = source.readUnsignedByte();
    Position<T> position = new Position<>();
    position.status = readStatus(head & ~POSITION_ROW);
    position.validFrom = latest - readVarLong(source);
    position.version = readVarLong(source);
    if ((head & POSITION_ROW) != 0) {
      byte[] bytes = new byte[readCount(source, Integer.MAX_VALUE, "attribute bytes")];
      source.readFully(bytes);
      position.setRowBytes(bytes, rowSerializer);
    }
    return position;
  }

  @Override
  public KeyCursor<T> deserialize(KeyCursor<T> reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int flags = readFlags(source);
    target.writeByte(flags);
    target.writeByte(source.readByte());
    target.writeLong(source.readLong()); // latest
    copyVarLongs(2, source, target); // validFrom, version
    if ((flags & FLAG_ROW) != 0) {
      rowSerializer.copy(source, target);
    }
    copyVarLongs(1, source, target); // prune point
    if ((flags & FLAG_PENDING) != 0) {
      target.writeLong(source.readLong());
    }
    if ((flags & FLAG_TTL) != 0) {
      target.writeLong(source.readLong());
      target.writeLong(source.readLong());
    }
    if ((flags & FLAG_EARLIER) != 0) {
      long count = readVarLong(source);
      writeVarLong(count, target);
      for (long i = 0; i < count; i++) {
        copyVarLongs(1, source, target);
      }
    }
    if ((flags & FLAG_BASE) != 0) {
      copyPosition(source, target);
    }
    if ((flags & FLAG_CANDIDATE) != 0) {
      copyVarLongs(1, source, target);
      copyPosition(source, target);
    }
    if ((flags & FLAG_LATEST) != 0) {
      int head = readLatestHead(source);
      target.writeByte(head);
      target.writeLong(source.readLong());
      if (head == 0) {
        rowSerializer.copy(source, target);
      }
    }
    if ((flags & FLAG_CHUNKS) != 0) {
      long count = readCount(source, Integer.MAX_VALUE, "chunks");
      writeVarLong(count, target);
      if (count > 0) {
        target.writeLong(source.readLong());
      }
      copyVarLongs((int) (2 * count), source, target);
      ChangeChunkSerializer.copyChunk(source, target);
    }
  }

  private static void copyVarLongs(int count, DataInputView source, DataOutputView target)
      throws IOException {
    for (int i = 0; i < count; i++) {
      writeVarLong(readVarLong(source), target);
    }
  }

  private static void copyPosition(DataInputView source, DataOutputView target) throws IOException {
    int head = source.readUnsignedByte();
    target.writeByte(head);
    copyVarLongs(2, source, target);
    if ((head & POSITION_ROW) != 0) {
      byte[] bytes = new byte[readCount(source, Integer.MAX_VALUE, "attribute bytes")];
      source.readFully(bytes);
      writeVarLong(bytes.length, target);
      target.write(bytes);
    }
  }

  private static int readFlags(DataInputView source) throws IOException {
    int flags = source.readUnsignedByte();
    if ((flags & ~KNOWN_FLAGS) != 0) {
      throw new IOException(
          "Cannot read KeyCursor: unknown flags 0x"
              + Integer.toHexString(flags)
              + " (known: 0x"
              + Integer.toHexString(KNOWN_FLAGS)
              + "); was it written by a newer etlkit?");
    }
    return flags;
  }

  /** Fails on a status byte whose bits above the status are no prune mark this version writes. */
  private static void checkPruneMark(int statusByte) throws IOException {
    int mark = statusByte & ~STATUS_BITS;
    if (mark != 0 && mark != STATUS_PRUNE_KNOWN && mark != (STATUS_PRUNE_KNOWN | STATUS_PRUNED)) {
      throw new IOException(
          "Cannot read KeyCursor: unknown status byte 0x"
              + Integer.toHexString(statusByte)
              + "; was it written by a newer etlkit?");
    }
  }

  private static byte readStatus(int status) throws IOException {
    if (status < KeyCursor.NONE || status > KeyCursor.DELETED) {
      throw new IOException("Cannot read KeyCursor: unknown status " + status);
    }
    return (byte) status;
  }

  private static int readCount(DataInputView source, int max, String what) throws IOException {
    return readCount(source, max, what, "KeyCursor");
  }

  /**
   * Reads a count (a var) of {@code what}, failing when above {@code max}; {@code format} names it.
   */
  static int readCount(DataInputView source, int max, String what, String format)
      throws IOException {
    long count = readVarLong(source);
    if (count < 0 || count > max) {
      throw new IOException(
          "Cannot read " + format + ": " + count + " " + what + ", at most " + max);
    }
    return (int) count;
  }

  /** Writes {@code value} as an unsigned variable-length integer: 7 bits a byte, low bits first. */
  static void writeVarLong(long value, DataOutputView target) throws IOException {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      target.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    target.writeByte((int) v);
  }

  /** Reads what {@link #writeVarLong} wrote. */
  static long readVarLong(DataInputView source) throws IOException {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = source.readUnsignedByte();
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IOException("Cannot read KeyCursor: a variable-length integer longer than 64 bits");
  }

  @Override
  public TypeSerializerSnapshot<KeyCursor<T>> snapshotConfiguration() {
    return new KeyCursorSerializerSnapshot<>(this);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof KeyCursorSerializer<?> that
        && output == that.output
        && rowSerializer.equals(that.rowSerializer);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hashCode(output) + rowSerializer.hashCode();
  }

  /**
   * Names the output class (Flink's message for a refused restore shows both serializers):
   * "KeyCursorSerializer(output APPEND, rows)".
   */
  @Override
  public String toString() {
    return output == null
        ? "KeyCursorSerializer(" + rowSerializer + ")"
        : output.serializerPrefix() + rowSerializer + ")";
  }
}
