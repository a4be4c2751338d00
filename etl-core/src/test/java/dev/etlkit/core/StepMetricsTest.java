package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.junit.jupiter.api.Test;

class StepMetricsTest {

  private static final StepIdentity DEDUP = new StepIdentity("orders", "dedup", "orders/dedup");

  @Test
  void restored_countsRecordsHeldBeforeTheRestoreIn_soTheyBalanceWhenTheyLeave() {
    MockStreamingRuntimeContext context = new MockStreamingRuntimeContext(1, 0);
    StepMetrics metrics = StepMetrics.register(context, DEDUP);

    metrics.restored(2); // two rows held at the checkpoint, counted in by the failed attempt
    metrics.in();
    metrics.out(); // a restored row emitted
    metrics.deduplicated(); // the other one displaced by the new row
    metrics.out(); // the new row emitted

    assertThat(metrics.inCount()).isEqualTo(3);
    RecordAccounting.StepCounts counts = accounting(context).step("orders", "dedup");
    assertThat(counts.in()).isEqualTo(3);
    assertThat(counts.isBalanced()).as("%s", counts).isTrue();
  }

  private static RecordAccounting accounting(MockStreamingRuntimeContext context) {
    Map<String, Object> values = new HashMap<>();
    for (String name :
        new String[] {
          StepMetrics.RECORDS_IN,
          StepMetrics.RECORDS_OUT,
          StepMetrics.RECORDS_FILTERED,
          StepMetrics.RECORDS_DEDUPLICATED,
          StepMetrics.RECORDS_DEAD_LETTERED,
          StepMetrics.RECORDS_EMITTED
        }) {
      Accumulator<?, ?> accumulator =
          context.getAccumulator(StepMetrics.accumulatorPrefix(DEDUP) + name);
      values.put(StepMetrics.accumulatorPrefix(DEDUP) + name, accumulator.getLocalValue());
    }
    return RecordAccounting.of(values);
  }
}
