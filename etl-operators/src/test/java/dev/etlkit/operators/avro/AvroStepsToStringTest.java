package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.generated.Payment;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The Avro steps print their name, their records' schema name (never a schema or a payload) and the
 * options set, as the other steps do, for logs.
 */
class AvroStepsToStringTest {

  private static final String ORDER = "GenericRecord(dev.etlkit.operators.avro.test.Order)";

  record OrderRecord(UUID id, String customer, BigDecimal amount, Instant placedAt) {}

  /** A registry client whose own text holds the registry's URL with its credentials. */
  static final class RegistryClient implements SchemaProvider {
    private static final long serialVersionUID = 1L;
    private final String url = "https://etl:" + AvroFixtures.SECRET + "@registry.example.com";

    @Override
    @Nullable
    public Schema schemaById(int id) {
      return null;
    }

    @Override
    public String toString() {
      return "RegistryClient(" + url + ")";
    }
  }

  @Test
  void decode_printsItsNameRecordsAndInput_andNoDefaults() {
    assertThat(Avro.decode("parse", ORDER_V2, PayloadInput.rawRecords()))
        .hasToString("Avro.DecodeStep{parse, records=" + ORDER + ", input=raw-records}");
    assertThat(Avro.decodeSpecific("payments", Payment.class, PayloadInput.bytes()))
        .hasToString(
            "Avro.DecodeStep{payments, records=dev.etlkit.operators.avro.generated.Payment,"
                + " input=bytes}");
  }

  @Test
  void decode_printsTheWriterSchemasName_theLimit_andAnErrorPolicyOverride() {
    assertThat(
            Avro.decode("parse", ORDER_V2, PayloadInput.bytes())
                .withErrorPolicy(ErrorPolicy.failJob())
                .withMaxCollectionItems(1_000)
                .withWriterSchema(ORDER_V1))
        .hasToString(
            "Avro.DecodeStep{parse, records="
                + ORDER
                + ", input=bytes, writerSchema=dev.etlkit.operators.avro.test.Order,"
                + " maxCollectionItems=1000, errorPolicy=fail-job}");
  }

  @Test
  void decode_printsTheSchemaIdsOfSchemaProviderOf_andTheLookupFailures() {
    assertThat(
            Avro.decode("parse", ORDER_V2, PayloadInput.rawRecords())
                .withConfluentWireFormat(SchemaProvider.of(Map.of(2, ORDER_V2, 1, ORDER_V1)))
                .withSchemaLookupFailures(SchemaLookupFailures.DEAD_LETTER))
        .hasToString(
            "Avro.DecodeStep{parse, records="
                + ORDER
                + ", input=raw-records, confluentWireFormat=SchemaProvider.of(ids [1, 2]),"
                + " schemaLookupFailures=DEAD_LETTER}");
  }

  @Test
  void decode_namesTheClassOfAnyOtherSchemaProvider_neverItsTextWhichMayHoldCredentials() {
    String text =
        Avro.decode("parse", ORDER_V2, PayloadInput.rawRecords())
            .withConfluentWireFormat(new RegistryClient())
            .toString();

    assertThat(text)
        .isEqualTo(
            "Avro.DecodeStep{parse, records="
                + ORDER
                + ", input=raw-records, confluentWireFormat="
                + RegistryClient.class.getName()
                + "}")
        .doesNotContain(AvroFixtures.SECRET);
  }

  @Test
  void encode_printsItsNameRecords_andTheOptionsSet() {
    assertThat(Avro.encode("to-avro", ORDER_V2))
        .hasToString("Avro.EncodeStep{to-avro, records=" + ORDER + "}");
    assertThat(
            Avro.encodeSpecific("payments", Payment.class)
                .withMaxBytes(1_040_000)
                .withErrorPolicy(ErrorPolicy.errorBudget(10))
                .withConfluentSchemaId(2))
        .hasToString(
            "Avro.EncodeStep{payments, records=dev.etlkit.operators.avro.generated.Payment,"
                + " confluentSchemaId=2, maxBytes=1040000,"
                + " errorPolicy=error-budget(max 10 errors)}");
  }

  @Test
  void encodeAsRawRecords_printsItsNameRecords_andTheOptionsSet_beforeOrAfter() {
    Avro.EncodeStep<GenericRecord> encode = Avro.encode("to-avro", ORDER_V2);

    assertThat(encode.asRawRecords(AvroStepsToStringTest::customer))
        .hasToString("AvroRawEncodeStep{to-avro, records=" + ORDER + "}");
    assertThat(
            encode
                .withConfluentSchemaId(2)
                .asRawRecords(AvroStepsToStringTest::customer)
                .withMaxBytes(1_040_000)
                .withErrorPolicy(ErrorPolicy.deadLetter()))
        .hasToString(
            "AvroRawEncodeStep{to-avro, records="
                + ORDER
                + ", confluentSchemaId=2, maxBytes=1040000, errorPolicy=dead-letter}");
  }

  @Test
  void fromJson_printsItsNameRecordsInput_andTheOptionsSet() {
    assertThat(Avro.fromJson("from-json", ORDER_V2, PayloadInput.text()))
        .hasToString("Avro.FromJsonStep{from-json, records=" + ORDER + ", input=text}");
    assertThat(
            Avro.fromJson("from-json", ORDER_V2, PayloadInput.bytes())
                .withReadLimits(JsonReadLimits.defaults().withMaxDocumentBytes(4096))
                .withErrorPolicy(ErrorPolicy.failJob()))
        .hasToString(
            "Avro.FromJsonStep{from-json, records="
                + ORDER
                + ", input=bytes, readLimits="
                + JsonReadLimits.defaults().withMaxDocumentBytes(4096)
                + ", errorPolicy=fail-job}");
  }

  @Test
  void fromPojo_printsItsNameTypeAndRecords_andAnErrorPolicyOverride() {
    Avro.FromPojoStep<OrderRecord> fromPojo =
        Avro.fromPojo("from-pojo", OrderRecord.class, ORDER_V2);

    assertThat(fromPojo)
        .hasToString("Avro.FromPojoStep{from-pojo, type=OrderRecord, records=" + ORDER + "}");
    assertThat(fromPojo.withErrorPolicy(ErrorPolicy.failJob()))
        .hasToString(
            "Avro.FromPojoStep{from-pojo, type=OrderRecord, records="
                + ORDER
                + ", errorPolicy=fail-job}");
  }

  @Test
  void toJson_printsItsNameAndOutput_andTheOptionsSet() {
    assertThat(Avro.toJson("to-json")).hasToString("Avro.ToJsonStep{to-json, output=text}");
    assertThat(
            Avro.toJson("to-json")
                .withMaxBytes(1_040_000)
                .asBytes()
                .withErrorPolicy(ErrorPolicy.failJob()))
        .hasToString(
            "Avro.ToJsonStep{to-json, output=bytes, maxBytes=1040000, errorPolicy=fail-job}");
  }

  private static byte[] customer(GenericRecord order) {
    return String.valueOf(order.get("customer")).getBytes(StandardCharsets.UTF_8);
  }
}
