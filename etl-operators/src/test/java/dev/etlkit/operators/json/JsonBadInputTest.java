package dev.etlkit.operators.json;

import static dev.etlkit.operators.json.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input, each between two valid neighbours: exactly one dead letter with the
 * original bytes, the source coordinates and a reason; both neighbours emitted; the accounting
 * balanced; and the secret in the payload nowhere in the message.
 */
class JsonBadInputTest {

  static final String SECRET = "S3CR3T-MARKER";
  private static final String VALID_1 = "{\"orderId\":\"before\",\"customerNumber\":1}";
  private static final String VALID_2 = "{\"orderId\":\"after\",\"customerNumber\":2}";

  /** One bad input: what it is, its payload, the step options it needs, what it becomes. */
  record Case(
      String name,
      @Nullable byte[] payload,
      UnaryOperator<JsonParse<RawRecord, Order>> options,
      Reason reason,
      String messageStart) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case bad(String name, String json, Reason reason, String messageStart) {
    return new Case(name, utf8(json), p -> p, reason, messageStart);
  }

  private static byte[] badUtf8() {
    byte[] bytes = utf8("{\"customerNumber\":3,\"orderId\":\"" + SECRET + "-x\"}");
    bytes[bytes.length - 4] = (byte) 0xFF; // never valid in UTF-8
    return bytes;
  }

  /** A field name or map key of {@code length} ASCII characters that starts with the secret. */
  private static String longName(int length) {
    return SECRET + "n".repeat(length - SECRET.length());
  }

  private static String nested(int depth) {
    return "{\"customerNumber\":3,\"tags\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
  }

