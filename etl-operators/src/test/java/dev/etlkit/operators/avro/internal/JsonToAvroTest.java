package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.everything;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.RawBytes;
import dev.etlkit.operators.avro.AvroFixtures;
import dev.etlkit.operators.avro.AvroFormatException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Plain JSON to GenericRecord: the mapping rules and the rejections. */
class JsonToAvroTest {

  private static final JsonToAvro ORDERS = new JsonToAvro(ORDER_V2, JsonReadLimits.defaults());
  private static final JsonToAvro ALL = new JsonToAvro(EVERYTHING, JsonReadLimits.defaults());

  private static GenericRecord order(String json) throws AvroFormatException {
    return ORDERS.convert(json.getBytes(StandardCharsets.UTF_8));
  }

  private static final String ORDER =
      "{\"id\":\"7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11\",\"customer\":\"ada\","
          + "\"amount\":12.30,\"placedAt\":\"2024-05-01T10:15:30.123Z\"}";

  @Test
  void convert_plainJson_fillsTypedValuesAndDefaults() throws Exception {
    GenericRecord r = order(ORDER);

    assertThat(r.get("id")).isEqualTo(AvroFixtures.ORDER_ID);
    assertThat(r.get("customer")).isEqualTo("ada");
    assertThat(r.get("amount")).isEqualTo(new BigDecimal("12.30"));
    assertThat(r.get("placedAt")).isEqualTo(AvroFixtures.PLACED_AT);
    assertThat(r.get("channel")).isEqualTo("web"); // missing: the schema's default
    assertThat(r.get("note")).isNull(); // missing: the default null
  }

  @Test
  void convert_everyTypeInItsJsonForm_equalsTheExpectedRecord() throws Exception {
    String json =
        "{\"flag\":true,\"count\":42,\"total\":5,\"ratio\":0.5,\"score\":-1.25,\"label\":\"x\","
            + "\"blob\":\"AQID\",\"code\":\"CQgHBg==\",\"color\":\"GREEN\",\"values\":[1,-2,3],"
            + "\"attributes\":{\"k\":\"v\"},\"address\":{\"street\":\"Main St 1\",\"zip\":\"12345\"},"
            + "\"nickname\":null,\"price\":\"12345.6789\",\"discount\":0.15,\"day\":\"2024-02-29\","
            + "\"clock\":\"23:59:58.123\",\"createdMillis\":1714558530123,"
            + "\"createdMicros\":\"1969-12-31T23:59:59.999999Z\","
            + "\"localMicros\":\"2024-05-01T10:15:30.123456\","
            + "\"uid\":\"7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11\",\"unknown\":{\"ignored\":[1]}}";

    GenericRecord r = ALL.convert(json.getBytes(StandardCharsets.UTF_8));

    assertThat(r).isEqualTo(everything("x", 5));
  }

  @Test
  void convert_numbersForDatesAndTimestamps_areEpochDaysMillisAndMicros() throws Exception {
    String json = ORDER.replace("\"2024-05-01T10:15:30.123Z\"", String.valueOf(1714558530123L));

    assertThat(order(json).get("placedAt")).isEqualTo(Instant.ofEpochMilli(1714558530123L));
    assertThat(LogicalValues.dateFromDays(19782)).isEqualTo(LocalDate.of(2024, 2, 29));
  }

