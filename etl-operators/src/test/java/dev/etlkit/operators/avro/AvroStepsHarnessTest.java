package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V0_INCOMPATIBLE;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.accounting;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.confluent;
import static dev.etlkit.operators.avro.AvroFixtures.deadLetters;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.internal.MapStepFunction;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.LogCapture;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.generated.Payment;
import dev.etlkit.operators.avro.internal.AvroDecodingFunction;
import dev.etlkit.operators.avro.internal.AvroEncodeFunction;
import dev.etlkit.operators.avro.internal.AvroToJson;
import dev.etlkit.operators.avro.internal.AvroToJsonFunction;
import dev.etlkit.operators.avro.internal.JsonToAvroFunction;
import dev.etlkit.operators.avro.internal.PojoToAvroFunction;
import dev.etlkit.operators.avro.internal.RecordModel;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;

/**
 * Each Avro step's function in Flink's operator harness: outputs, dead letters on the side output
 * with the original payload and source, balanced accounting, error policies, no payload leaks.
 */
class AvroStepsHarnessTest {

  private static final StepIdentity STEP = new StepIdentity("orders", "avro", "orders/avro");
  private static final SchemaProvider SCHEMAS =
      SchemaProvider.of(Map.of(1, ORDER_V1, 2, ORDER_V2, 3, ORDER_V0_INCOMPATIBLE));

  /**
   * A harness whose outputs go through the step's declared output serializer (as in a job), with
   * Kryo disabled: {@code ProcessFunctionTestHarnesses} would derive the type from the first output
   * object and fall back to Kryo.
   */
  private static <I, O> OneInputStreamOperatorTestHarness<I, O> harness(
      ProcessFunction<I, O> function, TypeInformation<O> outputType) throws Exception {
    OneInputStreamOperatorTestHarness<I, O> harness =
        new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(function), 1, 1, 0);
    AvroFixtures.disableGenericTypes(harness.getExecutionConfig());
    harness.setup(outputType.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
    harness.open();
    return harness;
  }

  private static final TypeInformation<GenericRecord> ORDERS = Avro.genericRecordType(ORDER_V2);
  private static final TypeInformation<byte[]> BYTES =
      PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;

  private static OneInputStreamOperatorTestHarness<RawRecord, GenericRecord> decoder(
      SchemaProvider provider, ErrorPolicy policy) throws Exception {
    return harness(
        new AvroDecodingFunction<>(
            PayloadInput.rawRecords(),
            new ErrorHandler(STEP, policy),
            RecordModel.generic(ORDER_V2),
            null,
            provider,
            Avro.DEFAULT_MAX_COLLECTION_ITEMS),
        ORDERS);
  }

  private static RawRecord at(long offset, byte[] value) {
    return new RawRecord("k".getBytes(StandardCharsets.UTF_8), value, "orders/0@" + offset, 1000L);
  }

  private static byte[] truncated(byte[] bytes) {
    return Arrays.copyOf(bytes, bytes.length - 4);
  }

