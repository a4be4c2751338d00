package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StepIdentity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The example's report of dead letters by step and reason ({@link OrdersRun#deadLettersByReason},
 * printed by {@link OrdersJob#main}) keys them by the rejecting step's uid, {@code
 * <pipeline>/<step>}, as the accounting table shows the pipeline: both pipelines have a step named
 * {@code valid-time}, and the reader must tell which pipeline (which topic, which producer or
 * database host) sent bad times.
 *
 * <p>Found by a review on 2026-11-24 (failing before that day's fix): the report keyed them by the
 * step name alone, so an order dated 2999 and a customer change dated 2999 were one line, {@code
 * "valid-time: java.lang.IllegalArgumentException | 2"}.
 */
class DeadLettersByStepTest {

  @Test
  void deadLettersOfTheTwoValidTimeSteps_areCountedApart() {
    OrdersRun run =
        new OrdersRun(
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of(
                letter(OrdersJob.PIPELINE),
                letter(OrdersJob.CUSTOMERS_PIPELINE),
                letter(OrdersJob.CUSTOMERS_PIPELINE)),
            RecordAccounting.of(Map.of()));

    assertThat(run.deadLettersByReason())
        .as("one line per pipeline's step")
        .containsExactly(
            entry("customers/valid-time: java.lang.IllegalArgumentException", 2L),
            entry("orders/valid-time: java.lang.IllegalArgumentException", 1L));
  }

  private static DeadLetter letter(String pipeline) {
    return DeadLetter.builder()
        .step(new StepIdentity(pipeline, "valid-time", pipeline + "/valid-time"))
        .error(new IllegalArgumentException("... is more than PT55M ahead of the clock (...)"))
        .rejectedAt(0L)
        .build();
  }
}
