package dev.etlkit.scd;

import dev.etlkit.scd.internal.Scd2RowSerializer;
import java.util.Map;
import java.util.Objects;
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
public final class Scd2RowTypeInfo<T> extends TypeInformation<Scd2Row<T>> {

  private static final long serialVersionUID = 1L;

  private final TypeInformation<T> valueType;

  Scd2RowTypeInfo(TypeInformation<T> valueType) {
    this.valueType = Objects.requireNonNull(valueType, "valueType");
  }

  /** The type information of the attributes. */
  public TypeInformation<T> getValueType() {
    return valueType;
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
  public Class<Scd2Row<T>> getTypeClass() {
    return (Class<Scd2Row<T>>) (Class<?>) Scd2Row.class;
  }

  /** Maps the type variable {@code T} of {@link Scd2Row} to the attribute type. */
  @Override
  public Map<String, TypeInformation<?>> getGenericParameters() {
    return Map.of("T", valueType);
  }

  /** False: key a stream of versions by {@link Scd2Row#key()} or its version id instead. */
  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<Scd2Row<T>> createSerializer(SerializerConfig config) {
    return new Scd2RowSerializer<>(valueType.createSerializer(config));
  }

  @Override
  public String toString() {
    return "Scd2Row<" + valueType + ">";
  }

  @Override
  public boolean equals(Object obj) {
    if (this == obj) {
      return true;
    }
    if (!(obj instanceof Scd2RowTypeInfo)) {
      return false;
    }
    Scd2RowTypeInfo<?> that = (Scd2RowTypeInfo<?>) obj;
    return that.canEqual(this) && valueType.equals(that.valueType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Scd2RowTypeInfo.class.getName(), valueType);
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof Scd2RowTypeInfo;
  }
}
