package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.PLACED_AT;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.everything;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.avro.AvroFixtures;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.internal.LimitedBytes;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Encoding records as plain binary and in the Confluent wire format, without Flink. */
class AvroRecordEncoderTest {

  private static final RecordModel<GenericRecord> V2 = RecordModel.generic(ORDER_V2);

  @Test
  void encode_plain_writesWhatAvrosOwnWriterWrites() throws Exception {
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(V2, null);

    assertThat(encoder.encode(orderV2("ada", "12.30"))).isEqualTo(binary(orderV2("ada", "12.30")));
    // the buffer is reused, each result is a fresh array of the exact length
    byte[] first = encoder.encode(orderV2("a-rather-long-customer-name", "1.00"));
    byte[] second = encoder.encode(orderV2("b", "2.00"));
    assertThat(first).isEqualTo(binary(orderV2("a-rather-long-customer-name", "1.00")));
    assertThat(second).isEqualTo(binary(orderV2("b", "2.00")));
  }

  @Test
  void encode_aHugeRecord_doesNotKeepItsBufferForTheStepsLifetime() throws Exception {
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(V2, null);
    encoder.encode(orderV2("b", "2.00"));
    int small = encoder.retainedBytes();

    byte[] huge = encoder.encode(orderV2("x".repeat(3 << 20), "1.00")); // 3 MiB of name

    assertThat(huge).hasSizeGreaterThan(3 << 20);
    assertThat(encoder.retainedBytes())
        .as("one huge record leaves no buffer of its size behind in every subtask")
        .isLessThanOrEqualTo(LimitedBytes.MAX_RETAINED_BYTES);
    assertThat(encoder.encode(orderV2("b", "2.00"))).isEqualTo(binary(orderV2("b", "2.00")));
    encoder.encode(orderV2("c", "3.00"));
    assertThat(encoder.retainedBytes()).as("small records reuse one buffer").isEqualTo(small);
  }

  @Test
  void encode_withConfluentSchemaId_prependsMagicByteAndBigEndianId() throws Exception {
    byte[] framed = new AvroRecordEncoder<>(V2, 0x01020304).encode(orderV2("ada", "1.00"));

    assertThat(Arrays.copyOf(framed, 5)).containsExactly(0, 1, 2, 3, 4);
    assertThat(Arrays.copyOfRange(framed, 5, framed.length))
        .isEqualTo(binary(orderV2("ada", "1.00")));
    assertThat(ConfluentWireFormat.schemaId(framed)).isEqualTo(0x01020304);
  }

  @Test
  void encode_recordOfAnotherSchema_isRejected() {
    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(orderV1("ada", "1.00")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record has schema dev.etlkit.operators.avro.test.Order that differs from the writer"
                + " schema dev.etlkit.operators.avro.test.Order (build records with the step's"
                + " schema)");
  }

  @Test
  void encode_equalSchemaOfAnotherInstance_isAccepted() throws Exception {
    Schema copy = new Schema.Parser().parse(ORDER_V2.toString());
    GenericRecord record = orderV2("ada", "1.00");
    GenericRecord sameShape = new AvroData.Record(copy);
    for (Schema.Field f : copy.getFields()) {
      sameShape.put(f.pos(), record.get(f.pos()));
    }

    assertThat(new AvroRecordEncoder<>(V2, null).encode(sameShape)).isEqualTo(binary(record));
  }

  @Test
  void encode_nullInNonNullField_isRejectedNamingTheField() {
    GenericRecord record = orderV2("ada", "1.00");
    record.put("customer", null);

    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith(
            "cannot encode the record with writer schema dev.etlkit.operators.avro.test.Order:"
                + " java.lang.NullPointerException")
        .hasMessageContaining("customer");
  }

  @Test
  void encode_nullInNonNullFieldOfAMapValue_isRejectedWithoutTheMapKey() {
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"M\",\"fields\":[{\"name\":\"m\",\"type\":"
                    + "{\"type\":\"map\",\"values\":{\"type\":\"record\",\"name\":\"V\","
                    + "\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}}}]}");
    GenericRecord value = new AvroData.Record(schema.getField("m").schema().getValueType());
    value.put("s", null);
    GenericRecord record = new AvroData.Record(schema);
    record.put("m", Map.of(SECRET, value)); // map keys are data, like values

