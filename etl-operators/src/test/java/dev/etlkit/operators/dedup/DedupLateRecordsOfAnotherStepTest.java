package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.testkit.ChangelogGenerator;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * {@code DedupStep.lateRecords(stream)} refuses the output of a same-named dedup step of another
 * pipeline that has no late-records side output. Found by a review on 2026-11-24: the stream was
 * recognised by its uid's ending alone, so {@code returns/dedup} (processing time) passed for
 * {@code orders/dedup} and the caller got a side output that stays empty for ever. A same-named
 * step with a side output of its own is still taken for this one (documented: a step spec does not
 * know its pipeline).
 */
class DedupLateRecordsOfAnotherStepTest {

  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  @Test
  void lateRecords_ofASameNamedStepOfAnotherPipeline_fails() {
    Dedup.DedupStep<String, String, String, String> ordersStep =
        Dedup.<String, String>keepFirst("dedup", ChangelogGenerator::stringKey)
            .withEventTimeOrder();
    Dedup.DedupStep<String, String, String, String> returnsStep =
        Dedup.<String, String>keepFirst(
            "dedup", ChangelogGenerator::stringKey); // processing time: never late
    Etl.from(source(), "orders").apply(ordersStep);
    EtlStream<String> returns = Etl.from(source(), "returns").apply(returnsStep);

    assertThatThrownBy(() -> ordersStep.lateRecords(returns))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not the output of dedup step 'dedup'");
  }

  private static DataStream<String> source() {
    return ENV.fromSequence(0, 0).map(new Never(), Types.STRING);
  }

  private static final class Never implements MapFunction<Long, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }
}
