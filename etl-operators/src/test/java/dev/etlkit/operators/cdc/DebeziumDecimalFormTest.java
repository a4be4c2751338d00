package dev.etlkit.operators.cdc;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static dev.etlkit.operators.cdc.ConnectRecords.decimal;
import static dev.etlkit.operators.cdc.ConnectRecords.envelope;
import static dev.etlkit.operators.cdc.ConnectRecords.optional;
import static dev.etlkit.operators.cdc.ConnectRecords.prim;
import static dev.etlkit.operators.cdc.ConnectRecords.required;
import static dev.etlkit.operators.cdc.ConnectRecords.struct;
import static dev.etlkit.operators.cdc.ConnectRecords.values;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.DecimalForms;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.ConnectRecords.Struct;
import dev.etlkit.operators.cdc.internal.DebeziumDecoder;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decimals the Debezium decoder reads from Kafka Connect's decimal encodings (base64 unscaled bytes
 * with the scale in the schema, Debezium's {@code VariableScaleDecimal}, which a schemaless event
 * holds for {@code BigDecimal} fields only), written by {@code JsonConverter} or {@code
 * AvroConverter}, serialize in Flink as the equal decimal made from text does, in {@code
 * BigDecimal} and {@code BigInteger} fields (see {@link DecimalForms}).
 */
class DebeziumDecimalFormTest {

  static final List<String> VALUES = DecimalForms.VALUES;

  /** A row with a decimal and an integer column. */
  public record Amount(long id, BigDecimal amount, BigInteger whole) {}

  /** The decimal column bound to text. */
  public record AmountText(long id, String amount) {}

  private static final Struct SOURCE = struct("src.Source", required("ts_ms", prim("int64")));

  private static Struct envelopeOf(int scale) {
    Struct row =
        struct(
            "src.public.amounts.Value",
            required("id", prim("int64")),
            optional("amount", decimal(38, scale)),
            optional("whole", decimal(38, 0)));
    return envelope("src.public.amounts", row, SOURCE);
  }

  private static Map<String, Object> event(BigDecimal amount, BigInteger whole) {
    return values(
        "op",
        "c",
        "source",
        values("ts_ms", 1000L),
        "ts_ms",
        2000L,
        "after",
        values(
            "id",
            1L,
            "amount",
            amount.unscaledValue().toByteArray(),
            "whole",
            whole.toByteArray()));
  }

  private static Amount decode(DecoderSettings<Amount> settings, byte[] value) throws Exception {
    List<Change<Amount>> out = new ArrayList<>();
    new DebeziumDecoder<>(settings).decode(value, null, null, out);
    assertThat(out).hasSize(1);
    return out.get(0).value();
  }

  private static void assertSameForm(BigDecimal decoded, BigDecimal expected) {
    assertThat(decoded).isEqualTo(expected);
    assertThat(flinkBytes(decoded)).isEqualTo(flinkBytes(expected));
  }

  private static void assertSameForm(BigInteger decoded, BigInteger expected) {
    assertThat(decoded).isEqualTo(expected);
    assertThat(flinkBytes(decoded)).isEqualTo(flinkBytes(expected));
  }

  /** The integer part of a decimal made from text: a BigInteger constant where it is 0, 1, 10. */
  private static BigInteger whole(BigDecimal value) {
    return value.toBigInteger();
  }

  @ParameterizedTest
  @FieldSource("VALUES")
  void jsonConverter_decimalColumns_serializeAsTheNumbersOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    BigInteger whole = whole(expected);
    byte[] json = ConnectRecords.json(envelopeOf(expected.scale()), event(expected, whole));

    Amount row = decode(DecoderSettings.defaults(Amount.class), json);

