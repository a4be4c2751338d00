package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.accounting;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.confluent;
import static dev.etlkit.operators.avro.AvroFixtures.deadLetters;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.avro.generated.Payment;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;

/**
 * The encode step's size limit: a record encoded longer than it is a dead letter of the step, the
 * Confluent header counted, instead of a record a Kafka producer refuses in the sink.
 */
class AvroEncodeMaxBytesTest {

  private static final TypeInformation<byte[]> BYTES =
      PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;

  /** An order whose customer holds the secret, so that its message can be checked for it. */
  private static final GenericRecord SECRET_ORDER = orderV2(SECRET, "12.30");

  private static final int SECRET_ORDER_BYTES = binary(SECRET_ORDER).length;

  private static <T extends IndexedRecord> OneInputStreamOperatorTestHarness<T, byte[]> open(
      Avro.EncodeStep<T> step, TypeInformation<T> type, T sample) throws Exception {
    return AvroFixtures.openStep(step, type, sample, BYTES);
  }

  private static OneInputStreamOperatorTestHarness<GenericRecord, byte[]> open(
      Avro.EncodeStep<GenericRecord> step) throws Exception {
    return open(step, Avro.genericRecordType(ORDER_V2), orderV2("ada", "1.00"));
  }

  @Test
  void withMaxBytes_recordOverTheLimit_isADeadLetterNamingSizeAndLimit() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(Avro.encode("encode", ORDER_V2).withMaxBytes(SECRET_ORDER_BYTES - 1))) {
      h.processElement(SECRET_ORDER, 5L);
      h.processElement(orderV2("ada", "1.00"), 6L);

      assertThat(h.extractOutputValues()).containsExactly(binary(orderV2("ada", "1.00")));
      DeadLetter letter = deadLetters(h).get(0);
      assertThat(letter.errorClass()).isEqualTo(AvroFormatException.class.getName());
      assertThat(letter.errorMessage())
          .isEqualTo(
              "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                  + SECRET_ORDER_BYTES
                  + " bytes, over maxBytes "
                  + (SECRET_ORDER_BYTES - 1))
          .doesNotContain(SECRET);
      assertThat(letter.payloadText()).isEqualTo(SECRET_ORDER.toString());
      assertThat(letter.eventTime()).isEqualTo(5L);
      RecordAccounting.StepCounts counts = accounting(h).step("orders", "encode");
      assertThat(counts.in()).isEqualTo(2);
      assertThat(counts.out()).isEqualTo(1);
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void withMaxBytes_recordOfExactlyTheLimit_isEncoded() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(Avro.encode("encode", ORDER_V2).withMaxBytes(SECRET_ORDER_BYTES))) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues()).containsExactly(binary(SECRET_ORDER));
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  @Test
  void withMaxBytes_confluentHeaderCounts() throws Exception {
    // the 5-byte header is part of what the sink sends: the body alone fits, with it not
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .withMaxBytes(SECRET_ORDER_BYTES + 4)
                .withConfluentSchemaId(2))) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                  + (SECRET_ORDER_BYTES + 5)
                  + " bytes, the 5-byte Confluent header included, over maxBytes "
                  + (SECRET_ORDER_BYTES + 4));
    }
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .withConfluentSchemaId(2)
                .withMaxBytes(SECRET_ORDER_BYTES + 5))) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues()).containsExactly(confluent(2, binary(SECRET_ORDER)));
    }
  }

  @Test
  void withMaxBytes_encodeSpecific_appliesTheSameLimit() throws Exception {
    Payment small = payment("ada");
    Payment large = payment("x".repeat(1_000));
    try (OneInputStreamOperatorTestHarness<Payment, byte[]> h =
        open(
            Avro.encodeSpecific("encode", Payment.class).withMaxBytes(500),
            Avro.specificRecordType(Payment.class),
            small)) {
      h.processElement(large, 5L);
      h.processElement(small, 6L);

      assertThat(h.extractOutputValues()).singleElement().matches(bytes -> bytes.length <= 500);
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .asString()
          .startsWith(
              "record too large: dev.etlkit.operators.avro.generated.Payment encoded as Avro has ")
          .endsWith(" bytes, over maxBytes 500");
    }
  }

  @Test
  void withMaxBytes_failJobPolicy_failsTheStepWithoutThePayload() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .withMaxBytes(10)
                .withErrorPolicy(ErrorPolicy.failJob()))) {
      assertThatThrownBy(() -> h.processElement(SECRET_ORDER, 5L))
          .hasRootCauseInstanceOf(AvroFormatException.class)
          .hasRootCauseMessage(
              "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                  + SECRET_ORDER_BYTES
                  + " bytes, over maxBytes 10")
          .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain(SECRET));
    }
  }

  @Test
  void withMaxBytes_belowKafkasMaxRequestSize_makesAMegabyteRecordADeadLetter() throws Exception {
    // tag::encode-max-bytes[]
    // Kafka's producer refuses a record over max.request.size (1,048,576 bytes by default), key,
    // headers and overhead counted in: over this, a dead letter here instead of a failing sink
    Avro.EncodeStep<GenericRecord> encode =
        Avro.encode("encode", ORDER_V2)
            .withConfluentSchemaId(2) // the 5-byte header counts
            .withMaxBytes(1_040_000);
    // end::encode-max-bytes[]
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h = open(encode)) {
      h.processElement(orderV2("x".repeat(1_048_576), "1.00"), 5L);
      h.processElement(orderV2("x".repeat(1_000_000), "1.00"), 6L);

      assertThat(h.extractOutputValues()).singleElement().matches(b -> b.length < 1_040_000);
      assertThat(deadLetters(h))
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.errorMessage())
                    .isEqualTo(
                        "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro"
                            + " has 1048635 bytes, the 5-byte Confluent header included, over"
                            + " maxBytes 1040000");
                assertThat(l.payloadTruncated()).isTrue(); // the dead letter is no megabyte
              });
    }
  }

  @Test
  void withMaxBytes_notPositive_isRejected() {
    Avro.EncodeStep<GenericRecord> step = Avro.encode("encode", ORDER_V2);

    assertThatThrownBy(() -> step.withMaxBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be positive, was 0");
    assertThatThrownBy(() -> step.withMaxBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be positive, was -1");
  }

  @Test
  void withMaxBytes_defaultIsNoLimit_andTheSpecIsImmutable() throws Exception {
    Avro.EncodeStep<GenericRecord> step = Avro.encode("encode", ORDER_V2);
    Avro.EncodeStep<GenericRecord> limited = step.withMaxBytes(10);

    assertThat(Avro.DEFAULT_MAX_BYTES).isEqualTo(Integer.MAX_VALUE);
    assertThat(limited).isNotSameAs(step);
    try (OneInputStreamOperatorTestHarness<GenericRecord, byte[]> h = open(step)) {
      h.processElement(SECRET_ORDER, 5L);

      assertThat(h.extractOutputValues()).containsExactly(binary(SECRET_ORDER));
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
