package dev.etlkit.scd.internal;

import dev.etlkit.core.WrappingTypeInfo;
import dev.etlkit.core.internal.Names;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information of {@link ChangeChunk}s with attributes of one type. */
@Internal
public final class ChangeChunkTypeInfo<T> extends WrappingTypeInfo<ChangeChunk<T>, T> {

  private static final long serialVersionUID = 1L;

  ChangeChunkTypeInfo(TypeInformation<T> valueType) {
    super(ChangeChunk.class, valueType);
  }

  @Override
  public TypeSerializer<ChangeChunk<T>> createSerializer(SerializerConfig config) {
    return new ChangeChunkSerializer<>(getValueType().createSerializer(config));
  }

  /** As the state inventory shows it: {@code ChangeChunk<Customer>}. */
  @Override
  public String toString() {
    return "ChangeChunk<" + Names.describeType(getValueType()) + ">";
  }
}
