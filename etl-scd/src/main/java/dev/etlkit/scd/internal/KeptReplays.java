package dev.etlkit.scd.internal;

import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.types.RowKind;

/**
 * The replays of one key's kept changes, for a {@link KeyHistory}: everything that reads the
 * changes a {@link HistoryStore} keeps and replays them from the key's base ({@link Replay}), where
 * the history's common path moves the cursor alone. It owns
 *
 * <ul>
 *   <li>the out-of-order path: a change at or before the key's latest one is spliced into the kept
 *       changes, which are replayed without and with it, and the difference between the two
 *       histories is emitted ({@link #splice}); and whether a change before the prune point can
 *       still be spliced, or the changes before it are gone ({@link #mayHavePruned});
 *   <li>the prune that replays: the kept changes are loaded ({@link #loadKept}), those before
 *       {@code latest - horizon} replayed into the base and removed, and for append output the
 *       versions that ended before it emitted ({@link #prune}).
 * </ul>
 *
 * <p>{@link KeyHistory} owns the rest: which path a change takes, the change after the latest one
 * (applied to the cursor without a replay), when a key prunes and the prunes that need no replay,
 * state TTL and every write of the cursor. Both work on the history's {@link KeptChanges}: a splice
 * or a prune loads them, the history clears them once the cursor is written. Plain Java, one per
 * step, reused for every key.
 */
final class KeptReplays<T> {

  /**
   * The most changes a prune reads by time, from the times the cursor knows, rather than iterating
   * the key's map state.
   */
  static final int PRUNE_BY_TIME = 8;

  private final Columns<T> columns;
  private final HardDeletes deletes;
  private final Scd2Output output;
  private final long horizon;

  /** The kept changes of the key at hand, when a splice or prune loads them: the history's. */
  private final KeptChanges<T> kept;

  /** The rules of the history's step (see {@link KeyHistory}), and its reused kept changes. */
  KeptReplays(
      Columns<T> columns,
      HardDeletes deletes,
      Scd2Output output,
      long horizonMillis,
      KeptChanges<T> kept) {
    this.columns = columns;
    this.deletes = deletes;
    this.output = output;
    this.horizon = horizonMillis;
    this.kept = kept;
  }

  /**
   * Splices a change at or before the key's latest one into its history, once {@link KeyHistory}
   * found it neither late nor superseded by or the same as the change kept at its time: loads the
   * kept changes, replays them from the base without and with it and emits the difference ({@link
   * #emitDifference}), then stores the change and moves the cursor to the new history (its prune
   * point, its pending final version and its candidate base). Returns true when the history
   * changed. The kept changes stay loaded, for a prune: the history prunes if due, clears them and
   * writes the cursor.
   *
   * @throws Columns.ComparisonException when a comparison throws, before anything was emitted or
   *     changed
   * @throws ValidToCurrentException when the change would emit a current version that does not
   *     start before the sink's {@link VersionSink#validToCurrent}, before anything was emitted or
   *     changed
   */
  boolean splice(
      HistoryStore<T> store,
      KeyCursor<T> cursor,
      long time,
      StoredChange<T> change,
      VersionSink<T> sink)
      throws Exception {
    kept.load(store);
    List<Version<T>> before = replayKept(store, cursor).versions();
    kept.put(time, change);
    Replay<T> replay = replayKept(store, cursor);
    List<Version<T>> after = replay.versions();
    boolean changed = emitDifference(before, after, sink);
    if (time < cursor.pruneTime) {
      // Nothing was pruned or emitted before it, so the prune point moves back to keep every kept
      // change at or after it, and append output counts the versions this change closes before it
      // as pending. (Only now: a change rejected by a comparison leaves the cursor as it was.)
      cursor.pruneTime = time;
    }
    store.putChange(time, change);
    replay.writeTo(cursor);
    cursor.pendingFinal = firstClosedFrom(after, cursor.pruneTime);
    if (cursor.candidate != null && time <= cursor.candidateTime) {
      cursor.candidate = null; // the history before it changed
    }
    return changed;
  }

