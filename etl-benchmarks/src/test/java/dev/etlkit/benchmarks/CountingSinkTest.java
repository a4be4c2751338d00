package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/** The benchmarks' operators emit into the counting sink, never into the harness's queue. */
class CountingSinkTest {

  private static final OutputTag<Long> SIDE = new OutputTag<>("side", Types.LONG);

  /** Emits each input once, and once more to a side output when it is even. */
  private static final class EmitTwice extends KeyedProcessFunction<Long, Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(Long value, Context ctx, Collector<Long> out) {
      out.collect(value);
      if (value % 2 == 0) {
        ctx.output(SIDE, value);
      }
    }
  }

  @Test
  void anOperatorOpenedAfterTheSwitch_emitsMainAndSideOutputsIntoTheSink() throws Exception {
    CountingSink sink = new CountingSink();
    try (KeyedOneInputStreamOperatorTestHarness<Long, Long, Long> harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new EmitTwice()), v -> v, Types.LONG)) {
      harness.setup();
      HarnessBenchmarkBase.emitInto(harness.getOperator(), sink);
      harness.open();
      for (long v = 0; v < 10; v++) {
        harness.processElement(v, v);
      }

      assertThat(sink.records()).isEqualTo(15);
      assertThat(harness.getOutput()).isEmpty();
      assertThat(harness.getSideOutput(SIDE)).isNull();
    }
  }

  @Test
  void anOperatorThatIsNotAnAbstractStreamOperator_isRefused() {
    assertThatThrownBy(() -> HarnessBenchmarkBase.emitInto(new Object(), new CountingSink()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot redirect");
  }
}
