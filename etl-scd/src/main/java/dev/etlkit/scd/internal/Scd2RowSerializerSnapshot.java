package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import dev.etlkit.scd.Scd2Row;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Snapshot of {@link Scd2RowSerializer}: the outer format version plus the attribute serializer's
 * own snapshot, so Flink resolves the attribute type's compatibility (and migrates it) on restore.
 *
 * <p>This class's name is written into every checkpoint and savepoint holding SCD2 rows in state:
 * never rename or move it.
 */
@Internal
public final class Scd2RowSerializerSnapshot<T>
    extends WrappingSerializerSnapshot<Scd2Row<T>, Scd2RowSerializer<T>> {

  /** Version 1: the format described on {@link Scd2RowSerializer}. */
  static final int CURRENT_VERSION = 1;

  /** For Flink to instantiate when reading a snapshot. */
  public Scd2RowSerializerSnapshot() {}

  Scd2RowSerializerSnapshot(Scd2RowSerializer<T> serializer) {
    super(serializer);
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected String formatName() {
    return "Scd2Row";
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(Scd2RowSerializer<T> outerSerializer) {
    return outerSerializer.getValueSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected Scd2RowSerializer<T> wrap(TypeSerializer<?> valueSerializer) {
    return new Scd2RowSerializer<>((TypeSerializer<T>) valueSerializer);
  }
}
