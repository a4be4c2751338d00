package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.WrappingTypeInfo;
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
public final class DedupEntryTypeInfo<T> extends WrappingTypeInfo<DedupEntry<T>, T> {
  private static final long serialVersionUID = 1L;

  private final DedupLayout layout;

  public DedupEntryTypeInfo(DedupLayout layout, TypeInformation<T> rowType) {
    super(DedupEntry.class, rowType);
    this.layout = Objects.requireNonNull(layout, "layout");
  }

  public DedupLayout layout() {
    return layout;
  }

  @Override
  public TypeSerializer<DedupEntry<T>> createSerializer(SerializerConfig config) {
    return new DedupEntrySerializer<>(layout, getValueType().createSerializer(config));
  }

  @Override
  public String toString() {
    TypeInformation<T> rowType = getValueType();
    String row =
        rowType instanceof PojoTypeInfo
            ? rowType.getTypeClass().getSimpleName()
            : rowType.toString();
    return "DedupEntry(" + layout.describe(rowType, row) + ")";
  }

  @Override
  protected boolean sameOptions(WrappingTypeInfo<?, ?> other) {
    return layout.equals(((DedupEntryTypeInfo<?>) other).layout);
  }
}
