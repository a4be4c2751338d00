package dev.etlkit.core;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

// TEMPORARY STUB (replaced by the serde work).
public final class ChangeTypeInfo<T> extends TypeInformation<Change<T>> {
  private final TypeInformation<T> valueType;
  public ChangeTypeInfo(TypeInformation<T> valueType) { this.valueType = valueType; }
  @Override public boolean isBasicType() { return false; }
  @Override public boolean isTupleType() { return false; }
  @Override public int getArity() { return 1; }
  @Override public int getTotalFields() { return 1; }
  @SuppressWarnings("unchecked") @Override public Class<Change<T>> getTypeClass() { return (Class<Change<T>>) (Class<?>) Change.class; }
  @Override public boolean isKeyType() { return false; }
  @Override public TypeSerializer<Change<T>> createSerializer(SerializerConfig config) { throw new UnsupportedOperationException(); }
  @Override public String toString() { return "Change<" + valueType + ">"; }
  @Override public boolean equals(Object o) { return o instanceof ChangeTypeInfo && ((ChangeTypeInfo<?>) o).valueType.equals(valueType); }
  @Override public int hashCode() { return valueType.hashCode(); }
  @Override public boolean canEqual(Object o) { return o instanceof ChangeTypeInfo; }
}
