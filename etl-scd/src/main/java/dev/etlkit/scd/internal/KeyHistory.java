package dev.etlkit.scd.internal;

import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * (one per effective time, the winner of its tie-break), a base summarizing everything before it,
 * and a cursor with the current version. Then:
 *
 * <ul>
 *   <li>a change after the latest one (the common case) is replayed from the cursor alone: one
 *       state read, two writes;
 *   <li>a change at or before the latest one, and not older than {@code latest - horizon}, reloads
 *       the kept changes, replays them from the base with and without it and emits the difference;
 *   <li>older changes are late and change nothing.
 * </ul>
 *
 * <p>Pruning: once the prune point is more than two horizons behind the latest change (or, for
 * append output, a closed version ended before {@code latest - horizon}), the changes before {@code
 * latest - horizon} are replayed into the base and removed. No accepted change can be earlier than
 * that, so pruning never changes the history; doing it in batches keeps its cost at O(1) per
 * change, amortized. Append output emits each version when it is pruned past.
 */
@Internal
public final class KeyHistory<T> {

  /** What became of a change. */
  public enum Outcome {
    /** The history changed (for append output, records may still be emitted later). */
    CHANGED,
    /** Nothing changed: a redelivery, a superseded tie, a no-op. */
    UNCHANGED,
    /** Older than the horizon allows: not applied. */
    LATE
  }

  private final Columns<T> columns;
  private final HardDeletes deletes;
  private final Scd2Output output;
  private final long horizon;
  private final boolean neverBeforeLatest;
  private final long ttl;

  private long now;
  private CleanupTimers timers = NO_TIMERS;

  /** Registers nothing: for histories without state TTL. */
  public static final CleanupTimers NO_TIMERS = time -> {};

  /** Registers a key's cleanup timer (processing time). */
  @FunctionalInterface
  public interface CleanupTimers {
    void register(long processingTime) throws Exception;
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
    if (horizonMillis < 0) {
      throw new IllegalArgumentException("horizon must be >= 0, was " + horizonMillis);
    }
    this.columns = columns;
    this.deletes = deletes;
    this.output = output;
    this.horizon = horizonMillis;
    this.neverBeforeLatest = neverBeforeLatest;
    this.ttl = ttlMillis;
  }

  /**
   * Applies one change of the key.
   *
   * @param time its effective time, epoch milliseconds
   * @param sequence its tie-break sequence (0 when ties go by arrival)
   * @param row the entity's state, or null for a delete
   * @param now the processing time, for state TTL
   * @param timers where a key's cleanup timer is registered (state TTL only)
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
    StoredChange<T> change = new StoredChange<>(sequence, row == null, row);
    if (cursor == null) {
      cursor = KeyCursor.first(time);
      return appendAfterLatest(store, cursor, time, change, sink);
    }
    if (time > cursor.latest) {
      return appendAfterLatest(store, cursor, time, change, sink);
    }
    if (neverBeforeLatest) {
      time = cursor.latest;
    }
    if (cursor.latest - time > horizon) {
      return Outcome.LATE;
    }
    return splice(store, cursor, time, change, sink);
  }

  /**
   * The key's cleanup timer fired: forgets the key if its state was not written for the TTL, else
   * sets the timer again for when it will have been. Returns true when the key was forgotten.
   */
  public boolean onCleanupTimer(HistoryStore<T> store, long now, CleanupTimers timers)
      throws Exception {
    KeyCursor<T> cursor = store.cursor();
    if (cursor == null) {
      return false;
    }
    if (ttl <= 0) { // TTL was switched off since the timer was set
      cursor.cleanupAt = 0;
      store.updateCursor(cursor);
      return false;
    }
    if (cursor.lastWrite + ttl <= now) {
      store.clear();
      return true;
    }
    cursor.cleanupAt = cursor.lastWrite + ttl;
    timers.register(cursor.cleanupAt);
    store.updateCursor(cursor);
    return false;
  }

