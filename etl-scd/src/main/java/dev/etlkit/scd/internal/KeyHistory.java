package dev.etlkit.scd.internal;

import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.types.RowKind;

/**
 * The SCD Type 2 history of one key, kept in a {@link HistoryStore}: accepts a change, splices it
 * into the history and emits the versions that changed. Plain Java; the step's function wires it to
 * Flink state.
 *
 * <p>The history is, by definition, {@link Replay} of all accepted changes in effective-time order.
 * The store keeps what a future change can still alter: the changes at or after the prune point
 * (one per effective time, the winner of its tie-break; the latest one in the cursor, the others in
 * chunks: the newest in the cursor's open chunk, older ones in sealed chunks of {@link
 * #CHUNK_SIZE}, or {@link #HEAP_CHUNK_SIZE} on the heap, one map entry each), a base summarizing
 * everything before it, and a cursor with the current version (and the base, see {@link
 * KeyCursor}). Then:
 *
 * <ul>
 *   <li>a change after the latest one (the common case) is applied to the cursor alone, without a
 *       replay (at most one version closes and one opens): one state read and one write (the
 *       previous latest change goes to the open chunk, in the cursor), plus one map write per
 *       {@link #CHUNK_SIZE} (heap: {@link #HEAP_CHUNK_SIZE}) changes when the open chunk is sealed;
 *   <li>a change at or before the latest one, and not older than {@code latest - horizon}, reloads
 *       the kept changes, replays them from the base with and without it and emits the difference;
 *   <li>older changes are late and change nothing, and so are changes before the prune point of a
 *       key that pruned (which only a longer horizon than it pruned under, set at a restore,
 *       accepts): the changes before it are gone.
 * </ul>
 *
 * <p>Pruning: once the prune point is more than {@link #PRUNE_AFTER_HORIZONS} horizons behind the
 * latest change (or, for append output, a closed version ended before {@code latest - horizon}), it
 * moves forward to at most {@code latest - horizon} and the changes before it are removed. No
 * accepted change can be earlier than that, so pruning never changes the history; doing it in
 * batches keeps its cost at O(1) per change, amortized. When every change but the latest is pruned,
 * the base is where the cursor stood before it; else a candidate base remembered at the previous
 * prune may do, and while it is less than a horizon old the prune waits for it (at most one more
 * horizon); only else are the pruned changes read and replayed into the base (see {@code
 * pruneAfter}). Append output emits each version when it is pruned past, so it always replays.
 *
 * <p>This class owns which of those a change is, the change after the latest one, when a key prunes
 * and the prunes that need no replay, and every write of the cursor. {@link KeyCleanup} owns state
 * TTL and delete retention (when a key is forgotten, {@link #onCleanupTimer}). {@link KeptReplays}
 * owns what replays the kept changes: the splice of a change at or before the latest one and the
 * prune that replays the changes it removes into the base.
 */
@Internal
public final class KeyHistory<T> {

  /** What became of a change. */
  public enum Outcome {
    /** The history changed (for append output, records may still be emitted later). */
    CHANGED,
    /** Nothing changed: a redelivery, a superseded tie, a no-op. */
    UNCHANGED,
    /**
     * Older than the horizon allows, or before the prune point of a key that pruned (under a
     * shorter horizon than this one, before a restore): not applied.
     */
    LATE
  }

  /**
   * A key is pruned once its prune point is more than this many lateness horizons behind its latest
   * change: it then keeps the changes of its last one to this many horizons, or one more while a
   * prune waits for its candidate base (the state bound docs/scd2.md states; larger would mean
   * fewer prunes for more state).
   */
  public static final int PRUNE_AFTER_HORIZONS = 2;

  /**
   * Kept changes per sealed chunk (state format 3) where the state is bytes (RocksDB): the open
   * chunk, in the cursor, becomes a map entry of its own when it holds this many, so a key writes
   * its map state once per this many changes and a prune deletes whole chunks. The cursor is read
   * and written with every change, so its open chunk stays small.
   */
  public static final int CHUNK_SIZE = 8;