  @Test
  void decode_plainBinary_emitsGoodRecordsAndOneDeadLetterPerBadOne() throws Exception {
    byte[] good = binary(orderV2("ada", "12.30"));
    byte[] cut = truncated(binary(orderV2("bob", "1.00")));
    try (var h =
        harness(
            new AvroDecodingFunction<>(
                PayloadInput.rawRecords(),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                RecordModel.generic(ORDER_V2),
                null,
                null,
                Avro.DEFAULT_MAX_COLLECTION_ITEMS),
            ORDERS)) {
      h.processElement(at(1, good), 10L);
      h.processElement(at(2, cut), 11L);
      h.processElement(at(3, new byte[] {1, 2, 3}), 12L);
      h.processElement(at(4, good), 13L);

      assertThat(h.extractOutputValues())
          .containsExactly(orderV2("ada", "12.30"), orderV2("ada", "12.30"));
      List<DeadLetter> letters = deadLetters(h);
      assertThat(letters).hasSize(2);
      assertThat(letters.get(0).payloadBytes()).isEqualTo(cut);
      assertThat(letters.get(0).sourcePosition()).isEqualTo("orders/0@2");
      assertThat(letters.get(0).eventTime()).isEqualTo(11L);
      assertThat(letters.get(0).errorClass()).isEqualTo(AvroFormatException.class.getName());
      assertThat(letters.get(0).errorMessage()).contains("truncated");
      assertThat(letters.get(1).sourcePosition()).isEqualTo("orders/0@3");
      RecordAccounting.StepCounts counts = accounting(h).step("orders", "avro");
      assertThat(counts.in()).isEqualTo(4);
      assertThat(counts.out()).isEqualTo(2);
      assertThat(counts.deadLettered()).isEqualTo(2);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void decode_confluent_eachBadHeaderIdOrSchemaBecomesExactlyOneDeadLetter() throws Exception {
    byte[] wrongMagic = confluent(2, binary(orderV2("x", "1.00")));
    wrongMagic[0] = 1;
    try (var h = decoder(SCHEMAS, ErrorPolicy.deadLetter())) {
      h.processElement(at(1, confluent(1, binary(orderV1("ada", "1.00")))), 1L);
      h.processElement(at(2, confluent(2, binary(orderV2("bob", "2.00")))), 1L);
      h.processElement(at(3, wrongMagic), 1L);
      h.processElement(at(4, new byte[] {0, 0, 1}), 1L);
      h.processElement(at(5, confluent(42, binary(orderV2("x", "1.00")))), 1L);
      h.processElement(at(6, confluent(3, new byte[] {2, 0x41})), 1L);
      h.processElement(
          new RawRecord("k".getBytes(StandardCharsets.UTF_8), null, "orders/0@7", 1L), 1L);

      assertThat(h.extractOutputValues())
          .extracting(r -> r.get("customer") + "/" + r.get("channel"))
          .containsExactly("ada/web", "bob/app");
      assertThat(deadLetters(h))
          .extracting(DeadLetter::sourcePosition, DeadLetter::errorMessage)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "orders/0@3", "not the Confluent wire format: magic byte is 0x01, expected 0x00"),
              org.assertj.core.groups.Tuple.tuple(
                  "orders/0@4",
                  "not the Confluent wire format: 3 bytes, shorter than the 5-byte header (magic"
                      + " byte + schema id)"),
              org.assertj.core.groups.Tuple.tuple("orders/0@5", "unknown writer schema id 42"),
              org.assertj.core.groups.Tuple.tuple(
                  "orders/0@6",
                  deadLetters(h).get(3).errorMessage())); // incompatible: checked below
      assertThat(deadLetters(h).get(3).errorMessage())
          .startsWith("writer schema id 3 (dev.etlkit.operators.avro.test.Order) is incompatible");
      RecordAccounting.StepCounts counts = accounting(h).step("orders", "avro");
      assertThat(counts.filtered()).isEqualTo(1); // the tombstone
      assertThat(counts.deadLettered()).isEqualTo(4);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  /** A schema registry that is down: every lookup throws, with a credential in its message. */
  private static final SchemaProvider REGISTRY_DOWN =
      id -> {
        throw new java.net.ConnectException("http://user:" + SECRET + "@registry: refused");
      };

  @Test
  void decode_confluent_providerThatThrows_failsTheTaskNamingStepAndClassOnly() throws Exception {
    try (var h = decoder(REGISTRY_DOWN, ErrorPolicy.deadLetter())) {
      assertThatThrownBy(
              () -> h.processElement(at(1, confluent(1, binary(orderV1("ada", "1.00")))), 1L))
          .isInstanceOf(EtlException.class)
          .hasMessage(
              "[orders/avro] schema provider failed to look up writer schema id 1"
                  + " (java.net.ConnectException)")
          .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain(SECRET));
      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  @Test
  void decode_confluent_providerInterrupted_failsTheTaskAndKeepsTheInterruptFlag()
      throws Exception {
    SchemaProvider cancelled =
        id -> {
          throw new InterruptedException();
        };
    try (var h = decoder(cancelled, ErrorPolicy.deadLetter())) {
      assertThatThrownBy(
              () -> h.processElement(at(1, confluent(1, binary(orderV1("ada", "1.00")))), 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("[orders/avro]")
          .hasMessageContaining("interrupted");
      assertThat(Thread.interrupted()).isTrue(); // and clears it for the next test
      assertThat(deadLetters(h)).isEmpty();
    }
  }

  @Test
  void decode_confluent_providerThatThrows_withDeadLetter_rejectsTheRecordAndGoesOn()
      throws Exception {
    try (var h =
        harness(
            new AvroDecodingFunction<>(
                PayloadInput.rawRecords(),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                RecordModel.generic(ORDER_V2),
                null,
                REGISTRY_DOWN,
                SchemaLookupFailures.DEAD_LETTER,
                Avro.DEFAULT_MAX_COLLECTION_ITEMS),
            ORDERS)) {
      h.processElement(at(1, confluent(1, binary(orderV1("ada", "1.00")))), 1L);
      h.processElement(at(2, confluent(1, binary(orderV1("bob", "1.00")))), 1L);

      assertThat(deadLetters(h))
          .extracting(DeadLetter::sourcePosition, DeadLetter::errorClass, DeadLetter::errorMessage)
          .containsOnly(
              org.assertj.core.groups.Tuple.tuple(
                  "orders/0@1",
                  AvroFormatException.class.getName(),
                  "schema provider failed to look up writer schema id 1"
                      + " (java.net.ConnectException)"),
              org.assertj.core.groups.Tuple.tuple(
                  "orders/0@2",
                  AvroFormatException.class.getName(),
                  "schema provider failed to look up writer schema id 1"
                      + " (java.net.ConnectException)"));
      assertThat(accounting(h).step("orders", "avro").isBalanced()).isTrue();
    }
  }

  @Test
  void decode_confluent_providerThatCannotOpen_failsTheTaskNamingStepAndClassOnly() {
    SchemaProvider unreachable =
        new SchemaProvider() {
          private static final long serialVersionUID = 1L;

          @Override
          public void open() throws Exception {
            throw new java.net.ConnectException("http://user:" + SECRET + "@registry: refused");
          }

          @Override
          public org.apache.avro.Schema schemaById(int id) {
            return null;
          }
        };
    assertThatThrownBy(() -> decoder(unreachable, ErrorPolicy.deadLetter()))
        .isInstanceOf(EtlException.class)
        .hasMessage("[orders/avro] schema provider failed to open (java.net.ConnectException)")
        .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain(SECRET));
  }

  @Test
  void decodeSpecific_emitsInstancesOfTheGeneratedClass() throws Exception {
    Payment payment =
        Payment.newBuilder()
            .setId(UUID.randomUUID())
            .setAmount(new BigDecimal("5.00"))
            .setBookedOn(java.time.LocalDate.of(2024, 1, 1))
            .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z"))
            .setPayer("ada")
            .build();
    byte[] bytes =
        new dev.etlkit.operators.avro.internal.AvroRecordEncoder<>(
                RecordModel.specific(Payment.class), null)
            .encode(payment);
    try (var h =
        harness(
            new AvroDecodingFunction<byte[], Payment>(
                PayloadInput.bytes(),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                RecordModel.specific(Payment.class),
                null,
                null,
                100),
            Avro.specificRecordType(Payment.class))) {
      h.processElement(bytes, 1L);
      h.processElement(new byte[] {9}, 1L);

      assertThat(h.extractOutputValues()).containsExactly(payment);
      assertThat(deadLetters(h))
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.payloadBytes()).containsExactly(9);
                assertThat(l.sourcePosition()).isNull();
              });
    }
  }

  @Test
  void fromJson_badDocumentsBecomeDeadLettersKeepingTheirText() throws Exception {
    String good =
        "{\"id\":\""
            + AvroFixtures.ORDER_ID
            + "\",\"customer\":\"ada\",\"amount\":\"12.30\","
            + "\"placedAt\":\"2024-05-01T10:15:30.123Z\",\"channel\":\"app\"}";
    try (var h =
        harness(
            new JsonToAvroFunction<>(
                PayloadInput.text(),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                ORDER_V2,
                JsonReadLimits.defaults()),
            ORDERS)) {
      h.processElement(good, 1L);
      h.processElement("{\"id\":", 1L);
      h.processElement(good.replace("12.30", "true"), 1L);

      assertThat(h.extractOutputValues()).containsExactly(orderV2("ada", "12.30"));
      assertThat(deadLetters(h))
          .extracting(DeadLetter::payloadText)
          .containsExactly("{\"id\":", good.replace("12.30", "true"));
      assertThat(accounting(h).step("orders", "avro").isBalanced()).isTrue();
    }
  }

  @Test
  void encode_recordsThatDoNotFitBecomeDeadLetters() throws Exception {
    GenericRecord tooPrecise = orderV2("bob", "1.00");
    tooPrecise.put("amount", new BigDecimal("1.001"));
    GenericRecord tooFine = orderV2("cy", "1.00");
    tooFine.put("placedAt", AvroFixtures.PLACED_AT.plusNanos(1)); // Avro would drop the nanosecond
    try (var h =
        harness(
            new MapStepFunction<>(
                new AvroEncodeFunction<>(RecordModel.generic(ORDER_V2), 2),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter())),
            BYTES)) {
      h.processElement(orderV2("ada", "1.00"), 1L);
      h.processElement(tooPrecise, 2L);
      h.processElement(tooFine, 3L);

      assertThat(h.extractOutputValues())
          .singleElement()
          .isEqualTo(confluent(2, binary(orderV2("ada", "1.00"))));
      assertThat(deadLetters(h))
          .satisfiesExactly(
              l -> {
                assertThat(l.errorMessage())
                    .contains("Cannot encode decimal with scale 3 as scale 2");
                assertThat(l.payloadText()).contains("\"customer\": \"bob\"");
              },
              l ->
                  assertThat(l.errorMessage())
                      .endsWith(
                          "at $.placedAt: timestamp has more fraction digits than"
                              + " timestamp-millis holds"));
      assertThat(accounting(h).step("orders", "avro").isBalanced()).isTrue();
    }
  }

