package dev.etlkit.core;

import dev.etlkit.core.internal.ChangeSerializer;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The {@link TypeInformation} of {@link Change Change&lt;T&gt;}: the type of the value plus the
 * changelog metadata. Obtain it with {@link Change#typeInfo(TypeInformation)}.
 *
 * <p>The serializer it creates writes the row kind, the optional event time and source position,
 * then the value with the value type's own serializer. Its snapshot nests the value serializer's
 * snapshot, so a value type that evolves (a POJO gaining a field, say) is migrated by Flink on
 * restore exactly as it would be on its own. No part of a {@code Change} goes through Kryo unless
 * the value type itself does.
 *
 * @param <T> the type of the changed value
 */
@PublicEvolving
public final class ChangeTypeInfo<T> extends WrappingTypeInfo<Change<T>, T> {

  private static final long serialVersionUID = 1L;

  ChangeTypeInfo(TypeInformation<T> valueType) {
    super(Change.class, valueType);
  }

  @Override
  public TypeSerializer<Change<T>> createSerializer(SerializerConfig config) {
    return new ChangeSerializer<>(getValueType().createSerializer(config));
  }
}
