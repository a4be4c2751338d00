package dev.etlkit.operators.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

/** The parse spec: factories, defaults, and every validation error once. */
class JsonParseTest {

  /** A POJO Flink would hand to Kryo: its {@code Object} field has no Flink type. */
  public static class WithObjectField {
    public String id;
    public Object payload;
  }

  /** A Flink POJO Jackson cannot bind: two fields claim the JSON name "name". */
  public static class TwoNames {
    @JsonProperty("name")
    public String first;

    @JsonProperty("name")
    public String second;
  }

  /** A record with a java.time type Flink has no serializer for. */
  public record WithOffset(OffsetDateTime at) {}

  /** A record with a LocalDate Flink would hand to Kryo, for want of a type annotation. */
  public record Unannotated(String id, LocalDate day) {}

  @Test
  void testTypes_areSerializedByFlinkAsPojos_recordsIncluded() {
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(Order.class);
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(Shipment.class);
    PojoTestUtils.assertSerializedAsPojoWithoutKryo(Reading.class);
  }

  @Test
  void parse_declaresThePojoTypeOfItsOutput() {
    JsonParse<byte[], Shipment> step = Json.parse("parse", Shipment.class);

    assertThat(step.name()).isEqualTo("parse");
    assertThat(step.outputType()).isInstanceOf(PojoTypeInfo.class);
    assertThat(step.outputType().getTypeClass()).isEqualTo(Shipment.class);
  }

  @Test
  void parse_defaults() {
    assertThat(JsonParse.DEFAULT_UNKNOWN_FIELDS).isEqualTo(UnknownFields.IGNORE);
    assertThat(JsonParse.DEFAULT_PRIMITIVE_FIELDS_REQUIRED).isTrue();
    assertThat(JsonParse.DEFAULT_COERCION).isEqualTo(Coercion.none());
    assertThat(Json.parse("parse", Order.class))
        .hasToString(
            "JsonParse{parse, type=Order, unknownFields=IGNORE, requiredFields=[],"
                + " primitiveFieldsRequired=true, coercion=none, fieldCoercions={}, readLimits="
                + JsonReadLimits.defaults()
                + "}");
  }

  @Test
  void parse_options_areImmutableAndOrderIndependent() {
    // tag::json-parse-options[]
    JsonParse<String, Order> parse =
        Json.parse("parse-orders", Order.class)
            .withInput(PayloadInput.text()) // lines of text instead of byte[]
            .withUnknownFields(UnknownFields.DEAD_LETTER)
            .withRequiredFields("orderId", "amount")
            .withCoercion(Coercion.tryCast()) // every coercible field: failed cast -> null
            .withFieldCoercion("amount", Coercion.tryCast().orDeadLetter())
            .withFieldCoercion("paid", Coercion.tryCast().orDefault(false))
            .withReadLimits(JsonReadLimits.defaults().withMaxDocumentBytes(64 * 1024));
    // end::json-parse-options[]
    JsonParse<String, Order> reordered =
        Json.parse("parse-orders", Order.class)
            .withReadLimits(JsonReadLimits.defaults().withMaxDocumentBytes(64 * 1024))
            .withFieldCoercion("paid", Coercion.tryCast().orDefault(false))
            .withFieldCoercion("amount", Coercion.tryCast().orDeadLetter())
            .withCoercion(Coercion.tryCast())
            .withRequiredFields("amount", "orderId")
            .withUnknownFields(UnknownFields.DEAD_LETTER)
            .withInput(PayloadInput.text());

    assertThat(parse).hasToString(reordered.toString());
    assertThat(Json.parse("parse-orders", Order.class).toString()).contains("coercion=none");
  }

  @Test
  void withErrorPolicy_overridesThePipelinePolicy() {
    // tag::json-error-policy[]
    JsonParse<byte[], Order> parse =
        Json.parse("parse", Order.class)
            // dead-letter up to 100 bad records per subtask, then fail the job
            .withErrorPolicy(ErrorPolicy.errorBudget(100));
    // end::json-error-policy[]
    assertThat(parse.toString()).endsWith(", errorPolicy=error-budget(max 100 errors)}");
  }

