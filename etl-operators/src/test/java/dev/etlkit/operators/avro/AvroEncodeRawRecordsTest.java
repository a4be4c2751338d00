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
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.avro.generated.Payment;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The encode step's keyed output: the Avro bytes as the value of a {@link RawRecord} beside its
 * key, the key counted against the size limit, so that a Kafka serializer only wraps bytes.
 */
class AvroEncodeRawRecordsTest {

  private static final TypeInformation<GenericRecord> ORDERS = Avro.genericRecordType(ORDER_V2);
  private static final GenericRecord ORDER = orderV2("ada", "12.30");
  private static final int ORDER_BYTES = binary(ORDER).length;

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> open(
      AvroRawEncodeStep<GenericRecord> step) throws Exception {
    return AvroFixtures.openStep(step, ORDERS, ORDER, RawRecord.TYPE_INFO);
  }

  private static byte[] customerKey(GenericRecord order) {
    return utf8(order.get("customer").toString());
  }

  @Test
  void asRawRecords_keyBesideTheAvroValue_withTheRecordsTimestamp() throws Exception {
    // tag::encode-raw-records[]
    AvroRawEncodeStep<GenericRecord> step =
        Avro.encode("encode", ORDER_V2)
            .withConfluentSchemaId(2)
            .asRawRecords(order -> order.get("id").toString().getBytes(StandardCharsets.UTF_8));
    // end::encode-raw-records[]
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h = open(step)) {
      h.processElement(ORDER, 5L);

      assertThat(h.extractOutputValues())
          .containsExactly(
              new RawRecord(
                  utf8(AvroFixtures.ORDER_ID.toString()), confluent(2, binary(ORDER)), null, 5L));
      RecordAccounting.StepCounts counts = accounting(h).step("orders", "encode");
      assertThat(counts.out()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
    assertThat(step.name()).isEqualTo("encode");
  }

  @Test
  void asRawRecords_recordWithoutTimestamp_hasNoTimestamp() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(Avro.encode("encode", ORDER_V2).asRawRecords(AvroEncodeRawRecordsTest::customerKey))) {
      // Flink's "no timestamp" marker, which a source without a timestamp assigner (fromData, a
      // file source) stamps on every record, and a record without any timestamp
      h.processElement(ORDER, TimestampAssigner.NO_TIMESTAMP);
      h.processElement(new StreamRecord<>(ORDER));

      // a RawRecord's timestamp is epoch milliseconds or null: never the marker, which a Kafka
      // ProducerRecord refuses as a negative timestamp
      assertThat(h.extractOutputValues())
          .containsExactly(
              new RawRecord(utf8("ada"), binary(ORDER), null, null),
              new RawRecord(utf8("ada"), binary(ORDER), null, null));
    }
  }

  @Test
  void asRawRecords_nullKey_isARecordWithoutKey() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(Avro.encode("encode", ORDER_V2).asRawRecords(order -> null))) {
      h.processElement(ORDER, 5L);

      assertThat(h.extractOutputValues())
          .containsExactly(new RawRecord(null, binary(ORDER), null, 5L));
    }
  }

  @Test
  void asRawRecords_keyFunctionThrows_isADeadLetterNamingItsClassNotItsMessage() throws Exception {
    GenericRecord secret = orderV2(SECRET, "1.00");
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .asRawRecords(
                    order -> {
                      if (order.get("customer").toString().equals(SECRET)) {
                        throw new IllegalStateException("no key for " + order);
                      }
                      return customerKey(order);
                    }))) {
      h.processElement(secret, 5L);
      h.processElement(ORDER, 6L);

      assertThat(h.extractOutputValues()).extracting(RawRecord::key).containsExactly(utf8("ada"));
      DeadLetter letter = deadLetters(h).get(0);
      assertThat(letter.errorClass()).isEqualTo(AvroFormatException.class.getName());
      assertThat(letter.errorMessage())
          .isEqualTo(
              "cannot compute the key of dev.etlkit.operators.avro.test.Order"
                  + " (java.lang.IllegalStateException)");
      assertThat(letter.payloadText()).isEqualTo(secret.toString());
      assertThat(letter.eventTime()).isEqualTo(5L);
      RecordAccounting.StepCounts counts = accounting(h).step("orders", "encode");
      assertThat(counts.in()).isEqualTo(2);
      assertThat(counts.out()).isEqualTo(1);
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void asRawRecords_keyFunctionThrowsAnError_failsTheTask() throws Exception {
    // an Error is no bad record (concepts.md): whatever the policy, it is not a dead letter
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .asRawRecords(
                    order -> {
                      throw new LinkageError("broken class path");
                    }))) {
      assertThatThrownBy(() -> h.processElement(ORDER, 5L))
          .isInstanceOf(LinkageError.class)
          .hasMessage("broken class path");
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  /**
   * An interrupted key function (the task is being cancelled; the exception wrapped, the flag
   * cleared) is no bad record (concepts.md): the step fails the record with an EtlException and
   * restores the flag. It used to be a dead letter: the key's failure was rethrown without it.
   */
  @Test
  void asRawRecords_keyFunctionInterrupted_failsTheRecordAndKeepsTheInterrupt() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .asRawRecords(
                    order -> {
                      throw new IllegalStateException(new InterruptedException("cancelled"));
                    }))) {
      try {
        assertThatThrownBy(() -> h.processElement(ORDER, 5L))
            .isInstanceOf(EtlException.class)
            .hasMessage("[orders/encode] interrupted while processing a record");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  @Test
  void asRawRecords_recordThatDoesNotEncode_isADeadLetterAsWithTheBytes() throws Exception {
    GenericRecord bad = orderV2(SECRET, "1.00");
    bad.put("amount", null); // not nullable
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(Avro.encode("encode", ORDER_V2).asRawRecords(AvroEncodeRawRecordsTest::customerKey))) {
      h.processElement(bad, 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(deadLetters(h))
          .singleElement()
          .satisfies(
              letter -> {
                assertThat(letter.errorClass()).isEqualTo(AvroFormatException.class.getName());
                assertThat(letter.errorMessage()).contains("amount").doesNotContain(SECRET);
              });
      assertThat(accounting(h).step("orders", "encode").isBalanced()).isTrue();
    }
  }

  @Test
  void asRawRecords_withMaxBytes_limitsTheKeyTheHeaderAndTheValueTogether() throws Exception {
    int framed = ORDER_BYTES + 5;
    GenericRecord noKey = orderV2("ab", "12.30"); // one byte shorter than "ada"
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .withConfluentSchemaId(2)
                .withMaxBytes(framed + 3)
                .asRawRecords(
                    order ->
                        order.get("customer").toString().equals("ab")
                            ? null
                            : utf8("k".repeat(order.get("channel").toString().length()))))) {
      h.processElement(ORDER, 5L); // channel "app": a key of 3, at the limit exactly
      GenericRecord longerKey = orderV2("ada", "12.30");
      longerKey.put("channel", "apps"); // one byte longer, and its key too
      h.processElement(longerKey, 6L);
      h.processElement(noKey, 7L);

      assertThat(h.extractOutputValues())
          .containsExactly(
              new RawRecord(utf8("kkk"), confluent(2, binary(ORDER)), null, 5L),
              new RawRecord(null, confluent(2, binary(noKey)), null, 7L));
      assertThat(deadLetters(h))
          .singleElement()
          .satisfies(
              letter -> {
                assertThat(letter.errorMessage())
                    .isEqualTo(
                        "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro"
                            + " has "
                            + (framed + 1)
                            + " bytes, the 5-byte Confluent header included, and its key 4,"
                            + " over maxBytes "
                            + (framed + 3));
                assertThat(letter.payloadText()).isEqualTo(longerKey.toString());
              });
      assertThat(accounting(h).step("orders", "encode").isBalanced()).isTrue();
    }
  }

  @Test
  void asRawRecords_keyOneByteOverTheLimit_isADeadLetter_withoutHeader() throws Exception {
    try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h =
        open(
            Avro.encode("encode", ORDER_V2)
                .withMaxBytes(ORDER_BYTES + 2)
                .asRawRecords(AvroEncodeRawRecordsTest::customerKey))) {
      h.processElement(ORDER, 5L); // "ada": 3 bytes of key

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                  + ORDER_BYTES
                  + " bytes and its key 3, over maxBytes "
                  + (ORDER_BYTES + 2));
    }
  }

  @Test
  void asRawRecords_specificRecords_encodeAsTheBytesStepDoes() throws Exception {
    Payment payment =
        Payment.newBuilder()
            .setId(UUID.fromString("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11"))
            .setAmount(new BigDecimal("5.00"))
            .setBookedOn(LocalDate.of(2024, 1, 1))
            .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z"))
            .setPayer("ada")
            .build();
    TypeInformation<Payment> payments = Avro.specificRecordType(Payment.class);
    Avro.EncodeStep<Payment> encode = Avro.encodeSpecific("encode", Payment.class);
    byte[] bytes;
    try (OneInputStreamOperatorTestHarness<Payment, byte[]> h =
        AvroFixtures.openStep(
            encode, payments, payment, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)) {
      h.processElement(payment, 5L);
      bytes = h.extractOutputValues().get(0);
    }
    try (OneInputStreamOperatorTestHarness<Payment, RawRecord> h =
        AvroFixtures.openStep(
            encode.asRawRecords(p -> utf8(p.getPayer())), payments, payment, RawRecord.TYPE_INFO)) {
      h.processElement(payment, 5L);

      assertThat(h.extractOutputValues())
          .containsExactly(new RawRecord(utf8("ada"), bytes, null, 5L));
    }
  }

  @Test
  void options_keptFromTheEncodeStep_andSetAfterAsRawRecords_giveTheSameStep() throws Exception {
    GenericRecord large = orderV2("x".repeat(100), "1.00");
    AvroRawEncodeStep<GenericRecord> before =
        Avro.encode("encode", ORDER_V2)
            .withConfluentSchemaId(7)
            .withMaxBytes(ORDER_BYTES + 5 + 3)
            .withErrorPolicy(ErrorPolicy.failJob())
            .asRawRecords(AvroEncodeRawRecordsTest::customerKey);
    AvroRawEncodeStep<GenericRecord> after =
        Avro.encode("encode", ORDER_V2)
            .asRawRecords(AvroEncodeRawRecordsTest::customerKey)
            .withErrorPolicy(ErrorPolicy.failJob())
            .withMaxBytes(ORDER_BYTES + 5 + 3)
            .withConfluentSchemaId(7);

    for (AvroRawEncodeStep<GenericRecord> step : List.of(before, after)) {
      try (OneInputStreamOperatorTestHarness<GenericRecord, RawRecord> h = open(step)) {
        h.processElement(ORDER, 5L); // at the limit: header, value and key

        assertThat(h.extractOutputValues())
            .containsExactly(new RawRecord(utf8("ada"), confluent(7, binary(ORDER)), null, 5L));
        // over it, the policy fails the job
        assertThatThrownBy(() -> h.processElement(large, 6L))
            .isInstanceOf(EtlException.class)
            .hasRootCauseInstanceOf(AvroFormatException.class);
      }
    }
  }

  @Test
  void asRawRecords_outputIsRawRecordsType_notKryo() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    AvroFixtures.disableGenericTypes(env.getConfig());

    TypeInformation<RawRecord> type =
        Etl.from(env.fromData(ORDERS, ORDER), "orders")
            .apply(Avro.encode("encode", ORDER_V2).asRawRecords(order -> null))
            .toDataStream()
            .getType();

    assertThat(type).isEqualTo(RawRecord.TYPE_INFO).isNotInstanceOf(GenericTypeInfo.class);
    assertThat(type.createSerializer(env.getConfig().getSerializerConfig())).isNotNull();
  }

  @Test
  void options_areValidated_andTheSpecIsImmutable() {
    Avro.EncodeStep<GenericRecord> encode = Avro.encode("encode", ORDER_V2);
    AvroRawEncodeStep<GenericRecord> step = encode.asRawRecords(order -> null);

    assertThatThrownBy(() -> encode.asRawRecords(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key");
    assertThatThrownBy(() -> step.withMaxBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must be positive, was 0");
    assertThatThrownBy(() -> step.withConfluentSchemaId(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("confluentSchemaId must be >= 0, was -1");
    assertThatThrownBy(() -> step.withErrorPolicy(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy");
    assertThat(step.withMaxBytes(10)).isNotSameAs(step);
    assertThat(step.withConfluentSchemaId(1)).isNotSameAs(step);
  }
}
