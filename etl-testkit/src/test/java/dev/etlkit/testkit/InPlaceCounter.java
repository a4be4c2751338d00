package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A counter with a heap-only bug: it writes its count object to state once and then changes it in
 * place without writing it back. The heap backend keeps that object, so it passes there; RocksDB
 * and the changelog state backend keep what was written. Exists to prove that a cut-point check
 * under the state changelog sees such bugs.
 */
public final class InPlaceCounter extends KeyedProcessFunction<String, Change<String>, String> {

  /** The state object (a Flink POJO). */
  public static final class Count {
    public long n;
  }

  private transient ValueState<Count> count;

  static KeyedHarness<String, Change<String>, String> harness() {
    return KeyedHarness.forFunction(
        InPlaceCounter::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
  }

  @Override
  public void open(OpenContext openContext) {
    count =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("count", TypeInformation.of(Count.class)));
  }

  @Override
  public void processElement(Change<String> change, Context ctx, Collector<String> out)
      throws Exception {
    Count c = count.value();
    if (c == null) {
      c = new Count();
      count.update(c);
    }
    c.n++; // the bug: changed in place, never written back
    out.collect(ctx.getCurrentKey() + " n=" + c.n);
  }
}
