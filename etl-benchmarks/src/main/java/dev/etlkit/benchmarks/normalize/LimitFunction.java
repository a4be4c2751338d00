package dev.etlkit.benchmarks.normalize;

import dev.etlkit.core.Change;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The least state work upsert normalization needs: read the key's row, write the new one (one
 * ValueState get and put per record, the same row type), emit nothing.
 */
final class LimitFunction extends KeyedProcessFunction<Long, Change<Account>, Void> {
  private static final long serialVersionUID = 1L;

  private transient ValueState<Account> row;
  private transient long hits;

  @Override
  public void open(OpenContext openContext) {
    row = getRuntimeContext().getState(new ValueStateDescriptor<>("limit-row", Account.TYPE));
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
