package dev.etlkit.core.internal;

import dev.etlkit.core.DeadLetter;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

// TEMPORARY STUB (replaced by the serde work).
public final class DeadLetterTypeInfo extends TypeInformation<DeadLetter> {
  @Override public boolean isBasicType() { return false; }
  @Override public boolean isTupleType() { return false; }
  @Override public int getArity() { return 1; }
  @Override public int getTotalFields() { return 1; }
  @Override public Class<DeadLetter> getTypeClass() { return DeadLetter.class; }
  @Override public boolean isKeyType() { return false; }
  @Override public TypeSerializer<DeadLetter> createSerializer(SerializerConfig config) { throw new UnsupportedOperationException(); }
  @Override public String toString() { return "DeadLetter"; }
  @Override public boolean equals(Object o) { return o instanceof DeadLetterTypeInfo; }
  @Override public int hashCode() { return 1; }
  @Override public boolean canEqual(Object o) { return o instanceof DeadLetterTypeInfo; }
}
