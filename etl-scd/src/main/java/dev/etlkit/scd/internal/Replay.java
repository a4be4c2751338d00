package dev.etlkit.scd.internal;

import dev.etlkit.scd.HardDeletes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * Derives a key's versions by applying changes in effective-time order to a starting point: the
 * rules of SCD Type 2 in one place. Mutable, one per replay.
 *
 * <ul>
 *   <li>An upsert while a live version is in force: different tracked columns close that version at
 *       the change's time and open a new one; equal tracked but different Type-1 columns overwrite
 *       the version's attributes; otherwise nothing happens.
 *   <li>An upsert with no version or a delete marker in force: closes the marker (if any) and opens
 *       a new version.
 *   <li>A delete while a live version is in force: closes it; with {@code NEW_RECORD} opens a
 *       delete marker carrying its attributes. A delete with nothing live changes nothing.
 * </ul>
 */
@Internal
final class Replay<T> {
  private final Columns<T> columns;
  private final HardDeletes deletes;

  private byte status;
  private long from;
  private long number;
  @Nullable private T row;
  private final List<Version<T>> closed = new ArrayList<>();

  /** A replay from {@code start}. */
  static <T> Replay<T> from(Columns<T> columns, HardDeletes deletes, Position<T> start)
      throws IOException {
    return new Replay<>(
        columns, deletes, start.status, start.validFrom, start.version, start.row());
  }

  /** A replay from the version in force at {@code start}. */
  Replay(Columns<T> columns, HardDeletes deletes, KeyCursor<T> start) {
    this(columns, deletes, start.status, start.validFrom, start.version, start.row);
  }

  /** A replay from a version in force (status, validFrom, number, attributes). */
  Replay(
      Columns<T> columns,
      HardDeletes deletes,
      byte status,
      long from,
      long number,
      @Nullable T row) {
    this.columns = columns;
    this.deletes = deletes;
    this.status = status;
    this.from = from;
    this.number = number;
    this.row = row;
  }

  /** Applies one change at {@code time} (not before any change applied so far). */
  void apply(long time, StoredChange<T> change) {
    if (change.delete) {
      if (status == KeyCursor.LIVE) {
        closed.add(new Version<>(from, time, number, row, false));
        if (deletes == HardDeletes.NEW_RECORD) {
          status = KeyCursor.DELETED;
          from = time;
          number++;
        } else {
          status = KeyCursor.NONE;
          row = null;
        }
      }
      return;
    }
    T incoming = change.row;
    if (status == KeyCursor.LIVE) {
      if (columns.sameTracked(row, incoming)) {
        if (!columns.sameType1(row, incoming)) {
          row = incoming;
        }
        return;
      }
      closed.add(new Version<>(from, time, number, row, false));
    } else if (status == KeyCursor.DELETED) {
      closed.add(new Version<>(from, time, number, row, true));
    }
    status = KeyCursor.LIVE;
    from = time;
    number++;
    row = incoming;
  }

  /** The versions closed so far, in validity order. */
  List<Version<T>> closed() {
    return closed;
  }

  /** The closed versions followed by the version in force, if any: the replay's history. */
  List<Version<T>> versions() {
    List<Version<T>> all = new ArrayList<>(closed.size() + 1);
    all.addAll(closed);
    if (status != KeyCursor.NONE) {
      all.add(new Version<>(from, Version.OPEN, number, row, status == KeyCursor.DELETED));
    }
    return all;
  }

  /** Writes where the replay stands (the version in force) into {@code cursor}. */
  void writeTo(KeyCursor<T> cursor) {
    cursor.setPosition(status, from, number, row);
  }

  /** Writes where the replay stands (the version in force) into {@code position}. */
  void writeTo(Position<T> position) {
    position.set(status, from, number, row);
  }
}