  /**
   * Kept changes per sealed chunk where the state backend keeps objects and does not serialize
   * their writes (the heap: keys whose cursor is {@linkplain KeyCursor#resident resident} and whose
   * last write was not {@linkplain KeyCursor#writeSerialized serialized}). The cursor is never
   * serialized there, so a larger open chunk costs nothing per change, while each seal, and each
   * chunk a prune drops, is a write, a read and a removal in the key's map state, which miss the
   * CPU caches once keys hold long histories (docs/scd2-performance-notes.md). Under Flink's
   * changelog state backend over the heap the cursor is resident too, but every write of it is
   * serialized into the changelog: keys seal chunks of {@link #CHUNK_SIZE} there, which log about
   * half the bytes per change and run about twice as fast (Scd2Benchmark, backend HEAP_CHANGELOG).
   * Chunks of either size restore on either backend.
   */
  public static final int HEAP_CHUNK_SIZE = 32;

  private final Columns<T> columns;
  private final HardDeletes deletes;
  private final Scd2Output output;
  private final long horizon;
  private final boolean neverBeforeLatest;

  /**
   * Whether cursors list the times of their kept changes ({@link KeyCursor#earlier}): for append
   * output only, whose frequent prunes read the pruned changes by those times. Otherwise a prune
   * needs only the last kept time and whole chunks, which the chunk index and the open chunk give,
   * and a record saves touching (and, on RocksDB, reading and writing) the list.
   */
  private final boolean tracksEarlier;

  /** The kept changes of the key at hand, when a splice or prune loads them (reused). */
  private final KeptChanges<T> kept = new KeptChanges<>();

  /** Splices out-of-order changes and prunes by replaying, on {@link #kept}. */
  private final KeptReplays<T> replays;

  /** The key's state as a change sees it (reused). */
  private final KeyState<T> view = new KeyState<>();

  /** State TTL and delete retention: when a key is forgotten, and its cleanup timer. */
  private final KeyCleanup<T> cleanup;

  private long now;
  private CleanupTimers timers = NO_TIMERS;

  /** Registers nothing: for histories without state TTL. */
  public static final CleanupTimers NO_TIMERS = time -> {};

  /** Registers a key's cleanup timer (processing time). */
  @FunctionalInterface
  public interface CleanupTimers {
    void register(long processingTime) throws Exception;

    /** Deletes a registered timer of the key (one moved earlier by a delete deadline). */
    default void delete(long processingTime) throws Exception {}

    /** A deleted key was forgotten by the delete retention (for its counter). */
    default void deletedKeyForgotten() {}

    /**
     * The processing time now, for a write without TTL while an earlier run's timer is pending (a
     * step without TTL passes 0 as {@code now} to {@link #apply}); 0 where there are no timers.
     */
    default long currentTime() {
      return 0L;
    }
  }

  /**
   * The rules of one step.
   *
   * @param horizonMillis the lateness horizon
   * @param neverBeforeLatest true for processing time: a change before the key's latest one (the
   *     clock went back) is taken as a change at the latest time instead
   * @param ttlMillis state TTL: a key whose state was not written for this long is forgotten (0:
   *     never)
   */
  public KeyHistory(
      Columns<T> columns,
      HardDeletes deletes,
      Scd2Output output,
      long horizonMillis,
      boolean neverBeforeLatest,
      long ttlMillis) {
    this(columns, deletes, output, horizonMillis, neverBeforeLatest, ttlMillis, 0L);
  }

