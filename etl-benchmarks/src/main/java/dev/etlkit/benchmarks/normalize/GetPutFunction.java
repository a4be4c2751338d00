package dev.etlkit.benchmarks.normalize;

import dev.etlkit.core.Change;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A floor below what any upsert normalization can reach: one ValueState get and put of the row per
 * record (the same row type), the stored row never read, nothing emitted. It was this benchmark's
 * {@code LIMIT} until 2026-11-21; see {@link LimitFunction} for why it is not any more.
 */
final class GetPutFunction extends KeyedProcessFunction<Long, Change<Account>, Void> {
  private static final long serialVersionUID = 1L;

  private transient ValueState<Account> row;
  private transient long hits;

  @Override
  public void open(OpenContext openContext) {
    row = getRuntimeContext().getState(new ValueStateDescriptor<>("get-put-row", Account.TYPE));
  }

  @Override
  public void processElement(Change<Account> change, Context ctx, Collector<Void> out)
      throws Exception {
    if (row.value() != null) {
      hits++;
    }
    row.update(change.value());
  }

  long hits() {
    return hits;
  }
}
