package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.internal.FilterStepFunction;
import dev.etlkit.core.internal.MapStepFunction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** The generic steps' functions through Flink's operator harness. */
class StepsHarnessTest {

  private static final StepIdentity STEP = new StepIdentity("orders", "parse", "orders/parse");

  private static final MapFunction<String, Integer> PARSE_INT =
      s -> s.equals("null") ? null : Integer.parseInt(s);

  private static <I, O> OneInputStreamOperatorTestHarness<I, O> harness(
      ProcessFunction<I, O> function) throws Exception {
    OneInputStreamOperatorTestHarness<I, O> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(function);
    NoKryo.disableGenericTypes(harness.getExecutionConfig());
    return harness;
  }

  private static OneInputStreamOperatorTestHarness<String, Integer> parser(ErrorPolicy policy)
      throws Exception {
    return harness(new MapStepFunction<>(PARSE_INT, new ErrorHandler(STEP, policy)));
  }

  private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> harness) {
    return harness.getSideOutput(DeadLetter.OUTPUT_TAG) == null
        ? List.of()
        : harness.getSideOutput(DeadLetter.OUTPUT_TAG).stream()
            .map(StreamRecord::getValue)
            .collect(Collectors.toList());
  }

  private static RecordAccounting accounting(OneInputStreamOperatorTestHarness<?, ?> harness) {
    Map<String, Object> values =
        harness.getEnvironment().getAccumulatorRegistry().getUserMap().entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getLocalValue()));
    return RecordAccounting.of(values);
  }

  @Test
  void map_throwingFunction_deadLettersTheRecordAndKeepsItsNeighbours() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Integer> h = parser(ErrorPolicy.deadLetter())) {
      h.processElement("1", 10L);
      h.processElement("x", 11L);
      h.processElement("3", 12L);

      assertThat(h.extractOutputValues()).containsExactly(1, 3);
      assertThat(deadLetters(h))
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.pipeline()).isEqualTo("orders");
                assertThat(l.step()).isEqualTo("parse");
                assertThat(l.uid()).isEqualTo("orders/parse");
                assertThat(l.errorClass()).isEqualTo(NumberFormatException.class.getName());
                assertThat(l.payloadText()).isEqualTo("x");
                assertThat(l.eventTime()).isEqualTo(11L);
                assertThat(l.attempt()).isEqualTo(1);
              });
    }
  }

  @Test
  void map_functionReturningNull_isADeadLetterNotANullRecord() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Integer> h = parser(ErrorPolicy.deadLetter())) {
      h.processElement("null", 1L);

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo("map function returned null");
    }
  }

  @Test
  void map_accounting_balancesInAgainstOutAndDeadLetters() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Integer> h = parser(ErrorPolicy.deadLetter())) {
      for (String s : List.of("1", "2", "x", "y", "5")) {
        h.processElement(s, 1L);
      }

      RecordAccounting.StepCounts counts = accounting(h).step("orders", "parse");
      assertThat(counts.in()).isEqualTo(5);
      assertThat(counts.out()).isEqualTo(3);
      assertThat(counts.deadLettered()).isEqualTo(2);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void errorBudget_tripsOnTheFirstErrorOverBudget() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Integer> h =
        parser(ErrorPolicy.errorBudget(2))) {
      h.processElement("a", 1L);
      h.processElement("b", 1L);

      assertThatThrownBy(() -> h.processElement("secret-payload", 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("[orders/parse]")
          .hasMessageContaining("exhausted after 3 bad records")
          .hasMessageNotContaining("secret-payload")
          .hasCauseInstanceOf(NumberFormatException.class);
      assertThat(deadLetters(h)).hasSize(2);
    }
  }

  @Test
  void errorRateBudget_tripsWhenTheShareOfBadRecordsIsTooHigh() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Integer> h =
        parser(ErrorPolicy.errorRateBudget(0.25, 4))) {
      h.processElement("x", 1L); // 1 of 1 bad, but fewer than 4 records seen
      h.processElement("2", 1L);
      h.processElement("3", 1L);
      h.processElement("4", 1L);
      h.processElement("5", 1L); // 1 of 5 = 20%

      assertThatThrownBy(() -> h.processElement("y", 1L)) // 2 of 6 = 33%
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("error-rate-budget");
    }
  }

  @Test
  void failJob_failsOnTheFirstBadRecord() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Integer> h = parser(ErrorPolicy.failJob())) {
      h.processElement("1", 1L);

      assertThatThrownBy(() -> h.processElement("x", 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("error policy is fail-job");
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  @Test
  void map_interruptedFunction_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    MapFunction<String, Integer> blocking =
        s -> {
          throw new InterruptedException("cancelled while waiting"); // as a blocking client does
        };
    try (OneInputStreamOperatorTestHarness<String, Integer> h =
        harness(
            new MapStepFunction<>(blocking, new ErrorHandler(STEP, ErrorPolicy.deadLetter())))) {
      assertThatThrownBy(() -> h.processElement("1", 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("interrupted")
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(Thread.interrupted()).as("interrupt flag restored (and cleared here)").isTrue();
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  @Test
  void filter_falseIsFilteredAndThrowingIsDeadLettered() throws Exception {
    FilterFunction<String> positive = s -> Integer.parseInt(s) > 0;
    try (OneInputStreamOperatorTestHarness<String, String> h =
        harness(
            new FilterStepFunction<>(
                positive,
                new ErrorHandler(
                    new StepIdentity("orders", "positive", "orders/positive"),
                    ErrorPolicy.deadLetter())))) {
      h.processElement("5", 1L);
      h.processElement("-1", 1L);
      h.processElement("nope", 1L);

      assertThat(h.extractOutputValues()).containsExactly("5");
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::payloadText)
          .isEqualTo("nope");
      RecordAccounting.StepCounts counts = accounting(h).step("orders", "positive");
      assertThat(counts.filtered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void filter_throwingOnAChangeWithASourcePosition_deadLetterKeepsThePosition() throws Exception {
    FilterFunction<Change<String>> failing =
        change -> {
          throw new IllegalStateException("predicate failed");
        };
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> h =
        harness(
            new FilterStepFunction<>(failing, new ErrorHandler(STEP, ErrorPolicy.deadLetter())))) {
      h.processElement(Change.insert("c1").withSourcePosition(41L), 10L);
      h.processElement(Change.insert("c2"), 11L);

      assertThat(deadLetters(h)).extracting(DeadLetter::sourcePosition).containsExactly("41", null);
    }
  }

  @Test
  void map_throwingOnARawRecord_deadLetterKeepsItsSource() throws Exception {
    MapFunction<RawRecord, Integer> length =
        record -> Integer.parseInt(new String(record.value(), StandardCharsets.UTF_8));
    try (OneInputStreamOperatorTestHarness<RawRecord, Integer> h =
        harness(new MapStepFunction<>(length, new ErrorHandler(STEP, ErrorPolicy.deadLetter())))) {
      h.processElement(
          new RawRecord(null, "x".getBytes(StandardCharsets.UTF_8), "orders-3@1234", null), 10L);

      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::sourcePosition)
          .isEqualTo("orders-3@1234");
    }
  }
}