  /**
   * The rules of one step, with a delete retention.
   *
   * @param deleteRetentionMillis a key whose latest change is a delete is forgotten once it was not
   *     written for this long, at the next whole second (0: never)
   */
  public KeyHistory(
      Columns<T> columns,
      HardDeletes deletes,
      Scd2Output output,
      long horizonMillis,
      boolean neverBeforeLatest,
      long ttlMillis,
      long deleteRetentionMillis) {
    if (horizonMillis < 0) {
      throw new IllegalArgumentException("horizon must be >= 0, was " + horizonMillis);
    }
    this.columns = columns;
    this.deletes = deletes;
    this.output = output;
    this.horizon = horizonMillis;
    this.neverBeforeLatest = neverBeforeLatest;
    this.tracksEarlier = output == Scd2Output.APPEND;
    this.replays = new KeptReplays<>(columns, deletes, output, horizonMillis, kept);
    this.cleanup = new KeyCleanup<>(output, ttlMillis, deleteRetentionMillis, replays, kept, view);
  }

  /**
   * Applies one change of the key.
   *
   * @param time its effective time, epoch milliseconds
   * @param sequence its tie-break sequence (0 when ties go by arrival)
   * @param row the entity's state, or null for a delete
   * @param now the processing time, for state TTL
   * @param timers where a key's cleanup timer is registered (state TTL only)
   * @throws Columns.ComparisonException when comparing the change with the key's history throws (a
   *     column's {@code equals} threw): the change is rejected before it emitted anything or
   *     changed the key's state, so the key's next changes go on as if it never came. Every
   *     comparison a change needs is made before its first record and its first write; only a prune
   *     compares after them, and only what compared fine when it was accepted (see {@link
   *     KeptReplays#prune})
   * @throws ValidToCurrentException when the change would emit a current version that does not
   *     start before the sink's {@link VersionSink#validToCurrent} (accepted before the sentinel
   *     was set or lowered at a restore): rejected, as above, before it emitted or changed
   *     anything. Only a change at or before the latest one can: a change after it comes after the
   *     current version's start, so it is itself at or after such a sentinel, and the step rejects
   *     it
   */
  public Outcome apply(
      HistoryStore<T> store,
      long time,
      long sequence,
      @Nullable T row,
      VersionSink<T> sink,
      long now,
      CleanupTimers timers)
      throws Exception {
    this.now = now;
    this.timers = timers;
    KeyCursor<T> cursor = store.cursor();
    if (cursor != null && cleanup.isExpired(cursor, now)) {
      // its cleanup timer is due but has not run yet (as right after a restore): never read it
      cleanup.forget(store, cursor, sink);
      cursor = null;
    } else if (cursor != null && cursor.cleanupAt != 0 && cleanup.isDeleteDue(cursor, now)) {
      cleanup.forgetDeleted(store, cursor, sink, timers); // likewise
      cursor = null;
    }
    StoredChange<T> change = new StoredChange<>(sequence, row == null, row);
    if (cursor == null) {
      cursor = KeyCursor.first(time, tracksEarlier);
    } else if (time <= cursor.latest) {
      if (neverBeforeLatest) {
        time = cursor.latest;
      }
      if (cursor.latest - time > horizon) {
        return Outcome.LATE;
      }
      try {
        return splice(view.start(store, cursor), cursor, time, change, sink);
      } catch (Columns.ComparisonException | ValidToCurrentException e) {
        rejected();
        throw e;
      } finally {
        view.end();
      }
    }
    try {
      return appendAfterLatest(view.start(store, cursor), cursor, time, change, sink);
    } catch (Columns.ComparisonException e) {
      rejected();
      throw e;
    } finally {
      view.end();
    }
  }

  /** A change was rejected before it changed anything: forgets what it loaded. */
  private void rejected() {
    kept.clear();
    view.rejected();
  }

  /**
   * The key's cleanup timer fired: forgets the key if its state was not written for the TTL, or if
   * its latest change is a delete and its delete retention has passed (with append output, after
   * emitting its closed versions not emitted yet: nothing can change them any more), else sets the
   * timer again for the earlier of when those will be, or drops it when neither applies (TTL was
   * switched off, the deleted key is live again). Returns true when the key was forgotten.
   */
  public boolean onCleanupTimer(
      HistoryStore<T> store, long now, CleanupTimers timers, VersionSink<T> sink) throws Exception {
    return cleanup.onCleanupTimer(store, now, timers, sink);
  }

