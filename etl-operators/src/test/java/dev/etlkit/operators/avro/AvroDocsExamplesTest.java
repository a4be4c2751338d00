package dev.etlkit.operators.avro;

import static dev.etlkit.operators.avro.AvroFixtures.ORDER_ID;
import static dev.etlkit.operators.avro.AvroFixtures.PLACED_AT;
import static dev.etlkit.operators.avro.AvroFixtures.accounting;
import static dev.etlkit.operators.avro.AvroFixtures.binary;
import static dev.etlkit.operators.avro.AvroFixtures.confluent;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.Steps;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.generated.Payment;
import dev.etlkit.operators.avro.internal.AvroDecodingFunction;
import dev.etlkit.operators.avro.internal.RecordModel;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The examples of docs/formats-avro.md, compiled and checked. */
class AvroDocsExamplesTest {

  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private static final Schema orderV1 = AvroFixtures.ORDER_V1;
  private static final Schema orderV2 = AvroFixtures.ORDER_V2;

  private static DataStream<byte[]> bytes() {
    return ENV.fromData(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, new byte[] {0});
  }

  /** An order as a Java record. */
  // tag::order-record[]
  record Order(UUID id, String customer, BigDecimal amount, Instant placedAt) {}

  // end::order-record[]

  @Test
  void plainBinary_writtenWithAnOlderSchema() {
    DataStream<byte[]> avroBytes = bytes();
    // tag::decode-plain[]
    EtlStream<GenericRecord> orders =
        Etl.from(avroBytes, "orders")
            .apply(
                Avro.decode("decode", orderV2, PayloadInput.bytes()) // reader schema: v2
                    .withWriterSchema(orderV1)); // the bytes were written with v1
    // end::decode-plain[]
    assertThat(orders.type()).isEqualTo(Avro.genericRecordType(orderV2));
  }

  @Test
  void specificRecords_inAndOut() {
    DataStream<byte[]> avroBytes = bytes();
    // tag::decode-specific[]
    EtlStream<byte[]> payments =
        Etl.from(avroBytes, "payments")
            .apply(Avro.decodeSpecific("decode", Payment.class, PayloadInput.bytes()))
            .apply(Avro.encodeSpecific("encode", Payment.class).withConfluentSchemaId(7));
    // end::decode-specific[]
    assertThat(payments.pipeline().uids()).containsExactly("payments/decode", "payments/encode");
  }

