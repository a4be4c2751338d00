package dev.etlkit.benchmarks.normalize;

import dev.etlkit.core.Change;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * The least work upsert normalization needs, written by hand for this input: one ValueState get per
 * record; a put (or clear) and the output only when the row changed, as the dedup benchmarks'
 * keep-last limit. A change equal to the stored row ({@code equals}) is dropped; a new key emits
 * {@code +I}, a changed row {@code -U}(stored) and {@code +U}, a delete of a live key {@code
 * -D}(stored). No metrics, no policies, no dead letters, no event time or source position carried.
 *
 * <p>Reading the stored row is part of the job: no-op suppression compares with it and {@code
 * -U}/{@code -D} carry it. {@link GetPutFunction} (the limit before 2026-11-21) never reads it, a
 * floor no normalization that drops redeliveries can reach.
 */
final class LimitFunction extends KeyedProcessFunction<Long, Change<Account>, Change<Account>> {
  private static final long serialVersionUID = 1L;

  private transient ValueState<Account> row;

  @Override
  public void open(OpenContext openContext) {
    row = getRuntimeContext().getState(new ValueStateDescriptor<>("limit-row", Account.TYPE));
  }

  @Override
  public void processElement(Change<Account> change, Context ctx, Collector<Change<Account>> out)
      throws Exception {
    Account stored = row.value();
    if (change.kind() == RowKind.DELETE) {
      if (stored != null) {
        row.clear();
        out.collect(Change.of(RowKind.DELETE, stored));
      }
    } else if (stored == null) {
      row.update(change.value());
      out.collect(change.kind() == RowKind.INSERT ? change : change.withKind(RowKind.INSERT));
    } else if (!stored.equals(change.value())) {
      row.update(change.value());
      out.collect(Change.of(RowKind.UPDATE_BEFORE, stored));
      out.collect(
          change.kind() == RowKind.UPDATE_AFTER ? change : change.withKind(RowKind.UPDATE_AFTER));
    }
  }
}
