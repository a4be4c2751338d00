package dev.etlkit.operators.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.internal.AvroData;
import dev.etlkit.operators.avro.internal.AvroRecordDecoder;
import dev.etlkit.operators.avro.internal.AvroRecordEncoder;
import dev.etlkit.operators.avro.internal.AvroToJson;
import dev.etlkit.operators.avro.internal.JsonToAvro;
import dev.etlkit.operators.avro.internal.PojoToAvro;
import dev.etlkit.operators.avro.internal.RecordModel;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Edges of the Avro steps found by a review on 2026-11-23, each failing before that day's fixes:
 * numbers narrowed by Avro's writer, timestamp-micros at the bottom of the long range, lossy union
 * branches (fromPojo and fromJson), a float rounded twice, toJson of values that do not fit their
 * schema, map keys and java.sql.Date in fromPojo.
 */
class AvroConversionEdgesTest {

  private static Schema parse(String json) {
    return new Schema.Parser().parse(json);
  }

  private static GenericRecord fromJson(Schema schema, String json) throws Exception {
    return new JsonToAvro(schema, JsonReadLimits.defaults())
        .convert(json.getBytes(StandardCharsets.UTF_8));
  }

  // --- 1. JSON number into a float field is rounded twice (to double, then to float) ----------

  private static final Schema FLOAT_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"F\",\"fields\":[{\"name\":\"f\",\"type\":\"float\"}]}");

  @Test
  void fromJson_floatField_isTheNearestFloat_notADoubleRoundedTwice() throws Exception {
    // 1 + 2^-24 + 2^-60: just above the midpoint between 1.0f and the next float, so the nearest
    // float is Math.nextUp(1.0f) (what Float.parseFloat gives). Rounded to a double first, it
    // becomes exactly the midpoint, which then rounds to even: 1.0f.
    String text =
        BigDecimal.ONE
            .add(new BigDecimal(Math.scalb(1.0, -24)))
            .add(new BigDecimal(Math.scalb(1.0, -60)))
            .toPlainString();
    assertThat(Float.parseFloat(text)).isEqualTo(Math.nextUp(1.0f));

    GenericRecord record = fromJson(FLOAT_RECORD, "{\"f\":" + text + "}");

    assertThat(record.get("f")).isEqualTo(Math.nextUp(1.0f));
  }

  // --- 2. timestamp-micros at the low end of the long range ----------------------------------

  private static final Schema MICROS_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"ts\",\"type\":"
              + "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}}]}");

  /** Avro binary of MICROS_RECORD holding {@code micros}, written without conversions. */
  private static byte[] microsBytes(long micros) throws Exception {
    GenericData.Record raw = new GenericData.Record(MICROS_RECORD);
    raw.put("ts", micros);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(MICROS_RECORD, GenericData.get()).write(raw, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  @Test
  void decodeThenEncode_timestampMicrosNearLongMin_survives() throws Exception {
    // A valid timestamp-micros value (Avro's own conversion reads and writes it fine).
    byte[] bytes = microsBytes(Long.MIN_VALUE);
    GenericRecord decoded =
        new AvroRecordDecoder<>(RecordModel.generic(MICROS_RECORD), null, null, 100).decode(bytes);

    byte[] encoded =
        new AvroRecordEncoder<>(RecordModel.generic(MICROS_RECORD), null).encode(decoded);

    assertThat(encoded).isEqualTo(bytes);
  }

  @Test
  void toJsonThenFromJson_timestampMicrosNearLongMin_isTheSameRecord() throws Exception {
    GenericRecord decoded =
        new AvroRecordDecoder<>(RecordModel.generic(MICROS_RECORD), null, null, 100)
            .decode(microsBytes(Long.MIN_VALUE + 1));

    String json = new AvroToJson().convert(decoded);

    assertThat(fromJson(MICROS_RECORD, json)).isEqualTo(decoded);
  }

  // --- 3. fromPojo: a Long in ["null","float","long"] goes to the float branch, rounded -------

  private static final Schema FLOAT_OR_LONG =
      parse(
          "{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"n\",\"type\":"
              + "[\"null\",\"float\",\"long\"]}]}");

  public record WithLong(Long n) {}

  @Test
  void fromPojo_longInUnionWithFloatAndLong_keepsTheExactLong() throws Exception {
    GenericRecord record =
        new PojoToAvro<>(WithLong.class, FLOAT_OR_LONG).convert(new WithLong(123_456_789L));

    // Avro's own resolveUnion puts a Long in the long branch; float would round it.
    assertThat(GenericData.get().resolveUnion(FLOAT_OR_LONG.getField("n").schema(), 123_456_789L))
        .isEqualTo(2);
    assertThat(record.get("n")).isEqualTo(123_456_789L);
  }

  // --- 4. toJson writes values of another type in logical/enum fields --------------------------

  private static final Schema ENUM_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"E\",\"fields\":[{\"name\":\"color\",\"type\":"
              + "{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\"]}}]}");

  @Test
  void toJson_enumFieldHoldingANonSymbolString_isRejected() {
    GenericRecord record = new AvroData.Record(ENUM_RECORD);
    record.put("color", "PURPLE"); // a String, not an EnumSymbol, and not even a symbol

    assertThatThrownBy(() -> new AvroToJson().convert(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("record does not fit its schema");
  }

  private static final Schema MILLIS_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"M\",\"fields\":[{\"name\":\"ts\",\"type\":"
              + "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}");

  @Test
  void toJson_timestampFieldHoldingALocalDate_isRejected() {
    GenericRecord record = new AvroData.Record(MILLIS_RECORD);
    record.put("ts", LocalDate.of(2024, 5, 1)); // a date in a timestamp field

    assertThatThrownBy(() -> new AvroToJson().convert(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("record does not fit its schema");
  }

  @Test
  void toJson_timestampFinerThanItsType_isRejected() {
    GenericRecord record = new AvroData.Record(MILLIS_RECORD);
    record.put("ts", Instant.parse("2024-05-01T10:15:30.123456Z")); // encode rejects this

    assertThatThrownBy(() -> new AvroToJson().convert(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("record does not fit its schema");
  }

  // --- 5. fromJson: an unknown symbol takes an enum branch's default before a string branch ---

  private static final Schema ENUM_OR_STRING =
      parse(
          "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"v\",\"type\":["
              + "{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"UNKNOWN\"],"
              + "\"default\":\"UNKNOWN\"},\"string\"]}]}");

  @Test
  void fromJson_unknownSymbolInUnionOfEnumWithDefaultAndString_isTheString() throws Exception {
    GenericRecord record = fromJson(ENUM_OR_STRING, "{\"v\":\"hello\"}");

    assertThat(record.get("v")).isEqualTo("hello");
  }

  // --- 6. fromJson: an object for the second record branch lands in the first, losing fields --

  private static final Schema RECORD_UNION =
      parse(
          "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\",\"type\":[\"null\","
              + "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":"
              + "[\"null\",\"string\"],\"default\":null}]},"
              + "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"y\",\"type\":"
              + "\"string\"}]}]}]}");

  @Test
  void toJsonThenFromJson_secondRecordBranchOfAUnion_isTheSameRecord() throws Exception {
    Schema b = RECORD_UNION.getField("v").schema().getTypes().get(2);
    GenericRecord inner = new AvroData.Record(b);
    inner.put("y", "hi");
    GenericRecord outer = new AvroData.Record(RECORD_UNION);
    outer.put("v", inner);

    String json = new AvroToJson().convert(outer); // {"v":{"y":"hi"}}

    // A would drop "y": it does not hold the object exactly, B does.
    assertThat(fromJson(RECORD_UNION, json)).isEqualTo(outer);
  }

  // --- 7. fromPojo: Map with non-text keys passes the build-time check ------------------------

  private static final Schema MAP_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"Mp\",\"fields\":[{\"name\":\"m\",\"type\":"
              + "{\"type\":\"map\",\"values\":\"string\"}}]}");

  public record WithIntKeys(java.util.Map<Integer, String> m) {}

  @Test
  void fromPojo_mapWithIntegerKeys_failsWhenTheSpecIsBuilt() {
    assertThatThrownBy(() -> new PojoToAvro<>(WithIntKeys.class, MAP_RECORD))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // --- 8. fromPojo: java.sql.Date is a java.util.Date, accepted at build, fails every record --

  public record WithSqlDate(java.util.Date ts) {}

  @Test
  void fromPojo_sqlDateInTimestampField_isTheInstant() throws Exception {
    java.sql.Date day = new java.sql.Date(1_714_521_600_000L); // 2024-05-01T00:00:00Z

    GenericRecord record =
        new PojoToAvro<>(WithSqlDate.class, MILLIS_RECORD).convert(new WithSqlDate(day));

    assertThat(record.get("ts")).isEqualTo(Instant.ofEpochMilli(1_714_521_600_000L));
  }

  // --- 9. encode: a Long or Double in an int field is narrowed by Avro, not rejected ----------

  private static final Schema INT_RECORD =
      parse("{\"type\":\"record\",\"name\":\"I\",\"fields\":[{\"name\":\"n\",\"type\":\"int\"}]}");

  @Test
  void encode_longBeyondIntRangeInAnIntField_isRejected() {
    GenericRecord record = new AvroData.Record(INT_RECORD);
    record.put("n", (1L << 40) + 7); // a Long in an int field: Avro writes intValue() == 7

    assertThatThrownBy(
            () -> new AvroRecordEncoder<>(RecordModel.generic(INT_RECORD), null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema I at $.n: a java.lang.Long does not fit int (it would be"
                + " narrowed)");
  }

  @Test
  void encode_doubleInAnIntField_isRejected() {
    GenericRecord record = new AvroData.Record(INT_RECORD);
    record.put("n", 2.75d); // Avro writes intValue() == 2

    assertThatThrownBy(
            () -> new AvroRecordEncoder<>(RecordModel.generic(INT_RECORD), null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema I at $.n: a java.lang.Double does not fit int (it"
                + " would be narrowed)");
  }

  @Test
  void serializer_longBeyondIntRangeInAnIntField_failsInsteadOfTruncating() {
    GenericRecord record = new AvroData.Record(INT_RECORD);
    record.put("n", (1L << 40) + 7);
    dev.etlkit.operators.avro.internal.AvroRecordSerializer<GenericRecord> serializer =
        new dev.etlkit.operators.avro.internal.AvroRecordSerializer<>(
            RecordModel.generic(INT_RECORD), null);

    // The docs: the serializer fails on a record that does not fit its schema.
    assertThatThrownBy(
            () ->
                serializer.serialize(
                    record, new org.apache.flink.core.memory.DataOutputSerializer(64)))
        .isInstanceOf(java.io.IOException.class);
  }

  // --- toJson of decimals, fixed and map keys: what encode accepts, written as encode writes it --

  private static final Schema MONEY_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
              + "{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
              + "\"precision\":5,\"scale\":2}},"
              + "{\"name\":\"hash\",\"type\":{\"type\":\"fixed\",\"name\":\"H\",\"size\":4}},"
              + "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":\"int\"}}]}");

  private static GenericRecord money(BigDecimal price, Object hash, java.util.Map<?, ?> tags) {
    GenericRecord record = new AvroData.Record(MONEY_RECORD);
    record.put("price", price);
    record.put("hash", hash);
    record.put("tags", tags);
    return record;
  }

  private static GenericData.Fixed hash(int size) {
    return new GenericData.Fixed(MONEY_RECORD.getField("hash").schema(), new byte[size]);
  }

  @Test
  void toJson_decimalOfASmallerScale_isWrittenAtTheSchemasScale_asEncodeWritesIt()
      throws Exception {
    GenericRecord record = money(new BigDecimal("1.5"), hash(4), java.util.Map.of("a", 1));
    GenericRecord viaBinary =
        new AvroRecordDecoder<>(RecordModel.generic(MONEY_RECORD), null, null, 100)
            .decode(
                new AvroRecordEncoder<>(RecordModel.generic(MONEY_RECORD), null).encode(record));

    String json = new AvroToJson().convert(record);

    assertThat(json).startsWith("{\"price\":1.50,");
    assertThat(fromJson(MONEY_RECORD, json)).isEqualTo(viaBinary);
    assertThat(viaBinary.get("price")).isEqualTo(new BigDecimal("1.50"));
  }

  @Test
  void toJson_decimalThatNeedsRoundingOrHasTooManyDigits_isRejected() {
    for (String price : new String[] {"1.234", "1234.5"}) {
      GenericRecord record = money(new BigDecimal(price), hash(4), java.util.Map.of());

      assertThatThrownBy(() -> new AvroToJson().convert(record))
          .as(price)
          .isInstanceOf(AvroFormatException.class)
          .hasMessageStartingWith("record does not fit its schema D at $.price: decimal has more");
    }
  }

  @Test
  void toJson_fixedOfAnotherSizeOrNotAFixed_isRejected() {
    GenericRecord wrongSize = money(BigDecimal.ONE, hash(3), java.util.Map.of());
    GenericRecord buffer =
        money(BigDecimal.ONE, java.nio.ByteBuffer.wrap(new byte[4]), java.util.Map.of());

    assertThatThrownBy(() -> new AvroToJson().convert(wrongSize))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema D at $.hash: 3 bytes do not fit fixed H of size 4");
    assertThatThrownBy(() -> new AvroToJson().convert(buffer))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("at $.hash: a java.nio.HeapByteBuffer does not fit fixed H");
  }

  @Test
  void toJson_nullOrNonTextMapKey_isRejected() {
    java.util.Map<Object, Integer> nullKey = new java.util.HashMap<>();
    nullKey.put(null, 1);
    GenericRecord withNullKey = money(BigDecimal.ONE, hash(4), nullKey);
    GenericRecord withIntKey = money(BigDecimal.ONE, hash(4), java.util.Map.of(7, 1));

    assertThatThrownBy(() -> new AvroToJson().convert(withNullKey))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("record does not fit its schema D at $.tags: a map key is null");
    assertThatThrownBy(() -> new AvroToJson().convert(withIntKey))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema D at $.tags: a map key is a java.lang.Integer, not text");
  }

  private static final Schema FLOAT_FIELD_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"F\",\"fields\":[{\"name\":\"x\",\"type\":\"float\"}]}");

  @Test
  void encode_longInAFloatField_isRejected() {
    GenericRecord record = new AvroData.Record(FLOAT_FIELD_RECORD);
    record.put("x", (1L << 40) + 1); // floatValue() would round it to 2^40

    assertThatThrownBy(
            () ->
                new AvroRecordEncoder<>(RecordModel.generic(FLOAT_FIELD_RECORD), null)
                    .encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema F at $.x: a java.lang.Long does not fit float (it"
                + " would be narrowed)");
  }

  private static final Schema LONG_FIELD_RECORD =
      parse(
          "{\"type\":\"record\",\"name\":\"L\",\"fields\":["
              + "{\"name\":\"n\",\"type\":\"long\"},"
              + "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"long\"}}]}");

  @Test
  void toJson_integerInALongField_isWrittenAsEncodeTakesIt() throws Exception {
    // encode widens an Integer into a long field (it loses nothing); toJson must take what encode
    // takes, or a record the Avro step would write becomes a dead letter on the JSON step.
    GenericRecord record = new AvroData.Record(LONG_FIELD_RECORD);
    record.put("n", 7);
    record.put("m", java.util.Map.of("a", -3));
    GenericRecord viaBinary =
        new AvroRecordDecoder<>(RecordModel.generic(LONG_FIELD_RECORD), null, null, 100)
            .decode(
                new AvroRecordEncoder<>(RecordModel.generic(LONG_FIELD_RECORD), null)
                    .encode(record));

    String json = new AvroToJson().convert(record);

    assertThat(json).isEqualTo("{\"n\":7,\"m\":{\"a\":-3}}");
    assertThat(fromJson(LONG_FIELD_RECORD, json)).isEqualTo(viaBinary);
  }

  @Test
  void toJson_shortOrDoubleInALongField_isRejected_asEncodeRejectsIt() {
    for (Object value : new Object[] {(short) 7, 7.0d}) {
      GenericRecord record = new AvroData.Record(LONG_FIELD_RECORD);
      record.put("n", value);
      record.put("m", java.util.Map.of());

      assertThatThrownBy(
              () ->
                  new AvroRecordEncoder<>(RecordModel.generic(LONG_FIELD_RECORD), null)
                      .encode(record))
          .as("encode %s", value.getClass())
          .isInstanceOf(AvroFormatException.class);
      assertThatThrownBy(() -> new AvroToJson().convert(record))
          .as("toJson %s", value.getClass())
          .isInstanceOf(AvroFormatException.class)
          .hasMessageStartingWith("record does not fit its schema L at $.n");
    }
  }

  @Test
  void fromJson_utf16WithAnUnpairedSurrogate_isMalformed() {
    Schema schema =
        parse(
            "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}");
    byte[] bad = "{\"s\":\"a?\"}".getBytes(StandardCharsets.UTF_16LE);
    bad[14] = 0x00; // the '?' (3F 00) becomes a lone high surrogate (00 D8)
    bad[15] = (byte) 0xD8;

    // Before, Jackson's replacing decoder read the surrogate and the quote after it as one U+FFFD.
    assertThatThrownBy(() -> new JsonToAvro(schema, JsonReadLimits.defaults()).convert(bad))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("malformed JSON: invalid UTF-16 at line 1, column 8");
  }

  @Test
  void uuidFieldHoldingCanonicalText_isWrittenAsItsUuid_byEncodeAndToJson() throws Exception {
    // encode takes canonical text in a uuid field; toJson must take it too, and both write the
    // UUID's own text, as after a shuffle (the serializer reads the text back as the UUID).
    GenericRecord asUuid = AvroFixtures.orderV2("ada", "1.00");
    GenericRecord asText = AvroFixtures.orderV2("ada", "1.00");
    asText.put("id", AvroFixtures.ORDER_ID.toString().toUpperCase(java.util.Locale.ROOT));
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(AvroFixtures.ORDER_V2), null);

    assertThat(encoder.encode(asText)).isEqualTo(encoder.encode(asUuid));
    assertThat(new AvroToJson().convert(asText)).isEqualTo(new AvroToJson().convert(asUuid));
  }

  @Test
  void toJson_floatInADoubleField_isTheDoubleEncodeWrites() throws Exception {
    // encode widens a Float in a double field to its exact double, 0.10000000149011612 for 0.1f;
    // toJson must write that number too, or the JSON differs before and after a shuffle.
    Schema doubles =
        parse(
            "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
                + "{\"name\":\"d\",\"type\":\"double\"},"
                + "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"double\"}}]}");
    GenericRecord record = new AvroData.Record(doubles);
    record.put("d", 0.1f);
    record.put("a", java.util.List.of(0.1f));
    GenericRecord viaBinary =
        new AvroRecordDecoder<>(RecordModel.generic(doubles), null, null, 100)
            .decode(new AvroRecordEncoder<>(RecordModel.generic(doubles), null).encode(record));

    String json = new AvroToJson().convert(record);

    assertThat(json).isEqualTo(new AvroToJson().convert(viaBinary));
    assertThat(fromJson(doubles, json)).isEqualTo(viaBinary);
  }
}
