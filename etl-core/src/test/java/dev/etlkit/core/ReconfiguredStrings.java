package dev.etlkit.core;

import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Strings through a serializer with a version, as a user's own serializer may have: it writes what
 * {@link StringSerializer} writes, and a later version reads an earlier one's state after a
 * <em>reconfiguration</em> ({@link
 * TypeSerializerSchemaCompatibility#compatibleWithReconfiguredSerializer}), not a migration. The
 * savepoint check tests use it for what Flink's built-in serializers give only in rare setups (a
 * POJO's registered subclasses reordered).
 */
final class ReconfiguredStrings extends TypeInformation<String> {
  private static final long serialVersionUID = 1L;

  private final int version;

  ReconfiguredStrings(int version) {
    this.version = version;
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
  public Class<String> getTypeClass() {
    return String.class;
  }

  @Override
  public boolean isKeyType() {
    return true;
  }

  @Override
  public TypeSerializer<String> createSerializer(SerializerConfig config) {
    return new Serializer(version);
  }

  @Override
  public String toString() {
    return "ReconfiguredStrings(v" + version + ")";
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof ReconfiguredStrings other && other.version == version;
  }

  @Override
  public int hashCode() {
    return version;
  }

  @Override
  public boolean canEqual(Object obj) {
    return obj instanceof ReconfiguredStrings;
  }

  /** {@link StringSerializer}'s format under a version. */
  static final class Serializer extends TypeSerializer<String> {
    private static final long serialVersionUID = 1L;

    private final int version;

    Serializer(int version) {
      this.version = version;
    }

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    public TypeSerializer<String> duplicate() {
      return this;
    }

    @Override
    public String createInstance() {
      return "";
    }

    @Override
    public String copy(String from) {
      return from;
    }

    @Override
    public String copy(String from, String reuse) {
      return from;
    }

    @Override
    public int getLength() {
      return -1;
    }

    @Override
    public void serialize(String record, DataOutputView target) throws IOException {
      StringSerializer.INSTANCE.serialize(record, target);
    }

    @Override
    public String deserialize(DataInputView source) throws IOException {
      return StringSerializer.INSTANCE.deserialize(source);
    }

    @Override
    public String deserialize(String reuse, DataInputView source) throws IOException {
      return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
      StringSerializer.INSTANCE.copy(source, target);
    }

    @Override
    public boolean equals(Object obj) {
      return obj instanceof Serializer other && other.version == version;
    }

    @Override
    public int hashCode() {
      return version;
    }

    @Override
    public TypeSerializerSnapshot<String> snapshotConfiguration() {
      return new Snapshot(version);
    }
  }

  /** The version; an earlier one's state is read after a reconfiguration. */
  public static final class Snapshot implements TypeSerializerSnapshot<String> {
    private int version;

    /** For Flink, which reads a snapshot into a new instance. */
    public Snapshot() {}

    Snapshot(int version) {
      this.version = version;
    }

    @Override
    public int getCurrentVersion() {
      return 1;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeInt(version);
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader)
        throws IOException {
      version = in.readInt();
    }

    @Override
    public TypeSerializer<String> restoreSerializer() {
      return new Serializer(version);
    }

    @Override
    public TypeSerializerSchemaCompatibility<String> resolveSchemaCompatibility(
        TypeSerializerSnapshot<String> oldSerializerSnapshot) {
      if (!(oldSerializerSnapshot instanceof Snapshot old)) {
        return TypeSerializerSchemaCompatibility.incompatible();
      }
      return old.version == version
          ? TypeSerializerSchemaCompatibility.compatibleAsIs()
          : TypeSerializerSchemaCompatibility.compatibleWithReconfiguredSerializer(
              new Serializer(version));
    }
  }
}
