package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.everything;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.internal.Allocations;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Avro records to plain JSON, and back with JsonToAvro. */
class AvroToJsonTest {

  private final AvroToJson toJson = new AvroToJson();

  @Test
  void convert_everyType_writesPlainJson() throws Exception {
    assertThat(toJson.convert(everything("x", 5)))
        .isEqualTo(
            "{\"flag\":true,\"count\":42,\"total\":5,\"ratio\":0.5,\"score\":-1.25,\"label\":\"x\","
                + "\"blob\":\"AQID\",\"code\":\"CQgHBg==\",\"color\":\"GREEN\","
                + "\"values\":[1,-2,3],\"attributes\":{\"k\":\"v\"},"
                + "\"address\":{\"street\":\"Main St 1\",\"zip\":\"12345\"},\"nickname\":null,"
                + "\"price\":12345.6789,\"discount\":0.15,\"day\":\"2024-02-29\","
                + "\"clock\":\"23:59:58.123\",\"createdMillis\":\"2024-05-01T10:15:30.123Z\","
                + "\"createdMicros\":\"1969-12-31T23:59:59.999999Z\","
                + "\"localMicros\":\"2024-05-01T10:15:30.123456\","
                + "\"uid\":\"7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11\"}");
  }

  @Test
  void convertThenParse_isTheSameRecord() throws Exception {
    GenericRecord record = everything("käse", -7);
    record.put("discount", null);
    record.put("score", Double.NaN);

    String json = toJson.convert(record);

    assertThat(
            new JsonToAvro(EVERYTHING, JsonReadLimits.defaults())
                .convert(json.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(record);
  }

  @Test
  void convert_decimalNeverInExponentNotation() throws Exception {
    GenericRecord record = orderV2("ada", "0.00");

    assertThat(toJson.convert(record)).contains("\"amount\":0.00");
  }

  @Test
  void convert_specificRecord_writesItsFields() throws Exception {
    assertThat(toJson.convert(LogicalTypesTest.payment()))
        .startsWith("{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"amount\":1234567890.12,")
        .endsWith("\"payer\":\"ada\",\"tags\":[\"a\",\"b\"]}");
  }

  @Test
  void convert_nullInNonNullField_isRejectedWithItsPath() {
    GenericRecord record = orderV2("ada", "1.00");
    record.put("customer", null);

    assertThatThrownBy(() -> toJson.convert(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema dev.etlkit.operators.avro.test.Order at $.customer:"
                + " null is not allowed for string");
  }

  @Test
  void convert_valueOfAnotherType_isRejectedWithoutTheValue() {
    GenericRecord record = everything("x", 1);
    record.put("discount", SECRET); // text in a nullable decimal: fits no union branch

    assertThatThrownBy(() -> toJson.convert(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("at $.discount: a java.lang.String fits no branch of the union")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));

    record.put("discount", null);
    record.put("price", 12);
    assertThatThrownBy(() -> toJson.convert(record))
        .hasMessageEndingWith("at $.price: a java.lang.Integer does not fit decimal(20,4)");
  }

  @Test
  void convert_numberThatEncodeWouldNarrow_isRejectedAsEncodeRejectsIt() {
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"N\",\"fields\":["
                    + "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"f\",\"type\":\"float\"}]}");
    GenericRecord longInDouble = new AvroData.Record(schema);
    longInDouble.put("d", (1L << 53) + 1); // as a double: 2^53
    longInDouble.put("f", 1f);
    GenericRecord doubleInFloat = new AvroData.Record(schema);
    doubleInFloat.put("d", 1d);
    doubleInFloat.put("f", 0.1d);

    assertThatThrownBy(() -> toJson.convert(longInDouble))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema N at $.d: a java.lang.Long does not fit double");
    assertThatThrownBy(() -> toJson.convert(doubleInFloat))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record does not fit its schema N at $.f: a java.lang.Double does not fit float");
    // encode refuses both too
    AvroRecordEncoder<GenericRecord> encoder =
        new AvroRecordEncoder<>(RecordModel.generic(schema), null);
    assertThatThrownBy(() -> encoder.encode(longInDouble)).isInstanceOf(AvroFormatException.class);
    assertThatThrownBy(() -> encoder.encode(doubleInFloat)).isInstanceOf(AvroFormatException.class);
  }

  @Test
  void convertToBytes_everyType_isTheTextInUtf8() throws Exception {
    GenericRecord record = everything("käse ✓ 𝄞", 5);

    assertThat(toJson.convertToBytes(record))
        .isEqualTo(toJson.convert(record).getBytes(StandardCharsets.UTF_8));
    assertThat(toJson.convertToBytes(record)) // the reused buffer holds one record at a time
        .isEqualTo(toJson.convert(record).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void convertToBytes_unpairedSurrogate_isTheTextInUtf8() throws Exception {
    GenericRecord record = everything("a\uD800b\uDC00", 5);
    record.put("attributes", java.util.Map.of("\uDBFFk𝄞", "v"));

    assertThat(toJson.convertToBytes(record))
        .isEqualTo(toJson.convert(record).getBytes(StandardCharsets.UTF_8));
    assertThat(new String(toJson.convertToBytes(record), StandardCharsets.UTF_8))
        .contains("\"label\":\"a?b?\"", "\"attributes\":{\"?k𝄞\":\"v\"}");
  }

  @Test
  void convert_recordNestedDeeperThanTheStack_isRejectedNotAStackOverflow() throws Exception {
    Schema list =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"int\"},"
                    + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
    GenericRecord deep = null;
    for (int i = 0; i < 990; i++) { // within Jackson's nesting limit of 1000
      GenericRecord node = new AvroData.Record(list);
      node.put("v", i);
      node.put("next", deep);
      deep = node;
    }
    GenericRecord input = deep;
    // A thread whose stack the record is deeper than (a record a decoder on a larger stack read).
    Throwable[] thrown = new Throwable[1];
    Thread small =
        new Thread(
            null,
            () -> {
              try {
                toJson.convert(input);
              } catch (Throwable t) {
                thrown[0] = t;
              }
            },
            "small-stack",
            128 * 1024);
    small.start();
    small.join();

    // A StackOverflowError is no Exception: the map step would let it fail the job.
    assertThat(thrown[0])
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("cannot write the record as JSON: the record is nested too deeply");
    input.put("next", null); // the next record starts a fresh document
    assertThat(toJson.convert(input)).isEqualTo("{\"v\":989,\"next\":null}");
  }

  /**
   * A generated class as avro-maven-plugin writes it by default (enableDecimalLogicalType false):
   * no decimal conversion, so its decimal fields hold the unscaled bytes (ByteBuffer, or the
   * fixed), which encodeSpecific writes as they are.
   */
  public static final class LegacyAmount extends org.apache.avro.specific.SpecificRecordBase {
    public static final Schema SCHEMA$ =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"LegacyAmount\",\"namespace\":\"legacy\","
                    + "\"fields\":[{\"name\":\"amount\",\"type\":{\"type\":\"bytes\","
                    + "\"logicalType\":\"decimal\",\"precision\":6,\"scale\":2}},"
                    + "{\"name\":\"fee\",\"type\":{\"type\":\"fixed\",\"name\":\"Fee\",\"size\":4,"
                    + "\"logicalType\":\"decimal\",\"precision\":6,\"scale\":3}}]}");
    private java.nio.ByteBuffer amount;
    private org.apache.avro.generic.GenericFixed fee;

    public LegacyAmount() {}

    @Override
    public Schema getSchema() {
      return SCHEMA$;
    }

    @Override
    public Object get(int field) {
      return field == 0 ? amount : fee;
    }

    @Override
    public void put(int field, Object value) {
      if (field == 0) {
        amount = (java.nio.ByteBuffer) value;
      } else {
        fee = (org.apache.avro.generic.GenericFixed) value;
      }
    }
  }

  @Test
  void convert_specificRecordWithoutDecimalConversion_writesItsDecimalsAsNumbers()
      throws Exception {
    org.apache.avro.Conversions.DecimalConversion decimals =
        new org.apache.avro.Conversions.DecimalConversion();
    Schema amountSchema = LegacyAmount.SCHEMA$.getField("amount").schema();
    Schema feeSchema = LegacyAmount.SCHEMA$.getField("fee").schema();
    LegacyAmount record = new LegacyAmount();
    record.put(
        0,
        decimals.toBytes(
            new java.math.BigDecimal("-1234.50"), amountSchema, amountSchema.getLogicalType()));
    record.put(
        1,
        decimals.toFixed(new java.math.BigDecimal("0.125"), feeSchema, feeSchema.getLogicalType()));

    assertThat(toJson.convert(record)).isEqualTo("{\"amount\":-1234.50,\"fee\":0.125}");
  }

  @Test
  void convert_recordOverMaxBytes_isRejected_andTheWriterGoesOnWithTheNext() throws Exception {
    GenericRecord large = orderV2(SECRET, "1.00");
    GenericRecord small = orderV2("a", "1.00");
    int limit = toJson.convert(small).length();
    AvroToJson limited = new AvroToJson(limit);

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> limited.convert(large))
          .isInstanceOf(AvroFormatException.class)
          .hasMessageEndingWith(" bytes, over maxBytes " + limit)
          .hasMessageNotContaining(SECRET);
      assertThatThrownBy(() -> limited.convertToBytes(large))
          .isInstanceOf(AvroFormatException.class)
          .hasMessageEndingWith(" bytes, over maxBytes " + limit);
      assertThat(limited.convert(small)).isEqualTo(toJson.convert(small));
      assertThat(limited.convertToBytes(small))
          .isEqualTo(toJson.convert(small).getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void convert_aHugeRecord_doesNotKeepItsTextBufferForTheStepsLifetime() throws Exception {
    AvroToJson writer = new AvroToJson();
    String small = writer.convert(orderV2("b", "2.00"));
    int smallChars = writer.retainedChars();

    String huge = writer.convert(orderV2("x".repeat(3 << 20), "1.00")); // 3 Mi chars of name

    assertThat(huge).hasSizeGreaterThan(3 << 20);
    assertThat(writer.retainedChars())
        .as("one huge record leaves no buffer of its size behind in every subtask")
        .isLessThanOrEqualTo(LimitedText.MAX_RETAINED_CHARS);
    assertThat(writer.convert(orderV2("b", "2.00"))).isEqualTo(small);
    writer.convert(orderV2("c", "3.00"));
    assertThat(writer.retainedChars()).as("small records reuse one buffer").isEqualTo(smallChars);
  }

  @Test
  void convert_aHugeRecordRefused_doesNotKeepItsTextBufferEither() throws Exception {
    AvroToJson limited = new AvroToJson(1_000);
    AvroToJson unlimited = new AvroToJson();
    GenericRecord badAfterAHugeField = orderV2("x".repeat(3 << 20), "1.00");
    badAfterAHugeField.put("amount", null); // written after the customer: fails mid-document

    assertThatThrownBy(() -> limited.convert(orderV2("x".repeat(3 << 20), "1.00")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith(" bytes, over maxBytes 1000");
    assertThatThrownBy(() -> unlimited.convert(badAfterAHugeField))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("$.amount");

    for (AvroToJson writer : new AvroToJson[] {limited, unlimited}) {
      assertThat(writer.retainedChars()).isLessThanOrEqualTo(LimitedText.MAX_RETAINED_CHARS);
      assertThat(writer.convert(orderV2("b", "2.00")))
          .isEqualTo(toJson.convert(orderV2("b", "2.00")));
    }
  }

  @Test
  void convert_aRecordFarOverTheLimit_isRefusedWithItsExactUtf8Size_storingNoMoreThanTheLimit()
      throws Exception {
    // 300,000 euro signs, 900 kB in UTF-8, refused at 10 kB: counted, stored up to the limit only
    GenericRecord huge = orderV2("€".repeat(300_000), "1.00");
    int size = toJson.convert(huge).getBytes(StandardCharsets.UTF_8).length;
    AvroToJson limited = new AvroToJson(10_000);

    assertThatThrownBy(() -> limited.convert(huge))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record too large: dev.etlkit.operators.avro.test.Order written as JSON has "
                + size
                + " bytes, over maxBytes 10000");
    assertThat(limited.retainedChars()).as("the buffer's growth").isLessThanOrEqualTo(10_000);
    assertThat(limited.convert(orderV2("b", "2.00")))
        .isEqualTo(toJson.convert(orderV2("b", "2.00")));
  }

  @Test
  void convertToBytes_aRecordFarOverTheLimit_isRefusedWithItsExactSize_allocatingNoCopyOfIt()
      throws Exception {
    // 8 MiB of name refused at 64 KiB: what the step allocates is about the limit, not the record
    GenericRecord huge = orderV2("x".repeat(8 << 20), "1.00");
    int size = toJson.convert(huge).length(); // ASCII: as many bytes as chars
    AvroToJson limited = new AvroToJson(64 << 10);
    limited.convertToBytes(orderV2("b", "2.00")); // its generator exists

    long before = Allocations.ofCurrentThread();
    assertThatThrownBy(() -> limited.convertToBytes(huge))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record too large: dev.etlkit.operators.avro.test.Order written as JSON has "
                + size
                + " bytes, over maxBytes 65536");
    long allocated = Allocations.ofCurrentThread() - before;

    assertThat(allocated).as("bytes allocated for an 8 MiB record").isLessThan(1 << 20);
    assertThat(limited.retainedBytes()).as("the buffer's growth").isLessThanOrEqualTo(64 << 10);
    assertThat(limited.convertToBytes(orderV2("b", "2.00")))
        .isEqualTo(toJson.convert(orderV2("b", "2.00")).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void convert_multiByteAndSurrogatePairs_atEveryLimit_textAndBytes() throws Exception {
    // every limit from far under the record to one over it: the char limit of text output falls
    // inside the 2-, 3- and 4-byte characters, between a surrogate pair's two halves and on an
    // unpaired one in turn; the size is always the UTF-8 size, and bytes are the text's UTF-8
    GenericRecord order = orderV2("ä€\uD83D\uDE00\uD800z".repeat(4), "1.00");
    String text = toJson.convert(order);
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    assertThat(toJson.convertToBytes(order)).isEqualTo(utf8);

    for (int limit = 1; limit <= utf8.length + 1; limit++) {
      AvroToJson limited = new AvroToJson(limit);
      if (utf8.length <= limit) {
        assertThat(limited.convert(order)).isEqualTo(text);
        assertThat(limited.convertToBytes(order)).isEqualTo(utf8);
      } else {
        String tooLarge =
            "record too large: dev.etlkit.operators.avro.test.Order written as JSON has "
                + utf8.length
                + " bytes, over maxBytes "
                + limit;
        assertThatThrownBy(() -> limited.convert(order)).hasMessage(tooLarge);
        assertThatThrownBy(() -> limited.convertToBytes(order)).hasMessage(tooLarge);
        assertThat(limited.retainedChars()).isLessThanOrEqualTo(Math.max(limit, 256));
        assertThat(limited.retainedBytes()).isLessThanOrEqualTo(Math.max(limit, 256));
      }
    }
  }
}
