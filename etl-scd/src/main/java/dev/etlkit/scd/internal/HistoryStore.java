package dev.etlkit.scd.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The state of one key: its cursor, its kept changes (state format 3: in chunks, the open one in
 * the cursor, sealed ones here by their first time; formats 1 and 2: one map entry per change but
 * the latest, which the cursor holds, see {@link KeyCursor#latestChange}), and for a key restored
 * from state format 1 its base kept apart from the cursor. Flink state in the step's function, a
 * map in tests; {@link KeyHistory} reads and writes it through a view that presents the kept
 * changes by effective time whatever the format. The order in which {@link #changes()} returns
 * entries does not matter.
 */
@Internal
public interface HistoryStore<T> {

  @Nullable
  KeyCursor<T> cursor() throws Exception;

  void updateCursor(KeyCursor<T> cursor) throws Exception;

  /** The base kept apart from the cursor: only state format 1 wrote one. */
  @Nullable
  KeyCursor<T> base() throws Exception;

  /** Keeps a base apart from the cursor, as state format 1 did (tests simulate such keys). */
  void updateBase(KeyCursor<T> base) throws Exception;

  /** Forgets the base kept apart from the cursor (the cursor holds it from now on). */
  void clearBase() throws Exception;

  /**
   * The kept change at {@code time}. In Flink state (the step's function, a test map) these change
   * methods are the {@code changes} map state of formats 1 and 2, only read to move a restored
   * key's changes into chunks; {@link KeyHistory} sees its logical kept changes through them.
   */
  @Nullable
  StoredChange<T> change(long time) throws Exception;

  void putChange(long time, StoredChange<T> change) throws Exception;

  void removeChange(long time) throws Exception;

  /** Removes every kept change before {@code time} (a prune: always a prefix of them). */
  default void removeChangesBefore(long time) throws Exception {
    List<Long> before = new ArrayList<>();
    for (Map.Entry<Long, StoredChange<T>> entry : changes()) {
      if (entry.getKey() < time) {
        before.add(entry.getKey());
      }
    }
    for (long t : before) {
      removeChange(t);
    }
  }

  Iterable<Map.Entry<Long, StoredChange<T>>> changes() throws Exception;

  /** Whether {@link #lastKeptBeforeLatest} answers without reading kept changes. */
  default boolean knowsLastKept() {
    return false;
  }

  /**
   * The time of the last kept change before the key's latest one, {@code Long.MIN_VALUE} if none;
   * only when {@link #knowsLastKept}.
   */
  default long lastKeptBeforeLatest() {
    throw new UnsupportedOperationException("the kept changes must be read");
  }

  /** The sealed chunk whose first time is {@code first} (state format 3), or null. */
  @Nullable
  ChangeChunk<T> chunk(long first) throws Exception;

  void putChunk(long first, ChangeChunk<T> chunk) throws Exception;

  void removeChunk(long first) throws Exception;

  /** Every sealed chunk of the key by first time, in any order (one pass over the map state). */
  Iterable<Map.Entry<Long, ChangeChunk<T>>> chunks() throws Exception;

  /** Forgets the key: cursor, base, changes and chunks. */
  void clear() throws Exception;
}
