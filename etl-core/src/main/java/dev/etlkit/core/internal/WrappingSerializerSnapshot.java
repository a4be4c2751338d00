package dev.etlkit.core.internal;

import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;

/**
 * Snapshot of a serializer that wraps one value serializer: the outer format version (plus what a
 * subclass writes in {@code writeOuterSnapshot}) and the value serializer's own snapshot, so Flink
 * resolves the value type's compatibility (and migrates it) on restore. A version newer than this
 * build reads fails with a message naming both.
 *
 * <p>Only the subclasses' names are written into checkpoints and savepoints, not this class's.
 *
 * @param <W> the wrapper type
 * @param <S> the wrapper's serializer
 */
@Internal
public abstract class WrappingSerializerSnapshot<W, S extends TypeSerializer<W>>
    extends CompositeTypeSerializerSnapshot<W, S> {

  /** For Flink to instantiate when reading a snapshot. */
  protected WrappingSerializerSnapshot() {}

  /** The snapshot of {@code serializer}. */
  protected WrappingSerializerSnapshot(S serializer) {
    super(serializer);
  }

  /** What the serialized format is called in the error for a snapshot that is too new. */
  protected abstract String formatName();

  /** The value serializer nested in {@code outerSerializer}. */
  protected abstract TypeSerializer<?> valueSerializerOf(S outerSerializer);

  /** A serializer of this snapshot's outer configuration around {@code valueSerializer}. */
  protected abstract S wrap(TypeSerializer<?> valueSerializer);

  /** Reads what {@code writeOuterSnapshot} wrote, after the version check. Default: nothing. */
  protected void readOuterFields(int version, DataInputView in) throws IOException {}

  @Override
  protected final void readOuterSnapshot(
      int readOuterSnapshotVersion, DataInputView in, ClassLoader userCodeClassLoader)
      throws IOException {
    int current = getCurrentOuterSnapshotVersion();
    if (readOuterSnapshotVersion > current) {
      throw new IOException(
          formatName()
              + " serializer snapshot has version "
              + readOuterSnapshotVersion
              + ", this etlkit reads up to "
              + current
              + "; restore with the etlkit version that wrote it or newer");
    }
    readOuterFields(readOuterSnapshotVersion, in);
  }

  /**
   * Compatible as is when {@code oldSerializerSnapshot} is of this snapshot's class, else
   * incompatible: Flink compares only the nested serializers, so without this a state that held
   * another composite over the same value type (a list, another wrapper) would restore as is and be
   * misread. A subclass with outer fields overrides this to compare them as well.
   */
  @Override
  protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
      TypeSerializerSnapshot<W> oldSerializerSnapshot) {
    return oldSerializerSnapshot.getClass() == getClass()
        ? OuterSchemaCompatibility.COMPATIBLE_AS_IS
        : OuterSchemaCompatibility.INCOMPATIBLE;
  }

  @Override
  protected final TypeSerializer<?>[] getNestedSerializers(S outerSerializer) {
    return new TypeSerializer<?>[] {valueSerializerOf(outerSerializer)};
  }

  @Override
  protected final S createOuterSerializerWithNestedSerializers(
      TypeSerializer<?>[] nestedSerializers) {
    return wrap(nestedSerializers[0]);
  }
}
