package dev.etlkit.operators.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RecordAccounting;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The write step's size limit: a record written longer than it is a dead letter. */
class JsonWriteMaxBytesTest {

  /** Ten euro signs: 10 characters, 30 bytes in UTF-8. */
  private static final String EUROS = "€".repeat(10);

  private static final Shipment SHIPMENT = new Shipment(EUROS, 1, 2.5, null);

  /** {@link #SHIPMENT} as written: its length in UTF-8 bytes is 20 above its length in chars. */
  private static final String SHIPMENT_JSON =
      "{\"shipmentId\":\"" + EUROS + "\",\"pieces\":1,\"weightKg\":2.5,\"shippedAt\":null}";

  private static final int SHIPMENT_BYTES = SHIPMENT_JSON.getBytes(StandardCharsets.UTF_8).length;

  private static <T, O> OneInputStreamOperatorTestHarness<T, O> open(JsonWrite<T, O> step)
      throws Exception {
    OneInputStreamOperatorTestHarness<T, O> h =
        JsonTestSupport.harness(step.newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())));
    h.open();
    return h;
  }

  @Test
  void withMaxBytes_bytesOverTheLimit_isATooLargeDeadLetterNamingSizeAndLimit() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, byte[]> h =
        open(Json.write("write", Shipment.class).withMaxBytes(SHIPMENT_BYTES - 1))) {
      h.processElement(SHIPMENT, 5L);
      h.processElement(new Shipment("s-2", 1, 2.5, null), 6L);

      assertThat(h.extractOutputValues())
          .extracting(bytes -> new String(bytes, StandardCharsets.UTF_8))
          .containsExactly(
              "{\"shipmentId\":\"s-2\",\"pieces\":1,\"weightKg\":2.5,\"shippedAt\":null}");
      DeadLetter letter = JsonTestSupport.deadLetters(h).get(0);
      assertThat(letter.errorClass()).isEqualTo(JsonRecordException.class.getName());
      assertThat(letter.errorMessage())
          .isEqualTo(
              "TOO_LARGE: Shipment written as JSON has "
                  + SHIPMENT_BYTES
                  + " bytes, over maxBytes "
                  + (SHIPMENT_BYTES - 1))
          .doesNotContain(EUROS);
      assertThat(letter.payloadText()).isEqualTo(SHIPMENT.toString());
      assertThat(letter.eventTime()).isEqualTo(5L);
      RecordAccounting.StepCounts counts = JsonTestSupport.counts(h);
      assertThat(counts.in()).isEqualTo(2);
      assertThat(counts.out()).isEqualTo(1);
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void withMaxBytes_textCountsUtf8BytesNotChars() throws Exception {
    // the text is SHIPMENT_BYTES - 20 chars long: under the limit in chars, over it in bytes
    try (OneInputStreamOperatorTestHarness<Shipment, String> h =
        open(Json.write("write", Shipment.class).asText().withMaxBytes(SHIPMENT_BYTES - 1))) {
      h.processElement(SHIPMENT, 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(JsonTestSupport.deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .asString()
          .startsWith("TOO_LARGE: Shipment written as JSON has " + SHIPMENT_BYTES + " bytes");
    }
  }

  @Test
  void withMaxBytes_recordOfExactlyTheLimit_isWritten() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, String> h =
        open(Json.write("write", Shipment.class).withMaxBytes(SHIPMENT_BYTES).asText())) {
      h.processElement(SHIPMENT, 5L);

      assertThat(h.extractOutputValues()).containsExactly(SHIPMENT_JSON);
      assertThat(JsonTestSupport.deadLetters(h)).isEmpty();
    }
  }

  @Test
  void withMaxBytes_failJobPolicy_failsTheStepWithoutThePayload() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, byte[]> h =
        JsonTestSupport.harness(
            Json.write("write", Shipment.class)
                .withMaxBytes(10)
                .newFunction(JsonTestSupport.errors(ErrorPolicy.failJob())))) {
      h.open();
      assertThatThrownBy(() -> h.processElement(SHIPMENT, 5L))
          .hasRootCauseInstanceOf(JsonRecordException.class)
          .hasRootCauseMessage(
              "TOO_LARGE: Shipment written as JSON has "
                  + SHIPMENT_BYTES
                  + " bytes, over maxBytes 10")
          .hasMessageNotContaining(EUROS);
    }
  }

  @Test
  void withMaxBytes_belowKafkasMaxRequestSize_makesAMegabyteRecordADeadLetter() throws Exception {
    // tag::json-write-max-bytes[]
    // Kafka's producer refuses a record over max.request.size (1,048,576 bytes by default), key,
    // headers and overhead counted in: over this, a dead letter here instead of a failing sink
    JsonWrite<Shipment, byte[]> step = Json.write("json", Shipment.class).withMaxBytes(1_040_000);
    // end::json-write-max-bytes[]
    try (OneInputStreamOperatorTestHarness<Shipment, byte[]> h = open(step)) {
      h.processElement(new Shipment("x".repeat(1_048_576), 1, 2.5, null), 5L);
      h.processElement(new Shipment("x".repeat(1_000_000), 1, 2.5, null), 6L);

      assertThat(h.extractOutputValues()).singleElement().matches(json -> json.length < 1_040_000);
      assertThat(JsonTestSupport.deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "TOO_LARGE: Shipment written as JSON has 1048636 bytes, over maxBytes 1040000");
    }
  }

  @Test
  void withMaxBytes_notPositive_isRejected() {
    JsonWrite<Shipment, byte[]> step = Json.write("write", Shipment.class);

    assertThatThrownBy(() -> step.withMaxBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be positive, was 0");
    assertThatThrownBy(() -> step.withMaxBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be positive, was -1");
  }

  @Test
  void withMaxBytes_defaultIsNoLimit_andTheSpecIsImmutable() {
    JsonWrite<Shipment, byte[]> step = Json.write("write", Shipment.class);
    JsonWrite<Shipment, byte[]> limited = step.withMaxBytes(1_000);

    assertThat(JsonWrite.DEFAULT_MAX_BYTES).isEqualTo(Integer.MAX_VALUE);
    assertThat(step)
        .hasToString("JsonWrite{write, type=Shipment, output=bytes, omitNullFields=false}");
    assertThat(limited)
        .hasToString(
            "JsonWrite{write, type=Shipment, output=bytes, omitNullFields=false, maxBytes=1000}");
    assertThat(limited.asText().withNullFieldsOmitted(true))
        .hasToString(
            "JsonWrite{write, type=Shipment, output=text, omitNullFields=true, maxBytes=1000}");
  }
}
