package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.core.WrappingTypeInfo;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamElement;
import org.apache.flink.streaming.runtime.streamrecord.StreamElementSerializer;

/**
 * Type information of a lookup step's records in flight as Flink's async operator keeps them in its
 * operator state: stream elements of the step's input type. The step declares its in-flight state
 * with it, so a savepoint check compares the saved records' serializer with the input's.
 */
@Internal
public final class InFlightTypeInfo<T> extends WrappingTypeInfo<StreamElement, T> {
  private static final long serialVersionUID = 1L;

  public InFlightTypeInfo(TypeInformation<T> inputType) {
    super(StreamElement.class, inputType);
  }

  @Override
  public TypeSerializer<StreamElement> createSerializer(SerializerConfig config) {
    return new StreamElementSerializer<>(getValueType().createSerializer(config));
  }

  @Override
  public String toString() {
    return "StreamElement<" + getValueType() + ">";
  }
}
