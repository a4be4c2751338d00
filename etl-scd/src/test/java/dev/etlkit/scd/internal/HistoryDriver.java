package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;

/**
 * Drives {@link KeyHistory} over changes of many keys without Flink, the way the step's function
 * does (update-befores skipped, ignored deletes dropped), one {@link MapHistoryStore} per key.
 */
public final class HistoryDriver<T> {
  private final KeyHistory<T> history;
  private final HardDeletes deletes;
  @Nullable private final Long validToCurrent;
  private final long orderSeed;
  private final Map<String, MapHistoryStore<T>> stores = new HashMap<>();
  private final List<Change<Scd2Row<T>>> output = new ArrayList<>();
  private int late;

  public HistoryDriver(Scd2Config<?, T> config, long orderSeed) {
    this.history = config.history();
    this.deletes = config.hardDeletes();
    this.validToCurrent = config.validToCurrent();
    this.orderSeed = orderSeed;
  }

  /** Applies one change of {@code key} at {@code time}. */
  public void apply(String key, Change<T> change, long time, long sequence) throws Exception {
    if (change.kind() == RowKind.UPDATE_BEFORE) {
      return;
    }
    boolean delete = change.kind() == RowKind.DELETE;
    if (delete && deletes == HardDeletes.IGNORE) {
      return;
    }
    MapHistoryStore<T> store =
        stores.computeIfAbsent(key, k -> new MapHistoryStore<>(orderSeed + k.hashCode()));
    KeyHistory.Outcome outcome =
        history.apply(
            store,
            time,
            sequence,
            delete ? null : change.value(),
            (kind, version) -> output.add(Change.of(kind, version.toRow(key, validToCurrent))),
            0L,
            KeyHistory.NO_TIMERS);
    if (outcome == KeyHistory.Outcome.LATE) {
      late++;
    }
  }

  public List<Change<Scd2Row<T>>> output() {
    return output;
  }

  public int late() {
    return late;
  }

  /** Kept changes of the key (0 for an unknown key). */
  public int keptChanges(String key) {
    MapHistoryStore<T> store = stores.get(key);
    return store == null ? 0 : store.size();
  }
}