  @Test
  void toJson_recordsThatDoNotFitTheirSchemaBecomeDeadLetters() throws Exception {
    GenericRecord noCustomer = orderV2("bob", "1.00");
    noCustomer.put("customer", null);
    try (var h =
        harness(
            new MapStepFunction<>(
                new AvroToJsonFunction<GenericRecord, String>(false),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter())),
            Types.STRING)) {
      h.processElement(orderV2("ada", "1.00"), 1L);
      h.processElement(noCustomer, 2L);

      assertThat(h.extractOutputValues())
          .singleElement()
          .asString()
          .contains("\"customer\":\"ada\"");
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "record does not fit its schema dev.etlkit.operators.avro.test.Order at"
                  + " $.customer: null is not allowed for string");
      assertThat(accounting(h).step("orders", "avro").isBalanced()).isTrue();
    }
  }

  @Test
  void toJsonAsBytes_badRecordBetweenGoodOnes_oneDeadLetterAndTheOthersWholeUtf8()
      throws Exception {
    GenericRecord noCustomer = orderV2("bob", "1.00");
    noCustomer.put("customer", null);
    try (var h =
        harness(
            new MapStepFunction<>(
                new AvroToJsonFunction<GenericRecord, byte[]>(true),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter())),
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)) {
      h.processElement(orderV2("ada", "1.00"), 1L);
      h.processElement(noCustomer, 2L);
      h.processElement(orderV2("käse", "2.00"), 3L);

      AvroToJson text = new AvroToJson();
      assertThat(h.extractOutputValues())
          .containsExactly(
              text.convert(orderV2("ada", "1.00")).getBytes(StandardCharsets.UTF_8),
              text.convert(orderV2("käse", "2.00")).getBytes(StandardCharsets.UTF_8));
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "record does not fit its schema dev.etlkit.operators.avro.test.Order at"
                  + " $.customer: null is not allowed for string");
      assertThat(accounting(h).step("orders", "avro").isBalanced()).isTrue();
    }
  }

  /** A Java record to convert. */
  record OrderRecord(UUID id, String customer, BigDecimal amount, Instant placedAt) {}

  @Test
  void fromPojo_objectsThatDoNotFitBecomeDeadLetters() throws Exception {
    try (var h =
        harness(
            new MapStepFunction<>(
                new PojoToAvroFunction<>(OrderRecord.class, ORDER_V2),
                new ErrorHandler(STEP, ErrorPolicy.deadLetter())),
            ORDERS)) {
      h.processElement(
          new OrderRecord(
              AvroFixtures.ORDER_ID, "ada", new BigDecimal("1"), AvroFixtures.PLACED_AT),
          1L);
      h.processElement(new OrderRecord(null, "bob", BigDecimal.ONE, AvroFixtures.PLACED_AT), 1L);

      assertThat(h.extractOutputValues())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.get("amount")).isEqualTo(new BigDecimal("1.00"));
                assertThat(r.get("channel")).isEqualTo("web");
              });
      assertThat(deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "object does not fit Avro schema dev.etlkit.operators.avro.test.Order at $.id: null"
                  + " is not allowed for uuid");
    }
  }

  @Test
  void failJobPolicy_firstBadRecordFailsTheJobWithoutThePayload() throws Exception {
    GenericRecord secretOrder = orderV2(SECRET, "1.00");
    try (var h = decoder(SCHEMAS, ErrorPolicy.failJob())) {
      assertThatThrownBy(
              () -> h.processElement(at(1, confluent(2, truncated(binary(secretOrder)))), 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("[orders/avro]")
          .hasCauseInstanceOf(AvroFormatException.class)
          .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e)).doesNotContain(SECRET));
    }
  }

  @Test
  void secretMarker_neverReachesMessagesOrLogs_onlyTheDeadLetterPayload() throws Exception {
    byte[] secretAvro = truncated(binary(orderV2(SECRET, "1.00")));
    GenericRecord badUuid = new org.apache.avro.generic.GenericData.Record(ORDER_V2);
    badUuid.put("id", SECRET);
    badUuid.put("customer", SECRET);
    badUuid.put("amount", java.nio.ByteBuffer.wrap(new byte[] {1}));
    badUuid.put("placedAt", 0L);
    badUuid.put("channel", SECRET);
    GenericRecord badEnum = AvroFixtures.everything(SECRET, 1);
    badEnum.put("color", SECRET);
    List<DeadLetter> letters = new java.util.ArrayList<>();

    try (LogCapture logs = LogCapture.capture()) {
      try (var h = decoder(SCHEMAS, ErrorPolicy.deadLetter())) {
        h.processElement(at(1, confluent(2, secretAvro)), 1L);
        h.processElement(at(2, confluent(2, rawBinary(badUuid))), 1L);
        letters.addAll(deadLetters(h));
      }
      try (var h =
          harness(
              new JsonToAvroFunction<>(
                  PayloadInput.text(),
                  new ErrorHandler(STEP, ErrorPolicy.deadLetter()),
                  ORDER_V2,
                  JsonReadLimits.defaults()),
              ORDERS)) {
        h.processElement("{\"customer\": " + SECRET + "}", 1L);
        h.processElement("{\"id\": \"" + SECRET + "\"}", 1L);
        h.processElement("{\"customer\": \"" + SECRET + "\", \"amount\": [1]}", 1L);
        letters.addAll(deadLetters(h));
      }
      try (var h =
          harness(
              new MapStepFunction<>(
                  new AvroEncodeFunction<>(RecordModel.generic(AvroFixtures.EVERYTHING), null),
                  new ErrorHandler(STEP, ErrorPolicy.deadLetter())),
              BYTES)) {
        h.processElement(badEnum, 1L);
        letters.addAll(deadLetters(h));
      }
      assertThat(letters).hasSize(6);
      for (DeadLetter letter : letters) {
        assertThat(letter.errorMessage()).doesNotContain(SECRET);
        assertThat(letter.toString()).doesNotContain(SECRET);
        assertThat(letter.payloadAsText()).contains(SECRET);
      }
      assertThat(logs.all()).doesNotContain(SECRET);
    }
  }

  private static byte[] rawBinary(GenericRecord record) {
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      org.apache.avro.io.BinaryEncoder encoder =
          org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
      new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(record.getSchema())
          .write(record, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
