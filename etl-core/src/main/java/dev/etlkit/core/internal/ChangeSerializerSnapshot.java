package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;

/**
 * Snapshot of {@link ChangeSerializer}: the outer format version plus the value serializer's own
 * snapshot, so Flink resolves the value type's compatibility (and migrates it) on restore.
 *
 * <p>This class's name is written into every checkpoint and savepoint holding changes in state:
 * never rename or move it.
 */
@Internal
public final class ChangeSerializerSnapshot<T>
    extends CompositeTypeSerializerSnapshot<Change<T>, ChangeSerializer<T>> {

  /** Version 1: the format described on {@link ChangeSerializer}. */
  static final int CURRENT_VERSION = 1;

  /** For Flink to instantiate when reading a snapshot. */
  public ChangeSerializerSnapshot() {}

  ChangeSerializerSnapshot(ChangeSerializer<T> serializer) {
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
          "Change serializer snapshot has version "
              + readOuterSnapshotVersion
              + ", this etlkit reads up to "
              + CURRENT_VERSION
              + "; restore with the etlkit version that wrote it or newer");
    }
  }

  @Override
  protected TypeSerializer<?>[] getNestedSerializers(ChangeSerializer<T> outerSerializer) {
    return new TypeSerializer<?>[] {outerSerializer.getValueSerializer()};
  }

  @Override
  protected ChangeSerializer<T> createOuterSerializerWithNestedSerializers(
      TypeSerializer<?>[] nestedSerializers) {
    @SuppressWarnings("unchecked")
    TypeSerializer<T> valueSerializer = (TypeSerializer<T>) nestedSerializers[0];
    return new ChangeSerializer<>(valueSerializer);
  }
}
