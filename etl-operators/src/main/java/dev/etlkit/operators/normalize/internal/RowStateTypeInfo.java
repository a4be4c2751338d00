package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.WrappingTypeInfo;
import java.util.Objects;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Type information of a versioned normalizer's state: a {@link RowState} of the given layout over
 * the kept row type. The step's state descriptor and its state declaration are made with it, so a
 * savepoint check compares the saved layout with the step's.
 */
@Internal
public final class RowStateTypeInfo<V> extends WrappingTypeInfo<RowState<V>, V> {
  private static final long serialVersionUID = 1L;

  private final RowLayout layout;

  public RowStateTypeInfo(RowLayout layout, TypeInformation<V> keptType) {
    super(RowState.class, keptType);
    this.layout = Objects.requireNonNull(layout, "layout");
  }

  @Override
  public TypeSerializer<RowState<V>> createSerializer(SerializerConfig config) {
    return new RowStateSerializer<>(layout, getValueType().createSerializer(config));
  }

  @Override
  public String toString() {
    return "RowState<" + getValueType() + ">";
  }

  @Override
  protected boolean sameOptions(WrappingTypeInfo<?, ?> other) {
    return layout.equals(((RowStateTypeInfo<?>) other).layout);
  }
}
