package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A user's whole pipeline on a bounded input in a test (docs/testing.md, "A whole pipeline in a
 * test"): its output and dead letters through Flink's collect sink, its accounting from the job's
 * result, on a local cluster with generic types disabled.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ValidOrdersPipelineTest {

  private static final String ANNA =
      "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,"
          + "\"currency\":\"EUR\",\"orderedAt\":\"2026-11-02T09:00:00Z\"}";
  private static final String REFUND =
      "{\"orderId\":\"o-2\",\"customerId\":\"c-anna\",\"amount\":-4.00,"
          + "\"currency\":\"EUR\",\"orderedAt\":\"2026-11-02T09:01:00Z\"}";
  private static final String BROKEN = "{\"orderId\":\"o-3\",";

  @Test
  void validOrders_keepsEachValidOrderOnce_rejectsTheBrokenLine_andBalances() throws Exception {
    // tag::pipeline-test[]
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");
    EtlStream<Order> orders =
        OrdersJob.validOrders(env.fromData(Types.STRING, ANNA, ANNA, REFUND, BROKEN));

    // Flink's collect sinks, read while the job runs; the accounting from the job's result
    CloseableIterator<Order> output = orders.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = orders.deadLetters().collectAsync();
    JobClient job = env.executeAsync("valid-orders-test");
    List<Order> kept = new ArrayList<>();
    List<DeadLetter> rejected = new ArrayList<>();
    try (output;
        deadLetters) {
      output.forEachRemaining(kept::add);
      deadLetters.forEachRemaining(rejected::add);
    }
    RecordAccounting accounting =
        RecordAccounting.of(job.getJobExecutionResult().get(), orders.pipeline());

    assertThat(kept).extracting(Order::orderId).containsExactly("o-1");
    assertThat(rejected).extracting(DeadLetter::step).containsExactly("parse");
    assertThat(accounting.step("orders", "dedup").deduplicated()).isEqualTo(1);
    assertThat(accounting.step("orders", "valid-amount").filtered()).isEqualTo(1);
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    // end::pipeline-test[]
  }
}