    assertSameForm(row.amount(), expected);
    assertSameForm(row.whole(), whole);
  }

  @ParameterizedTest
  @FieldSource("VALUES")
  void avroConverter_decimalColumns_serializeAsTheNumbersOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    BigInteger whole = whole(expected);
    Struct type = envelopeOf(expected.scale());
    byte[] avro = ConnectRecords.avro(1, ConnectRecords.avroSchema(type), event(expected, whole));
    DecoderSettings<Amount> settings =
        DecoderSettings.defaults(Amount.class)
            .withAvro(SchemaProvider.of(Map.of(1, ConnectRecords.avroSchema(type))));

    Amount row = decode(settings, avro);

    assertSameForm(row.amount(), expected);
    assertSameForm(row.whole(), whole);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "10", "0.01", "-1", "1.0", "92233720368547758080.5"})
  void variableScaleDecimal_serializesAsTheNumberOfItsText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    String base64 = Base64.getEncoder().encodeToString(expected.unscaledValue().toByteArray());
    String value =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"amount\":{\"scale\":"
            + expected.scale()
            + ",\"value\":\""
            + base64
            + "\"}}}";

    Amount row = decode(DecoderSettings.defaults(Amount.class), value.getBytes(UTF_8));

    assertSameForm(row.amount(), expected);
  }

  @ParameterizedTest
  @FieldSource("VALUES")
  void textAndNumberColumns_serializeAsTheNumbersOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    BigInteger whole = whole(expected);
    // decimal.handling.mode=string, and =double (a number), without a schema
    String quoted =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"amount\":\""
            + text
            + "\",\"whole\":\""
            + whole
            + "\"}}";
    String number =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"amount\":" + text + ",\"whole\":" + whole + "}}";

    for (String value : List.of(quoted, number)) {
      Amount row = decode(DecoderSettings.defaults(Amount.class), value.getBytes(UTF_8));

      assertSameForm(row.amount(), expected);
      assertSameForm(row.whole(), whole);
    }
  }

  /**
   * A Kafka Connect decimal of negative scale (PostgreSQL 15 {@code numeric(5,-2)}, Oracle {@code
   * NUMBER(5,-2)}): unscaled 123 at scale -2 is 12300. Flink's {@code DECIMAL} has no negative
   * scale, so the decoders give the number at scale 0, the decimal {@code equals} (not only {@code
   * compareTo}) and serialized as that of the text {@code 12300}, from {@code JsonConverter}, from
   * {@code AvroConverter} (whose legacy decimal of scale -2 Avro ignores, {@code
   * connect.parameters} still giving the scale) and as a {@code VariableScaleDecimal}; a text field
   * gets {@code "12300"}, not {@code "1.23E+4"}.
   */
  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "123", "-5", "92233720368547758080"})
  void negativeScaleDecimal_isItsNumberAtScaleZero(String unscaledText) throws Exception {
    BigInteger unscaled = new BigInteger(unscaledText);
    BigDecimal negativeScale = new BigDecimal(unscaled, -2);
    BigDecimal expected = DecimalForms.reference(negativeScale.toPlainString());
    assertThat(expected.scale()).isZero();
    Struct type = envelopeOf(-2);
    Map<String, Object> event = event(negativeScale, BigInteger.ONE);
    byte[] json = ConnectRecords.json(type, event);
    byte[] avro = ConnectRecords.avro(1, ConnectRecords.avroSchema(type), event);
    DecoderSettings<Amount> avroSettings =
        DecoderSettings.defaults(Amount.class)
            .withAvro(SchemaProvider.of(Map.of(1, ConnectRecords.avroSchema(type))));
    String variableScale =
        "{\"op\":\"c\",\"after\":{\"id\":1,\"amount\":{\"scale\":-2,\"value\":\""
            + Base64.getEncoder().encodeToString(unscaled.toByteArray())
            + "\"}}}";

    assertSameForm(decode(DecoderSettings.defaults(Amount.class), json).amount(), expected);
    assertSameForm(decode(avroSettings, avro).amount(), expected);
    assertSameForm(
        decode(DecoderSettings.defaults(Amount.class), variableScale.getBytes(UTF_8)).amount(),
        expected);
    List<Change<AmountText>> text = new ArrayList<>();
    new DebeziumDecoder<>(DecoderSettings.defaults(AmountText.class))
        .decode(json, null, null, text);
    assertThat(text)
        .singleElement()
        .extracting(c -> c.value().amount())
        .isEqualTo(negativeScale.toPlainString());
  }
}
