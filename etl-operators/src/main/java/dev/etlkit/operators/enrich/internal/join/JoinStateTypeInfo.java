package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.internal.Names;
import java.util.Objects;
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
public final class JoinStateTypeInfo<T> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;

  private final JoinStateSerializer.Kind kind;
  private final TypeInformation<?> nested;

  private JoinStateTypeInfo(JoinStateSerializer.Kind kind, TypeInformation<?> nested) {
    this.kind = kind;
    this.nested = Objects.requireNonNull(nested, "nested");
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
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Class<T> getTypeClass() {
    return (Class<T>)
        (kind == JoinStateSerializer.Kind.PENDING_FACT
            ? PendingFact.class
            : (Class<?>) VersionHistory.class);
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  @SuppressWarnings("unchecked")
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return (TypeSerializer<T>) JoinStateSerializer.of(kind, nested.createSerializer(config));
  }

  @Override
  public String toString() {
    return (kind == JoinStateSerializer.Kind.PENDING_FACT ? "PendingFact(" : "VersionHistory(")
        + Names.describeType(nested)
        + ")";
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof JoinStateTypeInfo<?> that
        && kind == that.kind
        && nested.equals(that.nested);
  }

  @Override
  public int hashCode() {
    return Objects.hash(JoinStateTypeInfo.class.getName(), kind, nested);
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof JoinStateTypeInfo;
  }
}
