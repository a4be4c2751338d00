package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepIdentity;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

/** The output operator: passes enriched records, splits off dead letters, keeps the accounts. */
class LookupOutputFunctionTest {

  private static final StepIdentity STEP =
      new StepIdentity("orders", "customer", "orders/customer");

  private static DeadLetter draft(String payload) {
    return DeadLetter.builder()
        .step(STEP)
        .errorClass("java.util.concurrent.TimeoutException")
        .errorMessage("no answer within the step timeout of 200 ms")
        .payload(payload)
        .sourcePosition("orders-3@1234")
        .attempt(3)
        .rejectedAt(1234L)
        .build();
  }

  private static OneInputStreamOperatorTestHarness<Either<String, DeadLetter>, String> harness(
      ErrorPolicy policy) throws Exception {
    return ProcessFunctionTestHarnesses.forProcessFunction(
        new LookupOutputFunction<String>(new ErrorHandler(STEP, policy), Types.STRING));
  }

  @Test
  void enrichedAndDeadLettered_areSplit_andTheAccountsBalance() throws Exception {
    OneInputStreamOperatorTestHarness<Either<String, DeadLetter>, String> h =
        harness(ErrorPolicy.deadLetter());

    h.processElement(Either.Left("o1=Anna"), 10L);
    h.processElement(Either.Right(draft("Order[o2] SECRET-42")), 20L);
    h.processElement(Either.Left("o3=Bea"), 30L);

    assertThat(h.extractOutputValues()).containsExactly("o1=Anna", "o3=Bea");
    List<DeadLetter> letters = new ArrayList<>();
    for (StreamRecord<DeadLetter> r : h.getSideOutput(DeadLetter.OUTPUT_TAG)) {
      letters.add(r.getValue());
    }
    assertThat(letters).hasSize(1);
    DeadLetter letter = letters.get(0);
    assertThat(letter.errorClass()).isEqualTo("java.util.concurrent.TimeoutException");
    assertThat(letter.errorMessage()).isEqualTo("no answer within the step timeout of 200 ms");
    assertThat(letter.payloadAsText()).isEqualTo("Order[o2] SECRET-42");
    assertThat(letter.eventTime()).isEqualTo(20L);
    assertThat(letter.attempt()).isEqualTo(3);
    assertThat(letter.sourcePosition()).isEqualTo("orders-3@1234");
    assertThat(letter.uid()).isEqualTo("orders/customer");
    assertThat(letter.toString()).doesNotContain("SECRET");
    var accounts = h.getEnvironment().getAccumulatorRegistry().getUserMap();
    assertThat(accounts.get("etlkit/orders/customer/recordsIn").getLocalValue()).isEqualTo(3L);
    assertThat(accounts.get("etlkit/orders/customer/recordsOut").getLocalValue()).isEqualTo(2L);
    assertThat(accounts.get("etlkit/orders/customer/recordsDeadLettered").getLocalValue())
        .isEqualTo(1L);
  }

  @Test
  void failJobPolicy_deadLetter_failsWithTheOriginalErrorClassAndNoPayload() throws Exception {
    OneInputStreamOperatorTestHarness<Either<String, DeadLetter>, String> h =
        harness(ErrorPolicy.failJob());

    assertThatThrownBy(() -> h.processElement(Either.Right(draft("SECRET-42")), 1L))
        .isInstanceOf(EtlException.class)
        .hasMessageContaining("fail-job")
        .hasMessageNotContaining("SECRET")
        .cause()
        .hasMessageContaining("java.util.concurrent.TimeoutException")
        .hasMessageNotContaining("SECRET");
  }
}
