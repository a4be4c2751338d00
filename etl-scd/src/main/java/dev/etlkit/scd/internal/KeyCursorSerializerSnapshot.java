package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.WrappingSerializerSnapshot;
import dev.etlkit.scd.internal.KeyCursorSerializer.OutputClass;
import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Snapshot of {@link KeyCursorSerializer}: the outer format version plus the attribute serializer's
 * own snapshot, so Flink resolves the attribute type's compatibility (and migrates it) on restore.
 *
 * <p>Cursors written before this serializer existed were Flink POJOs: restoring their {@code
 * PojoSerializer} snapshot asks Flink to migrate them (read with that serializer, written with this
 * one), which leaves the fields they lacked at their defaults ({@link KeyCursor#base} and {@link
 * KeyCursor#earlier} null, whether the key pruned unknown): see {@link KeyCursor}.
 *
 * <p>Version 3 (state format 5) records the class of the step's output mode ({@link OutputClass}:
 * append, or a changelog) as one byte after the version: {@value #OUTPUT_UNKNOWN} not known,
 * {@value #OUTPUT_APPEND} append, {@value #OUTPUT_CHANGELOG} retract or upsert. A restore into a
 * step of the other class is incompatible: Flink refuses it, SavepointCheck reports it ({@code
 * STATE_INCOMPATIBLE}), and {@link Scd2Function} names the step and both modes. A snapshot of an
 * earlier version (or one not knowing its class) restores into either class, as before: its next
 * snapshot records the class.
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
   * Version 3 (state format 5) writes the same cursors and records the output class (above); an
   * older etlkit refuses it as it refuses version 2 in an etlkit before that.
   */
  static final int CURRENT_VERSION = 3;

  /** The first version that records the output class. */
  static final int OUTPUT_VERSION = 3;

  static final int OUTPUT_UNKNOWN = 0;
  static final int OUTPUT_APPEND = 1;
  static final int OUTPUT_CHANGELOG = 2;

  /** The class of the step's output mode; null when not known. */
  @Nullable private OutputClass output;

  /** For Flink to instantiate when reading a snapshot. */
  public KeyCursorSerializerSnapshot() {}

  KeyCursorSerializerSnapshot(KeyCursorSerializer<T> serializer) {
    super(serializer);
    this.output = serializer.output();
  }

  /** The class of the output mode this snapshot records, or null when it records none. */
  @Nullable
  OutputClass output() {
    return output;
  }

  @Override
  protected void writeOuterSnapshot(DataOutputView out) throws IOException {
    out.writeByte(
        output == null
            ? OUTPUT_UNKNOWN
            : output == OutputClass.APPEND ? OUTPUT_APPEND : OUTPUT_CHANGELOG);
  }

  @Override
  protected void readOuterFields(int version, DataInputView in) throws IOException {
    if (version < OUTPUT_VERSION) {
      output = null;
      return;
    }
    int code = in.readUnsignedByte();
    switch (code) {
      case OUTPUT_UNKNOWN:
        output = null;
        break;
      case OUTPUT_APPEND:
        output = OutputClass.APPEND;
        break;
      case OUTPUT_CHANGELOG:
        output = OutputClass.CHANGELOG;
        break;
      default:
        throw new IOException(
            "Cannot read the KeyCursor serializer snapshot: output class " + code);
    }
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

  /**
   * Called on the new serializer's snapshot with the restored one: incompatible when both record an
   * output class and they differ; a snapshot of another class is incompatible too.
   */
  @Override
  protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
      TypeSerializerSnapshot<KeyCursor<T>> oldSerializerSnapshot) {
    if (!(oldSerializerSnapshot instanceof KeyCursorSerializerSnapshot<T> old)) {
      return OuterSchemaCompatibility.INCOMPATIBLE;
    }
    return output == null || old.output == null || output == old.output
        ? OuterSchemaCompatibility.COMPATIBLE_AS_IS
        : OuterSchemaCompatibility.INCOMPATIBLE;
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
    return new KeyCursorSerializer<>((TypeSerializer<T>) valueSerializer, output);
  }
}
