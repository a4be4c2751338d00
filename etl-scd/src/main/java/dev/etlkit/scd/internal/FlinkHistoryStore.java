package dev.etlkit.scd.internal;

import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/** The key's Flink state as a {@link HistoryStore}. */
final class FlinkHistoryStore<T> implements HistoryStore<T> {
  private final ValueState<KeyCursor<T>> cursor;
  private final ValueState<KeyCursor<T>> base;
  private final MapState<Long, StoredChange<T>> changes;
  private final MapState<Long, ChangeChunk<T>> chunks;

  FlinkHistoryStore(
      ValueState<KeyCursor<T>> cursor,
      ValueState<KeyCursor<T>> base,
      MapState<Long, StoredChange<T>> changes,
      MapState<Long, ChangeChunk<T>> chunks) {
    this.cursor = cursor;
    this.base = base;
    this.changes = changes;
    this.chunks = chunks;
  }

  @Override
  @Nullable
  public ChangeChunk<T> chunk(long first) throws Exception {
    return chunks.get(first);
  }

  @Override
  public void putChunk(long first, ChangeChunk<T> chunk) throws Exception {
    chunks.put(first, chunk);
  }

  @Override
  public void removeChunk(long first) throws Exception {
    chunks.remove(first);
  }

  @Override
  public Iterable<Map.Entry<Long, ChangeChunk<T>>> chunks() throws Exception {
    return chunks.entries();
  }

  @Override
  @Nullable
  public KeyCursor<T> cursor() throws Exception {
    return cursor.value();
  }

  @Override
  public void updateCursor(KeyCursor<T> value) throws Exception {
    cursor.update(value);
  }

  @Override
  @Nullable
  public KeyCursor<T> base() throws Exception {
    return base.value();
  }

  @Override
  public void updateBase(KeyCursor<T> value) throws Exception {
    base.update(value);
  }

  @Override
  public void clearBase() {
    base.clear();
  }

  @Override
  @Nullable
  public StoredChange<T> change(long time) throws Exception {
    return changes.get(time);
  }

  @Override
  public void putChange(long time, StoredChange<T> change) throws Exception {
    changes.put(time, change);
  }

  @Override
  public void removeChange(long time) throws Exception {
    changes.remove(time);
  }

  @Override
  public Iterable<Map.Entry<Long, StoredChange<T>>> changes() throws Exception {
    return changes.entries();
  }

  @Override
  public void clear() {
    cursor.clear();
    base.clear();
    changes.clear();
    chunks.clear();
  }
}
