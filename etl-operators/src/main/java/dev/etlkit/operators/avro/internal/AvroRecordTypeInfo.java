package dev.etlkit.operators.avro.internal;

import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink type information of Avro records, serialized as Avro binary by {@link AvroRecordSerializer}
 * (never Kryo). For {@code GenericRecord}s it carries their schema.
 */
@Internal
public final class AvroRecordTypeInfo<T extends IndexedRecord> extends TypeInformation<T> {
  private static final long serialVersionUID = 1L;

  private final RecordModel<T> model;

  public AvroRecordTypeInfo(RecordModel<T> model) {
    this.model = model;
  }

  public RecordModel<T> model() {
    return model;
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
  public Class<T> getTypeClass() {
    return model.type();
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return new AvroRecordSerializer<>(model, null);
  }

  @Override
  public String toString() {
    return "AvroRecord<" + model + ">";
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof AvroRecordTypeInfo
        && ((AvroRecordTypeInfo<?>) obj).canEqual(this)
        && model.equals(((AvroRecordTypeInfo<?>) obj).model);
  }

  @Override
  public int hashCode() {
    return model.hashCode();
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof AvroRecordTypeInfo;
  }
}
