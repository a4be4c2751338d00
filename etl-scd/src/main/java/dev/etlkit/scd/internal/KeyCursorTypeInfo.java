package dev.etlkit.scd.internal;

import dev.etlkit.core.WrappingTypeInfo;
import dev.etlkit.scd.internal.KeyCursorSerializer.OutputClass;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type information of {@link KeyCursor KeyCursor&lt;T&gt;} in a step of an output class: see
 * {@link KeyCursorSerializer}.
 */
@Internal
public final class KeyCursorTypeInfo<T> extends WrappingTypeInfo<KeyCursor<T>, T> {

  private static final long serialVersionUID = 1L;

  private final OutputClass output;

  KeyCursorTypeInfo(TypeInformation<T> valueType, OutputClass output) {
    super(KeyCursor.class, valueType);
    this.output = output;
  }

  @Override
  public TypeSerializer<KeyCursor<T>> createSerializer(SerializerConfig config) {
    return new KeyCursorSerializer<>(getValueType().createSerializer(config), output);
  }

  @Override
  protected boolean sameOptions(WrappingTypeInfo<?, ?> other) {
    return output == ((KeyCursorTypeInfo<?>) other).output;
  }
}
