package dev.etlkit.scd.internal;

import dev.etlkit.core.WrappingTypeInfo;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type information of {@link KeyCursor KeyCursor&lt;T&gt;}: see {@link KeyCursorSerializer}.
 */
@Internal
public final class KeyCursorTypeInfo<T> extends WrappingTypeInfo<KeyCursor<T>, T> {

  private static final long serialVersionUID = 1L;

  KeyCursorTypeInfo(TypeInformation<T> valueType) {
    super(KeyCursor.class, valueType);
  }

  @Override
  public TypeSerializer<KeyCursor<T>> createSerializer(SerializerConfig config) {
    return new KeyCursorSerializer<>(getValueType().createSerializer(config));
  }
}
