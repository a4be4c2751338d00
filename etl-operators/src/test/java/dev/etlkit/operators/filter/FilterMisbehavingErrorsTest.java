package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.SplitStreams;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A predicate's exception is the user's object: the step reads it (its class, message and causes)
 * to build the dead letter and to tell a bad record from a cancelled task, and a method of it that
 * throws must not turn the bad record into a job failure.
 */
class FilterMisbehavingErrorsTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private EtlStream<Order> orders() {
    return Etl.from(env.fromData(Order.TYPE_INFO, new Order("o0", "EU", "PAID", 1)), "orders");
  }

  /** An exception whose cause is read lazily, and that read fails (as a remote error's may). */
  static final class LazyCauseException extends RuntimeException {
    LazyCauseException() {
      super("rule engine rejected the order");
    }

    @Override
    public synchronized Throwable getCause() {
      throw new IllegalStateException("cause not loadable");
    }
  }

  /** True for paid orders; an order from region "XX" makes the rule engine fail. */
  static boolean paidByRule(Order order) {
    if (order.region().equals("XX")) {
      throw new LazyCauseException();
    }
    return order.isPaid();
  }

  @Test
  void where_exceptionWhoseGetCauseThrows_isDeadLettered_andTheJobGoesOn() throws Exception {
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        StepHarness.of(
            orders()
                .apply(Filters.where("paid", FilterMisbehavingErrorsTest::paidByRule))
                .toDataStream())) {
      h.processElement(new Order("o1", "EU", "PAID", 1), 1L);
      h.processElement(new Order("o2", "XX", "PAID", 1), 2L);
      h.processElement(new Order("o3", "US", "PAID", 1), 3L);

      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o1", "o3");
      List<DeadLetter> letters = StepHarness.deadLetters(h);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).errorClass()).isEqualTo(LazyCauseException.class.getName());
      assertThat(letters.get(0).errorMessage()).isEqualTo("rule engine rejected the order");
      assertThat(StepHarness.counts(h, "orders", "paid").deadLettered()).isEqualTo(1);
      assertThat(StepHarness.counts(h, "orders", "paid").isBalanced()).isTrue();
    }
  }

  @Test
  void route_exceptionWhoseGetCauseThrows_isDeadLettered_andTheJobGoesOn() throws Exception {
    SplitStreams<Order> routes =
        orders()
            .split(
                Route.<Order>by("by-rule")
                    .to("paid", FilterMisbehavingErrorsTest::paidByRule)
                    .otherwise("rest"));
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        StepHarness.of(routes.get("paid").toDataStream())) {
      h.processElement(new Order("o1", "EU", "PAID", 1), 1L);
      h.processElement(new Order("o2", "XX", "PAID", 1), 2L);
      h.processElement(new Order("o3", "US", "OPEN", 1), 3L);

      assertThat(StepHarness.side(h, StepHarness.tagOf(routes.get("paid").toDataStream())))
          .extracting(Order::id)
          .containsExactly("o1");
      assertThat(StepHarness.side(h, StepHarness.tagOf(routes.get("rest").toDataStream())))
          .extracting(Order::id)
          .containsExactly("o3");
      assertThat(StepHarness.deadLetters(h))
          .singleElement()
          .satisfies(l -> assertThat(l.errorClass()).isEqualTo(LazyCauseException.class.getName()));
      assertThat(StepHarness.counts(h, "orders", "by-rule").isBalanced()).isTrue();
    }
  }
}
