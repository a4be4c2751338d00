package dev.etlkit.operators.enrich.internal.join;

import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link VersionHistory}, composing the row serializer.
 *
 * <p>Binary format, version 1 (see {@link JoinStateSerializerSnapshot#CURRENT_VERSION}): the number
 * of versions as an int, then per version in ascending time: the time as a long, one byte of flags
 * and the row if flagged. Flags: bit 0 set when a row follows, clear for a delete; bit 1, on the
 * first version only, set when earlier versions were pruned ({@link
 * VersionHistory#earlierPruned()}; histories written before that bit was used read as not pruned,
 * and keep their size); the other bits are reserved and must be zero. An etlkit from before bit 1
 * refuses a history with it (unknown flags) rather than misread it.
 */
@Internal
public final class VersionHistorySerializer<D> extends JoinStateSerializer<VersionHistory<D>, D> {
  private static final long serialVersionUID = 1L;

  static final int FLAG_ROW = 1;

  /** On the first version only: the versions before it were pruned. */
  static final int FLAG_EARLIER_PRUNED = 2;

  public VersionHistorySerializer(TypeSerializer<D> rowSerializer) {
    super(rowSerializer);
  }

  @Override
  Kind kind() {
    return Kind.VERSION_HISTORY;
  }

  @Override
  protected VersionHistorySerializer<D> wrap(TypeSerializer<D> rowSerializer) {
    return new VersionHistorySerializer<>(rowSerializer);
  }

  @Override
  public VersionHistory<D> createInstance() {
    return VersionHistory.empty();
  }

  @Override
  public VersionHistory<D> copy(VersionHistory<D> from) {
    long[] times = new long[from.size()];
    Object[] rows = new Object[from.size()];
    for (int i = 0; i < times.length; i++) {
      times[i] = from.time(i);
      D row = from.row(i);
      rows[i] = row == null ? null : valueSerializer.copy(row);
    }
    return new VersionHistory<>(times, rows, from.earlierPruned());
  }

  @Override
  public void serialize(VersionHistory<D> history, DataOutputView target) throws IOException {
    target.writeInt(history.size());
    for (int i = 0; i < history.size(); i++) {
      target.writeLong(history.time(i));
      D row = history.row(i);
      int pruned = i == 0 && history.earlierPruned() ? FLAG_EARLIER_PRUNED : 0;
      target.writeByte((row == null ? 0 : FLAG_ROW) | pruned);
      if (row != null) {
        valueSerializer.serialize(row, target);
      }
    }
  }

  @Override
  public VersionHistory<D> deserialize(DataInputView source) throws IOException {
    int size = size(source);
    long[] times = new long[size];
    Object[] rows = new Object[size];
    boolean earlierPruned = false;
    for (int i = 0; i < size; i++) {
      times[i] = source.readLong();
      int flags = flags(source, i);
      earlierPruned |= (flags & FLAG_EARLIER_PRUNED) != 0;
      rows[i] = (flags & FLAG_ROW) != 0 ? valueSerializer.deserialize(source) : null;
    }
    return new VersionHistory<>(times, rows, earlierPruned);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int size = size(source);
    target.writeInt(size);
    for (int i = 0; i < size; i++) {
      target.writeLong(source.readLong());
      int flags = flags(source, i);
      target.writeByte(flags);
      if ((flags & FLAG_ROW) != 0) {
        valueSerializer.copy(source, target);
      }
    }
  }

  private static int size(DataInputView source) throws IOException {
    int size = source.readInt();
    if (size < 0) {
      throw new IOException("Cannot read a version history: negative size " + size);
    }
    return size;
  }

  /** The flags of the version at {@code index}: only the first may carry the pruned mark. */
  private static int flags(DataInputView source, int index) throws IOException {
    return readFlags(
        source,
        index == 0 ? FLAG_ROW | FLAG_EARLIER_PRUNED : FLAG_ROW,
        "a version of a dimension join");
  }
}
