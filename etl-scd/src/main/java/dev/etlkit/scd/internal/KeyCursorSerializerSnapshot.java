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
 * one), which leaves the fields they lacked at their defaults ({@link KeyCursor#baseHere} false,
 * {@link KeyCursor#earlier} null): see {@link KeyCursor}.
 *
 * <p>This class's name is written into every checkpoint and savepoint of the SCD2 step: never
 * rename or move it.
 */
@Internal
public final class KeyCursorSerializerSnapshot<T>
    extends WrappingSerializerSnapshot<KeyCursor<T>, KeyCursorSerializer<T>> {

  /** Version 1: the format described on {@link KeyCursorSerializer}. */
  static final int CURRENT_VERSION = 1;

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
