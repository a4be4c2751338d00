package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V0_INCOMPATIBLE;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.confluent;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.avro.AvroFixtures;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.internal.InfrastructureFailure;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Plain binary and Confluent decoding, schema evolution and hostile bytes, without Flink. */
@Timeout(10)
class AvroRecordDecoderTest {

  private static final RecordModel<GenericRecord> V2 = RecordModel.generic(ORDER_V2);

  private static AvroRecordDecoder<GenericRecord> plain(Schema writer) {
    return new AvroRecordDecoder<>(V2, writer, null, 1000);
  }

  private static AvroRecordDecoder<GenericRecord> confluentDecoder(SchemaProvider provider) {
    return new AvroRecordDecoder<>(V2, null, provider, 1000);
  }

  private static final SchemaProvider SCHEMAS =
      SchemaProvider.of(Map.of(1, ORDER_V1, 2, ORDER_V2, 3, ORDER_V0_INCOMPATIBLE));

  // --- plain binary and evolution ---------------------------------------------------------------

  @Test
  void decode_plainBinaryOfTheReaderSchema_returnsTheRecord() throws Exception {
    GenericRecord decoded = plain(null).decode(binary(orderV2("ada", "12.30")));

    assertThat(decoded).isEqualTo(orderV2("ada", "12.30"));
    assertThat(decoded.get("customer")).isInstanceOf(String.class).isEqualTo("ada");
  }

  @Test
  void decode_olderWriterSchema_fillsAddedFieldsWithDefaultsAndSkipsRemovedOnes() throws Exception {
    GenericRecord decoded = plain(ORDER_V1).decode(binary(orderV1("ada", "12.30")));

    assertThat(decoded.getSchema()).isEqualTo(ORDER_V2);
    assertThat(decoded.get("channel")).isEqualTo("web"); // added, default
    assertThat(decoded.get("note")).isNull(); // added, default null
    assertThat(decoded.hasField("legacyCode")).isFalse(); // removed
    assertThat(decoded.get("amount")).isEqualTo(new BigDecimal("12.30"));
  }

  @Test
  void constructor_incompatibleWriterSchemaForPlainBinary_failsFast() {
    assertThatThrownBy(() -> plain(ORDER_V0_INCOMPATIBLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be read with reader schema")
        .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
        .hasMessageContaining("customer");
  }

  // --- logical types in evolution ---------------------------------------------------------------

  /** A record schema {@code R} whose field {@code x} has the type {@code json}. */
  private static Schema withField(String json) {
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":"
                + "[{\"name\":\"x\",\"type\":"
                + json
                + "}]}");
  }

  private static final String DECIMAL_10_2 =
      "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}";
  private static final String DECIMAL_10_4 =
      "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":4}";
  private static final String TS_MILLIS =
      "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}";
  private static final String TS_MICROS =
      "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}";

  /**
   * Writer and reader field types that Avro calls compatible but whose values mean other things.
   */
  static Stream<Arguments> logicalTypeChanges() {
    String nested =
        "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"y\",\"type\":%s}]}";
    String inNamespace =
        "{\"type\":\"record\",\"name\":\"N\",\"namespace\":\"%s\","
            + "\"fields\":[{\"name\":\"y\",\"type\":%s}]}";
    return Stream.of(
        Arguments.of(DECIMAL_10_2, DECIMAL_10_4, "$.x: writer decimal(10,2), reader decimal(10,4)"),
        Arguments.of(
            DECIMAL_10_2.replace("10", "30"),
            DECIMAL_10_2,
            "$.x: writer decimal(30,2), reader decimal(10,2)"),
        Arguments.of(TS_MILLIS, TS_MICROS, "$.x: writer timestamp-millis, reader timestamp-micros"),
        Arguments.of("\"long\"", TS_MILLIS, "$.x: writer long, reader timestamp-millis"),
        Arguments.of(
            "{\"type\":\"int\",\"logicalType\":\"date\"}",
            TS_MILLIS,
            "$.x: writer date, reader timestamp-millis"),
        Arguments.of(
            String.format(nested, DECIMAL_10_2),
            String.format(nested, DECIMAL_10_4),
            "$.x.y: writer decimal(10,2), reader decimal(10,4)"),
        Arguments.of(
            "{\"type\":\"array\",\"items\":" + TS_MILLIS + "}",
            "{\"type\":\"array\",\"items\":" + TS_MICROS + "}",
            "$.x[*]: writer timestamp-millis, reader timestamp-micros"),
        Arguments.of(
            "{\"type\":\"map\",\"values\":" + DECIMAL_10_2 + "}",
            "{\"type\":\"map\",\"values\":" + DECIMAL_10_4 + "}",
            "$.x[*]: writer decimal(10,2), reader decimal(10,4)"),
        Arguments.of(
            "[\"null\"," + TS_MILLIS + "]",
            "[\"null\"," + TS_MICROS + "]",
            "$.x: writer timestamp-millis, reader timestamp-micros"),
        Arguments.of(
            TS_MILLIS,
            "[\"null\"," + TS_MICROS + "]",
            "$.x: writer timestamp-millis, reader timestamp-micros"),
        Arguments.of(
            "[\"null\"," + DECIMAL_10_2 + "]",
            "[\"null\",\"string\"," + DECIMAL_10_4 + "]",
            "$.x: writer decimal(10,2), reader decimal(10,4)"),
        // Two reader records of the writer's short name: Avro resolves into the one of its full
        // name (b.N, millis), not the first (a.N, micros), so micros would be read as millis.
        Arguments.of(
            String.format(inNamespace, "b", TS_MICROS),
            "["
                + String.format(inNamespace, "a", TS_MICROS)
                + ","
                + String.format(inNamespace, "b", TS_MILLIS)
                + "]",
            "$.x.y: writer timestamp-micros, reader timestamp-millis"));
  }

