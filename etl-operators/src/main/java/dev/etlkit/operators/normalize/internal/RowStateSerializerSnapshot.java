package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Snapshot of {@link RowStateSerializer}: the outer format version, the step's {@link RowLayout}
 * and the row serializer's own snapshot, so Flink resolves the row type's compatibility (and
 * migrates it) on restore. A restore into another layout (a sequence added or dropped, a projection
 * added or dropped) is incompatible.
 *
 * <p>A snapshot of format 1 did not record the layout, and both layouts with a projection nest the
 * same row serializer, so it restores into either; {@link VersionedNormalizeFunction} then checks
 * each entry it reads and fails the job on one its layout did not write. The next checkpoint or
 * savepoint records the layout.
 *
 * <p>This class's name is written into every checkpoint and savepoint of a versioned or projected
 * normalizer: never rename or move it.
 */
@Internal
public final class RowStateSerializerSnapshot<V>
    extends WrappingSerializerSnapshot<RowState<V>, RowStateSerializer<V>> {

  /**
   * Version 3: as version 2; entries may carry {@link RowStateSerializer#FLAG_KEYED_HASH}, so an
   * etlkit that reads up to version 2 refuses the snapshot at restore. Version 2: the layout as one
   * byte ({@link RowLayout#encode}), then the row serializer's snapshot. Version 1: the row
   * serializer's snapshot only. Entries are written as described on {@link RowStateSerializer};
   * those of versions 1 and 2 hold legacy row hashes, and restore compatible as is.
   */
  static final int CURRENT_VERSION = 3;

  /** Null when read from format 1, which did not record it. */
  @Nullable private RowLayout layout;

  /** For Flink to instantiate when reading a snapshot. */
  public RowStateSerializerSnapshot() {}

  RowStateSerializerSnapshot(RowStateSerializer<V> serializer) {
    super(serializer);
    this.layout = serializer.layout();
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected String formatName() {
    return "Normalizer row state";
  }

  @Override
  protected void writeOuterSnapshot(DataOutputView out) throws IOException {
    out.writeByte(RowLayout.encode(layout));
  }

  @Override
  protected void readOuterFields(int version, DataInputView in) throws IOException {
    layout = version >= 2 ? RowLayout.decode(in.readUnsignedByte()) : null;
  }

  /** Called on the new serializer's snapshot with the restored one. */
  @Override
  protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
      TypeSerializerSnapshot<RowState<V>> oldSerializerSnapshot) {
    if (!(oldSerializerSnapshot instanceof RowStateSerializerSnapshot)) {
      return OuterSchemaCompatibility.INCOMPATIBLE;
    }
    RowLayout old = ((RowStateSerializerSnapshot<V>) oldSerializerSnapshot).layout;
    if (old == null || layout == null) {
      return OuterSchemaCompatibility.COMPATIBLE_AS_IS; // format 1: entries are checked on read
    }
    return layout.equals(old)
        ? OuterSchemaCompatibility.COMPATIBLE_AS_IS
        : OuterSchemaCompatibility.INCOMPATIBLE;
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(RowStateSerializer<V> outerSerializer) {
    return outerSerializer.getValueSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected RowStateSerializer<V> wrap(TypeSerializer<?> valueSerializer) {
    return new RowStateSerializer<>(layout, (TypeSerializer<V>) valueSerializer);
  }
}
