package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Snapshot of a {@link JoinStateSerializer}: the outer format version, which serializer it is
 * (waiting facts or version histories) and the nested serializer's own snapshot, so Flink resolves
 * the user type's compatibility (and migrates it) on restore.
 *
 * <p>This class's name is written into every checkpoint and savepoint of a dimension join: never
 * rename or move it.
 */
@Internal
public final class JoinStateSerializerSnapshot<T>
    extends WrappingSerializerSnapshot<T, JoinStateSerializer<T, ?>> {

  /**
   * Version 1: the formats described on {@link PendingFactSerializer} and {@link
   * VersionHistorySerializer}.
   */
  static final int CURRENT_VERSION = 1;

  private JoinStateSerializer.Kind kind;

  /** For Flink to instantiate when reading a snapshot. */
  public JoinStateSerializerSnapshot() {}

  JoinStateSerializerSnapshot(JoinStateSerializer<T, ?> serializer) {
    super(serializer);
    this.kind = serializer.kind();
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected String formatName() {
    return "Dimension join state";
  }

  @Override
  protected void writeOuterSnapshot(DataOutputView out) throws IOException {
    out.writeUTF(kind.name());
  }

  @Override
  protected void readOuterFields(int version, DataInputView in) throws IOException {
    kind = JoinStateSerializer.Kind.valueOf(in.readUTF());
  }

  @Override
  protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
      TypeSerializerSnapshot<T> oldSerializerSnapshot) {
    return oldSerializerSnapshot instanceof JoinStateSerializerSnapshot<?> old && old.kind == kind
        ? OuterSchemaCompatibility.COMPATIBLE_AS_IS
        : OuterSchemaCompatibility.INCOMPATIBLE;
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(JoinStateSerializer<T, ?> outerSerializer) {
    return outerSerializer.getValueSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected JoinStateSerializer<T, ?> wrap(TypeSerializer<?> valueSerializer) {
    return (JoinStateSerializer<T, ?>) JoinStateSerializer.of(kind, valueSerializer);
  }
}
