package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.enrich.internal.async.LookupOutputFunction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/**
 * Edges of the lookup step's dead-letter event time found by a review on 2026-11-24, each failing
 * before that day's fixes. docs/concepts.md ("Dead letters"): "The event time is the record's Flink
 * timestamp; a record without one has a null event time, or its own time when it carries one (a
 * Change's eventTime(), a RawRecord's timestamp())". Before, the lookup step's dead letters lost a
 * Change's own event time: the output operator only saw the draft's payload text, not the Change.
 * The draft now carries the record's own event time.
 */
class LookupDeadLetterEventTimeTest {

  @Test
  void failedLookupOfAChangeWithoutFlinkTimestamp_deadLetterCarriesTheChangesEventTime()
      throws Exception {
    FakeLookup lookup = FakeLookup.manual();
    Enrich.LookupStep<Change<String>, String, String, String> step =
        Enrich.lookup(
                "customer",
                (Change<String> order) -> order.value().split(":")[1],
                lookup,
                (Change<String> order, String customer, LookupStatus status) -> order.value(),
                Types.STRING)
            .withRetry(LookupRetry.none());
    AsyncStepHarness<Change<String>, String> h =
        new AsyncStepHarness<>(
                step, Change.typeInfo(Types.STRING).createSerializer(new SerializerConfigImpl()))
            .open();
    OneInputStreamOperatorTestHarness<Either<String, DeadLetter>, String> output =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new LookupOutputFunction<String>(
                new ErrorHandler(
                    new StepIdentity("orders", "customer", "orders/customer"),
                    ErrorPolicy.deadLetter()),
                Types.STRING));
    try {
      // a record without a Flink timestamp (a source without a timestamp assigner)
      h.harness.processElement(
          new StreamRecord<>(Change.insert("o1:c-1").withEventTime(1_700_000_000_000L)));
      lookup.call(0).fail(new IOException("connection refused"));
      h.drain();
      for (Object element : h.harness.getOutput()) {
        if (element instanceof StreamRecord) {
          @SuppressWarnings("unchecked")
          StreamRecord<Either<String, DeadLetter>> record =
              (StreamRecord<Either<String, DeadLetter>>) element;
          output.processElement(record); // the chained output operator, as the job wires it
        }
      }

      List<DeadLetter> letters = new ArrayList<>();
      for (StreamRecord<DeadLetter> r : output.getSideOutput(DeadLetter.OUTPUT_TAG)) {
        letters.add(r.getValue());
      }
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).errorClass()).isEqualTo("java.io.IOException");
      assertThat(letters.get(0).errorMessage()).isEqualTo("connection refused");
      assertThat(letters.get(0).eventTime()).isEqualTo(1_700_000_000_000L);
    } finally {
      output.close();
      h.release();
    }
  }
}
