package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Snapshot of {@link DedupEntrySerializer}: the outer format version, the {@link DedupLayout}, and
 * the row serializer's own snapshot (so Flink migrates an evolving row type as it would on its
 * own). A restore into a different layout is incompatible: the state cannot serve another ordering
 * or output mode.
 *
 * <p>This class's name is written into every checkpoint and savepoint of a dedup step: never rename
 * or move it.
 */
@Internal
public final class DedupEntrySerializerSnapshot<T>
    extends WrappingSerializerSnapshot<DedupEntry<T>, DedupEntrySerializer<T>> {

  /** Version 1: the format described on {@link DedupEntrySerializer}. */
  static final int CURRENT_VERSION = 1;

  private DedupLayout layout;

  /** For Flink to instantiate when reading a snapshot. */
  public DedupEntrySerializerSnapshot() {}

  DedupEntrySerializerSnapshot(DedupEntrySerializer<T> serializer) {
    super(serializer);
    this.layout = serializer.layout();
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected String formatName() {
    return "Dedup state";
  }

  @Override
  protected void writeOuterSnapshot(DataOutputView out) throws IOException {
    out.writeInt(layout.encode());
  }

  @Override
  protected void readOuterFields(int version, DataInputView in) throws IOException {
    layout = DedupLayout.decode(in.readInt());
  }

  /** Called on the new serializer's snapshot with the restored one. */
  @Override
  protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
      TypeSerializerSnapshot<DedupEntry<T>> oldSerializerSnapshot) {
    if (!(oldSerializerSnapshot instanceof DedupEntrySerializerSnapshot)) {
      return OuterSchemaCompatibility.INCOMPATIBLE;
    }
    DedupLayout old = ((DedupEntrySerializerSnapshot<T>) oldSerializerSnapshot).layout;
    return layout.equals(old)
        ? OuterSchemaCompatibility.COMPATIBLE_AS_IS
        : OuterSchemaCompatibility.INCOMPATIBLE;
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(DedupEntrySerializer<T> outerSerializer) {
    return outerSerializer.rowSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected DedupEntrySerializer<T> wrap(TypeSerializer<?> rowSerializer) {
    return new DedupEntrySerializer<>(layout, (TypeSerializer<T>) rowSerializer);
  }
}
