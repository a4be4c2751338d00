package dev.etlkit.core.internal;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;

/**
 * Serializer of an immutable wrapper type (a change, a state entry, a version row) around one value
 * of a type with its own serializer. Holds what every such serializer does alike: the value
 * serializer, duplication, equality, the variants with a {@code reuse} object (a wrapper is never
 * reused) and the flags byte that lets the binary format grow. Subclasses write and read their own
 * fields and name their {@link WrappingSerializerSnapshot}.
 *
 * <p>Format rule for subclasses: optional fields are announced by bits of one flags byte; a future
 * field takes the next bit, so data written before it (bit clear) stays readable as is, and data
 * with a bit this version does not know was written by a newer etlkit and is rejected by {@link
 * #readFlags} rather than misread.
 *
 * @param <W> the wrapper type
 * @param <T> the wrapped value's type
 */
@Internal
public abstract class WrappingSerializer<W, T> extends TypeSerializer<W> {
  private static final long serialVersionUID = 1L;

  protected final TypeSerializer<T> valueSerializer;

  protected WrappingSerializer(TypeSerializer<T> valueSerializer) {
    this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer");
  }

  /** A serializer like this one around another value serializer (for {@link #duplicate()}). */
  protected abstract WrappingSerializer<W, T> wrap(TypeSerializer<T> valueSerializer);

  public final TypeSerializer<T> getValueSerializer() {
    return valueSerializer;
  }

  /** False: the value may be mutable, so copies go through the value serializer. */
  @Override
  public final boolean isImmutableType() {
    return false;
  }

  /** This serializer when the value serializer is stateless (it returns itself), else a new one. */
  @Override
  public final TypeSerializer<W> duplicate() {
    TypeSerializer<T> duplicateValueSerializer = valueSerializer.duplicate();
    return duplicateValueSerializer == valueSerializer ? this : wrap(duplicateValueSerializer);
  }

  /** Same as {@link #copy(Object)}: the wrapper is immutable, so {@code reuse} is ignored. */
  @Override
  public final W copy(W from, W reuse) {
    return copy(from);
  }

  /** Same as {@link #deserialize(DataInputView)}: the wrapper is immutable. */
  @Override
  public final W deserialize(W reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public final int getLength() {
    return -1;
  }

  /**
   * Reads a flags byte and rejects bits outside {@code knownFlags}.
   *
   * @param what the format's name for the error, such as "Change record"
   * @throws IOException naming the unknown bits: the data was written by a newer etlkit
   */
  protected static int readFlags(DataInputView source, int knownFlags, String what)
      throws IOException {
    int flags = source.readUnsignedByte();
    if ((flags & ~knownFlags) != 0) {
      throw new IOException(
          "Cannot read "
              + what
              + ": unknown flags 0x"
              + Integer.toHexString(flags)
              + " (known: 0x"
              + Integer.toHexString(knownFlags)
              + "); was it written by a newer etlkit?");
    }
    return flags;
  }

  @Override
  public final boolean equals(Object obj) {
    return obj != null
        && obj.getClass() == getClass()
        && valueSerializer.equals(((WrappingSerializer<?, ?>) obj).valueSerializer);
  }

  @Override
  public final int hashCode() {
    return valueSerializer.hashCode();
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + "(" + valueSerializer + ")";
  }
}
