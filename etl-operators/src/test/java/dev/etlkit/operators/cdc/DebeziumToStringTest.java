package dev.etlkit.operators.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.AvroFixtures;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.Debezium.KeyFormat;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.Debezium.Truncates;
import dev.etlkit.operators.cdc.Debezium.UnavailableValues;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * {@link Debezium}'s step prints its name, its row type and the options set (never a schema or a
 * payload), as the other steps do, for logs.
 */
class DebeziumToStringTest {

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
  void decode_printsItsNameAndRowType_andNoDefaults() {
    assertThat(Debezium.decode("customers-cdc", Customer.class))
        .hasToString("Debezium.DecodeStep{customers-cdc, type=Customer}");
  }

  @Test
  void decode_printsEveryOptionSet_inOneOrder_whateverTheOrderOfTheCalls() {
    JsonReadLimits limits = JsonReadLimits.defaults().withMaxDocumentBytes(4096);

    assertThat(
            Debezium.decode("customers-cdc", AuditedCustomer.class)
                .withErrorPolicy(ErrorPolicy.failJob())
                .withInput(PayloadInput.bytes())
                .withReadLimits(limits)
                .withTombstones(Tombstones.DELETE)
                .withKeyFormat(KeyFormat.JSON)
                .withTruncates(Truncates.SKIP)
                .withTimePrecision(ChronoUnit.MICROS)
                .withMetadataField("table", Metadata.TABLE)
                .withMetadataField("lsn", Metadata.LSN)
                .withUnavailableValues(UnavailableValues.BIND)
                .withUnavailableValuePlaceholder("hex:00ff")
                .withSchemaLookupFailures(SchemaLookupFailures.DEAD_LETTER)
                .withAvro(SchemaProvider.of(Map.of(7, AvroFixtures.ORDER_V2))))
        .hasToString(
            "Debezium.DecodeStep{customers-cdc, type=AuditedCustomer, input=bytes, readLimits="
                + limits
                + ", tombstones=DELETE, keyFormat=JSON, truncates=SKIP, timePrecision=MICROS,"
                + " metadataFields={table=TABLE, lsn=LSN}, unavailableValues=BIND,"
                + " unavailableValuePlaceholder=hex:00ff, avro=SchemaProvider.of(ids [7]),"
                + " schemaLookupFailures=DEAD_LETTER, errorPolicy=fail-job}");
  }

  @Test
  void decode_namesTheClassOfAnyOtherSchemaProvider_neverItsTextWhichMayHoldCredentials() {
    String text =
        Debezium.decode("customers-cdc", Customer.class)
            .withInput(PayloadInput.text())
            .withAvro(new RegistryClient())
            .toString();

    assertThat(text)
        .isEqualTo(
            "Debezium.DecodeStep{customers-cdc, type=Customer, input=text, avro="
                + RegistryClient.class.getName()
                + "}")
        .doesNotContain(AvroFixtures.SECRET);
  }
}
