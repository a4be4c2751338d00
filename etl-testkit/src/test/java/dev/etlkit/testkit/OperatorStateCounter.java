package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A deliberately broken counter: it checkpoints its per-key counts as operator list state, which
 * Flink hands out round-robin on a rescale instead of by key group. A restore at the same
 * parallelism is right; after a rescale counts reach subtasks that never see their keys. Exists to
 * prove the rescale check sees such bugs that the cut-point check cannot.
 */
final class OperatorStateCounter extends KeyedProcessFunction<String, Change<String>, String>
    implements CheckpointedFunction {

  private final Map<String, Long> counts = new HashMap<>();
  private transient ListState<String> checkpointed;

  static KeyedHarness<String, Change<String>, String> harness() {
    return KeyedHarness.forFunction(
        OperatorStateCounter::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
  }

  @Override
  public void processElement(Change<String> change, Context ctx, Collector<String> out) {
    long n = counts.merge(ctx.getCurrentKey(), 1L, Long::sum);
    out.collect(ctx.getCurrentKey() + " n=" + n);
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    checkpointed.clear();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      checkpointed.add(e.getKey() + "=" + e.getValue()); // one list element per key: the bug
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    checkpointed =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("counts", Types.STRING));
    for (String entry : checkpointed.get()) {
      int eq = entry.lastIndexOf('=');
      counts.put(entry.substring(0, eq), Long.parseLong(entry.substring(eq + 1)));
    }
  }
}
