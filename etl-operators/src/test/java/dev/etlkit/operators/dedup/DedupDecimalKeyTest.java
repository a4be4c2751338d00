package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.internal.AvroRecordDecoder;
import dev.etlkit.operators.avro.internal.AvroRecordEncoder;
import dev.etlkit.operators.avro.internal.JsonToAvro;
import dev.etlkit.operators.avro.internal.RecordModel;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.java.functions.KeySelector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A decimal key is one key whichever decoder made it: records of one schema, some decoded from Avro
 * binary and some converted from JSON, are deduplicated by their decimal customer id on heap (which
 * compares keys with {@code equals}) and on RocksDB (which compares serialized keys) alike. Before
 * etlkit's Avro decoder made decimals as text does, customer 1 from Avro and customer 1 from JSON
 * were two keys on RocksDB.
 */
class DedupDecimalKeyTest {

  private static final Schema PAYMENT =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Payment\",\"fields\":["
                  + "{\"name\":\"customer\",\"type\":{\"type\":\"bytes\",\"logicalType\":"
                  + "\"decimal\",\"precision\":10,\"scale\":2}},"
                  + "{\"name\":\"source\",\"type\":\"string\"}]}");

  /** The customer id of a payment. */
  static final class Customer implements KeySelector<GenericRecord, BigDecimal> {
    private static final long serialVersionUID = 1L;

    @Override
    public BigDecimal getKey(GenericRecord payment) {
      return (BigDecimal) payment.get("customer");
    }
  }

  private static GenericRecord fromJson(String customer, String source) throws Exception {
    return new JsonToAvro(PAYMENT, JsonReadLimits.defaults())
        .convert(
            ("{\"customer\":" + customer + ",\"source\":\"" + source + "\"}")
                .getBytes(StandardCharsets.UTF_8));
  }

  private static GenericRecord fromAvro(String customer) throws Exception {
    RecordModel<GenericRecord> model = RecordModel.generic(PAYMENT);
    byte[] bytes = new AvroRecordEncoder<>(model, null).encode(fromJson(customer, "avro"));
    return new AvroRecordDecoder<>(model, null, null, 100).decode(bytes);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirst_decimalKeyFromAvroAndFromJson_isOneKey(StateBackendKind backend) throws Exception {
    Dedup.DedupStep<GenericRecord, GenericRecord, BigDecimal, GenericRecord> step =
        Dedup.keepFirst("dedup", new Customer());
    try (OperatorHarness<GenericRecord, GenericRecord> harness =
        DedupHarness.expand(step, Avro.genericRecordType(PAYMENT)).harness().on(backend).open()) {
      // unscaled 1 (0.01), 10 (0.10) and 100 (1.00)
      for (String customer : List.of("0.01", "0.10", "1.00")) {
        harness.processElement(fromAvro(customer), 10);
        harness.processElement(fromJson(customer, "json"), 11);
      }

      assertThat(harness.emitted())
          .extracting(
              e ->
                  ((GenericRecord) e.value()).get("customer")
                      + " "
                      + ((GenericRecord) e.value()).get("source"))
          .containsExactly("0.01 avro", "0.10 avro", "1.00 avro");
    }
  }
}
