package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Snapshot of {@link RowStateSerializer}: the outer format version plus the row serializer's own
 * snapshot, so Flink resolves the row type's compatibility (and migrates it) on restore.
 *
 * <p>This class's name is written into every checkpoint and savepoint of a versioned or projected
 * normalizer: never rename or move it.
 */
@Internal
public final class RowStateSerializerSnapshot<V>
    extends WrappingSerializerSnapshot<RowState<V>, RowStateSerializer<V>> {

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
  protected String formatName() {
    return "Normalizer row state";
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(RowStateSerializer<V> outerSerializer) {
    return outerSerializer.getValueSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected RowStateSerializer<V> wrap(TypeSerializer<?> valueSerializer) {
    return new RowStateSerializer<>((TypeSerializer<V>) valueSerializer);
  }
}
