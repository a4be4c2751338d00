package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.RowKind;

/**
 * Serializer of {@link Change}, composing the serializer of the value.
 *
 * <p>Binary format, version 1 (see {@link ChangeSerializerSnapshot#CURRENT_VERSION}):
 *
 * <ol>
 *   <li>one byte: the row kind, {@link RowKind#toByteValue()};
 *   <li>one byte of flags: bit 0 set when an event time follows, bit 1 when a source position
 *       follows; the other bits are reserved and must be zero;
 *   <li>the event time as a long, if flagged;
 *   <li>the source position as a long, if flagged;
 *   <li>the value, written by the value serializer.
 * </ol>
 *
 * <p>The reserved flag bits are how the format grows: a future optional field takes the next bit,
 * and data written before it (bit clear) stays readable as is. Data with a bit this version does
 * not know was written by a newer etlkit and is rejected rather than misread.
 */
@Internal
public final class ChangeSerializer<T> extends WrappingSerializer<Change<T>, T> {

  private static final long serialVersionUID = 1L;

  static final int FLAG_EVENT_TIME = 1;
  static final int FLAG_SOURCE_POSITION = 1 << 1;
  private static final int KNOWN_FLAGS = FLAG_EVENT_TIME | FLAG_SOURCE_POSITION;

  public ChangeSerializer(TypeSerializer<T> valueSerializer) {
    super(valueSerializer);
  }

  @Override
  protected ChangeSerializer<T> wrap(TypeSerializer<T> valueSerializer) {
    return new ChangeSerializer<>(valueSerializer);
  }

  /**
   * An insert of a fresh value instance, or null when the value serializer has no instance to offer
   * (Java records, Kryo types): a {@code Change} cannot hold a null value.
   */
  @Override
  @Nullable
  public Change<T> createInstance() {
    T value = valueSerializer.createInstance();
    return value == null ? null : Change.insert(value);
  }

  @Override
  public Change<T> copy(Change<T> from) {
    return Change.of(
        from.kind(), valueSerializer.copy(from.value()), from.eventTime(), from.sourcePosition());
  }

  @Override
  public void serialize(Change<T> record, DataOutputView target) throws IOException {
    Long eventTime = record.eventTime();
    Long sourcePosition = record.sourcePosition();
    int flags =
        (eventTime != null ? FLAG_EVENT_TIME : 0)
            | (sourcePosition != null ? FLAG_SOURCE_POSITION : 0);
    target.writeByte(record.kind().toByteValue());
    target.writeByte(flags);
    if (eventTime != null) {
      target.writeLong(eventTime);
    }
    if (sourcePosition != null) {
      target.writeLong(sourcePosition);
    }
    valueSerializer.serialize(record.value(), target);
  }

  @Override
  public Change<T> deserialize(DataInputView source) throws IOException {
    RowKind kind = readKind(source);
    int flags = readFlags(source, KNOWN_FLAGS, "Change record");
    Long eventTime = (flags & FLAG_EVENT_TIME) != 0 ? source.readLong() : null;
    Long sourcePosition = (flags & FLAG_SOURCE_POSITION) != 0 ? source.readLong() : null;
    T value = valueSerializer.deserialize(source);
    return Change.of(kind, value, eventTime, sourcePosition);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    target.writeByte(readKind(source).toByteValue());
    int flags = readFlags(source, KNOWN_FLAGS, "Change record");
    target.writeByte(flags);
    if ((flags & FLAG_EVENT_TIME) != 0) {
      target.writeLong(source.readLong());
    }
    if ((flags & FLAG_SOURCE_POSITION) != 0) {
      target.writeLong(source.readLong());
    }
    valueSerializer.copy(source, target);
  }

  private static RowKind readKind(DataInputView source) throws IOException {
    byte kind = source.readByte();
    try {
      return RowKind.fromByteValue(kind);
    } catch (UnsupportedOperationException e) {
      throw new IOException("Corrupt Change record: unknown row kind byte " + kind, e);
    }
  }

  @Override
  public TypeSerializerSnapshot<Change<T>> snapshotConfiguration() {
    return new ChangeSerializerSnapshot<>(this);
  }
}