  /**
   * Writes the cursor, restarting the key's TTL and delete-retention clock ({@link
   * KeyCleanup#written}).
   */
  private void write(HistoryStore<T> store, KeyCursor<T> cursor) throws Exception {
    cleanup.written(cursor, now, timers);
    cursor.serialized = false;
    store.updateCursor(cursor);
    cursor.resident = true;
    cursor.writeSerialized = cursor.serialized; // the changelog state backend serializes writes
  }

  private Outcome appendAfterLatest(
      HistoryStore<T> store,
      KeyCursor<T> cursor,
      long time,
      StoredChange<T> change,
      VersionSink<T> sink)
      throws Exception {
    byte status = cursor.status; // where the cursor stands before the change
    long validFrom = cursor.validFrom;
    long version = cursor.version;
    T row = cursor.row;
    if (time != cursor.latest && cursor.latestChange != null) {
      view.pend(cursor.latest, cursor.latestChange); // written below unless pruned at once
    }
    boolean changed = advance(cursor, time, change, sink);
    cursor.latestChange = change;
    if (time != cursor.latest) { // else the key's first change
      cursor.addEarlier(cursor.latest);
      cursor.latest = time;
    }
    if (needsPruning(cursor)) {
      if (output == Scd2Output.APPEND) {
        replays.loadKept(store, cursor, Integer.MAX_VALUE);
        cursor.setEarlierFrom(kept, replays.prune(store, cursor, sink));
      } else {
        pruneAfter(store, cursor, status, validFrom, version, row, sink);
      }
      kept.clear();
    } else if (cursor.candidate == null
        && output != Scd2Output.APPEND
        && horizon > 0
        && time - horizon >= cursor.pruneTime) {
      // A key's first candidate base, a horizon after its prune point: its first prune then moves
      // to it instead of reading and replaying the changes before it.
      cursor.candidate = Position.start();
      cursor.candidate.set(status, validFrom, version, row);
      cursor.candidateTime = time;
    }
    view.flush();
    write(store, cursor);
    return changed ? Outcome.CHANGED : Outcome.UNCHANGED;
  }

