package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.internal.WrappingSerializer;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/**
 * What the serializers of the join's own state values share beyond {@link WrappingSerializer} (one
 * nested serializer of a user type, immutable values, flags bytes): one snapshot class for both
 * ({@link JoinStateSerializerSnapshot}, which records which serializer it is).
 *
 * @param <T> the state value type
 * @param <N> the nested user type
 */
@Internal
public abstract class JoinStateSerializer<T, N> extends WrappingSerializer<T, N> {
  private static final long serialVersionUID = 1L;

  /** Which serializer: written into snapshots, never renumber. */
  enum Kind {
    PENDING_FACT,
    VERSION_HISTORY
  }

  JoinStateSerializer(TypeSerializer<N> nested) {
    super(nested);
  }

  abstract Kind kind();

  /** Creates the serializer of the given kind (when a snapshot is restored). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static JoinStateSerializer<?, ?> of(Kind kind, TypeSerializer<?> nested) {
    return kind == Kind.PENDING_FACT
        ? new PendingFactSerializer(nested)
        : new VersionHistorySerializer(nested);
  }

  @Override
  public final TypeSerializerSnapshot<T> snapshotConfiguration() {
    return new JoinStateSerializerSnapshot<>(this);
  }
}