    assertThatThrownBy(
            () -> new AvroRecordEncoder<>(RecordModel.generic(schema), null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("java.lang.NullPointerException: null value for (non-nullable)")
        .hasMessageContaining("M.m[*]")
        .satisfies(e -> assertThat(e.toString()).doesNotContain(SECRET));
  }

  @Test
  void encode_decimalWithMoreFractionDigitsThanTheScale_isRejected() {
    GenericRecord record = orderV2("ada", "1.00");
    record.put("amount", new BigDecimal("1.005"));

    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("Cannot encode decimal with scale 3 as scale 2 without rounding");
  }

  @Test
  void encode_timestampFinerThanItsType_isRejectedNamingTheField_notTruncated() {
    GenericRecord record = orderV2("ada", "1.00");
    record.put("placedAt", PLACED_AT.plusNanos(456_789));

    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema dev.etlkit.operators.avro.test.Order at $.placedAt:"
                + " timestamp has more fraction digits than timestamp-millis holds");
  }

  @Test
  void encode_timeAndLocalTimestampFinerThanTheirTypes_areRejected() {
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(EVERYTHING), null);
    GenericRecord fineClock = everything("x", 1);
    fineClock.put("clock", ((LocalTime) fineClock.get("clock")).plusNanos(1_000));
    GenericRecord fineMicros = everything("x", 1);
    fineMicros.put("createdMicros", ((Instant) fineMicros.get("createdMicros")).plusNanos(1));
    GenericRecord fineLocal = everything("x", 1);
    fineLocal.put("localMicros", ((LocalDateTime) fineLocal.get("localMicros")).plusNanos(1));