  /** Writes the cursor, restarting the key's TTL clock. */
  private void write(HistoryStore<T> store, KeyCursor<T> cursor) throws Exception {
    if (ttl > 0) {
      cursor.lastWrite = now;
      if (cursor.cleanupAt == 0 || cursor.cleanupAt < now) { // none, or lost while TTL was off
        cursor.cleanupAt = now + ttl;
        timers.register(cursor.cleanupAt);
      }
    }
    store.updateCursor(cursor);
  }

  private Outcome appendAfterLatest(
      HistoryStore<T> store,
      KeyCursor<T> cursor,
      long time,
      StoredChange<T> change,
      VersionSink<T> sink)
      throws Exception {
    List<Version<T>> before = openVersion(cursor);
    Replay<T> replay = new Replay<>(columns, deletes, cursor);
    replay.apply(time, change);
    boolean changed = emitDifference(before, replay.versions(), sink);
    store.putChange(time, change);
    replay.writeTo(cursor);
    cursor.latest = time;
    if (!replay.closed().isEmpty() && cursor.pendingFinal == Long.MAX_VALUE) {
      cursor.pendingFinal = replay.closed().get(0).validTo;
    }
    if (needsPruning(cursor)) {
      prune(store, cursor, sortedChanges(store), sink);
    }
    write(store, cursor);
    return changed ? Outcome.CHANGED : Outcome.UNCHANGED;
  }

  private Outcome splice(
      HistoryStore<T> store,
      KeyCursor<T> cursor,
      long time,
      StoredChange<T> change,
      VersionSink<T> sink)
      throws Exception {
    StoredChange<T> kept = store.change(time);
    if (kept != null
        && (change.sequence < kept.sequence
            || (change.sequence == kept.sequence
                && change.delete == kept.delete
                && columns.sameRow(change.row, kept.row)))) {
      return Outcome.UNCHANGED; // superseded by the kept change, or the same change again
    }
    List<Timed<T>> changes = sortedChanges(store);
    KeyCursor<T> base = baseOf(store);
    List<Version<T>> before = replay(base, changes).versions();
    int at = indexOf(changes, time);
    if (at < changes.size() && changes.get(at).time == time) {
      changes.set(at, new Timed<>(time, change));
    } else {
      changes.add(at, new Timed<>(time, change));
    }
    Replay<T> replay = replay(base, changes);
    List<Version<T>> after = replay.versions();
    boolean changed = emitDifference(before, after, sink);
    store.putChange(time, change);
    replay.writeTo(cursor);
    cursor.pendingFinal = firstClosedFrom(after, cursor.pruneTime);
    if (needsPruning(cursor)) {
      prune(store, cursor, changes, sink);
    }
    write(store, cursor);
    return changed ? Outcome.CHANGED : Outcome.UNCHANGED;
  }

  private boolean needsPruning(KeyCursor<T> cursor) {
    long pruneTo = cursor.latest - horizon;
    return cursor.pruneTime < pruneTo - horizon
        || (output == Scd2Output.APPEND && cursor.pendingFinal < pruneTo);
  }

  /**
   * Moves the prune point to {@code latest - horizon}: replays the changes before it into the base,
   * removes them, and for append output emits the versions that ended before it.
   */
  private void prune(
      HistoryStore<T> store, KeyCursor<T> cursor, List<Timed<T>> changes, VersionSink<T> sink)
      throws Exception {
    long pruneTo = cursor.latest - horizon;
    KeyCursor<T> base = baseOf(store);
    Replay<T> pruned = new Replay<>(columns, deletes, base);
    int kept = 0;
    while (kept < changes.size() && changes.get(kept).time < pruneTo) {
      Timed<T> timed = changes.get(kept);
      pruned.apply(timed.time, timed.change);
      store.removeChange(timed.time);
      kept++;
    }
    if (output == Scd2Output.APPEND) {
      for (Version<T> version : pruned.closed()) {
        sink.emit(RowKind.INSERT, version);
      }
    }
    pruned.writeTo(base);
    store.updateBase(base);
    cursor.pruneTime = pruneTo;
    if (output == Scd2Output.APPEND) {
      Replay<T> rest = new Replay<>(columns, deletes, base);
      for (int i = kept; i < changes.size(); i++) {
        rest.apply(changes.get(i).time, changes.get(i).change);
      }
      cursor.pendingFinal = firstClosedFrom(rest.versions(), pruneTo);
    }
  }

