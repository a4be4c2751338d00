package dev.etlkit.operators.json;

import static dev.etlkit.operators.json.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.operators.PayloadInput;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The parse function in Flink's harness: inputs, dead-letter contents, error policies. */
class JsonParseHarnessTest {

  private static final String SECRET = "S3CR3T-MARKER";

  private static <I, T> OneInputStreamOperatorTestHarness<I, T> open(
      JsonParse<I, T> step, ErrorPolicy policy) throws Exception {
    OneInputStreamOperatorTestHarness<I, T> h =
        JsonTestSupport.harness(step.newFunction(JsonTestSupport.errors(policy)));
    h.open();
    return h;
  }

  @Test
  void parse_bytes_emitsRecordsWithTheirTimestamps() throws Exception {
    try (OneInputStreamOperatorTestHarness<byte[], Shipment> h =
        open(Json.parse("parse", Shipment.class), ErrorPolicy.deadLetter())) {
      h.processElement(
          utf8(
              "{\"shipmentId\":\"s-1\",\"pieces\":2,\"weightKg\":0.5,"
                  + "\"shippedAt\":\"2024-01-31T10:15:30\"}"),
          7L);

      assertThat(h.extractOutputValues())
          .containsExactly(new Shipment("s-1", 2, 0.5, LocalDateTime.of(2024, 1, 31, 10, 15, 30)));
      assertThat(h.getOutput())
          .extracting(r -> ((StreamRecord<?>) r).getTimestamp())
          .containsExactly(7L);
    }
  }

  @Test
  void parse_text_deadLetterKeepsTheLineAsText() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Order> h =
        open(
            Json.parse("parse", Order.class).withInput(PayloadInput.text()),
            ErrorPolicy.deadLetter())) {
      h.processElement("{\"customerNumber\":5,\"amount\":1.50}", 1L);
      h.processElement("{\"customerNumber\":\"five\"}", 2L);

      assertThat(h.extractOutputValues())
          .extracting(o -> o.amount)
          .containsExactly(new BigDecimal("1.50"));
      DeadLetter letter = JsonTestSupport.deadLetters(h).get(0);
      assertThat(letter.payloadText()).isEqualTo("{\"customerNumber\":\"five\"}");
      assertThat(letter.payloadBytes()).isNull();
      assertThat(letter.sourcePosition()).isNull();
      assertThat(letter.step()).isEqualTo("parse");
    }
  }

  /**
   * A line of text with an unpaired surrogate has no UTF-8 form: {@code String.getBytes} would turn
   * it into {@code '?'}, and the record would be read with a value it never held. Byte input with
   * an encoded surrogate is {@code INVALID_ENCODING} (docs/formats-json.md); text input alike.
   */
  @Test
  void parse_text_withAnUnpairedSurrogate_isInvalidEncoding_notAQuestionMark() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Order> h =
        open(
            Json.parse("parse", Order.class).withInput(PayloadInput.text()),
            ErrorPolicy.deadLetter())) {
      String line = "{\"customerNumber\":5,\"orderId\":\"a\uD800b\"}";
      h.processElement(line, 1L);

      assertThat(h.extractOutputValues()).isEmpty();
      DeadLetter letter = JsonTestSupport.deadLetters(h).get(0);
      assertThat(letter.errorMessage()).startsWith("INVALID_ENCODING: ");
      assertThat(letter.payloadText()).isEqualTo(line);
    }
  }

  @Test
  void parse_text_withSurrogatePairs_readsThem() throws Exception {
    try (OneInputStreamOperatorTestHarness<String, Order> h =
        open(
            Json.parse("parse", Order.class).withInput(PayloadInput.text()),
            ErrorPolicy.deadLetter())) {
      h.processElement("{\"customerNumber\":5,\"orderId\":\"\uD83D\uDE00-\uD83D\uDE01\"}", 1L);

      assertThat(h.extractOutputValues())
          .extracting(o -> o.orderId)
          .containsExactly("\uD83D\uDE00-\uD83D\uDE01");
      assertThat(JsonTestSupport.deadLetters(h)).isEmpty();
    }
  }

  @Test
  void parse_bytes_deadLetterKeepsTheBytes() throws Exception {
    try (OneInputStreamOperatorTestHarness<byte[], Order> h =
        open(Json.parse("parse", Order.class), ErrorPolicy.deadLetter())) {
      byte[] bad = utf8("{\"customerNumber\":");
      h.processElement(bad, 1L);

      assertThat(JsonTestSupport.deadLetters(h))
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.payloadBytes()).isEqualTo(bad);
                assertThat(l.eventTime()).isEqualTo(1L);
              });
    }
  }

  @Test
  void parse_failJobPolicy_failsOnTheFirstBadRecord_withoutThePayloadAnywhere() throws Exception {
    try (OneInputStreamOperatorTestHarness<byte[], Order> h =
        open(Json.parse("parse", Order.class), ErrorPolicy.failJob())) {
      h.processElement(utf8("{\"customerNumber\":1}"), 1L);

      Throwable failure =
          org.assertj.core.api.Assertions.catchThrowable(
              () -> h.processElement(utf8("{\"customerNumber\":\"" + SECRET + "\"}"), 2L));

      assertThat(failure)
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("[orders/parse]")
          .hasMessageContaining("error policy is fail-job")
          .hasCauseInstanceOf(JsonRecordException.class);
      StringWriter trace = new StringWriter();
      failure.printStackTrace(new PrintWriter(trace));
      assertThat(trace.toString()).contains("WRONG_TYPE").doesNotContain(SECRET);
      assertThat(h.extractOutputValues()).hasSize(1);
      assertThat(JsonTestSupport.deadLetters(h)).isEmpty();
    }
  }

  @Test
  void parse_errorBudget_deadLettersUpToTheBudgetThenFails() throws Exception {
    try (OneInputStreamOperatorTestHarness<byte[], Order> h =
        open(Json.parse("parse", Order.class), ErrorPolicy.errorBudget(2))) {
      h.processElement(utf8("[]"), 1L);
      h.processElement(utf8("{\"customerNumber\":1}"), 2L);
      h.processElement(utf8(""), 3L);

      assertThatThrownBy(() -> h.processElement(utf8("{"), 4L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("exhausted after 3 bad records");
      assertThat(JsonTestSupport.deadLetters(h))
          .extracting(DeadLetter::errorMessage)
          .containsExactly(
              "NOT_AN_OBJECT: expected a JSON object, got a JSON array",
              "EMPTY: the payload is empty");
    }
  }

  @Test
  void parse_manyRecords_reuseTheReader() throws Exception {
    try (OneInputStreamOperatorTestHarness<byte[], Order> h =
        open(
            Json.parse("parse", Order.class).withRequiredFields("orderId"),
            ErrorPolicy.deadLetter())) {
      for (int i = 0; i < 1000; i++) {
        String json =
            i % 10 == 0
                ? "{\"customerNumber\":" + i + "}"
                : "{\"orderId\":\"o-" + i + "\",\"customerNumber\":" + i + "}";
        h.processElement(utf8(json), i);
      }

      assertThat(h.extractOutputValues()).hasSize(900);
      assertThat(JsonTestSupport.deadLetters(h)).hasSize(100);
      assertThat(JsonTestSupport.counts(h).isBalanced()).isTrue();
    }
  }
}
