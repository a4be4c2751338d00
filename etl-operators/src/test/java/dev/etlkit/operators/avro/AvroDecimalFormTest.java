package dev.etlkit.operators.avro;

import static dev.etlkit.operators.DecimalForms.flinkBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.DecimalForms;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.generated.Payment;
import dev.etlkit.operators.avro.internal.AvroData;
import dev.etlkit.operators.avro.internal.AvroRecordDecoder;
import dev.etlkit.operators.avro.internal.AvroRecordEncoder;
import dev.etlkit.operators.avro.internal.AvroRecordSerializer;
import dev.etlkit.operators.avro.internal.JsonToAvro;
import dev.etlkit.operators.avro.internal.PojoToAvro;
import dev.etlkit.operators.avro.internal.RecordModel;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decimals the Avro steps make serialize in Flink as the equal decimal made from text does, so that
 * a key holding one is the same key on RocksDB as the value parsed from JSON (see {@link
 * DecimalForms}): decoded from bytes and fixed, into generic and specific records, read back by the
 * records' Flink serializer and copied by it, converted from JSON and from Java objects.
 */
class AvroDecimalFormTest {

  static final java.util.List<String> VALUES = DecimalForms.VALUES;

  /** A record of a bytes decimal and a fixed decimal of {@code scale}. */
  private static Schema money(int scale) {
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"Money\",\"fields\":["
                + "{\"name\":\"b\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                + "\"precision\":38,\"scale\":"
                + scale
                + "}},"
                + "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"D16\",\"size\":16,"
                + "\"logicalType\":\"decimal\",\"precision\":38,\"scale\":"
                + scale
                + "}}]}");
  }

  private static void assertSameForm(Object decoded, BigDecimal expected) {
    assertThat(decoded).isInstanceOf(BigDecimal.class).isEqualTo(expected);
    assertThat(flinkBytes((BigDecimal) decoded)).isEqualTo(flinkBytes(expected));
  }

  private static GenericRecord record(Schema schema, BigDecimal value) {
    GenericRecord record = new AvroData.Record(schema);
    record.put("b", value);
    record.put("f", value);
    return record;
  }

  @ParameterizedTest
  @FieldSource("VALUES")
  void decode_bytesAndFixedDecimals_serializeAsTheDecimalOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    Schema schema = money(expected.scale());
    RecordModel<GenericRecord> model = RecordModel.generic(schema);
    byte[] bytes = new AvroRecordEncoder<>(model, null).encode(record(schema, expected));

    GenericRecord decoded = new AvroRecordDecoder<>(model, null, null, 100).decode(bytes);

    assertSameForm(decoded.get("b"), expected);
    assertSameForm(decoded.get("f"), expected);
  }

  @ParameterizedTest
  @FieldSource("VALUES")
  void serializer_readAndCopiedDecimals_serializeAsTheDecimalOfTheirText(String text)
      throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    Schema schema = money(expected.scale());
    AvroRecordSerializer<GenericRecord> serializer =
        new AvroRecordSerializer<>(RecordModel.generic(schema), null);
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(record(schema, expected), out);

    GenericRecord read = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    GenericRecord copied = serializer.copy(read);

    assertSameForm(read.get("b"), expected);
    assertSameForm(read.get("f"), expected);
    assertSameForm(copied.get("b"), expected);
    assertSameForm(copied.get("f"), expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.00", "0.01", "0.10", "-0.01", "1.00", "123.45"})
  void decodeSpecific_decimal_serializesAsTheDecimalOfItsText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    Payment payment =
        Payment.newBuilder()
            .setId(UUID.fromString("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11"))
            .setAmount(expected)
            .setBookedOn(LocalDate.of(2024, 1, 1))
            .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z"))
            .setPayer("ada")
            .build();
    RecordModel<Payment> model = RecordModel.specific(Payment.class);
    byte[] bytes = new AvroRecordEncoder<>(model, null).encode(payment);

    Payment decoded = new AvroRecordDecoder<>(model, null, null, 100).decode(bytes);
    AvroRecordSerializer<Payment> serializer = new AvroRecordSerializer<>(model, null);
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(payment, out);
    Payment read = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

    assertSameForm(decoded.getAmount(), expected);
    assertSameForm(read.getAmount(), expected);
  }

  /**
   * Flink copies a record with its serializer for every function chained after the step (object
   * reuse off): a function there that moves the decimal into a Flink-serialized field (a POJO, a
   * tuple, a key) must see the same form as one after a network shuffle.
   */
  @ParameterizedTest
  @ValueSource(strings = {"0.00", "0.01", "0.10", "-0.01", "1.00", "123.45"})
  void serializerCopy_specificDecimal_serializesAsTheDecimalOfItsText(String text) {
    BigDecimal expected = DecimalForms.reference(text);
    Payment payment =
        Payment.newBuilder()
            .setId(UUID.fromString("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11"))
            .setAmount(expected)
            .setBookedOn(LocalDate.of(2024, 1, 1))
            .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z"))
            .setPayer("ada")
            .build();
    AvroRecordSerializer<Payment> serializer =
        new AvroRecordSerializer<>(RecordModel.specific(Payment.class), null);

    Payment copied = serializer.copy(payment);

    assertThat(copied).isEqualTo(payment).isNotSameAs(payment);
    assertSameForm(copied.getAmount(), expected);
  }

  @ParameterizedTest
  @FieldSource("VALUES")
  void fromJson_numberAndText_serializeAsTheDecimalOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    Schema schema = money(expected.scale());

    GenericRecord record =
        new JsonToAvro(schema, JsonReadLimits.defaults())
            .convert(
                ("{\"b\":" + text + ",\"f\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8));

    assertSameForm(record.get("b"), expected);
    assertSameForm(record.get("f"), expected);
  }

  /** A Java object with an integer amount, for {@code fromPojo}. */
  public static final class Amounts {
    public BigInteger b;
    public long f;
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "10", "-1", "123", "-9223372036854775808"})
  void fromPojo_integers_serializeAsTheDecimalOfTheirText(String text) throws Exception {
    BigDecimal expected = DecimalForms.reference(text);
    Amounts amounts = new Amounts();
    amounts.b = new BigInteger(text); // not the BigInteger constants
    amounts.f = expected.longValueExact();

    GenericRecord record = new PojoToAvro<>(Amounts.class, money(0)).convert(amounts);

    assertSameForm(record.get("b"), expected);
    assertSameForm(record.get("f"), expected);
  }
}