  /**
   * Emits the difference between two histories of the key (as the output mode says) and tells
   * whether there was one. Vanished versions first, then changed ones, then new ones, each in
   * validity order, so a sink never holds overlapping or two current versions.
   */
  private boolean emitDifference(
      List<Version<T>> before, List<Version<T>> after, VersionSink<T> sink) throws Exception {
    boolean emit = output != Scd2Output.APPEND;
    boolean changed = false;
    int i = 0;
    int j = 0;
    while (i < before.size()) { // vanished
      Version<T> old = before.get(i++);
      while (j < after.size() && after.get(j).validFrom < old.validFrom) {
        j++;
      }
      if (j >= after.size() || after.get(j).validFrom != old.validFrom) {
        changed = true;
        if (emit) {
          sink.emit(RowKind.DELETE, old);
        }
      }
    }
    i = 0;
    j = 0;
    List<Version<T>> added = null;
    while (j < after.size()) { // changed, collecting new ones
      Version<T> now = after.get(j++);
      while (i < before.size() && before.get(i).validFrom < now.validFrom) {
        i++;
      }
      if (i < before.size() && before.get(i).validFrom == now.validFrom) {
        Version<T> old = before.get(i);
        if (!old.sameAs(now, columns)) {
          changed = true;
          if (output == Scd2Output.RETRACT) {
            sink.emit(RowKind.UPDATE_BEFORE, old);
          }
          if (emit) {
            sink.emit(RowKind.UPDATE_AFTER, now);
          }
        }
      } else {
        changed = true;
        if (added == null) {
          added = new ArrayList<>(2);
        }
        added.add(now);
      }
    }
    if (added != null && emit) {
      for (Version<T> version : added) {
        sink.emit(RowKind.INSERT, version);
      }
    }
    return changed;
  }

  private Replay<T> replay(KeyCursor<T> base, List<Timed<T>> changes) {
    Replay<T> replay = new Replay<>(columns, deletes, base);
    for (int i = 0; i < changes.size(); i++) {
      replay.apply(changes.get(i).time, changes.get(i).change);
    }
    return replay;
  }

  private static <T> List<Version<T>> openVersion(KeyCursor<T> cursor) {
    if (cursor.status == KeyCursor.NONE) {
      return List.of();
    }
    return List.of(
        new Version<>(
            cursor.validFrom,
            Version.OPEN,
            cursor.version,
            cursor.row,
            cursor.status == KeyCursor.DELETED));
  }

  private static <T> long firstClosedFrom(List<Version<T>> versions, long from) {
    for (Version<T> version : versions) {
      if (!version.isOpen() && version.validTo >= from) {
        return version.validTo;
      }
    }
    return Long.MAX_VALUE;
  }

  private KeyCursor<T> baseOf(HistoryStore<T> store) throws Exception {
    KeyCursor<T> base = store.base();
    return base != null ? base : KeyCursor.emptyBase();
  }

  /** The kept changes in effective-time order (whatever order the store returns them in). */
  private static <T> List<Timed<T>> sortedChanges(HistoryStore<T> store) throws Exception {
    List<Timed<T>> changes = new ArrayList<>();
    for (Map.Entry<Long, StoredChange<T>> entry : store.changes()) {
      changes.add(new Timed<>(entry.getKey(), entry.getValue()));
    }
    changes.sort((a, b) -> Long.compare(a.time, b.time));
    return changes;
  }

  /** The first index whose time is not before {@code time}. */
  private static <T> int indexOf(List<Timed<T>> changes, long time) {
    int low = 0;
    int high = changes.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (changes.get(mid).time < time) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** A kept change with its effective time. */
  private static final class Timed<T> {
    final long time;
    final StoredChange<T> change;

    Timed(long time, StoredChange<T> change) {
      this.time = time;
      this.change = change;
    }
  }
}
