package dev.etlkit.operators.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The write step: output forms, options, and records that cannot be written. */
class JsonWriteTest {

  private static final String SECRET = "S3CR3T-MARKER";

  /** A record whose getter fails: it cannot be written. */
  public static class Exploding {
    public String id = "e-1";

    public String getSecret() {
      throw new IllegalStateException(SECRET);
    }
  }

  static Order order() {
    Order o = new Order();
    o.orderId = "o-1";
    o.customerNumber = 42;
    o.amount = new BigDecimal("1E+3");
    o.orderDate = LocalDate.of(2024, 1, 31);
    o.createdAt = Instant.parse("2024-01-31T10:15:30Z");
    o.status = Order.Status.NEW;
    o.shipping = new Address(null, "Springfield");
    o.lines = List.of(new Line("A", 2, new BigDecimal("5.25")));
    o.tags = Map.of("k", "v");
    return o;
  }

  private static <T, O> OneInputStreamOperatorTestHarness<T, O> open(
      JsonWrite<T, O> step, ErrorPolicy policy) throws Exception {
    OneInputStreamOperatorTestHarness<T, O> h =
        JsonTestSupport.harness(step.newFunction(JsonTestSupport.errors(policy)));
    h.open();
    return h;
  }

  @Test
  void write_bytes_isUtf8JsonWithIsoTimesAndPlainDecimals() throws Exception {
    try (OneInputStreamOperatorTestHarness<Order, byte[]> h =
        open(Json.write("write", Order.class), ErrorPolicy.deadLetter())) {
      h.processElement(order(), 1L);

      String json = new String(h.extractOutputValues().get(0), StandardCharsets.UTF_8);
      assertThat(json)
          .isEqualTo(
              "{\"orderId\":\"o-1\",\"customerNumber\":42,\"amount\":1000,"
                  + "\"orderDate\":\"2024-01-31\",\"createdAt\":\"2024-01-31T10:15:30Z\","
                  + "\"paid\":null,\"status\":\"NEW\","
                  + "\"shipping\":{\"street\":null,\"city\":\"Springfield\"},"
                  + "\"lines\":[{\"sku\":\"A\",\"quantity\":2,\"price\":5.25}],"
                  + "\"tags\":{\"k\":\"v\"}}");
      assertThat(JsonTestSupport.counts(h).out()).isEqualTo(1);
    }
  }

  @Test
  void write_text_withNullFieldsOmitted() throws Exception {
    // tag::json-write[]
    JsonWrite<Shipment, String> step =
        Json.write("write", Shipment.class)
            .asText() // String output; without it, UTF-8 byte[]
            .withNullFieldsOmitted(true); // leave null fields out
    // end::json-write[]
    try (OneInputStreamOperatorTestHarness<Shipment, String> h =
        open(step, ErrorPolicy.deadLetter())) {
      h.processElement(new Shipment("s-1", 1, 2.5, null), 1L);
      h.processElement(new Shipment(null, 0, 0, LocalDateTime.of(2024, 1, 31, 0, 0)), 2L);

      assertThat(h.extractOutputValues())
          .containsExactly(
              "{\"shipmentId\":\"s-1\",\"pieces\":1,\"weightKg\":2.5}",
              "{\"pieces\":0,\"weightKg\":0.0,\"shippedAt\":\"2024-01-31T00:00:00\"}");
    }
  }

  @Test
  void write_recordThatCannotBeWritten_isOneDeadLetterWithoutTheValue() throws Exception {
    try (OneInputStreamOperatorTestHarness<Exploding, byte[]> h =
        open(Json.write("write", Exploding.class), ErrorPolicy.deadLetter())) {
      h.processElement(new Exploding(), 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      DeadLetter letter = JsonTestSupport.deadLetters(h).get(0);
      assertThat(letter.errorMessage())
          .isEqualTo(
              "WRITE_FAILED: cannot write Exploding as JSON (java.lang.IllegalStateException) at"
                  + " $.secret");
      assertThat(letter.payloadText()).startsWith(Exploding.class.getName());
      assertThat(JsonTestSupport.counts(h).isBalanced()).isTrue();
    }
  }

  @Test
  void write_decimalTooLargeForPlainNotation_isADeadLetter() throws Exception {
    Order o = order();
    o.amount = new BigDecimal("1E+10000");
    try (OneInputStreamOperatorTestHarness<Order, byte[]> h =
        open(Json.write("write", Order.class), ErrorPolicy.deadLetter())) {
      h.processElement(o, 5L);

      assertThat(JsonTestSupport.deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .asString()
          .startsWith("WRITE_FAILED: cannot write Order as JSON");
    }
  }

  @Test
  void write_unpairedSurrogate_isEscaped() throws Exception {
    try (OneInputStreamOperatorTestHarness<Shipment, String> h =
        open(Json.write("write", Shipment.class).asText(), ErrorPolicy.deadLetter())) {
      h.processElement(new Shipment("s-\ud800", 1, 1.0, null), 5L);

      assertThat(h.extractOutputValues().get(0)).startsWith("{\"shipmentId\":\"s-\\uD800\",");
    }
  }

  @Test
  void write_nullFieldsOmitted_keepsNullMapValues() throws Exception {
    Order o = new Order();
    o.customerNumber = 1;
    o.tags = new java.util.HashMap<>();
    o.tags.put("k", null);
    try (OneInputStreamOperatorTestHarness<Order, String> h =
        open(
            Json.write("write", Order.class).asText().withNullFieldsOmitted(true),
            ErrorPolicy.deadLetter())) {
      h.processElement(o, 1L);

      assertThat(h.extractOutputValues())
          .containsExactly("{\"customerNumber\":1,\"tags\":{\"k\":null}}");
    }
  }

  @Test
  void write_failJobPolicy_failsTheStep() throws Exception {
    try (OneInputStreamOperatorTestHarness<Exploding, byte[]> h =
        open(Json.write("write", Exploding.class), ErrorPolicy.failJob())) {
      assertThatThrownBy(() -> h.processElement(new Exploding(), 5L))
          .isInstanceOf(EtlException.class)
          .hasMessageNotContaining(SECRET);
    }
  }

  @Test
  void write_defaultsAndOutputTypes() {
    assertThat(JsonWrite.DEFAULT_OMIT_NULL_FIELDS).isFalse();
    assertThat(Json.write("write", Order.class).outputType())
        .isEqualTo(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    assertThat(Json.write("write", Order.class).asText().outputType()).isEqualTo(Types.STRING);
    assertThat(Json.write("write", Order.class).asText().withErrorPolicy(ErrorPolicy.failJob()))
        .hasToString(
            "JsonWrite{write, type=Order, output=text, omitNullFields=false,"
                + " errorPolicy=fail-job}");
  }

  @Test
  void write_invalidStepName_isRejected() {
    assertThatThrownBy(() -> Json.write("", Order.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name must be 1 to 64 characters");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void apply_toAStreamOfAnotherType_isRejected() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    EtlStream lines = Etl.from(env.fromData(Types.STRING, "x"), "orders");

    assertThatThrownBy(() -> lines.apply(Json.write("write", Order.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step 'write' writes " + Order.class.getName() + " but the stream carries String");
  }
}
