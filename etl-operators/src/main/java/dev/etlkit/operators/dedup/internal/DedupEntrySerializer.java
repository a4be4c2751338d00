package dev.etlkit.operators.dedup.internal;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link DedupEntry}, composing the row's serializer.
 *
 * <p>A fingerprint without the keyed flag is the unkeyed xxHash64 fingerprint of an etlkit before
 * keyed fingerprints (snapshot versions 1 and 2). It is read as no fingerprint: with a seed fixed
 * in the source, a row colliding with it can be crafted, so it must not be trusted to suppress a
 * change. The key's next row is then taken as a change, identical or not, and its keyed fingerprint
 * kept; where the entry keeps the row, that row is fingerprinted instead.
 *
 * <p>Binary format of an entry, the same in snapshot versions 1 to 3 (see {@link
 * DedupEntrySerializerSnapshot#CURRENT_VERSION}) but for one flag:
 *
 * <ol>
 *   <li>one byte of flags: bit 0 live, bit 1 an ordering key follows, bit 2 a fingerprint follows,
 *       bit 3 a row follows, bit 4 the fingerprint is keyed (written from version 3 on with every
 *       fingerprint); the other bits are reserved and must be zero;
 *   <li>the ordering key, if flagged: one unsigned byte {@code n}, then {@code n} longs;
 *   <li>the fingerprint as a long, if flagged;
 *   <li>the row, written by the row serializer, if flagged.
 * </ol>
 *
 * <p>So a keep-first marker takes one byte per key. The {@link DedupLayout} is not written per
 * entry; it is part of the snapshot, to reject restoring into another layout.
 */
@Internal
public final class DedupEntrySerializer<T> extends TypeSerializer<DedupEntry<T>> {
  private static final long serialVersionUID = 1L;

  static final int FLAG_LIVE = 1;
  static final int FLAG_ORDER = 1 << 1;
  static final int FLAG_HASH = 1 << 2;
  static final int FLAG_ROW = 1 << 3;
  static final int FLAG_KEYED_HASH = 1 << 4;
  private static final int KNOWN_FLAGS =
      FLAG_LIVE | FLAG_ORDER | FLAG_HASH | FLAG_ROW | FLAG_KEYED_HASH;

  private final DedupLayout layout;
  private final TypeSerializer<T> rowSerializer;

  public DedupEntrySerializer(DedupLayout layout, TypeSerializer<T> rowSerializer) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.rowSerializer = Objects.requireNonNull(rowSerializer, "rowSerializer");
  }

  public DedupLayout layout() {
    return layout;
  }

  public TypeSerializer<T> rowSerializer() {
    return rowSerializer;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<DedupEntry<T>> duplicate() {
    TypeSerializer<T> duplicateRow = rowSerializer.duplicate();
    return duplicateRow == rowSerializer ? this : new DedupEntrySerializer<>(layout, duplicateRow);
  }

  @Override
  public DedupEntry<T> createInstance() {
    return new DedupEntry<>();
  }

  /** A deep copy: the heap backend copies entries while a snapshot of them is being written. */
  @Override
  public DedupEntry<T> copy(DedupEntry<T> from) {
    return new DedupEntry<>(
        from.live,
        from.order == null ? null : from.order.clone(),
        from.hasHash,
        from.hash,
        from.row == null ? null : rowSerializer.copy(from.row));
  }

  @Override
  public DedupEntry<T> copy(DedupEntry<T> from, DedupEntry<T> reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(DedupEntry<T> entry, DataOutputView target) throws IOException {
    long[] order = entry.order;
    int flags =
        (entry.live ? FLAG_LIVE : 0)
            | (order != null ? FLAG_ORDER : 0)
            | (entry.hasHash ? FLAG_HASH : 0)
            | (entry.hasHash ? FLAG_KEYED_HASH : 0)
            | (entry.row != null ? FLAG_ROW : 0);
    target.writeByte(flags);
    if (order != null) {
      if (order.length > 255) {
        throw new IOException("ordering key has " + order.length + " components, at most 255");
      }
      target.writeByte(order.length);
      for (long component : order) {
        target.writeLong(component);
      }
    }
    if (entry.hasHash) {
      target.writeLong(entry.hash);
    }
    if (entry.row != null) {
      rowSerializer.serialize(entry.row, target);
    }
  }

  @Override
  public DedupEntry<T> deserialize(DataInputView source) throws IOException {
    int flags = readFlags(source);
    DedupEntry<T> entry = new DedupEntry<>();
    entry.live = (flags & FLAG_LIVE) != 0;
    if ((flags & FLAG_ORDER) != 0) {
      long[] order = new long[source.readUnsignedByte()];
      for (int i = 0; i < order.length; i++) {
        order[i] = source.readLong();
      }
      entry.order = order;
    }
    if ((flags & FLAG_HASH) != 0) {
      long hash = source.readLong();
      if ((flags & FLAG_KEYED_HASH) != 0) {
        entry.hasHash = true;
        entry.hash = hash;
      }
    }
    if ((flags & FLAG_ROW) != 0) {
      entry.row = rowSerializer.deserialize(source);
    }
    return entry;
  }

  @Override
  public DedupEntry<T> deserialize(DedupEntry<T> reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int flags = readFlags(source);
    target.writeByte(flags);
    if ((flags & FLAG_ORDER) != 0) {
      int n = source.readUnsignedByte();
      target.writeByte(n);
      for (int i = 0; i < n; i++) {
        target.writeLong(source.readLong());
      }
    }
    if ((flags & FLAG_HASH) != 0) {
      target.writeLong(source.readLong());
    }
    if ((flags & FLAG_ROW) != 0) {
      rowSerializer.copy(source, target);
    }
  }

  private static int readFlags(DataInputView source) throws IOException {
    int flags = source.readUnsignedByte();
    if ((flags & ~KNOWN_FLAGS) != 0) {
      throw new IOException(
          "Cannot read dedup state: unknown flags 0x"
              + Integer.toHexString(flags)
              + " (known: 0x"
              + Integer.toHexString(KNOWN_FLAGS)
              + "); was it written by a newer etlkit?");
    }
    return flags;
  }

  @Override
  public TypeSerializerSnapshot<DedupEntry<T>> snapshotConfiguration() {
    return new DedupEntrySerializerSnapshot<>(this);
  }

  @Override
  public boolean equals(Object obj) {
    if (!(obj instanceof DedupEntrySerializer)) {
      return false;
    }
    DedupEntrySerializer<?> that = (DedupEntrySerializer<?>) obj;
    return layout.equals(that.layout) && rowSerializer.equals(that.rowSerializer);
  }

  @Override
  public int hashCode() {
    return 31 * layout.hashCode() + rowSerializer.hashCode();
  }

  @Override
  public String toString() {
    return "DedupEntrySerializer(" + layout + ", " + rowSerializer + ")";
  }
}
