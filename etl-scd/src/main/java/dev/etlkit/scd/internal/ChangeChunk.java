package dev.etlkit.scd.internal;

import java.io.IOException;
import java.util.Arrays;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;

/**
 * Kept changes of one key in effective-time order, stored together (state format 3): the open chunk
 * the {@link KeyCursor} carries, or a sealed one in the {@code chunks} map state, keyed by its
 * first time. A change read by {@link ChangeChunkSerializer} stays as its bytes until {@link
 * #change} needs it (most are never read: a prune drops them by time), and is written back as it
 * is.
 *
 * <p>Not thread-safe; times are strictly ascending.
 *
 * @param <T> the attribute type
 */
@Internal
public final class ChangeChunk<T> {

  private long[] times;

  /** The changes, once decoded or put; null where only {@link #encoded} holds one. */
  private Object[] changes;

  /** The changes as read, by {@link #encodedBy}; null once replaced. Never modified. */
  @Nullable private byte[][] encoded;

  @Nullable private TypeSerializer<T> encodedBy;

  private int size;

  public ChangeChunk() {
    this(4);
  }

  ChangeChunk(int capacity) {
    times = new long[Math.max(1, capacity)];
    changes = new Object[times.length];
  }

  /** The type information of chunks with attributes of {@code valueType}. */
  public static <T> TypeInformation<ChangeChunk<T>> typeInfo(TypeInformation<T> valueType) {
    return new ChangeChunkTypeInfo<>(valueType);
  }

  /** A chunk of {@code count} changes read as bytes by {@code serializer}. */
  static <T> ChangeChunk<T> encoded(
      long[] times, byte[][] encoded, int count, TypeSerializer<T> serializer) {
    ChangeChunk<T> chunk = new ChangeChunk<>(0);
    chunk.times = times;
    chunk.changes = new Object[times.length];
    chunk.encoded = encoded;
    chunk.encodedBy = serializer;
    chunk.size = count;
    return chunk;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  long time(int i) {
    return times[i];
  }

  long first() {
    return times[0];
  }

  long last() {
    return times[size - 1];
  }

  /** The {@code i}th change, decoded on first access. */
  @SuppressWarnings("unchecked")
  StoredChange<T> change(int i) throws IOException {
    Object change = changes[i];
    if (change == null) {
      change = decode(encoded[i], encodedBy);
      changes[i] = change;
    }
    return (StoredChange<T>) change;
  }

  /**
   * The bytes read for the {@code i}th change, if it is unchanged since and read by a serializer.
   */
  @Nullable
  byte[] encodedBy(int i, TypeSerializer<T> serializer) {
    if (encoded == null || encoded[i] == null) {
      return null;
    }
    return encodedBy == serializer || encodedBy.equals(serializer) ? encoded[i] : null;
  }

  /** The first index whose time is not before {@code time}. */
  int indexOf(long time) {
    return KeptChanges.firstNotBefore(times, size, time);
  }

  /** The change at {@code time}, or null. */
  @Nullable
  StoredChange<T> get(long time) throws IOException {
    int at = indexOf(time);
    return at < size && times[at] == time ? change(at) : null;
  }

  /** Puts {@code change} at {@code time}, replacing a change at the same time, keeping order. */
  void put(long time, StoredChange<T> change) {
    int at = indexOf(time);
    if (at < size && times[at] == time) {
      changes[at] = change;
      if (encoded != null) {
        encoded[at] = null;
      }
      return;
    }
    if (size == times.length) {
      int capacity = Math.max(4, 2 * size);
      times = Arrays.copyOf(times, capacity);
      changes = Arrays.copyOf(changes, capacity);
      if (encoded != null) {
        encoded = Arrays.copyOf(encoded, capacity);
      }
    }
    System.arraycopy(times, at, times, at + 1, size - at);
    System.arraycopy(changes, at, changes, at + 1, size - at);
    if (encoded != null) {
      System.arraycopy(encoded, at, encoded, at + 1, size - at);
      encoded[at] = null;
    }
    times[at] = time;
    changes[at] = change;
    size++;
  }

  /** Removes the changes before {@code time}; returns how many. */
  int removeBefore(long time) {
    int count = indexOf(time);
    if (count == 0) {
      return 0;
    }
    int rest = size - count;
    System.arraycopy(times, count, times, 0, rest);
    System.arraycopy(changes, count, changes, 0, rest);
    Arrays.fill(changes, rest, size, null);
    if (encoded != null) {
      System.arraycopy(encoded, count, encoded, 0, rest);
      Arrays.fill(encoded, rest, size, null);
    }
    size = rest;
    return count;
  }

  /**
   * Moves the changes from index {@code from} on into a new chunk, which it returns; this one keeps
   * those before.
   */
  ChangeChunk<T> splitAt(int from) {
    int moved = size - from;
    ChangeChunk<T> rest = new ChangeChunk<>(Math.max(moved, 4));
    System.arraycopy(times, from, rest.times, 0, moved);
    System.arraycopy(changes, from, rest.changes, 0, moved);
    if (encoded != null) {
      rest.encoded = new byte[rest.times.length][];
      System.arraycopy(encoded, from, rest.encoded, 0, moved);
      rest.encodedBy = encodedBy;
      Arrays.fill(encoded, from, size, null);
    }
    rest.size = moved;
    Arrays.fill(changes, from, size, null);
    size = from;
    return rest;
  }

  /** Forgets every change. */
  void clear() {
    Arrays.fill(changes, 0, size, null);
    encoded = null;
    encodedBy = null;
    size = 0;
  }

  /** A deep copy: decoded attributes copied by {@code rows}, bytes shared (never modified). */
  ChangeChunk<T> copy(TypeSerializer<T> rows) {
    ChangeChunk<T> copy = new ChangeChunk<>(0);
    copy.times = Arrays.copyOf(times, Math.max(1, size));
    copy.changes = new Object[copy.times.length];
    for (int i = 0; i < size; i++) {
      @SuppressWarnings("unchecked")
      StoredChange<T> change = (StoredChange<T>) changes[i];
      if (change != null) {
        copy.changes[i] =
            new StoredChange<>(
                change.sequence, change.delete, change.row == null ? null : rows.copy(change.row));
      }
    }
    if (encoded != null) {
      copy.encoded = Arrays.copyOf(encoded, copy.times.length);
      copy.encodedBy = encodedBy;
    }
    copy.size = size;
    return copy;
  }

  /** In the first byte of an encoded change: a delete (no attributes follow). */
  static final int DELETE = 1;

  private static <T> StoredChange<T> decode(byte[] bytes, TypeSerializer<T> rows)
      throws IOException {
    DataInputDeserializer in = new DataInputDeserializer(bytes);
    int head = in.readUnsignedByte();
    long sequence = in.readLong();
    boolean delete = (head & DELETE) != 0;
    return new StoredChange<>(sequence, delete, delete ? null : rows.deserialize(in));
  }

  @Override
  public String toString() {
    return "ChangeChunk" + Arrays.toString(Arrays.copyOf(times, size));
  }
}
