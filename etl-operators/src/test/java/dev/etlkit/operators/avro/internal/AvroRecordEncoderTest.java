package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.everything;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.avro.AvroFormatException;
import java.math.BigDecimal;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Encoding records as plain binary and in the Confluent wire format, without Flink. */
class AvroRecordEncoderTest {

  private static final RecordModel<GenericRecord> V2 = RecordModel.generic(ORDER_V2);

  @Test
  void encode_plain_writesWhatAvrosOwnWriterWrites() throws Exception {
    AvroRecordEncoder<GenericRecord> encoder = new AvroRecordEncoder<>(V2, null);

    assertThat(encoder.encode(orderV2("ada", "12.30"))).isEqualTo(binary(orderV2("ada", "12.30")));
    // the buffer is reused, each result is a fresh array of the exact length
    byte[] first = encoder.encode(orderV2("a-rather-long-customer-name", "1.00"));
    byte[] second = encoder.encode(orderV2("b", "2.00"));
    assertThat(first).isEqualTo(binary(orderV2("a-rather-long-customer-name", "1.00")));
    assertThat(second).isEqualTo(binary(orderV2("b", "2.00")));
  }

  @Test
  void encode_withConfluentSchemaId_prependsMagicByteAndBigEndianId() throws Exception {
    byte[] framed = new AvroRecordEncoder<>(V2, 0x01020304).encode(orderV2("ada", "1.00"));

    assertThat(Arrays.copyOf(framed, 5)).containsExactly(0, 1, 2, 3, 4);
    assertThat(Arrays.copyOfRange(framed, 5, framed.length))
        .isEqualTo(binary(orderV2("ada", "1.00")));
    assertThat(ConfluentWireFormat.schemaId(framed)).isEqualTo(0x01020304);
  }

  @Test
  void encode_recordOfAnotherSchema_isRejected() {
    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(orderV1("ada", "1.00")))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "record has schema dev.etlkit.operators.avro.test.Order that differs from the writer"
                + " schema dev.etlkit.operators.avro.test.Order (build records with the step's"
                + " schema)");
  }

  @Test
  void encode_equalSchemaOfAnotherInstance_isAccepted() throws Exception {
    Schema copy = new Schema.Parser().parse(ORDER_V2.toString());
    GenericRecord record = orderV2("ada", "1.00");
    GenericRecord sameShape = new AvroData.Record(copy);
    for (Schema.Field f : copy.getFields()) {
      sameShape.put(f.pos(), record.get(f.pos()));
    }

    assertThat(new AvroRecordEncoder<>(V2, null).encode(sameShape)).isEqualTo(binary(record));
  }

  @Test
  void encode_nullInNonNullField_isRejectedNamingTheField() {
    GenericRecord record = orderV2("ada", "1.00");
    record.put("customer", null);

    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageStartingWith(
            "cannot encode the record with writer schema dev.etlkit.operators.avro.test.Order:"
                + " java.lang.NullPointerException")
        .hasMessageContaining("customer");
  }

  @Test
  void encode_decimalWithMoreFractionDigitsThanTheScale_isRejected() {
    GenericRecord record = orderV2("ada", "1.00");
    record.put("amount", new BigDecimal("1.005"));

    assertThatThrownBy(() -> new AvroRecordEncoder<>(V2, null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessageContaining("Cannot encode decimal with scale 3 as scale 2 without rounding");
  }

  @Test
  void encode_valueOfTheWrongType_isRejectedWithoutTheValue() {
    GenericRecord record = everything("x", 1);
    record.put("color", SECRET); // not an enum symbol: Avro's message would quote it

    assertThatThrownBy(
            () -> new AvroRecordEncoder<>(RecordModel.generic(EVERYTHING), null).encode(record))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "cannot encode the record with writer schema dev.etlkit.operators.avro.test.Everything:"
                + " org.apache.avro.AvroTypeException")
        .hasNoCause()
        .satisfies(e -> assertThat(e.toString()).doesNotContain(SECRET));
  }

  @Test
  void encode_specificRecord_matchesTheGeneratedEncoder() throws Exception {
    dev.etlkit.operators.avro.generated.Payment payment = LogicalTypesTest.payment();
    RecordModel<dev.etlkit.operators.avro.generated.Payment> model =
        RecordModel.specific(dev.etlkit.operators.avro.generated.Payment.class);

    byte[] ours = new AvroRecordEncoder<>(model, null).encode(payment);

    java.nio.ByteBuffer single =
        dev.etlkit.operators.avro.generated.Payment.getEncoder().encode(payment);
    byte[] generated = new byte[single.remaining()];
    single.get(generated);
    // Avro's single-object encoding: 2-byte marker + 8-byte fingerprint, then the binary
    assertThat(Arrays.copyOfRange(generated, 10, generated.length)).isEqualTo(ours);
  }

  @Test
  void encodeThenDecode_v1Record_isReadBackWithV2() throws Exception {
    byte[] bytes =
        new AvroRecordEncoder<>(RecordModel.generic(ORDER_V1), 1).encode(orderV1("a", "1.00"));
    GenericRecord decoded =
        new AvroRecordDecoder<>(
                V2,
                null,
                dev.etlkit.operators.avro.SchemaProvider.of(java.util.Map.of(1, ORDER_V1)),
                100)
            .decode(bytes);

    assertThat(decoded.get("channel")).isEqualTo("web");
  }
}