  /**
   * Whether the key may have pruned, so that a change before its prune point cannot be spliced.
   * Every prune marks the key's cursor ({@link KeyCursor#pruned}), and a cursor of state format 4
   * or later knows its mark. A cursor restored from an older savepoint does not until its key
   * prunes again; it is told from its state: a key that never pruned has the start of the history
   * as its base (nothing in force, no version so far) and keeps its first change at its prune
   * point. After a prune the base is where the history stood at the new prune point, so it holds a
   * version if any removed change made one, and the prune point is the time of a kept change (the
   * candidate's) or {@code latest - horizon}, where a change rarely is. Such a key that pruned
   * looks like one that never did only if it removed nothing but deletes that found nothing in
   * force and kept a change at its new prune point, and (state format 3) kept no sealed chunk after
   * the prune (a prune that keeps some sets their floor, which tells): it is taken for one that
   * never pruned (a change spliced before such a delete is not closed by it).
   */
  static <T> boolean mayHavePruned(HistoryStore<T> store, KeyCursor<T> cursor) throws Exception {
    if (cursor.prunedKnown) {
      return cursor.pruned;
    }
    if (cursor.chunkFloor != Long.MIN_VALUE) {
      return true; // only a prune sets the floor of the sealed chunks it keeps
    }
    boolean baseIsStart;
    if (cursor.base != null) {
      baseIsStart = cursor.base.status == KeyCursor.NONE && cursor.base.version == 0;
    } else { // restored from state format 1: the base is in the base state, if any
      KeyCursor<T> base = store.base();
      baseIsStart = base == null || (base.status == KeyCursor.NONE && base.version == 0);
    }
    return !baseIsStart || store.change(cursor.pruneTime) == null;
  }

  /**
   * Loads the kept changes: from the times the cursor knows when no more than {@code byTime} of
   * them are before {@code latest - horizon} (their values are read by time), else by iterating the
   * map state.
   */
  void loadKept(HistoryStore<T> store, KeyCursor<T> cursor, int byTime) throws Exception {
    if (cursor.knowsEarlier()) {
      long pruneTo = cursor.latest - horizon;
      int pruned = 0;
      while (pruned < cursor.earlierCount && cursor.earlier(pruned) < pruneTo) {
        pruned++;
      }
      if (pruned <= byTime) {
        kept.use(store, cursor.earlier, cursor.earlierCount, cursor.latest);
        return;
      }
    }
    kept.load(store);
  }

  /**
   * Moves the prune point to {@code latest - horizon}: replays the kept changes (loaded, in order)
   * before it into the base, removes them, and for append output emits the versions that ended
   * before it. Returns how many it removed: the first ones loaded.
   *
   * <p>It runs after the change at hand emitted and moved the cursor, so a comparison that throws
   * here cannot reject that change. It compares only what a replay compared when each kept change
   * was accepted (each with the version in force before it), so it throws only for an {@code
   * equals} that is not deterministic, or for columns tracked differently since a restore: that
   * fails the job (an {@link IllegalStateException}), as a broken state would.
   */
  int prune(HistoryStore<T> store, KeyCursor<T> cursor, VersionSink<T> sink) throws Exception {
    try {
      return pruneKept(store, cursor, sink);
    } catch (Columns.ComparisonException e) {
      throw replayFailed("a prune", e);
    }
  }

  /**
   * A replay of kept changes that compared fine when they were accepted threw: a broken state in
   * effect, which fails the job (never the change at hand's fault).
   */
  private static IllegalStateException replayFailed(String what, Columns.ComparisonException e) {
    return new IllegalStateException(
        what
            + " could not replay kept changes that compared fine when they were accepted ("
            + e.getMessage()
            + "): an equals that is not deterministic, or change detection changed at a"
            + " restore",
        e);
  }

  private int pruneKept(HistoryStore<T> store, KeyCursor<T> cursor, VersionSink<T> sink)
      throws Exception {
    long pruneTo = cursor.latest - horizon;
    Replay<T> pruned = replayFromBase(store, cursor);
    int first = 0; // the first change kept
    while (first < kept.size() && kept.time(first) < pruneTo) {
      pruned.apply(kept.time(first), kept.change(first));
      first++;
    }
    if (first > 0) {
      store.removeChangesBefore(pruneTo);
    }
    if (output == Scd2Output.APPEND) {
      for (Version<T> version : pruned.closed()) {
        sink.emit(RowKind.INSERT, version);
      }
    }
    KeyHistory.moveBaseHere(store, cursor);
    pruned.writeTo(cursor.base);
    cursor.prunedTo(pruneTo);
    if (output == Scd2Output.APPEND) {
      Replay<T> rest = Replay.from(columns, deletes, cursor.base);
      for (int i = first; i < kept.size(); i++) {
        rest.apply(kept.time(i), kept.change(i));
      }
      cursor.pendingFinal = firstClosedFrom(rest.versions(), pruneTo);
    }
    return first;
  }

