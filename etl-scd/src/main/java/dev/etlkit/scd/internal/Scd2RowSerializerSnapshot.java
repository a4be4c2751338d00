package dev.etlkit.scd.internal;

import dev.etlkit.scd.Scd2Row;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;

/**
 * Snapshot of {@link Scd2RowSerializer}: the outer format version plus the attribute serializer's
 * own snapshot, so Flink resolves the attribute type's compatibility (and migrates it) on restore.
 *
 * <p>This class's name is written into every checkpoint and savepoint holding SCD2 rows in state:
 * never rename or move it.
 */
@Internal
public final class Scd2RowSerializerSnapshot<T>
    extends CompositeTypeSerializerSnapshot<Scd2Row<T>, Scd2RowSerializer<T>> {

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
  protected void readOuterSnapshot(
      int readOuterSnapshotVersion, DataInputView in, ClassLoader userCodeClassLoader)
      throws IOException {
    if (readOuterSnapshotVersion > CURRENT_VERSION) {
      throw new IOException(
          "Scd2Row serializer snapshot has version "
              + readOuterSnapshotVersion
              + ", this etlkit reads up to "
              + CURRENT_VERSION
              + "; restore with the etlkit version that wrote it or newer");
    }
  }

  @Override
  protected TypeSerializer<?>[] getNestedSerializers(Scd2RowSerializer<T> outerSerializer) {
    return new TypeSerializer<?>[] {outerSerializer.getValueSerializer()};
  }

  @Override
  protected Scd2RowSerializer<T> createOuterSerializerWithNestedSerializers(
      TypeSerializer<?>[] nestedSerializers) {
    @SuppressWarnings("unchecked")
    TypeSerializer<T> valueSerializer = (TypeSerializer<T>) nestedSerializers[0];
    return new Scd2RowSerializer<>(valueSerializer);
  }
}
