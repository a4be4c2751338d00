package dev.etlkit.operators.normalize.internal;

import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;

/**
 * Snapshot of {@link RowStateSerializer}: the outer format version plus the row serializer's own
 * snapshot, so Flink resolves the row type's compatibility (and migrates it) on restore.
 *
 * <p>This class's name is written into every checkpoint and savepoint of a versioned or projected
 * normalizer: never rename or move it.
 */
@Internal
public final class RowStateSerializerSnapshot<V>
    extends CompositeTypeSerializerSnapshot<RowState<V>, RowStateSerializer<V>> {

  /** Version 1: the format described on {@link RowStateSerializer}. */
  static final int CURRENT_VERSION = 1;

  /** For Flink to instantiate when reading a snapshot. */
  public RowStateSerializerSnapshot() {}

  RowStateSerializerSnapshot(RowStateSerializer<V> serializer) {
    super(serializer);
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected void readOuterSnapshot(
      int readOuterSnapshotVersion, DataInputView in, ClassLoader userCodeClassLoader)
      throws IOException {
    if (readOuterSnapshotVersion > CURRENT_VERSION) {
      throw new IOException(
          "Normalizer row state snapshot has version "
              + readOuterSnapshotVersion
              + ", this etlkit reads up to "
              + CURRENT_VERSION
              + "; restore with the etlkit version that wrote it or newer");
    }
  }

  @Override
  protected TypeSerializer<?>[] getNestedSerializers(RowStateSerializer<V> outerSerializer) {
    return new TypeSerializer<?>[] {outerSerializer.getValueSerializer()};
  }

  @Override
  protected RowStateSerializer<V> createOuterSerializerWithNestedSerializers(
      TypeSerializer<?>[] nestedSerializers) {
    @SuppressWarnings("unchecked")
    TypeSerializer<V> valueSerializer = (TypeSerializer<V>) nestedSerializers[0];
    return new RowStateSerializer<>(valueSerializer);
  }
}