  /**
   * Append output, the key about to be forgotten: emits every closed version not emitted yet, that
   * is each one a replay of all kept changes from the base closes (a prune emitted those that ended
   * before the prune point). Like {@link #prune}, it compares only what compared fine when each
   * kept change was accepted, and fails the job (an {@link IllegalStateException}) where that
   * throws: the change that found the key expired is not at fault.
   */
  void emitClosed(HistoryStore<T> store, KeyCursor<T> cursor, VersionSink<T> sink)
      throws Exception {
    kept.load(store);
    List<Version<T>> closed;
    try {
      closed = replayKept(store, cursor).closed();
    } catch (Columns.ComparisonException e) {
      throw replayFailed("forgetting the key", e);
    }
    for (Version<T> version : closed) {
      sink.emit(RowKind.INSERT, version);
    }
  }

  /**
   * Emits the difference between two histories of the key (as the output mode says) and tells
   * whether there was one. Vanished versions first, then changed ones, then new ones, each in
   * validity order, so a sink never holds overlapping or two current versions. Compares every
   * version, and checks the current versions it would emit against the sink's {@code
   * validToCurrent}, before it emits the first record, so that a comparison that throws, or a
   * current version whose row cannot end at the sentinel, emits nothing.
   */
  private boolean emitDifference(
      List<Version<T>> before, List<Version<T>> after, VersionSink<T> sink) throws Exception {
    boolean emit = output != Scd2Output.APPEND;
    boolean changed = false;
    boolean[] same = new boolean[after.size()]; // a version at its validFrom before, the same one
    int i = 0;
    for (int j = 0; j < after.size(); j++) {
      Version<T> now = after.get(j);
      while (i < before.size() && before.get(i).validFrom < now.validFrom) {
        i++;
      }
      same[j] =
          i < before.size()
              && before.get(i).validFrom == now.validFrom
              && before.get(i).sameAs(now, columns);
    }
    if (emit) {
      requireCurrentRowsEnd(before, after, same, sink.validToCurrent());
    }
    i = 0;
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
    List<Version<T>> added = null;
    for (j = 0; j < after.size(); j++) { // changed, collecting new ones
      Version<T> now = after.get(j);
      while (i < before.size() && before.get(i).validFrom < now.validFrom) {
        i++;
      }
      if (i < before.size() && before.get(i).validFrom == now.validFrom) {
        Version<T> old = before.get(i);
        if (!same[j]) {
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

  /**
   * Throws if the difference would emit a row of a current version (the last of a history, if open)
   * that does not start before {@code validToCurrent}: one accepted before the sentinel was set or
   * lowered at a restore. The old one is emitted when it vanished ({@code -D}) or, retract output,
   * changed ({@code -U}); the new one when it is not the same as before.
   */
  private void requireCurrentRowsEnd(
      List<Version<T>> before, List<Version<T>> after, boolean[] same, long validToCurrent) {
    if (validToCurrent == Version.OPEN) {
      return;
    }
    int last = after.size() - 1;
    if (last >= 0) {
      Version<T> now = after.get(last);
      if (now.isOpen() && now.validFrom >= validToCurrent && !same[last]) {
        throw new ValidToCurrentException(now, validToCurrent);
      }
    }
    if (before.isEmpty()) {
      return;
    }
    Version<T> old = before.get(before.size() - 1);
    if (!old.isOpen() || old.validFrom < validToCurrent) {
      return;
    }
    int at = after.size() - 1;
    while (at >= 0 && after.get(at).validFrom > old.validFrom) {
      at--;
    }
    boolean vanished = at < 0 || after.get(at).validFrom != old.validFrom;
    if (vanished || (!same[at] && output == Scd2Output.RETRACT)) {
      throw new ValidToCurrentException(old, validToCurrent);
    }
  }

  /** Replays the loaded kept changes from the key's base. */
  private Replay<T> replayKept(HistoryStore<T> store, KeyCursor<T> cursor) throws Exception {
    Replay<T> replay = replayFromBase(store, cursor);
    for (int i = 0; i < kept.size(); i++) {
      replay.apply(kept.time(i), kept.change(i));
    }
    return replay;
  }

  private static <T> long firstClosedFrom(List<Version<T>> versions, long from) {
    for (Version<T> version : versions) {
      if (!version.isOpen() && version.validTo >= from) {
        return version.validTo;
      }
    }
    return Long.MAX_VALUE;
  }

  /** A replay from the key's base: the cursor's, or for an older cursor the base state's. */
  private Replay<T> replayFromBase(HistoryStore<T> store, KeyCursor<T> cursor) throws Exception {
    if (cursor.base != null) {
      return Replay.from(columns, deletes, cursor.base);
    }
    KeyCursor<T> base = store.base();
    return new Replay<>(columns, deletes, base != null ? base : KeyCursor.emptyBase());
  }
}