  @Test
  void jsonAndObjects_toGenericRecords() {
    DataStream<String> jsonLines = ENV.fromData("{}");
    DataStream<Order> typedOrders =
        ENV.fromData(new Order(ORDER_ID, "ada", BigDecimal.ONE, PLACED_AT));
    // tag::from-json[]
    EtlStream<GenericRecord> fromJson =
        Etl.from(jsonLines, "json-orders")
            .apply(Avro.fromJson("to-avro", orderV2, PayloadInput.text()));
    EtlStream<String> backToJson = fromJson.apply(Avro.toJson("to-json"));
    // end::from-json[]
    assertThat(backToJson.type()).isEqualTo(org.apache.flink.api.common.typeinfo.Types.STRING);
    // tag::from-pojo[]
    EtlStream<byte[]> fromObjects =
        Etl.from(typedOrders, "typed-orders")
            .apply(Avro.fromPojo("to-avro", Order.class, orderV2)) // mapping checked here
            .apply(Avro.encode("encode", orderV2));
    // end::from-pojo[]
    assertThat(fromJson.type()).isEqualTo(Avro.genericRecordType(orderV2));
    assertThat(fromObjects.type()).isEqualTo(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
  }

  @Test
  void ownFunctions_declareTheAvroType() {
    EtlStream<GenericRecord> orders =
        Etl.from(bytes(), "orders").apply(Avro.decode("decode", orderV2, PayloadInput.bytes()));
    // tag::own-map[]
    TypeInformation<GenericRecord> orderType = Avro.genericRecordType(orderV2);
    EtlStream<GenericRecord> discounted =
        orders.apply(Steps.map("discount", AvroDocsExamplesTest::tenPercentOff, orderType));
    // end::own-map[]
    assertThat(discounted.type()).isEqualTo(orderType);
    assertThat(tenPercentOff(AvroFixtures.orderV2("ada", "10.00")).get("amount"))
        .isEqualTo(new BigDecimal("9.00"));
  }

  static GenericRecord tenPercentOff(GenericRecord order) {
    GenericRecord discounted = new GenericData.Record(order.getSchema());
    for (Schema.Field field : order.getSchema().getFields()) {
      discounted.put(field.pos(), order.get(field.pos()));
    }
    BigDecimal amount = (BigDecimal) order.get("amount");
    discounted.put(
        "amount", amount.multiply(new BigDecimal("0.9")).setScale(2, RoundingMode.HALF_EVEN));
    return discounted;
  }

  @Test
  void errorPolicy_perStep() {
    // tag::error-policy[]
    Avro.DecodeStep<byte[], GenericRecord> decode =
        Avro.decode("decode", orderV2, PayloadInput.bytes())
            .withErrorPolicy(ErrorPolicy.errorBudget(100)); // fail after 100 bad records
    // end::error-policy[]
    assertThat(decode.name()).isEqualTo("decode");
  }

  /** A stand-in for a schema registry client: not serializable, connects per subtask. */
  static final class RegistryClient implements AutoCloseable {
    static final Map<Integer, String> REGISTRY = new HashMap<>();
    static final AtomicInteger CONNECTIONS = new AtomicInteger();

    static RegistryClient connect(String url) {
      CONNECTIONS.incrementAndGet();
      return new RegistryClient();
    }

    @Nullable
    String schemaJson(int id) {
      return REGISTRY.get(id);
    }

    @Override
    public void close() {}
  }

  // tag::schema-provider[]
  /** Writer schemas from a registry client, which each subtask creates in open(). */
  static final class RegistrySchemas implements SchemaProvider {
    private final String url;
    private transient RegistryClient client; // not serializable: created in open()

    RegistrySchemas(String url) {
      this.url = url;
    }

    @Override
    public void open() {
      client = RegistryClient.connect(url);
    }

    @Override
    @Nullable
    public Schema schemaById(int id) {
      String json = client.schemaJson(id); // null: no such id, the record is dead-lettered
      return json == null ? null : new Schema.Parser().parse(json);
    }

    @Override
    public void close() {
      client.close();
    }
  }

  // end::schema-provider[]

  @Test
  void customSchemaProvider_isOpenedPerSubtaskAndAskedOncePerId() throws Exception {
    RegistryClient.REGISTRY.put(1, orderV1.toString());
    AvroDecodingFunction<byte[], GenericRecord> function =
        new AvroDecodingFunction<>(
            PayloadInput.bytes(),
            new ErrorHandler(
                new StepIdentity("orders", "decode", "orders/decode"), ErrorPolicy.deadLetter()),
            RecordModel.generic(orderV2),
            null,
            new RegistrySchemas("https://registry.example"),
            100);
    try (OneInputStreamOperatorTestHarness<byte[], GenericRecord> h =
        new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(function), 1, 1, 0)) {
      AvroFixtures.disableGenericTypes(h.getExecutionConfig());
      h.setup(
          Avro.genericRecordType(orderV2)
              .createSerializer(h.getExecutionConfig().getSerializerConfig()));
      h.open();
      h.processElement(confluent(1, binary(orderV1("ada", "1.00"))), 1L);
      h.processElement(confluent(9, binary(orderV1("bob", "1.00"))), 1L);

      assertThat(h.extractOutputValues()).extracting(r -> r.get("customer")).containsExactly("ada");
      assertThat(AvroFixtures.deadLetters(h))
          .extracting(DeadLetter::errorMessage)
          .containsExactly("unknown writer schema id 9");
      assertThat(accounting(h).step("orders", "decode").isBalanced()).isTrue();
      assertThat(RegistryClient.CONNECTIONS).hasValue(1);
    }
  }
}
