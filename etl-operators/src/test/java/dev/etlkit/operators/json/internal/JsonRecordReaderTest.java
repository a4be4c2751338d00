package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.etlkit.operators.json.Address;
import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import dev.etlkit.operators.json.Line;
import dev.etlkit.operators.json.Order;
import dev.etlkit.operators.json.Shipment;
import dev.etlkit.operators.json.UnknownFields;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Binding rules of the parse step without Flink: strict types, required fields, messages. */
class JsonRecordReaderTest {

  private static final String ORDER =
      "{\"orderId\":\"o-1\",\"customerNumber\":42,\"amount\":12.50,\"orderDate\":\"2024-01-31\","
          + "\"createdAt\":\"2024-01-31T10:15:30Z\",\"paid\":true,\"status\":\"PAID\","
          + "\"shipping\":{\"street\":\"Main St 1\",\"city\":\"Springfield\"},"
          + "\"lines\":[{\"sku\":\"A\",\"quantity\":2,\"price\":5.25}],\"tags\":{\"k\":\"v\"}}";

  private final JsonRecordReader<Order> orders = ReaderFixtures.of(Order.class).reader();

  private static JsonRecordException rejection(ThrowingCallable read) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(read);
    assertThat(t).isInstanceOf(JsonRecordException.class);
    return (JsonRecordException) t;
  }

  @Test
  void read_fullOrder_bindsNestedPojosRecordsListsMapsEnumsAndTime() throws Exception {
    Order o = orders.read(utf8(ORDER));

    assertThat(o.orderId).isEqualTo("o-1");
    assertThat(o.customerNumber).isEqualTo(42L);
    assertThat(o.amount).isEqualTo(new BigDecimal("12.50"));
    assertThat(o.orderDate).isEqualTo(LocalDate.of(2024, 1, 31));
    assertThat(o.createdAt).isEqualTo(Instant.parse("2024-01-31T10:15:30Z"));
    assertThat(o.status).isEqualTo(Order.Status.PAID);
    assertThat(o.shipping).isEqualTo(new Address("Main St 1", "Springfield"));
    assertThat(o.lines).containsExactly(new Line("A", 2, new BigDecimal("5.25")));
    assertThat(o.tags).isEqualTo(Map.of("k", "v"));
  }

  @Test
  void read_record_bindsThroughItsCanonicalConstructor() throws Exception {
    Shipment s =
        ReaderFixtures.of(Shipment.class)
            .reader()
            .read(
                utf8(
                    "{\"shipmentId\":\"s-1\",\"pieces\":3,\"weightKg\":1.5,"
                        + "\"shippedAt\":\"2024-01-31T10:15:30\"}"));

    assertThat(s).isEqualTo(new Shipment("s-1", 3, 1.5, LocalDateTime.of(2024, 1, 31, 10, 15, 30)));
  }

  /** Numbers whose exact value shows: negative zeros, a scale, a long beyond a double's. */
  public record Measures(double d, float f, BigDecimal b, long n, List<Double> xs) {}

  @Test
  void read_keyRepeatedAfterTheLastRecordComponent_lastWinsWithTheValuesOfTheFastPath()
      throws Exception {
    JsonRecordReader<Measures> reader = ReaderFixtures.of(Measures.class).reader();
    String components = "\"d\":5.0,\"f\":-0.0,\"b\":1.50,\"n\":9007199254740993,\"xs\":[-0.0,1e3]";

    Measures slow = reader.read(utf8("{" + components + ",\"d\":-0.0}"));

    Measures fast = reader.read(utf8("{" + components.replace("5.0", "-0.0") + "}"));
    assertThat(fast.d()).isEqualTo(-0.0d);
    assertThat(slow).isEqualTo(fast); // a record's equals tells -0.0 from 0.0
    assertThat(Double.doubleToRawLongBits(slow.d())).isEqualTo(Double.doubleToRawLongBits(-0.0d));
    assertThat(Float.floatToRawIntBits(slow.f())).isEqualTo(Float.floatToRawIntBits(-0.0f));
    assertThat(slow.b()).isEqualTo(new BigDecimal("1.50")); // the scale too
    assertThat(slow.n()).isEqualTo(9007199254740993L);
    assertThat(slow.xs()).containsExactly(-0.0d, 1000.0d);
  }

  /** A code read as text from a JSON number (with coercion), and a count. */
  public record Tagged(String code, int n) {}

  @Test
  void read_keyRepeatedAfterTheLastRecordComponent_numberReadAsTextKeepsItsSpelling()
      throws Exception {
    JsonRecordReader<Tagged> reader =
        ReaderFixtures.of(Tagged.class).fieldCoercion("code", Coercion.tryCast()).reader();

    Tagged fast = reader.read(utf8("{\"code\":1e3,\"n\":2}"));
    Tagged slow = reader.read(utf8("{\"code\":1e3,\"n\":1,\"n\":2}"));

    assertThat(fast).isEqualTo(new Tagged("1e3", 2));
    assertThat(slow).isEqualTo(fast);
  }

  @Test
  void read_stringForIntWithoutCoercion_isWrongType() {
    JsonRecordException e = rejection(() -> orders.read(utf8("{\"customerNumber\":\"42\"}")));

    assertThat(e.reason()).isEqualTo(Reason.WRONG_TYPE);
    assertThat(e).hasMessage("WRONG_TYPE: expected long, got a JSON string at $.customerNumber");
  }

  @Test
  void read_numberForString_isWrongType() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":1,\"orderId\":7}"))).reason())
        .isEqualTo(Reason.WRONG_TYPE);
  }

  @Test
  void read_decimalForInteger_isWrongTypeNotTruncated() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":1.5}"))).reason())
        .isEqualTo(Reason.WRONG_TYPE);
  }

  @Test
  void read_numberForDate_isRejectedNotReadAsEpochDay() {
    assertThat(
            rejection(() -> orders.read(utf8("{\"customerNumber\":1,\"orderDate\":19000}")))
                .reason())
        .isIn(Reason.WRONG_TYPE, Reason.INVALID_VALUE);
  }

  @Test
  void read_numberForInstant_isWrongTypeNotEpochSeconds() {
    assertThat(
            rejection(
                () -> orders.read(utf8("{\"customerNumber\":1,\"createdAt\":1700000000000}"))))
        .hasMessage("WRONG_TYPE: expected Instant, got a JSON integer at $.createdAt");
    assertThat(
            rejection(() -> orders.read(utf8("{\"customerNumber\":1,\"createdAt\":1.5}"))).reason())
        .isEqualTo(Reason.WRONG_TYPE);
  }

  /** A field that asks for numbers keeps the java.time module's reading: epoch seconds. */
  public record Stamped(@JsonFormat(shape = JsonFormat.Shape.NUMBER) Instant at, Instant iso) {}

  @Test
  void read_numberForAnInstantAnnotatedAsANumber_isEpochSeconds() throws Exception {
    JsonRecordReader<Stamped> stamped = ReaderFixtures.of(Stamped.class).reader();

    Stamped read = stamped.read(utf8("{\"at\":1700000000,\"iso\":\"2024-01-31T10:15:30Z\"}"));

    assertThat(read.at()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
    assertThat(rejection(() -> stamped.read(utf8("{\"at\":1,\"iso\":1700000000}"))))
        .hasMessage("WRONG_TYPE: expected Instant, got a JSON integer at $.iso");
  }

  @Test
  void read_digitsStringForInstant_isInvalidValue() {
    for (String digits : List.of("1700000000000", " 1700000000 ", "-5", "1700000000.5")) {
      String json = "{\"customerNumber\":1,\"createdAt\":\"" + digits + "\"}";
      assertThat(rejection(() -> orders.read(utf8(json))))
          .hasMessage("INVALID_VALUE: invalid Instant value at $.createdAt");
    }
  }

  @Test
  void read_decimalWithAHugeExponent_isLimitExceeded() {
    for (String amount : List.of("1e999999999", "1e-999999999", "1e101")) {
      String json = "{\"customerNumber\":1,\"amount\":" + amount + "}";
      JsonRecordException e = rejection(() -> orders.read(utf8(json)));
      assertThat(e.reason()).isEqualTo(Reason.LIMIT_EXCEEDED);
      assertThat(e.getMessage())
          .startsWith("LIMIT_EXCEEDED: BigDecimal value length in plain notation (")
          .endsWith(
              ") exceeds the maximum allowed (100) (JsonReadLimits.maxNumberLength) at $.amount");
    }
  }

  @Test
  void read_decimalWithinTheLimitInPlainNotation_isAccepted() throws Exception {
    assertThat(orders.read(utf8("{\"customerNumber\":1,\"amount\":1e99}")).amount)
        .isEqualTo(new BigDecimal("1e99"));
    assertThat(orders.read(utf8("{\"customerNumber\":1,\"amount\":-1.5e-98}")).amount)
        .isEqualTo(new BigDecimal("-1.5e-98"));
  }

  @Test
  void read_badDate_isInvalidValueWithPath() {
    JsonRecordException e =
        rejection(() -> orders.read(utf8("{\"customerNumber\":1,\"orderDate\":\"2024-13-45\"}")));

    assertThat(e).hasMessage("INVALID_VALUE: invalid LocalDate value at $.orderDate");
  }

  @Test
  void read_unknownEnumConstant_isInvalidValue() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":1,\"status\":\"LOST\"}"))))
        .hasMessage("INVALID_VALUE: invalid Status value at $.status");
  }

  @Test
  void read_intOverflow_isOutOfRange() {
    JsonRecordException e =
        rejection(
            () ->
                orders.read(
                    utf8(
                        "{\"customerNumber\":1,"
                            + "\"lines\":[{\"sku\":\"A\",\"quantity\":99999999999}]}")));

    assertThat(e).hasMessage("OUT_OF_RANGE: number out of range for int at $.lines[0].quantity");
  }

  @Test
  void read_missingPrimitive_isMissingRequiredField() {
    assertThat(rejection(() -> orders.read(utf8("{\"orderId\":\"o-1\"}"))))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'customerNumber' of Order is missing or null"
                + " at $");
  }

  @Test
  void read_nullPrimitive_isMissingRequiredField() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":null}"))).reason())
        .isEqualTo(Reason.MISSING_REQUIRED_FIELD);
  }

  @Test
  void read_missingPrimitiveInNestedRecord_namesTheNestedObject() {
    assertThat(
            rejection(
                () ->
                    orders.read(
                        utf8(
                            "{\"customerNumber\":1,\"lines\":[{\"sku\":\"A\"},{\"sku\":\"B\"}]}"))))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'quantity' of Line is missing or null"
                + " at $.lines[0]");
  }

  @Test
  void read_annotatedRequiredFieldMissing_isMissingRequiredField() {
    assertThat(
            rejection(
                () -> orders.read(utf8("{\"customerNumber\":1,\"shipping\":{\"street\":\"x\"}}"))))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'city' of Address is missing or null"
                + " at $.shipping");
  }

  @Test
  void read_namedRequiredFieldNull_isMissingRequiredField() {
    JsonRecordReader<Order> reader =
        ReaderFixtures.of(Order.class).required("orderId", "amount").reader();

    assertThat(rejection(() -> reader.read(utf8("{\"customerNumber\":1,\"orderId\":\"o\"}"))))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'amount' of Order is missing or null at $");
    assertThat(rejection(() -> reader.read(utf8("{\"customerNumber\":1,\"orderId\":null}"))))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required fields 'orderId', 'amount' of Order are missing or"
                + " null at $");
  }

  @Test
  void read_primitivesNotRequired_missingPrimitiveReadsAsZero() throws Exception {
    JsonRecordReader<Order> reader =
        ReaderFixtures.of(Order.class).primitivesRequired(false).reader();

    assertThat(reader.read(utf8("{\"orderId\":\"o\"}")).customerNumber).isZero();
  }

  @Test
  void read_missingOptionalFields_areNull() throws Exception {
    Order o = orders.read(utf8("{\"customerNumber\":1}"));

    assertThat(o.orderId).isNull();
    assertThat(o.lines).isNull();
  }

  @Test
  void read_unknownFieldIgnoredByDefault() throws Exception {
    assertThat(orders.read(utf8("{\"customerNumber\":1,\"extra\":{\"a\":[1,2]}}")).customerNumber)
        .isEqualTo(1L);
  }

  @Test
  void read_unknownFieldWithDeadLetterPolicy_namesTheObjectNotTheField() {
    JsonRecordReader<Order> reader =
        ReaderFixtures.of(Order.class).unknown(UnknownFields.DEAD_LETTER).reader();

    assertThat(
            rejection(
                () ->
                    reader.read(
                        utf8(
                            "{\"customerNumber\":1,\"shipping\":{\"city\":\"c\","
                                + "\"SECRET-FIELD\":1}}"))))
        .hasMessage("UNKNOWN_FIELD: unknown field in Address at $.shipping");
  }

  @Test
  void read_mapKeys_areNotShownInPaths() {
    assertThat(
            rejection(
                () -> orders.read(utf8("{\"customerNumber\":1,\"tags\":{\"SECRET-KEY\":5}}"))))
        .hasMessage("WRONG_TYPE: expected String, got a JSON integer at $.tags.?");
  }

  @Test
  void read_trailingValue_isTrailingContent() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":1} {}"))).reason())
        .isEqualTo(Reason.TRAILING_CONTENT);
  }

  @Test
  void read_trailingGarbage_isTrailingContent() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":1}garbage"))).reason())
        .isEqualTo(Reason.TRAILING_CONTENT);
  }

  @Test
  void read_trailingWhitespace_isFine() throws Exception {
    assertThat(orders.read(utf8("{\"customerNumber\":1} \n\t")).customerNumber).isEqualTo(1L);
  }

  @Test
  void read_arrayOrScalar_isNotAnObject() {
    assertThat(rejection(() -> orders.read(utf8("[1,2]"))))
        .hasMessage("NOT_AN_OBJECT: expected a JSON object, got a JSON array");
    assertThat(rejection(() -> orders.read(utf8("\"text\""))).reason())
        .isEqualTo(Reason.NOT_AN_OBJECT);
    assertThat(rejection(() -> orders.read(utf8("null"))).reason()).isEqualTo(Reason.NOT_AN_OBJECT);
  }

  @Test
  void read_emptyAndWhitespaceAndNull_areRejected() {
    assertThat(rejection(() -> orders.read(new byte[0])).reason()).isEqualTo(Reason.EMPTY);
    assertThat(rejection(() -> orders.read(utf8("  \n"))).reason()).isEqualTo(Reason.EMPTY);
    assertThat(rejection(() -> orders.read(null)).reason()).isEqualTo(Reason.NO_PAYLOAD);
  }

  @Test
  void read_truncated_isTruncatedWithLocation() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":1,\"orderId\":\"o"))))
        .hasMessageStartingWith("TRUNCATED: unexpected end of input at line 1, column");
  }

  @Test
  void read_truncatedAfterAComma_isTruncated() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":1,"))))
        .hasMessageStartingWith("TRUNCATED: unexpected end of input at line 1, column");
  }

  @Test
  void read_badUtf8_isInvalidEncoding() {
    byte[] bad = utf8("{\"customerNumber\":1,\"orderId\":\"ab\"}");
    bad[31] = (byte) 0xC3; // a two-byte lead followed by an ASCII byte
    assertThat(rejection(() -> orders.read(bad)).reason()).isEqualTo(Reason.INVALID_ENCODING);
  }

  @Test
  void read_syntaxError_isMalformedWithoutTheToken() {
    assertThat(rejection(() -> orders.read(utf8("{\"customerNumber\":SECRET}"))))
        .hasMessageStartingWith("MALFORMED: not valid JSON at line 1, column ")
        .hasMessageNotContaining("SECRET");
  }

  @Test
  void read_listOfObjectsWithWrongElement_givesIndexInPath() {
    assertThat(
            rejection(
                () ->
                    orders.read(
                        utf8(
                            "{\"customerNumber\":1,\"lines\":[{\"sku\":\"A\",\"quantity\":1},"
                                + "{\"sku\":[],\"quantity\":1}]}"))))
        .hasMessage("WRONG_TYPE: expected String, got a JSON array at $.lines[1].sku");
  }

  @Test
  void read_readerIsReusable_afterARejection() throws Exception {
    rejection(() -> orders.read(utf8("{\"lines\":[{\"sku\":\"A\"}]}")));

    assertThat(orders.read(utf8(ORDER)).orderId).isEqualTo("o-1");
    assertThat(orders.read(utf8("{\"customerNumber\":7}")).customerNumber).isEqualTo(7L);
  }

  @Test
  void read_sameDocumentTwice_givesEqualRecords() throws Exception {
    assertThat(orders.read(utf8(ORDER))).isEqualTo(orders.read(utf8(ORDER)));
    assertThat(List.of(orders.read(utf8(ORDER)).lines.get(0).quantity())).containsExactly(2);
  }

  @Test
  void read_duplicateKeys_lastOneWins() throws Exception {
    assertThat(
            orders.read(utf8("{\"customerNumber\":1,\"orderId\":\"a\",\"orderId\":\"b\"}")).orderId)
        .isEqualTo("b");
  }

  @Test
  void read_duplicateRequiredKey_lastNull_isMissingRequiredField() {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).required("orderId").reader();

    assertThat(
            rejection(
                () ->
                    reader.read(utf8("{\"customerNumber\":1,\"orderId\":\"a\",\"orderId\":null}"))))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'orderId' of Order is missing or null at $");
  }

  @Test
  void read_duplicateRequiredKey_lastNotNull_isAccepted() throws Exception {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).required("orderId").reader();

    assertThat(
            reader.read(utf8("{\"customerNumber\":1,\"orderId\":null,\"orderId\":\"b\"}")).orderId)
        .isEqualTo("b");
  }

  @Test
  void read_duplicatePrimitiveKey_lastNull_isMissingRequiredField() {
    assertThat(
            rejection(() -> orders.read(utf8("{\"customerNumber\":5,\"customerNumber\":null}")))
                .reason())
        .isEqualTo(Reason.MISSING_REQUIRED_FIELD);
  }

  @Test
  void read_duplicatePrimitiveKeyOfRecord_lastNull_isMissingRequiredField() {
    JsonRecordReader<Shipment> shipments = ReaderFixtures.of(Shipment.class).reader();

    assertThat(
            rejection(() -> shipments.read(utf8("{\"pieces\":3,\"weightKg\":1.5,\"pieces\":null}")))
                .reason())
        .isEqualTo(Reason.MISSING_REQUIRED_FIELD);
  }

  /** A base class whose field a subclass at the top level requires. */
  public static class Base {
    public String id;
  }

  /** Nested in {@link Parent}; its inherited {@code id} is not required here. */
  public static class Child extends Base {
    public String name;
  }

  /** The top-level type, with {@code id} inherited from the same base as its children. */
  public static class Parent extends Base {
    public List<Child> kids;
  }

  @Test
  void read_requiredInheritedField_isNotSetByANestedObjectOfAnotherSubclass() throws Exception {
    JsonRecordReader<Parent> reader = ReaderFixtures.of(Parent.class).required("id").reader();

    assertThat(rejection(() -> reader.read(utf8("{\"kids\":[{\"id\":\"x\"}]}"))))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'id' of Parent is missing or null at $");
    Parent p = reader.read(utf8("{\"id\":\"p\",\"kids\":[{\"name\":\"n\"}]}"));
    assertThat(p.id).isEqualTo("p");
    assertThat(p.kids.get(0).id).isNull();
  }

  @Test
  void read_utf8ByteOrderMark_isSkipped() throws Exception {
    byte[] json = utf8("\uFEFF{\"customerNumber\":1}");
    assertThat(orders.read(json).customerNumber).isEqualTo(1L);
  }

  @Test
  void read_doubles_overflowToInfinity_andAcceptNaNAsWritten() throws Exception {
    JsonRecordReader<Shipment> shipments = ReaderFixtures.of(Shipment.class).reader();

    assertThat(shipments.read(utf8("{\"pieces\":1,\"weightKg\":1e400}")).weightKg()).isInfinite();
    assertThat(shipments.read(utf8("{\"pieces\":1,\"weightKg\":\"NaN\"}")).weightKg()).isNaN();
    assertThat(
            rejection(() -> shipments.read(utf8("{\"pieces\":1,\"weightKg\":\"1.5\"}"))).reason())
        .isEqualTo(Reason.WRONG_TYPE);
  }

  /** A record that validates its values, with a message quoting the value. */
  public record Positive(int value) {
    public Positive {
      if (value <= 0) {
        throw new IllegalArgumentException("not positive: " + value);
      }
    }
  }

  @Test
  void read_constructorThatThrows_isInvalidValueWithoutItsMessage() {
    JsonRecordReader<Positive> reader = ReaderFixtures.of(Positive.class).reader();

    assertThat(rejection(() -> reader.read(utf8("{\"value\":-7}"))))
        .hasMessage(
            "INVALID_VALUE: Positive rejected its values (java.lang.IllegalArgumentException) at $");
  }

  @Test
  void read_utf16WithByteOrderMark_isDetected() throws Exception {
    byte[] json =
        "\uFEFF{\"customerNumber\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_16BE);
    assertThat(orders.read(json).customerNumber).isEqualTo(1L);
  }

  @Test
  void read_throwsOnlyJsonRecordException() {
    assertThatThrownBy(() -> orders.read(utf8("{")))
        .isExactlyInstanceOf(JsonRecordException.class)
        .hasNoCause();
  }
}
