package dev.etlkit.scd.internal;

import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The state of one key as {@link KeyHistory} sees it: its cursor, its kept changes by effective
 * time (but the latest one, which the cursor holds, see {@link KeyCursor#latestChange}), and for a
 * key restored from state format 1 its base kept apart from the cursor. Flink state in the step's
 * function, a map in tests. The order in which {@link #changes()} returns entries does not matter.
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

  @Nullable
  StoredChange<T> change(long time) throws Exception;

  void putChange(long time, StoredChange<T> change) throws Exception;

  void removeChange(long time) throws Exception;

  Iterable<Map.Entry<Long, StoredChange<T>>> changes() throws Exception;

  /** Forgets the key: cursor, base and changes. */
  void clear() throws Exception;
}