  /**
   * Prunes (not for append output) after a change that came after all others, before which the
   * cursor stood at (status, validFrom, version, row). The cheapest way that applies:
   *
   * <ol>
   *   <li>every change before the latest one is pruned: the base becomes where the cursor stood
   *       before it;
   *   <li>the candidate base is old enough: the prune point moves to it, the changes before it are
   *       removed, and it becomes the base;
   *   <li>the candidate base is not old enough yet, but will be within a horizon: nothing is pruned
   *       now (the key keeps at most three horizons meanwhile), a later change prunes to it;
   *   <li>else the changes before {@code latest - horizon} are replayed into the base ({@link
   *       KeptReplays#prune}).
   * </ol>
   *
   * <p>None replays or reads a change's value but the last, and none iterates the map state when
   * the cursor knows the times of the kept changes. Those that prune remember where the cursor
   * stood before this change as the next candidate (after the first, that is where the base is).
   */
  private void pruneAfter(
      HistoryStore<T> store,
      KeyCursor<T> cursor,
      byte status,
      long validFrom,
      long version,
      @Nullable T row,
      VersionSink<T> sink)
      throws Exception {
    long pruneTo = cursor.latest - horizon;
    if (cursor.candidate != null
        && cursor.candidateTime > pruneTo
        && cursor.candidateTime > cursor.pruneTime
        && cursor.pruneTime >= pruneTo - PRUNE_AFTER_HORIZONS * horizon) {
      return; // the candidate will do once it is a horizon old: wait for it rather than replay
    }
    boolean known = cursor.knowsEarlier();
    boolean loaded = false;
    long last; // the last kept change before the latest one, MIN_VALUE if none
    if (known) {
      last = cursor.earlierCount == 0 ? Long.MIN_VALUE : cursor.earlier(cursor.earlierCount - 1);
    } else if (store.knowsLastKept()) {
      last = store.lastKeptBeforeLatest(); // from the chunk index: nothing read
    } else {
      kept.load(store); // the times only: values are read when needed
      loaded = true;
      last = kept.size() < 2 ? Long.MIN_VALUE : kept.time(kept.size() - 2);
    }
    int before = known ? cursor.earlierCount : kept.size() - 1; // if known or loaded
    if (last < pruneTo) {
      if (last != Long.MIN_VALUE) {
        store.removeChangesBefore(cursor.latest);
      }
      moveBaseHere(store, cursor);
      cursor.base.set(status, validFrom, version, row);
      cursor.prunedTo(pruneTo);
      cursor.forgetEarlier(); // the chunk index and the open chunk list the kept times
      if (pruneTo == cursor.latest) {
        cursor.candidate = null; // a zero horizon: it would be the base, at the prune point
        return;
      }
      if (cursor.candidate == null) {
        cursor.candidate = Position.start();
      }
      cursor.candidate.set(status, validFrom, version, row); // the base, at the latest change
      cursor.candidateTime = cursor.latest;
      return;
    }
    Position<T> candidate = cursor.candidate;
    if (candidate != null
        && cursor.candidateTime <= pruneTo
        && cursor.candidateTime > cursor.pruneTime) {
      long to = cursor.candidateTime;
      if (known || loaded) {
        int first = 0;
        while (first < before && (known ? cursor.earlier(first) : kept.time(first)) < to) {
          first++;
        }
        if (first > 0) {
          store.removeChangesBefore(to);
        }
        if (known) {
          cursor.dropEarlier(first); // a cursor restored knowing them: kept right until forgotten
        }
      } else {
        store.removeChangesBefore(to); // the times stay unknown
      }
      moveBaseHere(store, cursor);
      cursor.candidate = cursor.base; // reused for the next candidate
      cursor.base = candidate;
      cursor.prunedTo(to);
    } else {
      if (known) {
        replays.loadKept(store, cursor, KeptReplays.PRUNE_BY_TIME);
      } else if (!loaded) {
        kept.load(store);
      }
      replays.prune(store, cursor, sink);
      cursor.forgetEarlier();
      if (cursor.candidate == null) {
        cursor.candidate = Position.start();
      }
    }
    cursor.candidate.set(status, validFrom, version, row);
    cursor.candidateTime = cursor.latest;
  }

  /**
   * Before the cursor's base is set: a base still in the {@code base} state (a cursor restored from
   * an older savepoint) is removed from there, as the cursor holds it from now on.
   */
  static <T> void moveBaseHere(HistoryStore<T> store, KeyCursor<T> cursor) throws Exception {
    if (cursor.base == null) {
      store.clearBase();
      cursor.base = Position.start();
    }
  }

  /**
   * Applies a change after every kept one straight to the cursor and emits what changed: exactly
   * what {@link Replay} from the cursor and {@link KeptReplays#emitDifference} would, without
   * building either (at most the version in force closes and one opens). Returns true when the
   * history changed.
   */
  private boolean advance(
      KeyCursor<T> cursor, long time, StoredChange<T> change, VersionSink<T> sink)
      throws Exception {
    byte status = cursor.status;
    T row = cursor.row;
    if (change.delete) {
      if (status != KeyCursor.LIVE) {
        return false;
      }
      close(cursor, time, sink);
      if (deletes == HardDeletes.NEW_RECORD) {
        open(cursor, KeyCursor.DELETED, time, row, sink);
      } else {
        cursor.status = KeyCursor.NONE;
        cursor.row = null;
      }
      return true;
    }
    T incoming = change.row;
    if (status == KeyCursor.LIVE && columns.sameTracked(row, incoming)) {
      if (columns.sameType1(row, incoming)) {
        return false;
      }
      if (output == Scd2Output.RETRACT) { // a Type-1 change overwrites the version in force
        sink.emit(
            RowKind.UPDATE_BEFORE, cursor.validFrom, Version.OPEN, cursor.version, row, false);
      }
      if (output != Scd2Output.APPEND) {
        sink.emit(
            RowKind.UPDATE_AFTER, cursor.validFrom, Version.OPEN, cursor.version, incoming, false);
      }
      cursor.row = incoming;
      return true;
    }
    if (status != KeyCursor.NONE) {
      close(cursor, time, sink);
    }
    open(cursor, KeyCursor.LIVE, time, incoming, sink);
    return true;
  }

