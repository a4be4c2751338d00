package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.WrappingTypeInfo;
import dev.etlkit.core.internal.Names;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Type information of the join's own state values, each wrapping one user type: a {@link
 * PendingFact} of the fact type, or a {@link VersionHistory} of the dimension row type. Prints as
 * the state inventory shows it, for example {@code PendingFact(Order)}.
 *
 * @param <T> the state value type
 */
@Internal
public final class JoinStateTypeInfo<T> extends WrappingTypeInfo<T, Object> {
  private static final long serialVersionUID = 1L;

  private final JoinStateSerializer.Kind kind;

  @SuppressWarnings("unchecked")
  private JoinStateTypeInfo(JoinStateSerializer.Kind kind, TypeInformation<?> nested) {
    super(
        kind == JoinStateSerializer.Kind.PENDING_FACT ? PendingFact.class : VersionHistory.class,
        (TypeInformation<Object>) nested);
    this.kind = kind;
  }

  /** Facts waiting for their row. */
  public static <F> TypeInformation<PendingFact<F>> pendingFact(TypeInformation<F> factType) {
    return new JoinStateTypeInfo<>(JoinStateSerializer.Kind.PENDING_FACT, factType);
  }

  /** The versions of a key's row. */
  public static <D> TypeInformation<VersionHistory<D>> versionHistory(TypeInformation<D> rowType) {
    return new JoinStateTypeInfo<>(JoinStateSerializer.Kind.VERSION_HISTORY, rowType);
  }

  @Override
  @SuppressWarnings("unchecked")
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return (TypeSerializer<T>)
        JoinStateSerializer.of(kind, getValueType().createSerializer(config));
  }

  @Override
  public String toString() {
    return (kind == JoinStateSerializer.Kind.PENDING_FACT ? "PendingFact(" : "VersionHistory(")
        + Names.describeType(getValueType())
        + ")";
  }

  @Override
  protected boolean sameOptions(WrappingTypeInfo<?, ?> other) {
    return kind == ((JoinStateTypeInfo<?>) other).kind;
  }
}