  @Test
  void parse_invalidStepName_isRejected() {
    assertThatThrownBy(() -> Json.parse("parse orders", Order.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name must be 1 to 64 characters");
  }

  @Test
  void parse_typeFlinkWouldSerializeWithKryo_isRejected() {
    assertThatThrownBy(() -> Json.parse("parse", WithObjectField.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            WithObjectField.class.getName()
                + " would be serialized with Kryo (field payload: java.lang.Object)");
  }

  @Test
  void parse_localDateWithoutTypeAnnotation_isRejectedWithTheFix() {
    assertThatThrownBy(() -> Json.parse("parse", Unannotated.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            Unannotated.class.getName()
                + " would be serialized with Kryo (field day: java.time.LocalDate); annotate the"
                + " field with @TypeInfo(JavaTimeTypeInfoFactory.class)");
  }

  @Test
  void parse_offsetDateTime_isRejectedAsKryo() {
    assertThatThrownBy(() -> Json.parse("parse", WithOffset.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            WithOffset.class.getName()
                + " would be serialized with Kryo (field at: java.time.OffsetDateTime); use a"
                + " Flink POJO");
  }

  @Test
  void parse_typeJacksonCannotConstruct_isRejected() {
    assertThatThrownBy(() -> Json.parse("parse", TwoNames.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(TwoNames.class.getName() + " cannot be read from JSON");
  }

  @Test
  void withRequiredFields_unknownName_isRejected() {
    assertThatThrownBy(() -> Json.parse("parse", Order.class).withRequiredFields("orderID"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("requiredFields: 'orderID' is not a property of Order;")
        .hasMessageContaining("orderId");
  }

  @Test
  void withFieldCoercion_unknownName_isRejected() {
    assertThatThrownBy(
            () -> Json.parse("parse", Order.class).withFieldCoercion("amt", Coercion.tryCast()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("fieldCoercion: 'amt' is not a property of Order;");
  }

  @Test
  void withFieldCoercion_nonCoercibleField_isRejected() {
    assertThatThrownBy(
            () -> Json.parse("parse", Order.class).withFieldCoercion("lines", Coercion.tryCast()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "fieldCoercion: field 'lines' has type List, which cannot be coerced; coercible types:");
  }

  @Test
  void withFieldCoercion_defaultThatDoesNotFit_isRejected() {
    assertThatThrownBy(
            () ->
                Json.parse("parse", Order.class)
                    .withFieldCoercion("amount", Coercion.tryCast().orDefault("zero")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "fieldCoercion: default zero (String) does not fit field 'amount' (BigDecimal)");
  }

  @Test
  void withFieldCoercion_none_isAllowedOnAnyField() {
    assertThat(Json.parse("parse", Order.class).withFieldCoercion("lines", Coercion.none()))
        .isNotNull();
  }

  @Test
  void withNullOptions_areRejected() {
    JsonParse<byte[], Order> parse = Json.parse("parse", Order.class);
    assertThatThrownBy(() -> parse.withInput(null)).hasMessage("input");
    assertThatThrownBy(() -> parse.withUnknownFields(null)).hasMessage("unknownFields");
    assertThatThrownBy(() -> parse.withCoercion(null)).hasMessage("coercion");
    assertThatThrownBy(() -> parse.withReadLimits(null)).hasMessage("readLimits");
    assertThatThrownBy(() -> parse.withErrorPolicy(null)).hasMessage("policy");
  }

  @Test
  void coercion_noneHasNoFailureAction() {
    assertThatThrownBy(() -> Coercion.none().orDeadLetter())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Coercion.none() converts nothing, so it has no orDeadLetter(); start from tryCast()");
  }

  @Test
  void coercion_defaultMustBeASupportedNonNullValue() {
    assertThatThrownBy(() -> Coercion.tryCast().orDefault(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("coercion default must not be null; use Coercion.tryCast() for null");
    assertThatThrownBy(() -> Coercion.tryCast().orDefault(new StringBuilder("0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("coercion default must be an Integer, Long, Double, Boolean,")
        .hasMessageEndingWith("was a java.lang.StringBuilder");
  }

  @Test
  void coercion_valuesAndNames() {
    assertThat(Coercion.tryCast().onFailure()).isEqualTo(Coercion.OnFailure.NULL);
    assertThat(Coercion.tryCast().orDeadLetter().onFailure())
        .isEqualTo(Coercion.OnFailure.DEAD_LETTER);
    assertThat(Coercion.tryCast().orDefault(BigDecimal.ONE).defaultValue())
        .isEqualTo(BigDecimal.ONE);
    assertThat(Coercion.tryCast().orDefault(1)).isEqualTo(Coercion.tryCast().orDefault(1));
    assertThat(Coercion.tryCast().orDefault(1)).hasToString("tryCast.orDefault(1)");
    assertThat(Coercion.none().isEnabled()).isFalse();
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void apply_toAStreamOfAnotherInputType_isRejected() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    EtlStream lines = Etl.from(env.fromData(Types.STRING, "{}"), "orders");

    assertThatThrownBy(() -> lines.apply(Json.parse("parse", Order.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step 'parse' reads byte[] but the stream carries String; choose the input with"
                + " withInput(PayloadInput.text()), bytes() or rawRecords()");
  }

  @Test
  void apply_stepCoercionDefaultThatDoesNotFitSomeField_isRejected() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<byte[]> bytes =
        env.fromData(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, new byte[] {'{', '}'});
    EtlStream<byte[]> raw = Etl.from(bytes, "readings");

    assertThatThrownBy(
            () ->
                raw.apply(
                    Json.parse("parse", Reading.class)
                        .withCoercion(Coercion.tryCast().orDefault(0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "coercion: default 0 (Integer) does not fit field 'day' of Reading (LocalDate); give"
                + " that field its own coercion");
  }
}
