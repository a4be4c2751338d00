package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StepIdentity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review of {@code customers/valid-time} (2026-11-24): both pipelines now have a step named {@code
 * valid-time}, and the example's report of "dead letters by step and reason" ({@link
 * OrdersRun#deadLettersByReason}, printed by {@link OrdersJob#main}) keys them by the step name
 * alone, so an order dated 2999 and a customer change dated 2999 are one line, {@code "valid-time:
 * java.lang.IllegalArgumentException | 2"}: the reader cannot tell which pipeline (which topic,
 * which producer or database host) sent bad times. Before this change only the orders had a {@code
 * valid-time} step.
 *
 * <p>Right: one line per step of each pipeline, for example keyed by the dead letter's uid ({@code
 * orders/valid-time}, {@code customers/valid-time}), as the accounting table shows the pipeline.
 */
class ReviewDeadLettersByReasonTest {

  @Test
  void deadLettersOfTheTwoValidTimeSteps_areCountedApart() {
    OrdersRun run =
        new OrdersRun(
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            List.of(letter(OrdersJob.PIPELINE), letter(OrdersJob.CUSTOMERS_PIPELINE)),
            RecordAccounting.of(Map.of()));

    assertThat(run.deadLettersByReason())
        .as("one line per pipeline's step")
        .hasSize(2)
        .allSatisfy((reason, count) -> assertThat(count).isEqualTo(1L));
  }

  private static DeadLetter letter(String pipeline) {
    return DeadLetter.builder()
        .step(new StepIdentity(pipeline, "valid-time", pipeline + "/valid-time"))
        .error(new IllegalArgumentException("... is more than PT1H ahead of the clock (...)"))
        .rejectedAt(0L)
        .build();
  }
}