  /** The version in force at the cursor ends at {@code time}. */
  private void close(KeyCursor<T> cursor, long time, VersionSink<T> sink) throws Exception {
    boolean deleted = cursor.status == KeyCursor.DELETED;
    if (output == Scd2Output.RETRACT) {
      sink.emit(
          RowKind.UPDATE_BEFORE,
          cursor.validFrom,
          Version.OPEN,
          cursor.version,
          cursor.row,
          deleted);
    }
    if (output != Scd2Output.APPEND) {
      sink.emit(RowKind.UPDATE_AFTER, cursor.validFrom, time, cursor.version, cursor.row, deleted);
    }
    if (cursor.pendingFinal == Long.MAX_VALUE) {
      cursor.pendingFinal = time;
    }
  }

  /** A version (or delete marker) opens at {@code time}, after the cursor's. */
  private void open(
      KeyCursor<T> cursor, byte status, long time, @Nullable T row, VersionSink<T> sink)
      throws Exception {
    cursor.setPosition(status, time, cursor.version + 1, row);
    if (output != Scd2Output.APPEND) {
      sink.emit(
          RowKind.INSERT, time, Version.OPEN, cursor.version, row, status == KeyCursor.DELETED);
    }
  }

  /**
   * A change at or before the latest one, within the horizon: late before the prune point of a key
   * that may have pruned, unchanged when the change kept at its time supersedes it or is the same,
   * else spliced into the history by {@link KeptReplays#splice}. Then prunes if due and writes the
   * cursor, as after a change after the latest one.
   */
  private Outcome splice(
      HistoryStore<T> store,
      KeyCursor<T> cursor,
      long time,
      StoredChange<T> change,
      VersionSink<T> sink)
      throws Exception {
    if (time < cursor.pruneTime) {
      // Under one horizon only a key that never pruned has a prune point after an accepted change:
      // its first change's time (any prune point since is at or before latest - horizon). A key
      // restored with a longer horizon than it pruned under gets such changes too, and cannot
      // replay them with the changes it removed: they are late.
      if (KeptReplays.mayHavePruned(store, cursor)) {
        return Outcome.LATE;
      }
    }
    StoredChange<T> existing = store.change(time);
    if (existing != null
        && (change.sequence < existing.sequence
            || (change.sequence == existing.sequence
                && change.delete == existing.delete
                && columns.sameRow(change.row, existing.row)))) {
      return Outcome.UNCHANGED; // superseded by the kept change, or the same change again
    }
    boolean changed = replays.splice(store, cursor, time, change, sink);
    int first = 0;
    if (needsPruning(cursor)) {
      first = replays.prune(store, cursor, sink);
      cursor.candidate = null;
    }
    if (tracksEarlier) {
      cursor.setEarlierFrom(kept, first);
    } else {
      cursor.forgetEarlier();
    }
    kept.clear();
    write(store, cursor);
    return changed ? Outcome.CHANGED : Outcome.UNCHANGED;
  }

  private boolean needsPruning(KeyCursor<T> cursor) {
    long pruneTo = cursor.latest - horizon;
    return cursor.pruneTime < pruneTo - (PRUNE_AFTER_HORIZONS - 1) * horizon
        || (output == Scd2Output.APPEND && cursor.pendingFinal < pruneTo);
  }
}
