package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Snapshot of {@link ChangeSerializer}: the outer format version plus the value serializer's own
 * snapshot, so Flink resolves the value type's compatibility (and migrates it) on restore.
 *
 * <p>This class's name is written into every checkpoint and savepoint holding changes in state:
 * never rename or move it.
 */
@Internal
public final class ChangeSerializerSnapshot<T>
    extends WrappingSerializerSnapshot<Change<T>, ChangeSerializer<T>> {

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
  protected String formatName() {
    return "Change";
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(ChangeSerializer<T> outerSerializer) {
    return outerSerializer.getValueSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected ChangeSerializer<T> wrap(TypeSerializer<?> valueSerializer) {
    return new ChangeSerializer<>((TypeSerializer<T>) valueSerializer);
  }
}
