package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Snapshot of a {@link ChangeChunkSerializer}: the attribute serializer's snapshot, nested. */
@Internal
public final class ChangeChunkSerializerSnapshot<T>
    extends WrappingSerializerSnapshot<ChangeChunk<T>, ChangeChunkSerializer<T>> {

  /** Version 1: the format described on {@link ChangeChunkSerializer}. */
  static final int CURRENT_VERSION = 1;

  /** For Flink to instantiate when reading a snapshot. */
  public ChangeChunkSerializerSnapshot() {}

  ChangeChunkSerializerSnapshot(ChangeChunkSerializer<T> serializer) {
    super(serializer);
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected String formatName() {
    return "ChangeChunk";
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(ChangeChunkSerializer<T> outerSerializer) {
    return outerSerializer.getRowSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected ChangeChunkSerializer<T> wrap(TypeSerializer<?> valueSerializer) {
    return new ChangeChunkSerializer<>((TypeSerializer<T>) valueSerializer);
  }
}
