package dev.etlkit.operators.dedup.internal;

import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;

/**
 * Type information of the dedup state: a {@link DedupEntry} of the given layout and row type.
 * Prints as the state inventory shows it, for example {@code DedupEntry(order[2], hash, row:
 * Order)}.
 */
@Internal
public final class DedupEntryTypeInfo<T> extends TypeInformation<DedupEntry<T>> {
  private static final long serialVersionUID = 1L;

  private final DedupLayout layout;
  private final TypeInformation<T> rowType;

  public DedupEntryTypeInfo(DedupLayout layout, TypeInformation<T> rowType) {
    this.layout = Objects.requireNonNull(layout, "layout");
    this.rowType = Objects.requireNonNull(rowType, "rowType");
  }

  public DedupLayout layout() {
    return layout;
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
  public Class<DedupEntry<T>> getTypeClass() {
    return (Class<DedupEntry<T>>) (Class<?>) DedupEntry.class;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<DedupEntry<T>> createSerializer(SerializerConfig config) {
    return new DedupEntrySerializer<>(layout, rowType.createSerializer(config));
  }

  @Override
  public String toString() {
    String row =
        rowType instanceof PojoTypeInfo
            ? rowType.getTypeClass().getSimpleName()
            : rowType.toString();
    return "DedupEntry(" + layout.describe(row) + ")";
  }

  @Override
  public boolean equals(Object obj) {
    if (!(obj instanceof DedupEntryTypeInfo)) {
      return false;
    }
    DedupEntryTypeInfo<?> that = (DedupEntryTypeInfo<?>) obj;
    return layout.equals(that.layout) && rowType.equals(that.rowType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(DedupEntryTypeInfo.class.getName(), layout, rowType);
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof DedupEntryTypeInfo;
  }
}
