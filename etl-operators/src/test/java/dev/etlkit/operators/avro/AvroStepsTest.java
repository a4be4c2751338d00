package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V0_INCOMPATIBLE;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.generated.Payment;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The step specs: validation (each error once), immutability, output types and uids. */
class AvroStepsTest {

  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private static DataStream<byte[]> bytes() {
    return ENV.fromData(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, new byte[] {0});
  }

  /** A Java record the order schema can be filled from. */
  record OrderRecord(UUID id, String customer, BigDecimal amount, Instant placedAt) {}

  @Test
  void pipeline_everyStep_declaresAvroTypesAndGetsItsUid() {
    EtlStream<GenericRecord> decoded =
        Etl.from(bytes(), "orders").apply(Avro.decode("decode", ORDER_V2, PayloadInput.bytes()));
    EtlStream<byte[]> encoded = decoded.apply(Avro.encode("encode", ORDER_V2));
    EtlStream<String> json = decoded.apply(Avro.toJson("to-json"));
    EtlStream<GenericRecord> fromJson =
        Etl.from(ENV.fromData("{}"), "json")
            .apply(Avro.fromJson("from-json", ORDER_V2, PayloadInput.text()));
    EtlStream<GenericRecord> fromPojo =
        Etl.from(
                ENV.fromData(
                    new OrderRecord(UUID.randomUUID(), "a", BigDecimal.ONE, Instant.EPOCH)),
                "pojos")
            .apply(Avro.fromPojo("from-pojo", OrderRecord.class, ORDER_V2));
    EtlStream<Payment> payments =
        Etl.from(bytes(), "payments")
            .apply(Avro.decodeSpecific("decode", Payment.class, PayloadInput.bytes()));

    assertThat(decoded.type()).isEqualTo(Avro.genericRecordType(ORDER_V2));
    assertThat(encoded.type()).isEqualTo(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    assertThat(fromJson.type()).isEqualTo(Avro.genericRecordType(ORDER_V2));
    assertThat(fromPojo.type()).isEqualTo(Avro.genericRecordType(ORDER_V2));
    assertThat(payments.type())
        .isEqualTo(Avro.specificRecordType(Payment.class))
        .isNotInstanceOf(GenericTypeInfo.class);
    assertThat(json.type()).isEqualTo(org.apache.flink.api.common.typeinfo.Types.STRING);
    assertThat(encoded.pipeline().uids())
        .containsExactly("orders/decode", "orders/encode", "orders/to-json");
  }

  @Test
  void specs_areImmutable() {
    Avro.DecodeStep<byte[], GenericRecord> base =
        Avro.decode("decode", ORDER_V2, PayloadInput.bytes());
    Avro.DecodeStep<byte[], GenericRecord> confluent =
        base.withConfluentWireFormat(SchemaProvider.of(Map.of(1, ORDER_V1)));

    assertThat(confluent).isNotSameAs(base);
    // The base spec still decodes plain binary: applying it together with a writer schema works.
    Etl.from(bytes(), "p").apply(base.withWriterSchema(ORDER_V1));
  }

  @Test
  void decode_invalidStepName_isRejected() {
    assertThatThrownBy(() -> Avro.decode("no spaces", ORDER_V2, PayloadInput.bytes()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name must be 1 to 64 characters")
        .hasMessageContaining("'no spaces'");
  }

  @Test
  void decode_schemaThatIsNotARecord_isRejected() {
    assertThatThrownBy(
            () -> Avro.decode("decode", Schema.create(Schema.Type.STRING), PayloadInput.bytes()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("schema must be an Avro record schema, was a STRING schema");
  }

  /** A SpecificRecord that was not generated: no SCHEMA$. */
  public static final class HandWritten extends SpecificRecordBase {
    @Override
    public Schema getSchema() {
      return ORDER_V2;
    }

    @Override
    public Object get(int field) {
      return null;
    }

    @Override
    public void put(int field, Object value) {}
  }

  @Test
  void decodeSpecific_classWithoutSchemaField_isRejected() {
    assertThatThrownBy(() -> Avro.decodeSpecific("decode", HandWritten.class, PayloadInput.bytes()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(HandWritten.class.getName())
        .hasMessageContaining("is not a generated Avro SpecificRecord class");
  }

  @Test
  void withWriterSchema_incompatibleWithTheReader_isRejected() {
    Avro.DecodeStep<byte[], GenericRecord> step =
        Avro.decode("decode", ORDER_V2, PayloadInput.bytes());

    assertThatThrownBy(() -> step.withWriterSchema(ORDER_V0_INCOMPATIBLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "writerSchema dev.etlkit.operators.avro.test.Order cannot be read with reader schema"
                + " dev.etlkit.operators.avro.test.Order: READER_FIELD_MISSING_DEFAULT_VALUE");
  }

  @Test
  void withMaxCollectionItems_outOfRange_isRejected() {
    Avro.DecodeStep<byte[], GenericRecord> step =
        Avro.decode("decode", ORDER_V2, PayloadInput.bytes());
    // 6 bytes of array<null> claiming that many items made Avro allocate them: OutOfMemoryError
    assertThatThrownBy(() -> step.withMaxCollectionItems(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxCollectionItems must be in 1..100000000, was 2147483647");
    assertThatThrownBy(() -> step.withMaxCollectionItems(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxCollectionItems must be in 1..100000000, was 0");
    step.withMaxCollectionItems(Avro.MAX_COLLECTION_ITEMS);
  }

  @Test
  void withConfluentSchemaId_negative_isRejected() {
    assertThatThrownBy(() -> Avro.encode("encode", ORDER_V2).withConfluentSchemaId(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("confluentSchemaId must be >= 0, was -1");
  }

  @Test
  void apply_schemaLookupFailuresWithoutConfluentWireFormat_isRejected() {
    Avro.DecodeStep<byte[], GenericRecord> plain =
        Avro.decode("decode", ORDER_V2, PayloadInput.bytes())
            .withSchemaLookupFailures(SchemaLookupFailures.DEAD_LETTER);

    assertThatThrownBy(() -> Etl.from(bytes(), "orders").apply(plain))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step 'decode': withSchemaLookupFailures is about the SchemaProvider of"
                + " withConfluentWireFormat, which this step does not use");
    assertThatThrownBy(() -> plain.withSchemaLookupFailures(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("schemaLookupFailures");
  }

  @Test
  void apply_decodeOfTextInput_isRejected() {
    // Avro is binary: a String cannot carry it. The long 200 is written 0x90 0x03; read as text,
    // 0x90 becomes U+FFFD, whose UTF-8 (EF BF BD) the decoder reads as another number.
    DataStream<String> text = ENV.fromData("x");

    assertThatThrownBy(
            () ->
                Etl.from(text, "orders")
                    .apply(Avro.decode("decode", ORDER_V2, PayloadInput.text())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step 'decode' reads Avro, which is binary: text input cannot carry it; read the"
                + " records as PayloadInput.bytes() or rawRecords()");
    assertThatThrownBy(
            () ->
                Etl.from(text, "payments")
                    .apply(Avro.decodeSpecific("decode", Payment.class, PayloadInput.text())))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void apply_writerSchemaTogetherWithConfluentWireFormat_isRejected() {
    Avro.DecodeStep<byte[], GenericRecord> both =
        Avro.decode("decode", ORDER_V2, PayloadInput.bytes())
            .withWriterSchema(ORDER_V1)
            .withConfluentWireFormat(SchemaProvider.of(Map.of(1, ORDER_V1)));

    assertThatThrownBy(() -> Etl.from(bytes(), "orders").apply(both))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step 'decode': withWriterSchema is for plain Avro binary");
  }

  @Test
  void fromPojo_classThatCannotFillTheSchema_isRejectedWhenTheSpecIsBuilt() {
    record NoAmount(UUID id, String customer, Instant placedAt) {}

    assertThatThrownBy(() -> Avro.fromPojo("from-pojo", NoAmount.class, ORDER_V2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no property 'amount'");
  }

  @Test
  void factories_nullArguments_areRejected() {
    assertThatThrownBy(() -> Avro.decode("d", ORDER_V2, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("input");
    assertThatThrownBy(() -> Avro.decode("d", null, PayloadInput.bytes()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("schema");
    assertThatThrownBy(() -> Avro.encode("e", ORDER_V2).withErrorPolicy(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy");
    java.util.Map<Integer, Schema> withNull = new java.util.HashMap<>();
    withNull.put(7, null);
    assertThatThrownBy(() -> SchemaProvider.of(withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("schema of id 7");
  }

  @Test
  void schemaProviderOf_servesItsSchemasAndNullForUnknownIds() throws Exception {
    SchemaProvider provider = SchemaProvider.of(Map.of(1, ORDER_V1));

    assertThat(provider.schemaById(1)).isSameAs(ORDER_V1);
    assertThat(provider.schemaById(2)).isNull();
    assertThat(provider).hasToString("SchemaProvider.of(ids [1])");
  }
}
