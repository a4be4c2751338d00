package dev.etlkit.core;

import dev.etlkit.core.internal.ChangeSerializer;
import java.util.Map;
import java.util.Objects;
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
public final class ChangeTypeInfo<T> extends TypeInformation<Change<T>> {

  private static final long serialVersionUID = 1L;

  private final TypeInformation<T> valueType;

  ChangeTypeInfo(TypeInformation<T> valueType) {
    this.valueType = Objects.requireNonNull(valueType, "valueType");
  }

  /** The type information of the changed value. */
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
  public Class<Change<T>> getTypeClass() {
    return (Class<Change<T>>) (Class<?>) Change.class;
  }

  /** Maps the type variable {@code T} of {@link Change} to the value type. */
  @Override
  public Map<String, TypeInformation<?>> getGenericParameters() {
    return Map.of("T", valueType);
  }

  /** False: changes carry no natural key; key a change stream by a field of its value instead. */
  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<Change<T>> createSerializer(SerializerConfig config) {
    return new ChangeSerializer<>(valueType.createSerializer(config));
  }

  @Override
  public String toString() {
    return "Change<" + valueType + ">";
  }

  @Override
  public boolean equals(Object obj) {
    if (this == obj) {
      return true;
    }
    if (!(obj instanceof ChangeTypeInfo)) {
      return false;
    }
    ChangeTypeInfo<?> that = (ChangeTypeInfo<?>) obj;
    return that.canEqual(this) && valueType.equals(that.valueType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ChangeTypeInfo.class.getName(), valueType);
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof ChangeTypeInfo;
  }
}
