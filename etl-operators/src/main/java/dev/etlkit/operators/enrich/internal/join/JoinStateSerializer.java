package dev.etlkit.operators.enrich.internal.join;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;

/**
 * What the serializers of the join's own state values share: one nested serializer of a user type,
 * immutable values (so copies and reuse-reads are plain copies and reads), flags bytes that reject
 * bits a newer etlkit may have written, and one snapshot class for both ({@link
 * JoinStateSerializerSnapshot}, which records which serializer it is).
 *
 * @param <T> the state value type
 * @param <N> the nested user type
 */
@Internal
public abstract class JoinStateSerializer<T, N> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  /** Which serializer: written into snapshots, never renumber. */
  enum Kind {
    PENDING_FACT,
    VERSION_HISTORY
  }

  final TypeSerializer<N> nested;

  JoinStateSerializer(TypeSerializer<N> nested) {
    this.nested = Objects.requireNonNull(nested, "nested");
  }

  abstract Kind kind();

  /** The same serializer around another nested serializer. */
  abstract JoinStateSerializer<T, N> withNested(TypeSerializer<N> nestedSerializer);

  /** Creates the serializer of the given kind (when a snapshot is restored). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static JoinStateSerializer<?, ?> of(Kind kind, TypeSerializer<?> nested) {
    return kind == Kind.PENDING_FACT
        ? new PendingFactSerializer(nested)
        : new VersionHistorySerializer(nested);
  }

  @Override
  public final boolean isImmutableType() {
    return false;
  }

  @Override
  public final TypeSerializer<T> duplicate() {
    TypeSerializer<N> duplicate = nested.duplicate();
    return duplicate == nested ? this : withNested(duplicate);
  }

  /** Same as {@link #copy(Object)}: the values are immutable. */
  @Override
  public final T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public final int getLength() {
    return -1;
  }

  /** Same as {@link #deserialize(DataInputView)}: the values are immutable. */
  @Override
  public final T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  /** Reads a flags byte, rejecting bits outside {@code known}. */
  static int readFlags(DataInputView source, int known, String what) throws IOException {
    int flags = source.readUnsignedByte();
    if ((flags & ~known) != 0) {
      throw new IOException(
          "Cannot read "
              + what
              + " of a dimension join: unknown flags 0x"
              + Integer.toHexString(flags)
              + " (known: 0x"
              + Integer.toHexString(known)
              + "); was it written by a newer etlkit?");
    }
    return flags;
  }

  @Override
  public final TypeSerializerSnapshot<T> snapshotConfiguration() {
    return new JoinStateSerializerSnapshot<>(this);
  }

  @Override
  public final boolean equals(Object obj) {
    return obj instanceof JoinStateSerializer<?, ?> that
        && kind() == that.kind()
        && nested.equals(that.nested);
  }

  @Override
  public final int hashCode() {
    return 31 * kind().hashCode() + nested.hashCode();
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + "(" + nested + ")";
  }
}
