package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.accounting;
import static dev.etlkit.operators.avro.AvroFixtures.deadLetters;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.avro.generated.Payment;
import dev.etlkit.operators.avro.internal.AvroToJson;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;

/**
 * The toJson step's size limit: a record written longer than it, in UTF-8 bytes also for text
 * output, is a dead letter of the step instead of a record a Kafka producer refuses in the sink.
 */
class AvroToJsonMaxBytesTest {

  /** Ten euro signs: 10 characters, 30 bytes in UTF-8. */
  private static final String EUROS = "€".repeat(10);

  /** An order whose customer holds the secret and the euros: more UTF-8 bytes than characters. */
  private static final GenericRecord SECRET_ORDER = orderV2(SECRET + EUROS, "12.30");

  private static final String SECRET_ORDER_JSON = json(SECRET_ORDER);

  private static final int SECRET_ORDER_BYTES =
      SECRET_ORDER_JSON.getBytes(StandardCharsets.UTF_8).length;

  private static final GenericRecord SMALL_ORDER = orderV2("ada", "1.00");

  private static final String SMALL_ORDER_JSON = json(SMALL_ORDER);

  private static <T extends IndexedRecord, O> OneInputStreamOperatorTestHarness<T, O> open(
      Avro.ToJsonStep<T, O> step, TypeInformation<T> type, T sample) throws Exception {
    return AvroFixtures.openStep(step, type, sample, step.outputType());
  }

  private static <O> OneInputStreamOperatorTestHarness<GenericRecord, O> open(
      Avro.ToJsonStep<GenericRecord, O> step) throws Exception {
    return open(step, Avro.genericRecordType(ORDER_V2), SMALL_ORDER);
  }

  private static String tooLarge(int bytes, int maxBytes) {
    return "record too large: dev.etlkit.operators.avro.test.Order written as JSON has "
        + bytes
        + " bytes, over maxBytes "
        + maxBytes;
  }

