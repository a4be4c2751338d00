package dev.etlkit.scd.internal;

import java.io.IOException;
import java.util.Arrays;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Kept changes of one key in effective-time order, stored together (state format 3): the open chunk
 * the {@link KeyCursor} carries, or a sealed one in the {@code chunks} map state, keyed by its
 * first time. A change read by {@link ChangeChunkSerializer} stays as its bytes until {@link
 * #change} needs it (most are never read: a prune drops them by time), and is written back as it
 * is.
 *
 * <p>Changes put into a chunk are kept in columns (times, attributes, and sequences and delete
 * flags only once one is not 0 or false), not as one {@link StoredChange} each: on the heap a kept
 * change lives for up to a few lateness horizons, and every object it needs is copied by the young
 * collections of that time and then tenured (docs/scd2.md, Performance). {@link #change} makes a
 * {@code StoredChange} of such a slot when asked.
 *
 * <p>Not thread-safe; times are strictly ascending.
 *
 * @param <T> the attribute type
 */
@Internal
public final class ChangeChunk<T> {

  private long[] times;

  /** The attributes of changes put (null for a delete, and where {@link #encoded} holds one). */
  private Object[] rows;

  /** The tie-break sequences of changes put; null while all are 0. */
  @Nullable private long[] sequences;

  /** Which changes put are deletes; null while none is. */
  @Nullable private boolean[] deletes;

  /** The changes as read, by {@link #encodedBy}; null once replaced. Never modified. */
  @Nullable private byte[][] encoded;

  @Nullable private TypeSerializer<T> encodedBy;

  /**
   * The {@link #encoded} changes once decoded ({@link StoredChange}s); null where not yet, and
   * until the first is decoded.
   */
  @Nullable private Object[] decoded;

  private int size;

  public ChangeChunk() {
    this(4);
  }

  ChangeChunk(int capacity) {
    times = new long[Math.max(1, capacity)];
    rows = new Object[times.length];
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
    chunk.rows = new Object[times.length];
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

  /**
   * The {@code i}th change: decoded on first access if read as bytes, else made of its columns (a
   * new object on every call; never modify it).
   */
  @SuppressWarnings("unchecked")
  StoredChange<T> change(int i) throws IOException {
    if (isEncoded(i)) {
      if (decoded == null) {
        decoded = new Object[times.length];
      }
      Object change = decoded[i];
      if (change == null) {
        change = decode(encoded[i], encodedBy);
        decoded[i] = change;
      }
      return (StoredChange<T>) change;
    }
    return new StoredChange<>(
        sequences == null ? 0L : sequences[i], deletes != null && deletes[i], (T) rows[i]);
  }

  /** Whether the {@code i}th change is still only known as the bytes it was read as. */
  private boolean isEncoded(int i) {
    return encoded != null && encoded[i] != null;
  }

  /**
   * The bytes read for the {@code i}th change, if it is unchanged since and read by a serializer.
   */
  @Nullable
  byte[] encodedBy(int i, TypeSerializer<T> serializer) {
    if (!isEncoded(i)) {
      return null;
    }
    return encodedBy == serializer || encodedBy.equals(serializer) ? encoded[i] : null;
  }

  /**
   * A serializer to decode this chunk's changes as read with while writing them anew: a duplicate
   * of the one that read them (a writer may run on a snapshot thread while the step decodes with
   * that one), or null when none was read so.
   */
  @Nullable
  TypeSerializer<T> decoderForWriting() {
    return encodedBy == null ? null : encodedBy.duplicate();
  }

  /**
   * Writes the {@code i}th change as {@link ChangeChunkSerializer} stores it; a change still as
   * read is decoded with {@code decoder}, from {@link #decoderForWriting()}, and not kept.
   */
  @SuppressWarnings("unchecked")
  void writeChange(
      int i,
      TypeSerializer<T> serializer,
      @Nullable TypeSerializer<T> decoder,
      DataOutputView target)
      throws IOException {
    long sequence;
    boolean delete;
    T row;
    if (isEncoded(i)) {
      StoredChange<T> change = decode(encoded[i], decoder);
      sequence = change.sequence;
      delete = change.delete;
      row = change.row;
    } else {
      sequence = sequences == null ? 0L : sequences[i];
      delete = deletes != null && deletes[i];
      row = (T) rows[i];
    }
    target.writeByte(delete ? DELETE : 0);
    target.writeLong(sequence);
    if (!delete) {
      serializer.serialize(row, target);
    }
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
    if (!(at < size && times[at] == time)) {
      if (size == times.length) {
        grow(Math.max(4, 2 * size));
      }
      shift(at, at + 1, size - at);
      times[at] = time;
      size++;
    }
    set(at, change);
  }

  private void set(int i, StoredChange<T> change) {
    rows[i] = change.row;
    if (change.sequence != 0 || sequences != null) {
      if (sequences == null) {
        sequences = new long[times.length];
      }
      sequences[i] = change.sequence;
    }
    if (change.delete || deletes != null) {
      if (deletes == null) {
        deletes = new boolean[times.length];
      }
      deletes[i] = change.delete;
    }
    if (encoded != null) {
      encoded[i] = null;
      if (decoded != null) {
        decoded[i] = null;
      }
    }
  }

  private void grow(int capacity) {
    times = Arrays.copyOf(times, capacity);
    rows = Arrays.copyOf(rows, capacity);
    if (sequences != null) {
      sequences = Arrays.copyOf(sequences, capacity);
    }
    if (deletes != null) {
      deletes = Arrays.copyOf(deletes, capacity);
    }
    if (encoded != null) {
      encoded = Arrays.copyOf(encoded, capacity);
    }
    if (decoded != null) {
      decoded = Arrays.copyOf(decoded, capacity);
    }
  }

  /** Moves {@code count} slots from {@code from} to {@code to} in every column. */
  private void shift(int from, int to, int count) {
    System.arraycopy(times, from, times, to, count);
    System.arraycopy(rows, from, rows, to, count);
    if (sequences != null) {
      System.arraycopy(sequences, from, sequences, to, count);
    }
    if (deletes != null) {
      System.arraycopy(deletes, from, deletes, to, count);
    }
    if (encoded != null) {
      System.arraycopy(encoded, from, encoded, to, count);
    }
    if (decoded != null) {
      System.arraycopy(decoded, from, decoded, to, count);
    }
  }

  /** Clears the references of slots {@code from} (inclusive) to {@code to} (exclusive). */
  private void forget(int from, int to) {
    Arrays.fill(rows, from, to, null);
    if (encoded != null) {
      Arrays.fill(encoded, from, to, null);
    }
    if (decoded != null) {
      Arrays.fill(decoded, from, to, null);
    }
  }

  /** Removes the changes before {@code time}; returns how many. */
  int removeBefore(long time) {
    int count = indexOf(time);
    if (count == 0) {
      return 0;
    }
    int rest = size - count;
    shift(count, 0, rest);
    forget(rest, size);
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
    int capacity = rest.times.length;
    System.arraycopy(times, from, rest.times, 0, moved);
    System.arraycopy(rows, from, rest.rows, 0, moved);
    if (sequences != null) {
      rest.sequences = new long[capacity];
      System.arraycopy(sequences, from, rest.sequences, 0, moved);
    }
    if (deletes != null) {
      rest.deletes = new boolean[capacity];
      System.arraycopy(deletes, from, rest.deletes, 0, moved);
    }
    if (encoded != null) {
      rest.encoded = new byte[capacity][];
      System.arraycopy(encoded, from, rest.encoded, 0, moved);
      rest.encodedBy = encodedBy;
    }
    if (decoded != null) {
      rest.decoded = new Object[capacity];
      System.arraycopy(decoded, from, rest.decoded, 0, moved);
    }
    rest.size = moved;
    forget(from, size);
    size = from;
    return rest;
  }

  /** Forgets every change. */
  void clear() {
    Arrays.fill(rows, 0, size, null);
    sequences = null;
    deletes = null;
    encoded = null;
    encodedBy = null;
    decoded = null;
    size = 0;
  }

  /** A deep copy: attributes copied by {@code serializer}, bytes shared (never modified). */
  @SuppressWarnings("unchecked")
  ChangeChunk<T> copy(TypeSerializer<T> serializer) {
    ChangeChunk<T> copy = new ChangeChunk<>(0);
    int capacity = Math.max(1, size);
    copy.times = Arrays.copyOf(times, capacity);
    copy.rows = new Object[capacity];
    for (int i = 0; i < size; i++) {
      if (!isEncoded(i) && rows[i] != null) {
        copy.rows[i] = serializer.copy((T) rows[i]);
      }
    }
    copy.sequences = sequences == null ? null : Arrays.copyOf(sequences, capacity);
    copy.deletes = deletes == null ? null : Arrays.copyOf(deletes, capacity);
    if (encoded != null) {
      copy.encoded = Arrays.copyOf(encoded, capacity); // decoded again when read
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
