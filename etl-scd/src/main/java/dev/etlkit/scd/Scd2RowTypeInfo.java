package dev.etlkit.scd;

import dev.etlkit.core.WrappingTypeInfo;
import dev.etlkit.scd.internal.Scd2RowSerializer;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The {@link TypeInformation} of {@link Scd2Row Scd2Row&lt;T&gt;}: the attribute type plus the
 * version's key, interval and flags. Obtain it with {@link Scd2Row#typeInfo(TypeInformation)}.
 *
 * <p>Its serializer writes the key, the interval, the flags and the version number, then the
 * attributes with the attribute type's own serializer; its snapshot nests that serializer's
 * snapshot, so an evolving attribute type (a POJO gaining a field) is migrated by Flink as it would
 * be on its own. No part goes through Kryo unless the attribute type itself does.
 *
 * @param <T> the entity's attribute type
 */
@PublicEvolving
public final class Scd2RowTypeInfo<T> extends WrappingTypeInfo<Scd2Row<T>, T> {

  private static final long serialVersionUID = 1L;

  Scd2RowTypeInfo(TypeInformation<T> valueType) {
    super(Scd2Row.class, valueType);
  }

  @Override
  public TypeSerializer<Scd2Row<T>> createSerializer(SerializerConfig config) {
    return new Scd2RowSerializer<>(getValueType().createSerializer(config));
  }
}
