package dev.etlkit.scd.internal;

import dev.etlkit.core.internal.WrappingSerializer;
import dev.etlkit.scd.Scd2Row;
import java.io.IOException;
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
public final class Scd2RowSerializer<T> extends WrappingSerializer<Scd2Row<T>, T> {

  private static final long serialVersionUID = 1L;

  static final int FLAG_VALID_TO = 1;
  static final int FLAG_CURRENT = 1 << 1;
  static final int FLAG_DELETED = 1 << 2;
  private static final int KNOWN_FLAGS = FLAG_VALID_TO | FLAG_CURRENT | FLAG_DELETED;

  public Scd2RowSerializer(TypeSerializer<T> valueSerializer) {
    super(valueSerializer);
  }

  @Override
  protected Scd2RowSerializer<T> wrap(TypeSerializer<T> valueSerializer) {
    return new Scd2RowSerializer<>(valueSerializer);
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
    int flags = readFlags(source, KNOWN_FLAGS, "Scd2Row");
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
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    StringValue.copyString(source, target);
    int flags = readFlags(source, KNOWN_FLAGS, "Scd2Row");
    target.writeByte(flags);
    target.writeLong(source.readLong());
    if ((flags & FLAG_VALID_TO) != 0) {
      target.writeLong(source.readLong());
    }
    target.writeLong(source.readLong());
    valueSerializer.copy(source, target);
  }

  @Override
  public TypeSerializerSnapshot<Scd2Row<T>> snapshotConfiguration() {
    return new Scd2RowSerializerSnapshot<>(this);
  }
}
