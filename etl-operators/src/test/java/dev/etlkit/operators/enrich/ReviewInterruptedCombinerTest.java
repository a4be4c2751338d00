package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.internal.async.LookupOutputFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * Review: docs/concepts.md ("Dead letters and error policies"): an InterruptedException from your
 * function is never mistaken for a bad record: "the step restores the interrupt flag and fails the
 * record with an EtlException that carries the InterruptedException as its cause ... and
 * dead-letters nothing" (as Steps.map does, StepsHarnessTest). The lookup step dead-letters a
 * record whose combiner was interrupted, and the task never sees the interrupt.
 */
class ReviewInterruptedCombinerTest {

  @Test
  void combinerInterrupted_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> h =
        new AsyncStepHarness<>(
                Enrich.lookup(
                        "customer",
                        (String order) -> order.substring(order.indexOf(':') + 1),
                        lookup,
                        (String order, String customer, LookupStatus status) -> {
                          throw new InterruptedException("cancelled while waiting");
                        },
                        Types.STRING)
                    .withRetry(LookupRetry.none()),
                StringSerializer.INSTANCE)
            .open();
    OneInputStreamOperatorTestHarness<Either<String, DeadLetter>, String> output =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new LookupOutputFunction<String>(
                new ErrorHandler(
                    new StepIdentity("orders", "customer", "orders/customer"),
                    ErrorPolicy.deadLetter()),
                Types.STRING));
    try {
      Throwable thrown =
          catchThrowable(
              () -> {
                h.process("o1:c-1");
                for (Object element : h.harness.getOutput()) {
                  if (element instanceof StreamRecord) {
                    @SuppressWarnings("unchecked")
                    StreamRecord<Either<String, DeadLetter>> record =
                        (StreamRecord<Either<String, DeadLetter>>) element;
                    output.processElement(record); // the chained output operator
                  }
                }
              });
      boolean interrupted = Thread.interrupted(); // read and clear the flag before asserting

      assertThat(output.getSideOutput(DeadLetter.OUTPUT_TAG)).as("dead letters").isNullOrEmpty();
      assertThat(thrown)
          .isInstanceOf(EtlException.class)
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(interrupted).as("interrupt flag restored").isTrue();
    } finally {
      Thread.interrupted();
      output.close();
      h.release();
    }
  }
}
