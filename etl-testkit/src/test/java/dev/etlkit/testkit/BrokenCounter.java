package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A deliberately broken counter: it keeps its counts in a plain field instead of Flink state, so it
 * forgets them on restore. Exists to prove the cut-point check sees such bugs.
 */
final class BrokenCounter extends KeyedProcessFunction<String, Change<String>, String> {

  private final Map<String, Long> counts = new HashMap<>(); // the bug: not in Flink state

  static KeyedHarness<String, Change<String>, String> harness() {
    return KeyedHarness.forFunction(
        BrokenCounter::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
  }

  @Override
  public void processElement(Change<String> change, Context ctx, Collector<String> out) {
    long n = counts.merge(ctx.getCurrentKey(), 1L, Long::sum);
    out.collect(ctx.getCurrentKey() + " n=" + n);
  }
}