  @Test
  void convert_decimalWithTooManyFractionDigits_isRejectedWithPath() {
    assertThatThrownBy(() -> order(ORDER.replace("12.30", "12.301")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "JSON does not fit Avro schema dev.etlkit.operators.avro.test.Order at $.amount:"
                + " decimal has more than 2 fraction digits for decimal(12,2)");
  }

  @Test
  void convert_timestampWithMoreDigitsThanTheSchemaHolds_isRejectedNotTruncated() {
    // Kept as nanoseconds, the record would lose them on its first serialization (a shuffle), so
    // chained and unchained runs would differ.
    assertThatThrownBy(() -> order(ORDER.replace("10:15:30.123Z", "10:15:30.123456789Z")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "JSON does not fit Avro schema dev.etlkit.operators.avro.test.Order at $.placedAt:"
                + " timestamp has more fraction digits than timestamp-millis holds");
  }

  @Test
  void convert_timeAndLocalTimestampWithMoreDigitsThanTheSchemaHolds_areRejected() {
    String everyType =
        "{\"flag\":true,\"count\":42,\"total\":5,\"ratio\":0.5,\"score\":-1.25,\"label\":\"x\","
            + "\"blob\":\"AQID\",\"code\":\"CQgHBg==\",\"color\":\"GREEN\",\"values\":[],"
            + "\"attributes\":{},\"address\":{\"street\":\"s\",\"zip\":\"z\"},"
            + "\"price\":\"1\",\"day\":\"2024-02-29\","
            + "\"clock\":\"23:59:58.123\",\"createdMillis\":0,\"createdMicros\":0,"
            + "\"localMicros\":\"2024-05-01T10:15:30.123456\","
            + "\"uid\":\"7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11\"}";

    assertThatThrownBy(() -> all(everyType.replace("58.123", "58.1234")))
        .hasMessageEndingWith("at $.clock: time has more fraction digits than time-millis holds");
    assertThatThrownBy(() -> all(everyType.replace("30.123456", "30.1234567")))
        .hasMessageEndingWith(
            "at $.localMicros: local timestamp has more fraction digits than"
                + " local-timestamp-micros holds");
    assertThatThrownBy(
            () ->
                all(
                    everyType.replace(
                        "\"createdMicros\":0",
                        "\"createdMicros\":\"2024-05-01T10:15:30.1234567Z\"")))
        .hasMessageEndingWith(
            "at $.createdMicros: timestamp has more fraction digits than timestamp-micros holds");
  }

  @Test
  void convert_timestampWithTrailingZerosBeyondTheSchema_isAccepted() throws Exception {
    assertThat(order(ORDER.replace("10:15:30.123Z", "10:15:30.123000000Z")).get("placedAt"))
        .isEqualTo(AvroFixtures.PLACED_AT);
  }

  private static GenericRecord all(String json) throws AvroFormatException {
    return ALL.convert(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void convert_decimalWithAHugeExponent_isRejectedQuickly() {
    assertThatThrownBy(() -> order(ORDER.replace("12.30", "1e999999999")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("more than 10 integer digits");
  }

  @Test
  void convert_exponentBeyondTheIntRange_isRejectedWithoutTheNumber() {
    // Found by fuzzing: Jackson throws a bare NumberFormatException quoting the number.
    assertThatThrownBy(() -> order(ORDER.replace("12.30", "1e9999999994")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("malformed JSON: java.lang.NumberFormatException")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("9999999994"));
  }

  @Test
  void convert_missingRequiredField_isRejected() {
    assertThatThrownBy(() -> order(ORDER.replace("\"customer\":\"ada\",", "")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith(
            "at $.customer: required field is missing (no default, not nullable)");
  }

  @Test
  void convert_nullForNonNullField_isRejected() {
    assertThatThrownBy(() -> order(ORDER.replace("\"ada\"", "null")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith("at $.customer: null is not allowed for string");
  }

  @Test
  void convert_wrongJsonType_isRejectedNamingTypesNotValues() {
    assertThatThrownBy(() -> order(ORDER.replace("\"ada\"", "12345")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith("at $.customer: expected string, got a JSON number");
  }

  @Test
  void convert_nestedErrors_reportTheirPathButNotMapKeys() {
    assertThatThrownBy(
            () ->
                new JsonToAvro(EVERYTHING, JsonReadLimits.defaults())
                    .convert(
                        ("{\"flag\":true,\"count\":1,\"total\":1,\"ratio\":1,\"score\":1,"
                                + "\"label\":\"l\",\"blob\":\"\",\"code\":\"AAAAAA==\",\"color\":\"RED\","
                                + "\"values\":[1,2,\"three\"]}")
                            .getBytes(StandardCharsets.UTF_8)))
        .hasMessageEndingWith("at $.values[2]: expected long, got a JSON string");
    assertThatThrownBy(
            () ->
                new JsonToAvro(EVERYTHING, JsonReadLimits.defaults())
                    .convert(
                        ("{\"flag\":true,\"count\":1,\"total\":1,\"ratio\":1,\"score\":1,"
                                + "\"label\":\"l\",\"blob\":\"\",\"code\":\"AAAAAA==\",\"color\":\"RED\","
                                + "\"values\":[],\"attributes\":{\""
                                + SECRET
                                + "\":1}}")
                            .getBytes(StandardCharsets.UTF_8)))
        .hasMessageEndingWith("at $.attributes[*]: expected string, got a JSON number")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
  }

  @Test
  void convert_invalidUuid_isRejectedWithoutTheText() {
    assertThatThrownBy(() -> order(ORDER.replace("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11", SECRET)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageEndingWith("at $.id: text is not a UUID")
        .satisfies(e -> assertThat(e.toString()).doesNotContain(SECRET));
  }

  @Test
  void convert_malformedJson_isRejectedWithLocationButWithoutTheToken() {
    assertThatThrownBy(() -> order("{\"customer\": " + SECRET + "}"))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("malformed JSON at line 1, column")
        .hasNoCause()
        .satisfies(e -> assertThat(e.toString()).doesNotContain(SECRET));
  }

  /**
   * Byte sequences Jackson would decode although they are not UTF-8: an overlong {@code /}, an
   * encoded UTF-16 surrogate, a code point above U+10FFFF. A dead letter, as any bad UTF-8.
   */
  @ParameterizedTest
  @ValueSource(strings = {"C0AF", "EDA080", "F4908080"})
  void convert_utf8ThatJacksonWouldDecode_isRejected(String hex) {
    assertThatThrownBy(() -> ORDERS.convert(RawBytes.withBytes(ORDER.replace("ada", "a#a"), hex)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "malformed JSON at line 1, column 59: com.fasterxml.jackson.core.JsonParseException");
  }

  @Test
  void convert_validMultiByteUtf8_isRead() throws Exception {
    assertThat(
            ORDERS.convert(RawBytes.withBytes(ORDER.replace("ada", "a#a"), "C3A9")).get("customer"))
        .hasToString("aéa");
  }

  @Test
  void convert_trailingTokens_areRejected() {
    assertThatThrownBy(() -> order(ORDER + " {}"))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("malformed JSON");
  }

  @Test
  void convert_notAnObjectOrEmpty_isRejected() {
    assertThatThrownBy(() -> order("[1]"))
        .hasMessageEndingWith(
            "at $: expected record dev.etlkit.operators.avro.test.Order, got a" + " JSON array");
    assertThatThrownBy(() -> order("  ")).hasMessage("empty JSON document");
  }

  @Test
  void convert_documentOverTheReadLimits_isRejected() {
    JsonToAvro small = new JsonToAvro(ORDER_V2, JsonReadLimits.defaults().withMaxDocumentBytes(10));
    assertThatThrownBy(() -> small.convert(ORDER.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("exceeds maxDocumentBytes 10");

    JsonToAvro shallow =
        new JsonToAvro(EVERYTHING, JsonReadLimits.defaults().withMaxNestingDepth(2));
    assertThatThrownBy(
            () -> shallow.convert("{\"a\":{\"b\":{\"c\":1}}}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith("JSON exceeds a read limit");

    String longName = "n".repeat(1025);
    assertThatThrownBy(
            () -> ALL.convert(("{\"" + longName + "\":1}").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith(
            "JSON exceeds a read limit: Name length (1025) exceeds the maximum allowed (1024)"
                + " (JsonReadLimits.maxNameLength)");
  }

  @Test
  void convert_unionBranch_isChosenByTheJsonType() throws Exception {
    GenericRecord r = order(ORDER.replace("}", ",\"note\":\"fragile\"}"));
    assertThat(r.get("note")).isEqualTo("fragile");

    assertThatThrownBy(() -> order(ORDER.replace("}", ",\"note\":5}")))
        .hasMessageContaining("at $.note: a JSON number fits no branch of the union");
  }

  private static final org.apache.avro.Schema UNIONS =
      new org.apache.avro.Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"U\",\"fields\":["
                  + "{\"name\":\"d\",\"type\":[\"null\",\"double\"]},"
                  + "{\"name\":\"n\",\"type\":[\"null\",\"int\",\"long\"]},"
                  + "{\"name\":\"f\",\"type\":[\"null\",\"float\",\"double\"]}]}");

  private static GenericRecord unions(Object d, Object n, Object f) {
    GenericRecord r = new AvroData.Record(UNIONS);
    r.put("d", d);
    r.put("n", n);
    r.put("f", f);
    return r;
  }

  private static GenericRecord viaJson(GenericRecord r) throws AvroFormatException {
    return new JsonToAvro(UNIONS, JsonReadLimits.defaults())
        .convert(new AvroToJson().convert(r).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void convert_nanAndInfinitiesInANullableDouble_surviveToJsonAndBack() throws Exception {
    for (double special :
        new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      GenericRecord r = unions(special, null, null);

      assertThat(viaJson(r)).isEqualTo(r);
    }
  }

  @Test
  void convert_unionBranch_isTheFirstThatHoldsTheValueExactly() throws Exception {
    GenericRecord r = unions(null, 1L << 40, 0.1d); // int cannot hold 2^40, float not 0.1d

    GenericRecord back = viaJson(r);

    assertThat(back).isEqualTo(r);
    assertThat(back.get("n")).isEqualTo(1L << 40);
    assertThat(back.get("f")).isEqualTo(0.1d);
  }

  @Test
  void convert_floatInAFloatDoubleUnion_survivesToJsonAndBack() throws Exception {
    GenericRecord r = unions(null, 7, 0.1f);

    GenericRecord back = viaJson(r);

    assertThat(back).isEqualTo(r);
    assertThat(back.get("f")).isEqualTo(0.1f);
  }

  @Test
  void convert_integerADoubleWouldRound_isTheLaterLongBranch_andSurvivesToJsonAndBack()
      throws Exception {
    org.apache.avro.Schema doubleThenLong =
        new org.apache.avro.Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"DL\",\"fields\":["
                    + "{\"name\":\"v\",\"type\":[\"null\",\"double\",\"long\"]}]}");
    JsonToAvro fromJson = new JsonToAvro(doubleThenLong, JsonReadLimits.defaults());
    GenericRecord r = new AvroData.Record(doubleThenLong);
    r.put("v", (1L << 53) + 1); // a double holds 2^53, not 2^53 + 1

    GenericRecord back =
        fromJson.convert(new AvroToJson().convert(r).getBytes(StandardCharsets.UTF_8));

    assertThat(back.get("v")).isEqualTo((1L << 53) + 1);
    assertThat(back).isEqualTo(r);
    // a number the double holds exactly still takes the earlier branch
    assertThat(fromJson.convert("{\"v\":5}".getBytes(StandardCharsets.UTF_8)).get("v"))
        .isEqualTo(5.0d);
  }

  @Test
  void convert_unknownEnumSymbol_isRejected() {
    assertThatThrownBy(
            () ->
                new JsonToAvro(EVERYTHING, JsonReadLimits.defaults())
                    .convert(
                        ("{\"flag\":true,\"count\":1,\"total\":1,\"ratio\":1,\"score\":1,"
                                + "\"label\":\"l\",\"blob\":\"\",\"code\":\"AAAAAA==\",\"color\":\"PINK\"}")
                            .getBytes(StandardCharsets.UTF_8)))
        .hasMessageEndingWith(
            "at $.color: text is not a symbol of enum" + " dev.etlkit.operators.avro.test.Color");
  }

  @Test
  void convert_keyOfARecordFieldsAlias_fillsTheFieldItChoseTheBranchFor() throws Exception {
    // The union rule counts a key naming a field's alias as held by that record branch; the
    // value under it must then land in the field, not be dropped for the field's default.
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"u\",\"type\":["
                    + "{\"type\":\"record\",\"name\":\"Renamed\",\"fields\":[{\"name\":\"newName\","
                    + "\"type\":[\"null\",\"string\"],\"default\":null,\"aliases\":[\"name\"]}]},"
                    + "{\"type\":\"record\",\"name\":\"Plain\",\"fields\":["
                    + "{\"name\":\"name\",\"type\":\"string\"}]}]},"
                    + "{\"name\":\"top\",\"type\":[\"null\",\"string\"],\"default\":null,"
                    + "\"aliases\":[\"oldTop\"]}]}");
    JsonToAvro fromJson = new JsonToAvro(schema, JsonReadLimits.defaults());

    GenericRecord r =
        fromJson.convert(
            "{\"u\":{\"name\":\"x\"},\"oldTop\":\"y\"}".getBytes(StandardCharsets.UTF_8));

    GenericRecord u = (GenericRecord) r.get("u");
    assertThat(u.getSchema().getName()).isEqualTo("Renamed");
    assertThat(u.get("newName")).isEqualTo("x");
    assertThat(r.get("top")).isEqualTo("y");
  }

  @Test
  void convert_integerAFloatWouldRound_skipsTheFloatBranchAndIsRoundedOnce() throws Exception {
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"F\",\"fields\":["
                    + "{\"name\":\"u\",\"type\":[\"null\",\"float\",\"long\"]},"
                    + "{\"name\":\"f\",\"type\":\"float\"}]}");
    JsonToAvro fromJson = new JsonToAvro(schema, JsonReadLimits.defaults());
    long notAFloat = (1L << 60) + 1; // its double, 2^60, is a float: the float branch looked exact
    long pastHalfway = (1L << 60) + (1L << 36) + 1; // by way of a double: 2^60, not 2^60 + 2^37

    GenericRecord r =
        fromJson.convert(
            ("{\"u\":" + notAFloat + ",\"f\":" + pastHalfway + "}")
                .getBytes(StandardCharsets.UTF_8));

    assertThat(r.get("u")).isEqualTo(notAFloat);
    assertThat(r.get("f")).isEqualTo((float) pastHalfway);
  }

  @Test
  void convert_documentNestedDeeperThanTheStack_isAnAvroFormatException() {
    // With the nesting limit raised, a recursive schema's document can be deeper than the stack:
    // like encode, toJson and fromPojo, the step's dead letter must say so as an
    // AvroFormatException, not escape as a StackOverflowError.
    Schema node =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                    + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}]}");
    int depth = 300_000;
    StringBuilder json = new StringBuilder();
    json.append("{\"next\":".repeat(depth)).append("null").append("}".repeat(depth));
    JsonToAvro fromJson =
        new JsonToAvro(
            node,
            JsonReadLimits.defaults()
                .withMaxNestingDepth(Integer.MAX_VALUE)
                .withMaxDocumentBytes(Integer.MAX_VALUE));

    assertThatThrownBy(() -> fromJson.convert(json.toString().getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage("cannot convert JSON to Avro schema Node: the document is nested too deeply");
  }
}
