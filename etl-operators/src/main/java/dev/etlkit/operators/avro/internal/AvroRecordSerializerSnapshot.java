package dev.etlkit.operators.avro.internal;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Snapshot of an {@link AvroRecordSerializer}: generic or specific, the record class and the full
 * writer schema. On restore, a new schema that can read the old one (Avro's schema resolution
 * rules) is compatible after migration; an equal one compatible as is; anything else incompatible.
 *
 * <p>{@link #restoreSerializer()} gives a serializer that reads and writes this snapshot's schema,
 * as Flink needs of it: Flink keeps a state that is restored but not registered again with that
 * serializer, snapshots it with that serializer's snapshot (RocksDB keeps the stored bytes, the
 * heap backend writes its objects with it), and a canonical savepoint on the heap backend writes
 * every value with the serializer restored from the state's snapshot. For generic records it is a
 * serializer of that schema; for a specific class whose schema has changed since, a serializer of
 * the class that reads and writes the old schema (see {@link AvroRecordSerializer}).
 *
 * <p>Format, version 1: {@code boolean specific}, {@code UTF class name}, schema JSON as a Flink
 * {@code StringValue} (no 64 KiB limit). This class's name is written into every checkpoint and
 * savepoint holding Avro records in state: never rename or move it.
 */
@Internal
public final class AvroRecordSerializerSnapshot<T extends IndexedRecord>
    implements TypeSerializerSnapshot<T> {

  static final int CURRENT_VERSION = 1;

  private Class<T> type;
  private Schema schema;
  private boolean specific;

  /** For Flink to instantiate when reading a snapshot. */
  public AvroRecordSerializerSnapshot() {}

  /** The snapshot of a serializer of {@code model}'s records that writes {@code writtenSchema}. */
  AvroRecordSerializerSnapshot(RecordModel<T> model, Schema writtenSchema) {
    this.type = model.type();
    this.schema = writtenSchema;
    this.specific = model.isSpecific();
  }

  @Override
  public int getCurrentVersion() {
    return CURRENT_VERSION;
  }

  @Override
  public void writeSnapshot(DataOutputView out) throws IOException {
    out.writeBoolean(specific);
    out.writeUTF(type.getName());
    StringValue.writeString(schema.toString(), out);
  }

  @Override
  @SuppressWarnings("unchecked")
  public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
      throws IOException {
    if (readVersion != CURRENT_VERSION) {
      throw new IOException(
          "Avro record serializer snapshot has version "
              + readVersion
              + ", this etlkit reads version "
              + CURRENT_VERSION);
    }
    specific = in.readBoolean();
    String className = in.readUTF();
    try {
      type = (Class<T>) Class.forName(className, false, userCodeClassLoader);
    } catch (ClassNotFoundException e) {
      throw new IOException(
          "cannot find the Avro record class " + className + " of a state's serializer", e);
    }
    schema = new Schema.Parser().setValidateDefaults(false).parse(StringValue.readString(in));
  }

  @Override
  public TypeSerializer<T> restoreSerializer() {
    RecordModel<T> model = RecordModel.restore(type, schema, specific);
    return new AvroRecordSerializer<>(model, specific ? schema : null);
  }

  @Override
  public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
      TypeSerializerSnapshot<T> oldSerializerSnapshot) {
    if (!(oldSerializerSnapshot instanceof AvroRecordSerializerSnapshot)) {
      return TypeSerializerSchemaCompatibility.incompatible();
    }
    AvroRecordSerializerSnapshot<T> old = (AvroRecordSerializerSnapshot<T>) oldSerializerSnapshot;
    if (old.specific != specific || !old.type.equals(type)) {
      return TypeSerializerSchemaCompatibility.incompatible();
    }
    if (old.schema.equals(schema)) {
      return TypeSerializerSchemaCompatibility.compatibleAsIs();
    }
    RecordModel<T> current = RecordModel.restore(type, schema, specific);
    if (current.incompatibility(old.schema) != null) {
      return TypeSerializerSchemaCompatibility.incompatible();
    }
    // The snapshot of a restored specific serializer: migrated records of the class are written
    // in this snapshot's older schema, which must be able to read the class's.
    if (!schema.equals(current.schema())
        && RecordModel.incompatibility(schema, current.schema()) != null) {
      return TypeSerializerSchemaCompatibility.incompatible();
    }
    return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
  }
}
