package dev.etlkit.scd.internal;

import dev.etlkit.scd.Scd2Row;
import java.io.IOException;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Serializer of {@link Scd2Row}, composing the serializer of the attributes.
 *
 * <p>Binary format, version 1 (see {@link Scd2RowSerializerSnapshot#CURRENT_VERSION}):
 *
 * <ol>
 *   <li>the key, as Flink's {@code StringValue} writes strings;
 *   <li>one byte of flags: bit 0 set when a validTo follows, bit 1 for current, bit 2 for deleted;
 *       the other bits are reserved and must be zero;
 *   <li>validFrom as a long (epoch milliseconds);
 *   <li>validTo as a long, if flagged;
 *   <li>the version number as a long;
 *   <li>the attributes, written by the attribute serializer.
 * </ol>
 *
 * <p>The version id is not written: it is a function of key and validFrom.
 */
@Internal
public final class Scd2RowSerializer<T> extends TypeSerializer<Scd2Row<T>> {

  private static final long serialVersionUID = 1L;

  static final int FLAG_VALID_TO = 1;
  static final int FLAG_CURRENT = 1 << 1;
  static final int FLAG_DELETED = 1 << 2;
  private static final int KNOWN_FLAGS = FLAG_VALID_TO | FLAG_CURRENT | FLAG_DELETED;

  private final TypeSerializer<T> valueSerializer;

  public Scd2RowSerializer(TypeSerializer<T> valueSerializer) {
    this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer");
  }

  public TypeSerializer<T> getValueSerializer() {
    return valueSerializer;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<Scd2Row<T>> duplicate() {
    TypeSerializer<T> duplicateValueSerializer = valueSerializer.duplicate();
    return duplicateValueSerializer == valueSerializer
        ? this
        : new Scd2RowSerializer<>(duplicateValueSerializer);
  }

  /** Null: a row needs attributes, which the attribute serializer may not be able to create. */
  @Override
  @Nullable
  public Scd2Row<T> createInstance() {
    T value = valueSerializer.createInstance();
    return value == null ? null : Scd2Row.of("", value, 0L, null, true, 1L, false);
  }

  @Override
  public Scd2Row<T> copy(Scd2Row<T> from) {
    return Scd2Row.of(
        from.key(),
        valueSerializer.copy(from.value()),
        from.validFromMillis(),
        from.validToMillis(),
        from.isCurrent(),
        from.version(),
        from.isDeleted());
  }

  @Override
  public Scd2Row<T> copy(Scd2Row<T> from, Scd2Row<T> reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(Scd2Row<T> record, DataOutputView target) throws IOException {
    Long validTo = record.validToMillis();
    int flags =
        (validTo != null ? FLAG_VALID_TO : 0)
            | (record.isCurrent() ? FLAG_CURRENT : 0)
            | (record.isDeleted() ? FLAG_DELETED : 0);
    StringValue.writeString(record.key(), target);
    target.writeByte(flags);
    target.writeLong(record.validFromMillis());
    if (validTo != null) {
      target.writeLong(validTo);
    }
    target.writeLong(record.version());
    valueSerializer.serialize(record.value(), target);
  }

  @Override
  public Scd2Row<T> deserialize(DataInputView source) throws IOException {
    String key = StringValue.readString(source);
    int flags = readFlags(source);
    long validFrom = source.readLong();
    Long validTo = (flags & FLAG_VALID_TO) != 0 ? source.readLong() : null;
    long version = source.readLong();
    T value = valueSerializer.deserialize(source);
    return Scd2Row.of(
        key,
        value,
        validFrom,
        validTo,
        (flags & FLAG_CURRENT) != 0,
        version,
        (flags & FLAG_DELETED) != 0);
  }

  @Override
  public Scd2Row<T> deserialize(Scd2Row<T> reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    StringValue.copyString(source, target);
    int flags = readFlags(source);
    target.writeByte(flags);
    target.writeLong(source.readLong());
    if ((flags & FLAG_VALID_TO) != 0) {
      target.writeLong(source.readLong());
    }
    target.writeLong(source.readLong());
    valueSerializer.copy(source, target);
  }

  private static int readFlags(DataInputView source) throws IOException {
    int flags = source.readUnsignedByte();
    if ((flags & ~KNOWN_FLAGS) != 0) {
      throw new IOException(
          "Cannot read Scd2Row: unknown flags 0x"
              + Integer.toHexString(flags)
              + " (known: 0x"
              + Integer.toHexString(KNOWN_FLAGS)
              + "); was it written by a newer etlkit?");
    }
    return flags;
  }

  @Override
  public TypeSerializerSnapshot<Scd2Row<T>> snapshotConfiguration() {
    return new Scd2RowSerializerSnapshot<>(this);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof Scd2RowSerializer
        && valueSerializer.equals(((Scd2RowSerializer<?>) obj).valueSerializer);
  }

  @Override
  public int hashCode() {
    return valueSerializer.hashCode();
  }

  @Override
  public String toString() {
    return "Scd2RowSerializer(" + valueSerializer + ")";
  }
}
