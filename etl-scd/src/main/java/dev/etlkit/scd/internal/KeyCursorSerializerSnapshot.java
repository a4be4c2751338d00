package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;

/**
 * Snapshot of {@link KeyCursorSerializer}: the outer format version plus the attribute serializer's
 * own snapshot, so Flink resolves the attribute type's compatibility (and migrates it) on restore.
 *
 * <p>Cursors written before this serializer existed were Flink POJOs: restoring their {@code
 * PojoSerializer} snapshot asks Flink to migrate them (read with that serializer, written with this
 * one), which leaves the fields they lacked at their defaults ({@link KeyCursor#base} and {@link
 * KeyCursor#earlier} null, whether the key pruned unknown): see {@link KeyCursor}.
 *
 * <p>This class's name is written into every checkpoint and savepoint of the SCD2 step: never
 * rename or move it.
 */
@Internal
public final class KeyCursorSerializerSnapshot<T>
    extends WrappingSerializerSnapshot<KeyCursor<T>, KeyCursorSerializer<T>> {

  /**
   * Version 2 (state format 4): cursors carry the mark of whether their key pruned, in bits of the
   * status byte that version 1 wrote as zero. Both versions write the format described on {@link
   * KeyCursorSerializer} and restore as they are: a cursor of version 1 reads as one that does not
   * know whether its key pruned. The version makes an older etlkit, which does not know the mark,
   * refuse the snapshot at the restore rather than fail on the first marked cursor it reads.
   */
  static final int CURRENT_VERSION = 2;

  /** For Flink to instantiate when reading a snapshot. */
  public KeyCursorSerializerSnapshot() {}

  KeyCursorSerializerSnapshot(KeyCursorSerializer<T> serializer) {
    super(serializer);
  }

  @Override
  public TypeSerializerSchemaCompatibility<KeyCursor<T>> resolveSchemaCompatibility(
      TypeSerializerSnapshot<KeyCursor<T>> oldSerializerSnapshot) {
    if (oldSerializerSnapshot instanceof PojoSerializerSnapshot
        && oldSerializerSnapshot.restoreSerializer().createInstance() instanceof KeyCursor) {
      return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
    }
    return super.resolveSchemaCompatibility(oldSerializerSnapshot);
  }

  @Override
  protected int getCurrentOuterSnapshotVersion() {
    return CURRENT_VERSION;
  }

  @Override
  protected String formatName() {
    return "KeyCursor";
  }

  @Override
  protected TypeSerializer<?> valueSerializerOf(KeyCursorSerializer<T> outerSerializer) {
    return outerSerializer.getRowSerializer();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected KeyCursorSerializer<T> wrap(TypeSerializer<?> valueSerializer) {
    return new KeyCursorSerializer<>((TypeSerializer<T>) valueSerializer);
  }
}