  @Test
  void withMaxBytes_textOverTheLimit_isADeadLetterNamingSizeAndLimit() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, String> h =
        open(Avro.<GenericRecord>toJson("to-json").withMaxBytes(SECRET_ORDER_BYTES - 1))) {
      h.processElement(SECRET_ORDER, 5L);
      h.processElement(SMALL_ORDER, 6L);

      assertThat(h.extractOutputValues()).containsExactly(SMALL_ORDER_JSON);
      DeadLetter letter = deadLetters(h).get(0);
      assertThat(letter.errorClass()).isEqualTo(AvroFormatException.class.getName());
      assertThat(letter.errorMessage())
          .isEqualTo(tooLarge(SECRET_ORDER_BYTES, SECRET_ORDER_BYTES - 1))
          .doesNotContain(SECRET);
      assertThat(letter.payloadText()).isEqualTo(SECRET_ORDER.toString());
      assertThat(letter.eventTime()).isEqualTo(5L);
      RecordAccounting.StepCounts counts = accounting(h).step("orders", "to-json");
      assertThat(counts.in()).isEqualTo(2);
      assertThat(counts.out()).isEqualTo(1);
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void withMaxBytes_text_countsUtf8BytesNotCharacters() throws Exception {
    // the text has 20 characters fewer than its UTF-8 bytes: a limit between the two refuses it
    assertThat(SECRET_ORDER_JSON.length()).isEqualTo(SECRET_ORDER_BYTES - 20);
    try (OneInputStreamOperatorTestHarness<GenericRecord, String> h =
        open(Avro.<GenericRecord>toJson("to-json").withMaxBytes(SECRET_ORDER_BYTES - 10))) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(tooLarge(SECRET_ORDER_BYTES, SECRET_ORDER_BYTES - 10));
    }
  }

  @Test
  void withMaxBytes_recordOfExactlyTheLimit_isWritten_textAndBytes() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, String> h =
        open(Avro.<GenericRecord>toJson("to-json").withMaxBytes(SECRET_ORDER_BYTES))) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues()).containsExactly(SECRET_ORDER_JSON);
      assertThat(deadLetters(h)).isEmpty();
    }
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(Avro.<GenericRecord>toJson("to-json").asBytes().withMaxBytes(SECRET_ORDER_BYTES))) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues())
          .containsExactly(SECRET_ORDER_JSON.getBytes(StandardCharsets.UTF_8));
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  @Test
  void withMaxBytes_bytesOverTheLimit_isADeadLetter_andTheNextRecordIsWhole() throws Exception {
    // the limit set before asBytes() holds after it: the order of the calls does not matter
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(
            Avro.<GenericRecord>toJson("to-json").withMaxBytes(SECRET_ORDER_BYTES - 1).asBytes())) {
      h.processElement(SECRET_ORDER, 5L);
      h.processElement(SMALL_ORDER, 6L);

      assertThat(h.extractOutputValues())
          .containsExactly(SMALL_ORDER_JSON.getBytes(StandardCharsets.UTF_8));
      assertThat(deadLetters(h))
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.errorClass()).isEqualTo(AvroFormatException.class.getName());
                assertThat(l.errorMessage())
                    .isEqualTo(tooLarge(SECRET_ORDER_BYTES, SECRET_ORDER_BYTES - 1));
              });
    }
  }

  @Test
  void withMaxBytes_unpairedSurrogate_countsAsTheOneByteOfItsQuestionMark() throws Exception {
    // text and bytes hold the same document: the text's unpaired surrogate is "?" in UTF-8
    GenericRecord order = orderV2("ada\uD800", "1.00");
    byte[] utf8 = json(order).getBytes(StandardCharsets.UTF_8);
    try (OneInputStreamOperatorTestHarness<GenericRecord, String> h =
        open(Avro.<GenericRecord>toJson("to-json").withMaxBytes(utf8.length))) {
      h.processElement(order, 5L);

      assertThat(h.extractOutputValues()).singleElement().asString().contains("ada\uD800");
      assertThat(deadLetters(h)).isEmpty();
    }
    try (OneInputStreamOperatorTestHarness<GenericRecord, String> h =
        open(Avro.<GenericRecord>toJson("to-json").withMaxBytes(utf8.length - 1))) {
      h.processElement(order, 5L);

      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(tooLarge(utf8.length, utf8.length - 1));
    }
  }

  @Test
  void withMaxBytes_specificRecords_haveTheSameLimit() throws Exception {
    Payment small = payment("ada");
    Payment large = payment("x".repeat(1_000));
    try (OneInputStreamOperatorTestHarness<Payment, String> h =
        open(
            Avro.<Payment>toJson("to-json").withMaxBytes(500),
            Avro.specificRecordType(Payment.class),
            small)) {
      h.processElement(large, 5L);
      h.processElement(small, 6L);

      assertThat(h.extractOutputValues()).singleElement().asString().contains("\"ada\"");
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .asString()
          .startsWith(
              "record too large: dev.etlkit.operators.avro.generated.Payment written as JSON has ")
          .endsWith(" bytes, over maxBytes 500");
    }
  }

  @Test
  void withMaxBytes_failJobPolicy_failsTheStepWithoutThePayload() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(
            Avro.<GenericRecord>toJson("to-json")
                .asBytes()
                .withMaxBytes(10)
                .withErrorPolicy(ErrorPolicy.failJob()))) {
      assertThatThrownBy(() -> h.processElement(SECRET_ORDER, 5L))
          .hasRootCauseInstanceOf(AvroFormatException.class)
          .hasRootCauseMessage(tooLarge(SECRET_ORDER_BYTES, 10))
          .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain(SECRET));
    }
  }

  @Test
  void withMaxBytes_belowKafkasMaxRequestSize_makesAMegabyteRecordADeadLetter() throws Exception {
    // tag::to-json-max-bytes[]
    // Kafka's producer refuses a record over max.request.size (1,048,576 bytes by default), key,
    // headers and overhead counted in: over this, a dead letter here instead of a failing sink
    Avro.ToJsonStep<GenericRecord, byte[]> toJson =
        Avro.<GenericRecord>toJson("to-json").asBytes().withMaxBytes(1_040_000);
    // end::to-json-max-bytes[]
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h = open(toJson)) {
      h.processElement(orderV2("x".repeat(1_048_576), "1.00"), 5L);
      h.processElement(orderV2("x".repeat(1_000_000), "1.00"), 6L);

      assertThat(h.extractOutputValues()).singleElement().matches(b -> b.length < 1_040_000);
      assertThat(deadLetters(h))
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.errorMessage()).isEqualTo(tooLarge(1_048_715, 1_040_000));
                assertThat(l.payloadTruncated()).isTrue(); // the dead letter is no megabyte
              });
    }
  }

  @Test
  void withMaxBytes_notPositive_isRejected() {
    Avro.ToJsonStep<GenericRecord, String> step = Avro.toJson("to-json");

    assertThatThrownBy(() -> step.withMaxBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be positive, was 0");
    assertThatThrownBy(() -> step.asBytes().withMaxBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be positive, was -1");
  }

  @Test
  void withMaxBytes_defaultIsNoLimit_andTheSpecIsImmutable() throws Exception {
    Avro.ToJsonStep<GenericRecord, String> step = Avro.toJson("to-json");
    Avro.ToJsonStep<GenericRecord, String> limited = step.withMaxBytes(10);

    assertThat(limited).isNotSameAs(step);
    try (OneInputStreamOperatorTestHarness<GenericRecord, String> h = open(step)) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues()).containsExactly(SECRET_ORDER_JSON);
    }
  }

  /** {@code record} as the step writes it as text without a limit. */
  private static String json(IndexedRecord record) {
    try {
      return new AvroToJson().convert(record);
    } catch (AvroFormatException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Payment payment(String payer) {
    return Payment.newBuilder()
        .setId(UUID.fromString("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11"))
        .setAmount(new BigDecimal("5.00"))
        .setBookedOn(LocalDate.of(2024, 1, 1))
        .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z"))
        .setPayer(payer)
        .build();
  }
}