    assertThatThrownBy(() -> encoder.encode(fineClock))
        .hasMessageEndingWith("at $.clock: time has more fraction digits than time-millis holds");
    assertThatThrownBy(() -> encoder.encode(fineMicros))
        .hasMessageEndingWith(
            "at $.createdMicros: timestamp has more fraction digits than timestamp-micros holds");
    assertThatThrownBy(() -> encoder.encode(fineLocal))
        .hasMessageEndingWith(
            "at $.localMicros: local timestamp has more fraction digits than"
                + " local-timestamp-micros holds");
  }

  @Test
  void encode_fineTimeInsideArraysMapsAndUnions_isRejectedWithItsPath() throws Exception {
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Visits\",\"fields\":["
                    + "{\"name\":\"visits\",\"type\":{\"type\":\"array\",\"items\":"
                    + "{\"type\":\"record\",\"name\":\"Visit\",\"fields\":[{\"name\":\"at\","
                    + "\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}]}"
                    + "]}}},"
                    + "{\"name\":\"last\",\"type\":{\"type\":\"map\",\"values\":"
                    + "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}}]}");
    Schema visitSchema = schema.getField("visits").schema().getElementType();
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(schema), null);
    GenericRecord exact = visits(schema, visitSchema, PLACED_AT.plusNanos(1_000), PLACED_AT);
    GenericRecord fineVisit =
        visits(schema, visitSchema, PLACED_AT.plusNanos(1), PLACED_AT.plusNanos(1_000_000));
    GenericRecord fineLast =
        visits(schema, visitSchema, PLACED_AT.plusNanos(1_000), PLACED_AT.plusNanos(1_000));

    assertThat(encoder.encode(exact)).isEqualTo(binary(exact));
    assertThatThrownBy(() -> encoder.encode(fineVisit))
        .hasMessageEndingWith(
            "at $.visits[*].at: timestamp has more fraction digits than timestamp-micros holds");
    assertThatThrownBy(() -> encoder.encode(fineLast))
        .hasMessageEndingWith(
            "at $.last[*]: timestamp has more fraction digits than timestamp-millis holds")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
  }

  /** A record of two visits, the second at {@code visit}, and {@code last} under a secret key. */
  private static GenericRecord visits(
      Schema schema, Schema visitSchema, Instant visit, Instant last) {
    GenericRecord first = new AvroData.Record(visitSchema);
    first.put("at", null);
    GenericRecord second = new AvroData.Record(visitSchema);
    second.put("at", visit);
    GenericRecord record = new AvroData.Record(schema);
    record.put("visits", List.of(first, second));
    record.put("last", Map.of(SECRET, last));
    return record;
  }

  @Test
  void encode_valueOfTheWrongType_isRejectedWithoutTheValue() {
    GenericRecord record = everything("x", 1);
    record.put("color", SECRET); // not an enum symbol: Avro's message would quote it

    assertThatThrownBy(
            () -> new AvroRecordEncoder<>(RecordModel.generic(EVERYTHING), null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "cannot encode the record with writer schema dev.etlkit.operators.avro.test.Everything:"
                + " org.apache.avro.AvroTypeException")
        .hasNoCause()
        .satisfies(e -> assertThat(e.toString()).doesNotContain(SECRET));
  }

  @Test
  void encode_uuidFieldHoldingTextThatIsNoUuid_isRejectedNotWritten() throws Exception {
    // A String in a uuid field skips Avro's conversion and is written as it is: a payload whose
    // uuid is not one, which decode (and other Avro readers) reject. Canonical text is written.
    GenericRecord bad = orderV2("ada", "1.00");
    bad.put("id", SECRET);
    GenericRecord shortened = orderV2("ada", "1.00");
    shortened.put("id", "1-1-1-1-1");
    GenericRecord canonical = orderV2("ada", "1.00");
    canonical.put("id", AvroFixtures.ORDER_ID.toString());
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(V2, null);

    for (GenericRecord record : List.of(bad, shortened)) {
      assertThatThrownBy(() -> encoder.encode(record))
          .isInstanceOf(AvroFormatException.class)
          .hasMessage(
              "record does not fit its schema dev.etlkit.operators.avro.test.Order at $.id:"
                  + " text is not a UUID")
          .satisfies(e -> assertThat(e.toString()).doesNotContain(SECRET));
    }
    assertThat(encoder.encode(canonical)).isEqualTo(binary(orderV2("ada", "1.00")));
  }

  @Test
  void encode_specificRecord_matchesTheGeneratedEncoder() throws Exception {
    dev.etlkit.operators.avro.generated.Payment payment = LogicalTypesTest.payment();
    RecordModel<dev.etlkit.operators.avro.generated.Payment> model =
        RecordModel.specific(dev.etlkit.operators.avro.generated.Payment.class);

    byte[] ours = new AvroRecordEncoder<>(model, null).encode(payment);

    java.nio.ByteBuffer single =
        dev.etlkit.operators.avro.generated.Payment.getEncoder().encode(payment);
    byte[] generated = new byte[single.remaining()];
    single.get(generated);
    // Avro's single-object encoding: 2-byte marker + 8-byte fingerprint, then the binary
    assertThat(Arrays.copyOfRange(generated, 10, generated.length)).isEqualTo(ours);
  }

  @Test
  void encode_specificRecordWithATimestampFinerThanItsType_isRejectedNotTruncated() {
    // The generated setters truncate a non-null timestamp field, but not a nullable one (a union),
    // nor put(): Avro's conversion would drop the nanos, and the record would change on its first
    // serialization (toJson refuses such a record already).
    dev.etlkit.operators.avro.generated.Payment payment = LogicalTypesTest.payment();
    payment.setSettledAt(Instant.parse("2024-05-02T00:00:00.000001234Z"));
    AvroRecordEncoder<dev.etlkit.operators.avro.generated.Payment> encoder =
        new AvroRecordEncoder<>(
            RecordModel.specific(dev.etlkit.operators.avro.generated.Payment.class), null);

    assertThatThrownBy(() -> encoder.encode(payment))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema dev.etlkit.operators.avro.generated.Payment at"
                + " $.settledAt: timestamp has more fraction digits than timestamp-micros holds");
    dev.etlkit.operators.avro.generated.Payment put = LogicalTypesTest.payment();
    put.put("createdAt", Instant.parse("2024-05-01T10:15:30.123456Z"));
    assertThatThrownBy(() -> encoder.encode(put))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith(
            "at $.createdAt: timestamp has more fraction digits than timestamp-millis holds");
  }

  @Test
  void encodeThenDecode_v1Record_isReadBackWithV2() throws Exception {
    byte[] bytes =
        new AvroRecordEncoder<>(RecordModel.generic(ORDER_V1), 1).encode(orderV1("a", "1.00"));
    GenericRecord decoded =
        new AvroRecordDecoder<>(
                V2,
                null,
                dev.etlkit.operators.avro.SchemaProvider.of(java.util.Map.of(1, ORDER_V1)),
                100)
            .decode(bytes);

    assertThat(decoded.get("channel")).isEqualTo("web");
  }

  @Test
  void encode_recordNestedDeeperThanTheStack_isRejectedNotAStackOverflow() {
    Schema list =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
                    + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
    GenericRecord deep = null;
    for (int i = 0; i < 1_000_000; i++) {
      GenericRecord node = new AvroData.Record(list);
      node.put("v", i);
      node.put("next", deep);
      deep = node;
    }
    GenericRecord input = deep;

    // A StackOverflowError is no Exception: the map step would let it fail the job.
    assertThatThrownBy(() -> new AvroRecordEncoder<>(RecordModel.generic(list), null).encode(input))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "cannot encode the record with writer schema Node: the record is nested too deeply");
  }

  @Test
  void encode_withKeyBytes_countsTheKeyAndTheHeaderAgainstTheLimit() throws Exception {
    GenericRecord order = orderV2("ada", "12.30");
    int framed = binary(order).length + 5;
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(V2, 2, framed + 3);

    assertThat(encoder.encode(order, 3)).isEqualTo(AvroFixtures.confluent(2, binary(order)));
    assertThatThrownBy(() -> encoder.encode(order, 4))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                + framed
                + " bytes, the 5-byte Confluent header included, and its key 4, over maxBytes "
                + (framed + 3));
    // a key near Integer.MAX_VALUE does not overflow the sum into a negative size
    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(order, Integer.MAX_VALUE))
        .hasMessage(
            "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                + binary(order).length
                + " bytes and its key 2147483647, over maxBytes 2147483647");
    assertThat(encoder.encode(order)).as("without a key, as before").hasSize(framed);
  }

  @Test
  void encode_aRecordFarOverTheLimit_isRefusedWithItsExactSize_storingNoMoreThanTheLimit()
      throws Exception {
    // 400 kB of name refused at 10 kB: counted to its last byte, stored up to the limit only
    GenericRecord huge = orderV2("x".repeat(400_000), "1.00");
    int size = 5 + binary(huge).length;
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(V2, 2, 10_000);

    assertThatThrownBy(() -> encoder.encode(huge))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                + size
                + " bytes, the 5-byte Confluent header included, over maxBytes 10000");
    assertThat(encoder.retainedBytes()).as("the buffer's growth").isLessThanOrEqualTo(10_000);
    assertThat(encoder.encode(orderV2("b", "2.00")))
        .isEqualTo(AvroFixtures.confluent(2, binary(orderV2("b", "2.00"))));
  }

  /**
   * With a key (raw records), a value over the limit by itself names the key too, and no more of it
   * is stored than what the limit leaves beside the key (formats-avro.md, "Keyed output").
   */
  @Test
  void encode_withKeyBytes_aValueFarOverTheLimit_namesTheKey_storingNoMoreThanLeftBesideIt()
      throws Exception {
    GenericRecord huge = orderV2("x".repeat(400_000), "1.00");
    int size = 5 + binary(huge).length;
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(V2, 2, 10_000);

    assertThatThrownBy(() -> encoder.encode(huge, 4_000))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                + size
                + " bytes, the 5-byte Confluent header included, and its key 4000, over maxBytes"
                + " 10000");
    assertThat(encoder.retainedBytes()).as("the buffer's growth").isLessThanOrEqualTo(6_000);
  }

  @Test
  void encode_withConfluentHeader_atTheLimitExactly_isEncoded_oneByteOver_isRefused()
      throws Exception {
    GenericRecord order = orderV2("ä€\uD83D\uDE00".repeat(50), "1.00");
    byte[] framed = AvroFixtures.confluent(7, binary(order));

    assertThat(new AvroRecordEncoder<>(V2, 7, framed.length).encode(order)).isEqualTo(framed);
    AvroRecordEncoder<GenericRecord> under = new AvroRecordEncoder<>(V2, 7, framed.length - 1);
    assertThatThrownBy(() -> under.encode(order))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record too large: dev.etlkit.operators.avro.test.Order encoded as Avro has "
                + framed.length
                + " bytes, the 5-byte Confluent header included, over maxBytes "
                + (framed.length - 1));
    AvroRecordEncoder<GenericRecord> headerOnly = new AvroRecordEncoder<>(V2, 7, 5);
    assertThatThrownBy(() -> headerOnly.encode(order))
        .hasMessageEndingWith(" over maxBytes 5")
        .hasMessageContaining(" has " + framed.length + " bytes");
    assertThat(headerOnly.retainedBytes()).isLessThanOrEqualTo(256);
  }
}
