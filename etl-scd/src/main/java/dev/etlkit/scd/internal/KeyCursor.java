package dev.etlkit.scd.internal;

import dev.etlkit.scd.Scd2Output;
import java.util.Arrays;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Where a key's history stands at some point in effective time: the version in force there (none, a
 * live version or a delete marker: its validFrom, number and attributes) and the number of versions
 * so far. Kept in the {@code cursor} state, one per key: after all kept changes, so the version in
 * force is the current one. It also holds
 *
 * <ul>
 *   <li>the key's latest effective time, its prune point (changes before it are pruned) and, since
 *       state format 4, whether it pruned ({@link #pruned});
 *   <li>the latest change itself ({@link #latestChange}), which goes to the open chunk only when a
 *       later change comes, and then only if that one does not prune it at once;
 *   <li>the open chunk ({@link #open}): the newest kept changes but the latest, written to the
 *       {@code chunks} map state as one entry when it holds {@link KeyHistory#CHUNK_SIZE} ({@link
 *       KeyHistory#HEAP_CHUNK_SIZE} on the heap), and the index of those sealed chunks (first and
 *       last time each), so a prune drops whole chunks without reading them (so a key writes its
 *       map state once per that many changes);
 *   <li>the <b>base</b> ({@link #base}): where the history stands just before the prune point, the
 *       start of every replay of the kept changes;
 *   <li>a <b>candidate</b> base ({@link #candidate}): where the history stood just before the
 *       change at {@link #candidateTime}, remembered when that change came after all others, so
 *       that a later prune can move the prune point there without replaying the changes before it;
 *   <li>for append output, the effective times of the kept changes before the latest one when there
 *       are at most {@link #MAX_EARLIER} ({@link #earlier}), so that its frequent prunes read the
 *       pruned changes by time rather than iterating the key's map state (retract and upsert output
 *       take the last kept time and whole chunks from the chunk index and the open chunk, and list
 *       no times; a cursor restored with a list keeps it up to its next prune);
 *   <li>for append output, the validTo of the earliest closed version not emitted yet; with state
 *       TTL (or delete retention, for a deleted key), when the key was last written and when its
 *       cleanup timer fires.
 * </ul>
 *
 * <p>A cursor restored from a savepoint written before the base, the times and the latest change
 * were held here has no {@link #base}, no {@link #latestChange} and {@link #earlier} null: its base
 * is in the {@code base} state (written there as a cursor whose fields after {@link #row} are
 * unused) until its next prune moves it here, its latest change is in the map state, and its kept
 * changes are found by iterating the map state until a prune finds few enough.
 *
 * <p>Serialized by {@link KeyCursorSerializer}. Cursors written before it were serialized as Flink
 * POJOs (the public fields) and are migrated on restore by field name: never rename this class or
 * its public fields.
 */
@Internal
public final class KeyCursor<T> {

  /** No version in force: never inserted, or deleted with {@code INVALIDATE}. */
  public static final byte NONE = 0;

  /** A live version is in force. */
  public static final byte LIVE = 1;

  /** A delete marker ({@code NEW_RECORD}) is in force. */
  public static final byte DELETED = 2;

  /** The most times {@link #earlier} holds. */
  static final int MAX_EARLIER = 64;

  /** {@link #NONE}, {@link #LIVE} or {@link #DELETED}. */
  public byte status;

  /** Start of the version in force (unused for {@link #NONE}). */
  public long validFrom;

  /** Number of the version in force; for {@link #NONE}, the number of versions so far. */
  public long version;

  /** Attributes of the version in force (null for {@link #NONE}). */
  @Nullable public T row;

  /** Cursor only: the key's latest accepted effective time. */
  public long latest;

  /** Cursor only: changes before it are pruned and summarized by the base. */
  public long pruneTime;

  /**
   * Cursor only, state format 4: the key pruned (a prune moved {@link #pruneTime} forward and
   * removed the changes before it, which the base now summarizes), so a change before the prune
   * point cannot be spliced. Meaningful only when {@link #prunedKnown}.
   */
  boolean pruned;

  /**
   * Cursor only: whether {@link #pruned} is known. True for every cursor of state format 4 and
   * later; false for a cursor restored from an older savepoint, which kept no such mark, until its
   * key prunes again ({@code KeyHistory} then tells from the base and the kept changes whether the
   * key may have pruned).
   */
  boolean prunedKnown;

  /**
   * Cursor only, append output: validTo of the earliest closed version not emitted yet, {@code
   * Long.MAX_VALUE} if none.
   */
  public long pendingFinal;

  /**
   * Cursor only, with state TTL (or delete retention, for a deleted key): processing time of the
   * last write of the key's state.
   */
  public long lastWrite;

  /**
   * Cursor only, with state TTL or delete retention: time of the key's registered cleanup timer, 0
   * if none.
   */
  public long cleanupAt;

  /**
   * Cursor only: the change at {@link #latest}, not in the {@code changes} map state; null when it
   * is there instead (a cursor restored from an older savepoint, until its next change).
   */
  @Nullable StoredChange<T> latestChange;

  /**
   * Cursor only: where the history stands just before {@link #pruneTime}; null when it is in the
   * {@code base} state instead (a cursor restored from an older savepoint, until its next prune).
   */
  @Nullable Position<T> base;

  /**
   * Cursor only: where the history stood just before the change at {@link #candidateTime}, or null.
   * Valid while no change before that time was accepted since (a splice there forgets it).
   */
  @Nullable Position<T> candidate;

  /** Cursor only: the time of {@link #candidate}. */
  long candidateTime;

  /**
   * Cursor only: the effective times of the kept changes before the latest one, ascending, in the
   * first {@link #earlierCount} slots; null when not known (more than {@link #MAX_EARLIER} were
   * kept, or the cursor was restored from an older savepoint): then the key's map state is the only
   * list of its kept changes.
   */
  @Nullable long[] earlier;

  /** Cursor only: how many of {@link #earlier} are used. */
  int earlierCount;

  /**
   * Cursor only: the key's kept changes (but the latest) may be in the {@code changes} map state,
   * as state formats 1 and 2 kept them: a cursor restored from such a savepoint, until its key's
   * next change moves them into chunks. False for cursors of format 3 (written with chunks).
   */
  boolean legacyChanges = true;

  /**
   * Cursor only, format 3: the open chunk, the kept changes after every sealed chunk's (but the
   * latest change and a change pending in {@code KeyHistory}); null when empty.
   */
  @Nullable ChangeChunk<T> open;

  /** Cursor only, format 3: first time (the map key) of each sealed chunk, ascending. */
  long[] chunkFirst = NO_TIMES;

  /** Cursor only, format 3: last time of each sealed chunk. */
  long[] chunkLast = NO_TIMES;

  /** Cursor only, format 3: number of sealed chunks. */
  int chunkCount;

  /**
   * Cursor only, format 3: a change in a sealed chunk before this time was pruned (a prune drops
   * whole chunks and leaves the rest of the one it cuts as it is).
   */
  long chunkFloor = Long.MIN_VALUE;

  private static final long[] NO_TIMES = new long[0];

  /**
   * Not state: true when this cursor is the object the key's last change wrote, i.e. the state
   * backend keeps objects (the heap) and did not copy it since (a heap snapshot copies on the next
   * read). Never serialized or copied, so a cursor deserialized (RocksDB) or copied is false.
   */
  boolean resident;

  /**
   * Not state: set by {@link KeyCursorSerializer#serialize} whenever it writes this cursor out. The
   * step clears it before it writes the cursor to its state and reads it right after (see {@link
   * #writeSerialized}). A heap snapshot serializes the cursor on another thread, but only a cursor
   * the step no longer uses (the next read copies it), so it never sets this on the step's object.
   */
  boolean serialized;

  /**
   * Not state: whether the state backend serialized the last write of this cursor as it wrote it
   * although it keeps the object ({@link #resident}): Flink's changelog state backend over the heap
   * logs every state write as bytes. Such a key seals small chunks, as on RocksDB.
   */
  boolean writeSerialized;

  /** For {@link KeyCursorSerializer}, and Flink's POJO serializer when restoring older state. */
  public KeyCursor() {}

  /**
   * The cursor of a key's first change at {@code time}: nothing before it; {@code trackEarlier}
   * whether it lists the times of its kept changes in {@link #earlier}.
   */
  static <T> KeyCursor<T> first(long time, boolean trackEarlier) {
    KeyCursor<T> cursor = new KeyCursor<>();
    cursor.status = NONE;
    cursor.latest = time;
    cursor.pruneTime = time;
    cursor.prunedKnown = true; // and not pruned
    cursor.pendingFinal = Long.MAX_VALUE;
    cursor.base = Position.start();
    cursor.earlier = trackEarlier ? new long[4] : null;
    cursor.legacyChanges = false;
    return cursor;
  }

  /** Appends a sealed chunk (after every other) to the index. */
  void addChunk(long first, long last) {
    if (chunkCount == chunkFirst.length) {
      int capacity = Math.max(4, 2 * chunkCount);
      chunkFirst = Arrays.copyOf(chunkFirst, capacity);
      chunkLast = Arrays.copyOf(chunkLast, capacity);
    }
    chunkFirst[chunkCount] = first;
    chunkLast[chunkCount] = last;
    chunkCount++;
  }

  /** Inserts a sealed chunk into the index at {@code at}. */
  void insertChunk(int at, long first, long last) {
    addChunk(first, last); // room at the end
    System.arraycopy(chunkFirst, at, chunkFirst, at + 1, chunkCount - 1 - at);
    System.arraycopy(chunkLast, at, chunkLast, at + 1, chunkCount - 1 - at);
    chunkFirst[at] = first;
    chunkLast[at] = last;
  }

  /** Drops the first {@code count} sealed chunks from the index. */
  void dropChunks(int count) {
    System.arraycopy(chunkFirst, count, chunkFirst, 0, chunkCount - count);
    System.arraycopy(chunkLast, count, chunkLast, 0, chunkCount - count);
    chunkCount -= count;
  }

  /** The sealed chunk a kept change at {@code time} belongs to: the first not ending before it. */
  int chunkOf(long time) {
    // chunkCount: after every sealed chunk, in the open one
    return KeptChanges.firstNotBefore(chunkLast, chunkCount, time);
  }

  /**
   * The key pruned: its prune point moved forward to {@code time}, the changes before it removed.
   * From now on it is known to have pruned, whatever an older savepoint left unknown.
   */
  void prunedTo(long time) {
    pruneTime = time;
    pruned = true;
    prunedKnown = true;
  }

  /** The base of a key nothing was pruned of, as the {@code base} state held it. */
  static <T> KeyCursor<T> emptyBase() {
    KeyCursor<T> base = new KeyCursor<>();
    base.status = NONE;
    return base;
  }

  /** Copies the version in force from a replay's end. */
  void setPosition(byte newStatus, long newValidFrom, long newVersion, @Nullable T newRow) {
    status = newStatus;
    validFrom = newValidFrom;
    version = newVersion;
    row = newRow;
  }

  /** True when the times of the kept changes before the latest one are known. */
  boolean knowsEarlier() {
    return earlier != null;
  }

  /** The {@code i}th time of {@link #earlier}. */
  long earlier(int i) {
    return earlier[i];
  }

  /** A change after the latest one came: the latest one's {@code time} is now an earlier one. */
  void addEarlier(long time) {
    long[] times = earlier;
    if (times == null) {
      return;
    }
    if (earlierCount == MAX_EARLIER) {
      forgetEarlier();
      return;
    }
    if (earlierCount == times.length) {
      times = Arrays.copyOf(times, Math.min(MAX_EARLIER, Math.max(4, 2 * earlierCount)));
      earlier = times;
    }
    times[earlierCount++] = time;
  }

  /** The earlier times are {@code count} times of {@code times} from {@code from}. */
  void setEarlier(long[] times, int from, int count) {
    if (count > MAX_EARLIER) {
      forgetEarlier();
      return;
    }
    if (earlier == null || earlier.length < count) {
      earlier = new long[Math.max(4, count + 2)];
    }
    System.arraycopy(times, from, earlier, 0, count);
    earlierCount = count;
  }

  /** No kept change is before the latest one. */
  void setEarlierNone() {
    if (earlier == null) {
      earlier = new long[4];
    }
    earlierCount = 0;
  }

  /** The first {@code count} earlier times were removed. */
  void dropEarlier(int count) {
    System.arraycopy(earlier, count, earlier, 0, earlierCount - count);
    earlierCount -= count;
  }

  /**
   * The earlier times are those of {@code kept} from index {@code from} up to its last one excluded
   * (the latest change).
   */
  void setEarlierFrom(KeptChanges<T> kept, int from) {
    kept.earlierInto(this, from);
  }

  /** The times of the kept changes before the latest one are no longer known. */
  void forgetEarlier() {
    earlier = null;
    earlierCount = 0;
  }

  /**
   * The type information of the cursors of a step with attributes of {@code valueType} and {@code
   * output}: its serializer snapshot records the output mode's class, so a restore into the other
   * class (append, or a changelog) fails.
   */
  public static <T> TypeInformation<KeyCursor<T>> typeInfo(
      TypeInformation<T> valueType, Scd2Output output) {
    return new KeyCursorTypeInfo<>(valueType, KeyCursorSerializer.OutputClass.of(output));
  }

  @Override
  public String toString() {
    return "KeyCursor{status="
        + status
        + ", validFrom="
        + validFrom
        + ", version="
        + version
        + ", latest="
        + latest
        + ", pruneTime="
        + pruneTime
        + (prunedKnown ? (pruned ? " (pruned)" : " (never pruned)") : " (pruned unknown)")
        + (latestChange == null ? ", latest change in state" : "")
        + ", base="
        + (base == null ? "in state" : base)
        + (candidate == null ? "" : ", candidate at " + candidateTime + "=" + candidate)
        + ", earlier="
        + (earlier == null ? "unknown" : Arrays.toString(Arrays.copyOf(earlier, earlierCount)))
        + (legacyChanges
            ? ", changes in the map"
            : ", chunks="
                + chunkCount
                + (chunkCount == 0 ? "" : " " + chunkFirst[0] + ".." + chunkLast[chunkCount - 1])
                + ", open="
                + open)
        + ", pendingFinal="
        + pendingFinal
        + ", lastWrite="
        + lastWrite
        + ", cleanupAt="
        + cleanupAt
        + "}";
  }
}