  @ParameterizedTest
  @MethodSource("logicalTypeChanges")
  void constructor_logicalTypeChangedForPlainBinary_failsFastNamingFieldAndTypes(
      String writerType, String readerType, String mismatch) {
    RecordModel<GenericRecord> reader = RecordModel.generic(withField(readerType));

    assertThatThrownBy(() -> new AvroRecordDecoder<>(reader, withField(writerType), null, 1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be read with reader schema")
        .hasMessageContaining("LOGICAL_TYPE_MISMATCH at " + mismatch);
  }

  @Test
  void decode_confluentWriterWithOtherDecimalScaleOrTimestampUnit_isRejectedNotRescaled() {
    // Avro's SchemaCompatibility ignores logical types: 12.34 would be read as 0.1234 and
    // 2024-05-01T10:15:30.123Z as 1970-01-20.
    String fields = "[{\"name\":\"amount\",\"type\":%s},{\"name\":\"ts\",\"type\":%s}]";
    String record = "{\"type\":\"record\",\"name\":\"R\",\"fields\":%s}";
    Schema writer =
        new Schema.Parser()
            .parse(String.format(record, String.format(fields, DECIMAL_10_2, TS_MILLIS)));
    Schema reader =
        new Schema.Parser()
            .parse(String.format(record, String.format(fields, DECIMAL_10_4, TS_MICROS)));
    GenericRecord written = new AvroData.Record(writer);
    written.put("amount", new BigDecimal("12.34"));
    written.put("ts", Instant.parse("2024-05-01T10:15:30.123Z"));
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(
            RecordModel.generic(reader), null, SchemaProvider.of(Map.of(4, writer)), 1000);

    assertThatThrownBy(() -> decoder.decode(confluent(4, binary(written))))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "writer schema id 4 (R) is incompatible with reader schema R:"
                + " LOGICAL_TYPE_MISMATCH at $.amount: writer decimal(10,2), reader decimal(10,4);"
                + " LOGICAL_TYPE_MISMATCH at $.ts: writer timestamp-millis, reader"
                + " timestamp-micros");
  }

  @Test
  void constructor_sameLogicalTypesWithOtherChanges_isCompatible() throws Exception {
    Schema writer = withField(DECIMAL_10_2);
    Schema reader = withField("[\"null\",\"string\"," + DECIMAL_10_2 + "]");
    GenericRecord written = new AvroData.Record(writer);
    written.put("x", new BigDecimal("12.34"));

    GenericRecord read =
        new AvroRecordDecoder<>(RecordModel.generic(reader), writer, null, 1000)
            .decode(binary(written));

    assertThat(read.get("x")).isEqualTo(new BigDecimal("12.34"));
  }

  // --- Confluent wire format --------------------------------------------------------------------

  @Test
  void decode_confluentRecordsOfTwoWriterSchemas_resolvesEachIntoTheReaderSchema()
      throws Exception {
    AvroRecordDecoder<GenericRecord> decoder = confluentDecoder(SCHEMAS);

    GenericRecord fromV1 = decoder.decode(confluent(1, binary(orderV1("ada", "1.00"))));
    GenericRecord fromV2 = decoder.decode(confluent(2, binary(orderV2("bob", "2.00"))));

    assertThat(fromV1.get("channel")).isEqualTo("web");
    assertThat(fromV2.get("channel")).isEqualTo("app");
    assertThat(fromV2).isEqualTo(orderV2("bob", "2.00"));
  }

  @Test
  void decode_wrongMagicByte_isRejected() {
    byte[] framed = confluent(2, binary(orderV2("ada", "1.00")));
    framed[0] = 5;

    assertThatThrownBy(() -> confluentDecoder(SCHEMAS).decode(framed))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("not the Confluent wire format: magic byte is 0x05, expected 0x00");
  }

  @Test
  void decode_headerShorterThanFiveBytes_isRejected() {
    assertThatThrownBy(() -> confluentDecoder(SCHEMAS).decode(new byte[] {0, 0, 0}))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("3 bytes, shorter than the 5-byte header");
  }

  @Test
  void decode_unknownSchemaId_isRejectedAndAskedAgainNextTime() {
    AtomicInteger lookups = new AtomicInteger();
    SchemaProvider counting =
        id -> {
          lookups.incrementAndGet();
          return null;
        };
    AvroRecordDecoder<GenericRecord> decoder = confluentDecoder(counting);
    byte[] framed = confluent(99, binary(orderV2("ada", "1.00")));

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> decoder.decode(framed))
          .isInstanceOf(AvroFormatException.class)
          .hasMessage("unknown writer schema id 99");
    }
    assertThat(lookups).hasValue(2);
  }

  @Test
  void decode_incompatibleWriterSchemaId_isRejectedAndCheckedOnlyOnce() {
    AtomicInteger lookups = new AtomicInteger();
    SchemaProvider counting =
        id -> {
          lookups.incrementAndGet();
          return ORDER_V0_INCOMPATIBLE;
        };
    AvroRecordDecoder<GenericRecord> decoder = confluentDecoder(counting);
    GenericRecord v0 = new GenericData.Record(ORDER_V0_INCOMPATIBLE);
    v0.put("id", AvroFixtures.ORDER_ID.toString());
    v0.put("amount", 1.5);
    v0.put("placedAt", 0L);
    byte[] framed = confluent(3, binary(v0));

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> decoder.decode(framed))
          .isInstanceOf(AvroFormatException.class)
          .hasMessageStartingWith("writer schema id 3 (dev.etlkit.operators.avro.test.Order)")
          .hasMessageContaining("is incompatible with reader schema")
          .hasMessageContaining("customer");
    }
    assertThat(lookups).hasValue(1);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(SchemaLookupFailures.class)
  void decode_unknownId_isRejectedWhateverTheLookupFailures(SchemaLookupFailures failures) {
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(V2, null, SchemaProvider.of(java.util.Map.of()), failures, 1000);

    assertThatThrownBy(() -> decoder.decode(confluent(1, binary(orderV1("a", "1.00")))))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("unknown writer schema id 1");
  }

  @Test
  void decode_providerThatThrows_isAnInfrastructureFailureWithoutItsMessage() {
    SchemaProvider broken =
        id -> {
          throw new IllegalStateException("https://user:password@registry failed");
        };

    assertThatThrownBy(
            () -> confluentDecoder(broken).decode(confluent(1, binary(orderV1("a", "1.00")))))
        .isInstanceOf(InfrastructureFailure.class)
        .hasMessage(
            "schema provider failed to look up writer schema id 1"
                + " (java.lang.IllegalStateException)")
        .hasNoCause();
  }

  @Test
  void decode_providerThatThrows_withDeadLetter_isRejectedWithoutItsMessage() {
    SchemaProvider broken =
        id -> {
          throw new IllegalStateException("https://user:password@registry failed");
        };
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(V2, null, broken, SchemaLookupFailures.DEAD_LETTER, 1000);

    assertThatThrownBy(() -> decoder.decode(confluent(1, binary(orderV1("a", "1.00")))))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "schema provider failed to look up writer schema id 1"
                + " (java.lang.IllegalStateException)")
        .hasNoCause();
  }

  // --- bytes that are not one record ------------------------------------------------------------

  @Test
  void decode_truncatedRecord_isRejected() {
    byte[] full = binary(orderV2("ada", "12.30"));
    byte[] truncated = Arrays.copyOf(full, full.length - 3);

    assertThatThrownBy(() -> plain(null).decode(truncated))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void decode_trailingBytes_isRejected() {
    byte[] full = binary(orderV2("ada", "12.30"));
    byte[] longer = Arrays.copyOf(full, full.length + 2);

    assertThatThrownBy(() -> plain(null).decode(longer))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "cannot decode the Avro record: 2 trailing bytes after the record"
                + " (not one record of this schema)");
  }

  @Test
  void decode_emptyPayload_isRejected() {
    assertThatThrownBy(() -> plain(null).decode(new byte[0]))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void decode_negativeStringLength_isRejected() {
    // uuid string of length -1 (zigzag 0x01)
    assertThatThrownBy(() -> plain(null).decode(new byte[] {0x01}))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("malformed Avro data: negative string length");
  }

  @Test
  void decode_hugeStringLength_isRejectedWithoutAllocatingIt() {
    // A 6-byte record claiming a string of Integer.MAX_VALUE - 1 bytes: Avro's BinaryDecoder
    // would allocate 2 GiB before noticing the payload ends.
    byte[] payload = {(byte) 0xfc, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x41};
    long before = allocatedBytes();

    assertThatThrownBy(() -> plain(null).decode(payload))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "truncated Avro data: a string is longer than the 1 bytes left (nothing was allocated"
                + " for it)");
    assertThat(allocatedBytes() - before).isLessThan(16L << 20);
  }

  @Test
  void decode_hugeItemCountOfZeroByteItems_isRejectedBeforeAllocating() {
    Schema nulls =
        SchemaBuilder.record("Nulls")
            .fields()
            .name("n")
            .type()
            .array()
            .items()
            .nullType()
            .noDefault()
            .endRecord();
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(RecordModel.generic(nulls), null, null, 1000);
    // one block claiming 2^40 nulls (which take no bytes), then the end of the array
    byte[] payload = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x40, 0};

    assertThatThrownBy(() -> decoder.decode(payload))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("more than maxCollectionItems=1000 array/map items");
  }

  @Test
  void decode_removedFieldWithHugeZeroByteArray_isRejectedNotSkippedForever() {
    Schema writer =
        SchemaBuilder.record("R")
            .fields()
            .name("gone")
            .type()
            .array()
            .items()
            .nullType()
            .noDefault()
            .name("kept")
            .type()
            .intType()
            .noDefault()
            .endRecord();
    Schema reader =
        SchemaBuilder.record("R").fields().name("kept").type().intType().noDefault().endRecord();
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(RecordModel.generic(reader), writer, null, 1000);
    // skipping "gone": a block of 2^62 nulls would loop 2^62 times doing nothing
    byte[] payload = {
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      0x40,
      0,
      2
    };

    assertThatThrownBy(() -> decoder.decode(payload))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("maxCollectionItems");
  }

  @Test
  void decode_recursiveRecordNestedDeeperThanTheStack_isRejected() {
    Schema list =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"next\","
                    + "\"type\":[\"null\",\"Node\"]}]}");
    byte[] deep = new byte[1_000_000];
    Arrays.fill(deep, (byte) 2); // union branch 1 (another Node), a million times

    assertThatThrownBy(
            () -> new AvroRecordDecoder<>(RecordModel.generic(list), null, null, 10).decode(deep))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("cannot decode the Avro record: the record is nested too deeply");
  }

  @Test
  void decode_overlongVarint_isRejected() {
    byte[] payload = new byte[12];
    Arrays.fill(payload, (byte) 0xff);

    assertThatThrownBy(() -> plain(null).decode(payload))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("malformed Avro data: a long varint is longer than 10 bytes");
  }

  static Stream<Arguments> varintsBeyondTheirType() {
    return Stream.of(
        // i: 2 with a bit at 2^32 set in its fifth byte (Avro would drop it and read 2)
        Arguments.of(
            "int",
            new byte[] {(byte) 0x84, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10, 0},
            "malformed Avro data: an int varint holds more than 32 bits"),
        // l: 2 with a bit at 2^64 set in its tenth byte
        Arguments.of(
            "long",
            new byte[] {
              0,
              (byte) 0x84,
              (byte) 0x80,
              (byte) 0x80,
              (byte) 0x80,
              (byte) 0x80,
              (byte) 0x80,
              (byte) 0x80,
              (byte) 0x80,
              (byte) 0x80,
              0x02
            },
            "malformed Avro data: a long varint holds more than 64 bits"));
  }

  /** Bits beyond the type are no value of it: the record is malformed, not that value cut. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("varintsBeyondTheirType")
  void decode_varintWithBitsBeyondItsType_isRejectedNotTruncated(
      String what, byte[] payload, String message) {
    Schema schema =
        SchemaBuilder.record("N").fields().requiredInt("i").requiredLong("l").endRecord();

    assertThatThrownBy(
            () ->
                new AvroRecordDecoder<>(RecordModel.generic(schema), null, null, 10)
                    .decode(payload))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(message);
  }

  static Stream<Arguments> stringsThatAreNotUtf8() {
    Schema text = SchemaBuilder.record("T").fields().requiredString("s").endRecord();
    Schema keys =
        SchemaBuilder.record("K")
            .fields()
            .name("m")
            .type()
            .map()
            .values()
            .intType()
            .noDefault()
            .endRecord();
    return Stream.of(
        Arguments.of("FF byte", text, new byte[] {2, (byte) 0xFF}),
        Arguments.of("overlong '/'", text, new byte[] {4, (byte) 0xC0, (byte) 0xAF}),
        Arguments.of(
            "encoded surrogate", text, new byte[] {6, (byte) 0xED, (byte) 0xA0, (byte) 0x80}),
        Arguments.of("lead byte cut short", text, new byte[] {4, 'a', (byte) 0xE2}),
        Arguments.of("map key", keys, new byte[] {2, 2, (byte) 0xFF, 2, 0}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stringsThatAreNotUtf8")
  void decode_stringThatIsNotUtf8_isRejectedNotReplacedWithU_FFFD(
      String what, Schema schema, byte[] payload) {
    // Avro's own decoder turns each bad byte into U+FFFD: a silently different value, which the
    // next encode writes as such. fromJson rejects bad UTF-8; decode must too.
    AvroRecordDecoder<GenericRecord> decoder =
        new AvroRecordDecoder<>(RecordModel.generic(schema), null, null, 1000);

    assertThatThrownBy(() -> decoder.decode(payload))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("malformed Avro data: a string is not UTF-8");
  }

  @Test
  void decode_invalidUuidText_isRejectedWithoutTheText() {
    GenericRecord r = new GenericData.Record(ORDER_V2);
    r.put("id", AvroFixtures.SECRET);
    r.put("customer", "ada");
    r.put("amount", java.nio.ByteBuffer.wrap(new byte[] {1}));
    r.put("placedAt", 0L);
    r.put("channel", "web");
    byte[] payload = rawBinary(r);

    assertThatThrownBy(() -> plain(null).decode(payload))
        .isInstanceOf(AvroFormatException.class)
        // checked before UUID.fromString, whose NumberFormatException would quote the text
        .hasMessage("cannot decode the Avro record: decoded uuid is not canonical text")
        .hasNoCause()
        .satisfies(e -> assertThat(e.toString()).doesNotContain(AvroFixtures.SECRET));
  }

  @Test
  void decode_uuidTextThatIsNotCanonical_isRejectedNotRewritten() {
    // UUID.fromString takes "1-1-1-1-1"; the record would then hold another uuid text
    // ("00000001-0001-0001-0001-000000000001") when encoded again. fromJson rejects it too.
    GenericRecord r = new GenericData.Record(ORDER_V2);
    r.put("id", "1-1-1-1-1");
    r.put("customer", "ada");
    r.put("amount", java.nio.ByteBuffer.wrap(new byte[] {1}));
    r.put("placedAt", 0L);
    r.put("channel", "web");
    byte[] payload = rawBinary(r);

    assertThatThrownBy(() -> plain(null).decode(payload))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("cannot decode the Avro record: decoded uuid is not canonical text");
  }

  @Test
  void decode_decimalWithMoreDigitsThanThePrecision_isRejectedNotEmitted() {
    // Found by fuzzing: Avro decodes any number of digits, the record could then not be encoded
    // again (the next serializer would fail the job). Bytes of a wider decimal are one way to get
    // it (a wider writer schema itself is rejected as incompatible, see below).
    Schema wide = new Schema.Parser().parse(ORDER_V2.toString().replace("12", "30"));
    GenericRecord big = new AvroData.Record(wide);
    for (Schema.Field f : wide.getFields()) {
      big.put(f.pos(), orderV2("ada", "1.00").get(f.pos()));
    }
    big.put("amount", new BigDecimal("123456789012345678.00"));

    assertThatThrownBy(() -> plain(null).decode(binary(big)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "cannot decode the Avro record: decoded decimal has more digits than the schema's"
                + " precision 12");
  }

  @Test
  void decode_manyDifferentGarbagePayloads_rejectsEachQuickly() {
    AvroRecordDecoder<GenericRecord> decoder = plain(null);
    java.util.Random random = new java.util.Random(7);
    long start = System.nanoTime();
    int rejected = 0;
    for (int i = 0; i < 2_000; i++) {
      byte[] garbage = new byte[random.nextInt(64)];
      random.nextBytes(garbage);
      try {
        decoder.decode(garbage);
      } catch (AvroFormatException e) {
        rejected++;
      }
    }
    assertThat(rejected).isGreaterThan(1_900);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  /** Avro binary of a record holding raw (unconverted) values. */
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

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean)
            java.lang.management.ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }
}
