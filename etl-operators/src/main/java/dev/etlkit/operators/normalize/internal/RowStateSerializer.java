package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.internal.WrappingSerializer;
import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link RowState}, composing the serializer of the kept row.
 *
 * <p>Binary format of an entry (see {@link RowStateSerializerSnapshot#CURRENT_VERSION}):
 *
 * <ol>
 *   <li>one byte of flags: bit 0 set when a row follows (the key is live), bit 1 when a sequence
 *       follows, bit 2 when a row hash follows, bit 3 ({@link #FLAG_KEYED_HASH}, from snapshot
 *       version 3 on) when the row hash is keyed; the other bits are reserved and must be zero;
 *   <li>the row, written by the row serializer, if flagged;
 *   <li>the sequence as a long, if flagged;
 *   <li>the row hash as a long, if flagged: the step's keyed fingerprint ({@link
 *       dev.etlkit.operators.internal.RowFingerprint}) with bit 3, else a {@link LegacyRowHash}.
 * </ol>
 *
 * <p>Versions 1 and 2 wrote the same format without bit 3: their entries read as entries with a
 * legacy row hash, which {@link VersionedNormalizeFunction} compares by that hash until it writes
 * the key's entry again, with the keyed hash and bit 3. Every row hash written now is keyed.
 *
 * <p>A future optional field takes the next flag bit; data with a bit this version does not know
 * was written by a newer etlkit and is rejected rather than misread. Bit 3 came with a new snapshot
 * version, so an etlkit that does not know it refuses the whole savepoint at restore (the snapshot
 * is too new) instead of failing on the first entry it reads.
 *
 * <p>The step's {@link RowLayout} is not written per entry; the snapshot records it, so a restore
 * into another layout is refused. It does not change how an entry is written, so serializers that
 * differ only in layout are equal (the inherited equality).
 */
@Internal
public final class RowStateSerializer<V> extends WrappingSerializer<RowState<V>, V> {

  private static final long serialVersionUID = 1L;

  static final int FLAG_VALUE = 1;
  static final int FLAG_SEQUENCE = 1 << 1;
  static final int FLAG_ROW_HASH = 1 << 2;

  /** FLAG_KEYED_HASH: the row hash is keyed; only with {@link #FLAG_ROW_HASH}. */
  static final int FLAG_KEYED_HASH = 1 << 3;

  private static final int KNOWN_FLAGS =
      FLAG_VALUE | FLAG_SEQUENCE | FLAG_ROW_HASH | FLAG_KEYED_HASH;

  @Nullable private final RowLayout layout;

  /**
   * @param layout the step's layout; null only for a serializer restored from a snapshot of format
   *     1, which did not record it
   */
  public RowStateSerializer(@Nullable RowLayout layout, TypeSerializer<V> valueSerializer) {
    super(valueSerializer);
    this.layout = layout;
  }

  /** The step's layout, or null when restored from a snapshot that did not record it. */
  @Nullable
  public RowLayout layout() {
    return layout;
  }

  @Override
  protected RowStateSerializer<V> wrap(TypeSerializer<V> valueSerializer) {
    return new RowStateSerializer<>(layout, valueSerializer);
  }

  /** A deleted key's state without sequence: the only instance that needs no row. */
  @Override
  public RowState<V> createInstance() {
    return new RowState<>(null, false, 0L, false, false, 0L);
  }

  @Override
  public RowState<V> copy(RowState<V> from) {
    V value = from.value();
    return new RowState<>(
        value == null ? null : valueSerializer.copy(value),
        from.hasSequence(),
        from.sequence(),
        from.hasRowHash(),
        from.keyedHash(),
        from.rowHash());
  }

  @Override
  public void serialize(RowState<V> record, DataOutputView target) throws IOException {
    V value = record.value();
    int flags =
        (value != null ? FLAG_VALUE : 0)
            | (record.hasSequence() ? FLAG_SEQUENCE : 0)
            | (record.hasRowHash() ? FLAG_ROW_HASH : 0)
            | (record.keyedHash() ? FLAG_KEYED_HASH : 0);
    target.writeByte(flags);
    if (value != null) {
      valueSerializer.serialize(value, target);
    }
    if (record.hasSequence()) {
      target.writeLong(record.sequence());
    }
    if (record.hasRowHash()) {
      target.writeLong(record.rowHash());
    }
  }

  @Override
  public RowState<V> deserialize(DataInputView source) throws IOException {
    int flags = readEntryFlags(source);
    V value = (flags & FLAG_VALUE) != 0 ? valueSerializer.deserialize(source) : null;
    boolean hasSequence = (flags & FLAG_SEQUENCE) != 0;
    long sequence = hasSequence ? source.readLong() : 0L;
    boolean hasRowHash = (flags & FLAG_ROW_HASH) != 0;
    long rowHash = hasRowHash ? source.readLong() : 0L;
    boolean keyedHash = (flags & FLAG_KEYED_HASH) != 0;
    return new RowState<>(value, hasSequence, sequence, hasRowHash, keyedHash, rowHash);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int flags = readEntryFlags(source);
    target.writeByte(flags);
    if ((flags & FLAG_VALUE) != 0) {
      valueSerializer.copy(source, target);
    }
    if ((flags & FLAG_SEQUENCE) != 0) {
      target.writeLong(source.readLong());
    }
    if ((flags & FLAG_ROW_HASH) != 0) {
      target.writeLong(source.readLong());
    }
  }

  private static int readEntryFlags(DataInputView source) throws IOException {
    int flags = readFlags(source, KNOWN_FLAGS, "normalizer row state");
    if ((flags & (FLAG_ROW_HASH | FLAG_KEYED_HASH)) == FLAG_KEYED_HASH) {
      throw new IOException(
          "Cannot read normalizer row state: flags 0x"
              + Integer.toHexString(flags)
              + " mark a keyed row hash without a row hash");
    }
    return flags;
  }

  @Override
  public TypeSerializerSnapshot<RowState<V>> snapshotConfiguration() {
    return new RowStateSerializerSnapshot<>(this);
  }
}