  static Stream<Case> cases() {
    String big = "{\"customerNumber\":3,\"orderId\":\"" + SECRET + "x".repeat(1100 * 1024) + "\"}";
    return Stream.of(
        new Case(
            "bad UTF-8",
            badUtf8(),
            p -> p,
            Reason.INVALID_ENCODING,
            "INVALID_ENCODING: invalid UTF-8 at line 1"),
        bad(
            "truncated JSON",
            "{\"customerNumber\":3,\"orderId\":\"" + SECRET,
            Reason.TRUNCATED,
            "TRUNCATED: unexpected end of input at line 1"),
        bad(
            "trailing garbage",
            "{\"customerNumber\":3}" + SECRET,
            Reason.TRAILING_CONTENT,
            "TRAILING_CONTENT: content after the JSON object at line 1"),
        bad(
            "two objects",
            "{\"customerNumber\":3}{\"orderId\":\"" + SECRET + "\"}",
            Reason.TRAILING_CONTENT,
            "TRAILING_CONTENT: content after the JSON object"),
        bad(
            "wrong type",
            "{\"customerNumber\":\"" + SECRET + "\"}",
            Reason.WRONG_TYPE,
            "WRONG_TYPE: expected long, got a JSON string at $.customerNumber"),
        bad(
            "wrong type in a nested record",
            "{\"customerNumber\":3,\"lines\":[{\"quantity\":true,\"sku\":\"" + SECRET + "\"}]}",
            Reason.WRONG_TYPE,
            "WRONG_TYPE: expected int, got a JSON boolean at $.lines[0].quantity"),
        new Case(
            "oversized document",
            utf8(big),
            p -> p,
            Reason.TOO_LARGE,
            "TOO_LARGE: document of "
                + utf8(big).length
                + " bytes exceeds maxDocumentBytes 1048576"),
        bad(
            "deep nesting",
            nested(65).replace("\"tags\"", "\"" + SECRET + "\""),
            Reason.LIMIT_EXCEEDED,
            "LIMIT_EXCEEDED: Document nesting depth (65) exceeds the maximum allowed (64)"
                + " (JsonReadLimits.maxNestingDepth)"),
        bad(
            "huge number",
            "{\"customerNumber\":" + "9".repeat(101) + ",\"orderId\":\"" + SECRET + "\"}",
            Reason.LIMIT_EXCEEDED,
            "LIMIT_EXCEEDED: Number value length (101) exceeds"),
        bad(
            "long field name",
            "{\"customerNumber\":3,\"" + longName(1025) + "\":1}",
            Reason.LIMIT_EXCEEDED,
            "LIMIT_EXCEEDED: Name length (1025) exceeds the maximum allowed (1024)"
                + " (JsonReadLimits.maxNameLength)"),
        bad(
            "long map key",
            "{\"customerNumber\":3,\"tags\":{\"" + longName(1025) + "\":\"x\"}}",
            Reason.LIMIT_EXCEEDED,
            "LIMIT_EXCEEDED: Name length (1025) exceeds the maximum allowed (1024)"
                + " (JsonReadLimits.maxNameLength)"),
        bad(
            "number out of range",
            "{\"orderId\":\"" + SECRET + "\",\"customerNumber\":9223372036854775808}",
            Reason.OUT_OF_RANGE,
            "OUT_OF_RANGE: number out of range for long at $.customerNumber"),
        new Case(
            "huge string",
            utf8("{\"customerNumber\":3,\"orderId\":\"" + SECRET + "x".repeat(2000) + "\"}"),
            p -> p.withReadLimits(JsonReadLimits.defaults().withMaxStringLength(1000)),
            Reason.LIMIT_EXCEEDED,
            "LIMIT_EXCEEDED: String value length"),
        bad(
            "JSON array",
            "[{\"orderId\":\"" + SECRET + "\"}]",
            Reason.NOT_AN_OBJECT,
            "NOT_AN_OBJECT: expected a JSON object, got a JSON array"),
        bad(
            "JSON string",
            "\"" + SECRET + "\"",
            Reason.NOT_AN_OBJECT,
            "NOT_AN_OBJECT: expected a JSON object, got a JSON string"),
        bad(
            "JSON number",
            "42",
            Reason.NOT_AN_OBJECT,
            "NOT_AN_OBJECT: expected a JSON object, got a JSON integer"),
        bad(
            "JSON null",
            "null",
            Reason.NOT_AN_OBJECT,
            "NOT_AN_OBJECT: expected a JSON object, got JSON null"),
        bad("empty payload", "", Reason.EMPTY, "EMPTY: the payload is empty"),
        bad("whitespace only", " \r\n\t", Reason.EMPTY, "EMPTY: the payload holds only whitespace"),
        new Case(
            "null payload (tombstone)",
            null,
            p -> p,
            Reason.NO_PAYLOAD,
            "NO_PAYLOAD: the record has no payload (a tombstone)"),
        bad(
            "missing required primitive",
            "{\"orderId\":\"" + SECRET + "\"}",
            Reason.MISSING_REQUIRED_FIELD,
            "MISSING_REQUIRED_FIELD: required field 'customerNumber' of Order is missing or null at $"),
        bad(
            "null required primitive",
            "{\"customerNumber\":null,\"orderId\":\"" + SECRET + "\"}",
            Reason.MISSING_REQUIRED_FIELD,
            "MISSING_REQUIRED_FIELD: required field 'customerNumber'"),
        new Case(
            "missing named required field",
            utf8("{\"customerNumber\":3,\"amount\":\"" + SECRET + "\"}"),
            p -> p.withRequiredFields("orderId").withFieldCoercion("amount", Coercion.tryCast()),
            Reason.MISSING_REQUIRED_FIELD,
            "MISSING_REQUIRED_FIELD: required field 'orderId' of Order is missing or null at $"),
        new Case(
            "unknown field",
            utf8("{\"customerNumber\":3,\"" + SECRET + "\":1}"),
            p -> p.withUnknownFields(UnknownFields.DEAD_LETTER),
            Reason.UNKNOWN_FIELD,
            "UNKNOWN_FIELD: unknown field in Order at $"),
        new Case(
            "type id",
            utf8("{\"@class\":\"" + SECRET + "\",\"customerNumber\":3}"),
            p -> p.withUnknownFields(UnknownFields.DEAD_LETTER),
            Reason.UNKNOWN_FIELD,
            "UNKNOWN_FIELD: unknown field in Order at $"),
        bad(
            "invalid date",
            "{\"customerNumber\":3,\"orderDate\":\"" + SECRET + "\"}",
            Reason.INVALID_VALUE,
            "INVALID_VALUE: invalid LocalDate value at $.orderDate"),
        bad(
            "unknown enum constant",
            "{\"customerNumber\":3,\"status\":\"" + SECRET + "\"}",
            Reason.INVALID_VALUE,
            "INVALID_VALUE: invalid Status value at $.status"),
        new Case(
            "failed coercion",
            utf8("{\"customerNumber\":3,\"amount\":\"" + SECRET + "\"}"),
            p -> p.withFieldCoercion("amount", Coercion.tryCast().orDeadLetter()),
            Reason.COERCION_FAILED,
            "COERCION_FAILED: cannot cast a JSON string to BigDecimal at $.amount"),
        bad(
            "unquoted token",
            "{\"customerNumber\":3,\"orderId\":" + SECRET + "}",
            Reason.MALFORMED,
            "MALFORMED: not valid JSON at line 1"),
        bad(
            "NaN",
            "{\"customerNumber\":NaN,\"orderId\":\"" + SECRET + "\"}",
            Reason.MALFORMED,
            "MALFORMED: not valid JSON at line 1"),
        bad(
            "single quotes",
            "{'customerNumber':3,'orderId':'" + SECRET + "'}",
            Reason.MALFORMED,
            "MALFORMED: not valid JSON at line 1"),
        bad(
            "comment",
            "{\"customerNumber\":3 /* " + SECRET + " */}",
            Reason.MALFORMED,
            "MALFORMED: not valid JSON at line 1"),
        bad(
            "control character in a string",
            "{\"customerNumber\":3,\"orderId\":\"" + SECRET + "\u0001\"}",
            Reason.MALFORMED,
            "MALFORMED: not valid JSON at line 1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badInput_betweenValidNeighbours_becomesExactlyOneDeadLetter(Case c) throws Exception {
    JsonParse<RawRecord, Order> step =
        c.options().apply(Json.parse("parse", Order.class).withInput(PayloadInput.rawRecords()));
    try (OneInputStreamOperatorTestHarness<RawRecord, Order> h =
        JsonTestSupport.harness(
            step.newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())))) {
      h.open();
      h.processElement(new RawRecord(null, utf8(VALID_1), "orders/0@1", 1000L), 1000L);
      h.processElement(new RawRecord(utf8("key"), c.payload(), "orders/0@2", 2000L), 2000L);
      h.processElement(new RawRecord(null, utf8(VALID_2), "orders/0@3", 3000L), 3000L);

      assertThat(h.extractOutputValues())
          .extracting(o -> o.orderId)
          .containsExactly("before", "after");
      List<DeadLetter> letters = JsonTestSupport.deadLetters(h);
      assertThat(letters).hasSize(1);
      DeadLetter letter = letters.get(0);
      assertThat(letter.errorClass()).isEqualTo(JsonRecordException.class.getName());
      assertThat(letter.errorMessage())
          .startsWith(c.messageStart())
          .startsWith(c.reason().name() + ": ");
      assertThat(letter.errorMessage()).doesNotContain(SECRET);
      assertThat(letter.toString()).doesNotContain(SECRET);
      assertThat(letter.sourcePosition()).isEqualTo("orders/0@2");
      assertThat(letter.eventTime()).isEqualTo(2000L);
      assertPayloadKept(c.payload(), letter);

      RecordAccounting.StepCounts counts = JsonTestSupport.counts(h);
      assertThat(counts.in()).isEqualTo(3);
      assertThat(counts.out()).isEqualTo(2);
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @org.junit.jupiter.api.Test
  void badInput_fromASourceWithoutTimestamps_deadLetterTakesTheRawRecordsTimestamp()
      throws Exception {
    // Flink's sources stamp records they have no timestamp for with Long.MIN_VALUE
    // (TimestampAssigner.NO_TIMESTAMP): that is no event time, the RawRecord's own is.
    JsonParse<RawRecord, Order> step =
        Json.parse("parse", Order.class).withInput(PayloadInput.rawRecords());
    try (OneInputStreamOperatorTestHarness<RawRecord, Order> h =
        JsonTestSupport.harness(
            step.newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())))) {
      h.open();
      h.processElement(new RawRecord(null, utf8("{"), "orders/0@2", 2000L), Long.MIN_VALUE);
      h.processElement(new RawRecord(null, utf8("{"), "orders/0@3", null), Long.MIN_VALUE);

      assertThat(JsonTestSupport.deadLetters(h))
          .extracting(DeadLetter::eventTime)
          .containsExactly(2000L, null);
    }
  }

  private static void assertPayloadKept(@Nullable byte[] payload, DeadLetter letter) {
    if (payload == null) {
      assertThat(letter.payloadBytes()).isNull();
    } else if (payload.length > DeadLetter.DEFAULT_MAX_PAYLOAD_BYTES) {
      assertThat(letter.payloadTruncated()).isTrue();
      assertThat(letter.payloadBytes())
          .isEqualTo(Arrays.copyOf(payload, DeadLetter.DEFAULT_MAX_PAYLOAD_BYTES));
    } else {
      assertThat(letter.payloadTruncated()).isFalse();
      assertThat(letter.payloadBytes()).isEqualTo(payload);
      if (!letter.errorMessage().startsWith("INVALID_ENCODING")) {
        assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo(letter.payloadAsText());
      }
    }
  }
}
