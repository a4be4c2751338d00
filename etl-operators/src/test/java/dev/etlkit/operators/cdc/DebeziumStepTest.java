package dev.etlkit.operators.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.ChangeTypeInfo;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.avro.SchemaLookupFailures;
import dev.etlkit.operators.avro.SchemaProvider;
import dev.etlkit.operators.cdc.Debezium.DecodeStep;
import dev.etlkit.operators.cdc.Debezium.Metadata;
import dev.etlkit.operators.cdc.internal.DebeziumDecodingFunction;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The {@link Debezium} spec: types, options and their validation, expansion. */
class DebeziumStepTest {

  private static DataStream<RawRecord> kafkaRecords(StreamExecutionEnvironment env) {
    return env.fromData(RawRecord.TYPE_INFO, RawRecord.ofValue(new byte[] {'{', '}'}));
  }

  @Test
  void decode_outputIsAChangeOfTheRowsPojoType_serializableWithoutKryo() {
    DecodeStep<RawRecord, Customer> step = Debezium.decode("customers-cdc", Customer.class);

    assertThat(step.name()).isEqualTo("customers-cdc");
    assertThat(step.outputType()).isInstanceOf(ChangeTypeInfo.class);
    assertThat(((ChangeTypeInfo<Customer>) step.outputType()).getValueType())
        .isInstanceOf(PojoTypeInfo.class);
    SerializerConfigImpl noKryo = new SerializerConfigImpl();
    noKryo.setGenericTypes(false);
    assertThat(step.outputType().createSerializer(noKryo)).isNotNull();
  }

  @Test
  void expand_namesTheOperatorAfterTheStep_andChecksTheInputType() {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);

    // tag::debezium-decode[]
    EtlStream<Change<Customer>> customers =
        Etl.from(kafkaRecords(env), "crm").apply(Debezium.decode("customers-cdc", Customer.class));
    // end::debezium-decode[]

    assertThat(customers.type()).isEqualTo(Change.typeInfo(Types.POJO(Customer.class)));
    assertThat(customers.pipeline().uids()).contains("crm/customers-cdc");

    DataStream<String> lines = env.fromData(Types.STRING, "{}");
    // The compiler rejects this mix-up; raw types (or a custom PayloadInput) can still reach it.
    @SuppressWarnings({"rawtypes", "unchecked"})
    EtlStream<RawRecord> mistyped = (EtlStream) Etl.from(lines, "files");
    assertThatThrownBy(() -> mistyped.apply(Debezium.decode("customers-cdc", Customer.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step 'customers-cdc' reads")
        .hasMessageContaining("but the stream carries String")
        .hasMessageContaining("withInput(");
    assertThat(
            Etl.from(lines, "text-files")
                .apply(
                    Debezium.decode("customers-cdc", Customer.class).withInput(PayloadInput.text()))
                .type())
        .isEqualTo(Change.typeInfo(Types.POJO(Customer.class)));
  }

  @Test
  void options_returnNewSpecs_andCompose() {
    DecodeStep<RawRecord, Order> base = Debezium.decode("orders-cdc", Order.class);
    // tag::debezium-options[]
    DecodeStep<byte[], Order> orders =
        Debezium.decode("orders-cdc", Order.class)
            .withInput(PayloadInput.bytes()) // Kafka values only: no keys, no tombstones
            .withTimePrecision(ChronoUnit.MICROS) // integer timestamps without a schema
            .withTombstones(Debezium.Tombstones.DELETE) // key-only -D per tombstone
            .withTruncates(Debezium.Truncates.SKIP) // count truncates instead of dead letters
            .withReadLimits(JsonReadLimits.defaults().withMaxDocumentBytes(256 * 1024))
            .withErrorPolicy(ErrorPolicy.errorBudget(100));
    // end::debezium-options[]
    assertThat(orders).isNotSameAs(base);
    assertThat(orders.outputType()).isEqualTo(base.outputType());
    assertThat(base.withTruncates(Debezium.Truncates.SKIP)).isNotSameAs(base);
  }

  @Test
  void withMetadataField_copiesSourceMetadataIntoNamedFields() {
    // tag::debezium-metadata[]
    DecodeStep<RawRecord, AuditedCustomer> audited =
        Debezium.decode("customers-cdc", AuditedCustomer.class)
            .withMetadataField("table", Metadata.TABLE)
            .withMetadataField("op", Metadata.OP)
            .withMetadataField("lsn", Metadata.LSN)
            .withMetadataField("changed_at", Metadata.SOURCE_TS_MS);
    // end::debezium-metadata[]
    assertThat(audited.name()).isEqualTo("customers-cdc");
  }

  @Test
  void withAvro_readsTheConfluentWireFormat_keepsTheOtherOptions_andSerializes() throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    org.apache.avro.Schema envelopeV1 =
        ConnectRecords.avroSchema(DebeziumAvroTest.POSTGRES.envelopeType());
    org.apache.avro.Schema keyV1 = ConnectRecords.avroSchema(DebeziumAvroTest.PG_KEY);

    // tag::debezium-avro[]
    SchemaProvider registry = SchemaProvider.of(Map.of(1, envelopeV1, 2, keyV1));
    EtlStream<Change<Customer>> customers =
        Etl.from(kafkaRecords(env), "crm")
            .apply(
                Debezium.decode("customers-cdc", Customer.class)
                    .withAvro(registry) // values and keys from Confluent's AvroConverter
                    .withTombstones(Debezium.Tombstones.DELETE));
    // end::debezium-avro[]

    assertThat(customers.type()).isEqualTo(Change.typeInfo(Types.POJO(Customer.class)));
    DecodeStep<RawRecord, Customer> base = Debezium.decode("customers-cdc", Customer.class);
    assertThat(base.withAvro(registry)).isNotSameAs(base);
    assertThat(base.withKeyFormat(Debezium.KeyFormat.JSON)).isNotSameAs(base);
    assertThatThrownBy(() -> base.withKeyFormat(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("keyFormat");
    assertThatThrownBy(() -> base.withAvro(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("schemas");
    // the operator function, provider and schemas included, travels to the cluster
    DebeziumDecodingFunction<RawRecord, Customer> function =
        new DebeziumDecodingFunction<>(
            PayloadInput.rawRecords(),
            new dev.etlkit.core.ErrorHandler(DecoderHarness.STEP, ErrorPolicy.deadLetter()),
            DecoderSettings.defaults(Customer.class).withAvro(registry));
    assertThat(InstantiationUtil.clone(function)).isNotNull();
  }

  @Test
  void withKeyFormat_json_beside_avroValues_isApplied() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    SchemaProvider registry =
        SchemaProvider.of(
            Map.of(1, ConnectRecords.avroSchema(DebeziumAvroTest.POSTGRES.envelopeType())));
    // tag::debezium-json-keys[]
    EtlStream<Change<Customer>> customers =
        Etl.from(kafkaRecords(env), "crm")
            .apply(
                Debezium.decode("customers-cdc", Customer.class)
                    .withAvro(registry) // values from Confluent's AvroConverter
                    .withKeyFormat(Debezium.KeyFormat.JSON) // keys from JsonConverter
                    .withTombstones(Debezium.Tombstones.DELETE));
    // end::debezium-json-keys[]
    assertThat(customers.pipeline().uids()).contains("crm/customers-cdc");
    // with JSON values, JSON keys are the default: accepted
    assertThat(
            Etl.from(kafkaRecords(env), "shop")
                .apply(
                    Debezium.decode("customers-cdc", Customer.class)
                        .withKeyFormat(Debezium.KeyFormat.JSON))
                .type())
        .isEqualTo(customers.type());
  }

  /** Every tombstone would be a dead letter: DELETE builds the row from the key alone. */
  @Test
  void withKeyFormat_ignored_withTombstonesDelete_isRefusedWhenApplied() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DecodeStep<RawRecord, Customer> step =
        Debezium.decode("customers-cdc", Customer.class)
            .withKeyFormat(Debezium.KeyFormat.IGNORED)
            .withTombstones(Debezium.Tombstones.DELETE);

    assertThatThrownBy(() -> Etl.from(kafkaRecords(env), "crm").apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step 'customers-cdc': withTombstones(DELETE) builds each delete from the Kafka key,"
                + " which withKeyFormat(IGNORED) does not read: skip tombstones or read the keys");
    // with tombstones skipped, ignored keys are fine
    assertThat(
            Etl.from(kafkaRecords(env), "shop")
                .apply(step.withTombstones(Debezium.Tombstones.SKIP))
                .type())
        .isEqualTo(step.outputType());
  }

  /** bytes() and text() records have no key: a key format would be a promise nobody keeps. */
  @Test
  void withKeyFormat_onInputWithoutKeys_isRefusedWhenApplied() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<String> lines = env.fromData(Types.STRING, "{}");
    DataStream<byte[]> values =
        env.fromData(List.<byte[]>of(new byte[] {'{', '}'}), PayloadInput.bytes().type());
    for (Debezium.KeyFormat format :
        new Debezium.KeyFormat[] {Debezium.KeyFormat.JSON, Debezium.KeyFormat.IGNORED}) {
      DecodeStep<RawRecord, Customer> step =
          Debezium.decode("customers-cdc", Customer.class).withKeyFormat(format);
      assertThatThrownBy(() -> Etl.from(lines, "crm").apply(step.withInput(PayloadInput.text())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "step 'customers-cdc': withKeyFormat("
                  + format
                  + ") is about Kafka keys, which its input does not carry (PayloadInput.text()"
                  + " and bytes() read values only): read PayloadInput.rawRecords()");
      assertThatThrownBy(() -> Etl.from(values, "crm").apply(step.withInput(PayloadInput.bytes())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("withKeyFormat(" + format + ") is about Kafka keys");
    }
    // the default reads keys in the values' format where there are any
    assertThat(
            Etl.from(values, "shop")
                .apply(
                    Debezium.decode("customers-cdc", Customer.class)
                        .withInput(PayloadInput.bytes())
                        .withKeyFormat(Debezium.KeyFormat.SAME_AS_VALUE))
                .type())
        .isNotNull();
  }

  /** Avro is binary: from text, whose payloads are UTF-8 of a String, no record could decode. */
  @Test
  void withAvro_onTextInput_isRefusedWhenApplied() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<String> lines = env.fromData(Types.STRING, "{}");
    SchemaProvider registry =
        SchemaProvider.of(Map.of(1, ConnectRecords.avroSchema(DebeziumAvroTest.PG_KEY)));
    DecodeStep<String, Customer> fromText =
        Debezium.decode("customers-cdc", Customer.class)
            .withInput(PayloadInput.text())
            .withAvro(registry);

    assertThatThrownBy(() -> Etl.from(lines, "crm").apply(fromText))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step 'customers-cdc' reads Avro")
        .hasMessageContaining("PayloadInput.bytes()");
  }

  @Test
  void withSchemaLookupFailures_withoutAvro_isRefusedWhenApplied() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<String> lines = env.fromData(Types.STRING, "{}");
    DecodeStep<String, Customer> json =
        Debezium.decode("customers-cdc", Customer.class)
            .withInput(PayloadInput.text())
            .withSchemaLookupFailures(SchemaLookupFailures.DEAD_LETTER);

    assertThatThrownBy(() -> Etl.from(lines, "crm").apply(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step 'customers-cdc': withSchemaLookupFailures is about the SchemaProvider of"
                + " withAvro, which this step does not use (it reads JSON)");
    assertThatThrownBy(() -> json.withSchemaLookupFailures(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("schemaLookupFailures");
  }

  // ---- every validation error, once

  @Test
  void decode_invalidStepName() {
    assertThatThrownBy(() -> Debezium.decode("bad name", Customer.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name must be 1 to 64 characters")
        .hasMessageContaining("'bad name'");
  }

  /** Not a POJO: no no-argument constructor, no record. */
  public static final class NotAPojo {
    public final int id;

    public NotAPojo(int id) {
      this.id = id;
    }
  }

  @Test
  void decode_rowTypeWithoutPojoType() {
    assertThatThrownBy(() -> Debezium.decode("cdc", NotAPojo.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("rowType must be a POJO or Java record with a Flink POJO type")
        .hasMessageContaining("GenericType")
        .hasMessageContaining("Kryo");
    assertThatThrownBy(() -> Debezium.decode("cdc", String.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was String");
  }

  /** A record whose date field Flink's POJO analysis cannot type. */
  public record UnannotatedDate(int id, java.time.LocalDate day) {}

  @Test
  void decode_rowTypeWithAFieldThatNeedsKryo() {
    assertThatThrownBy(() -> Debezium.decode("cdc", UnannotatedDate.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "has fields that Flink would serialize with Kryo: day"
                + " (GenericType<java.time.LocalDate>)")
        .hasMessageContaining("@TypeInfo");
    assertThat(Debezium.decode("cdc", Order.class).outputType().toString())
        .doesNotContain("GenericType");
  }

  /** Date/time fields of types that Flink types but that Jackson reads as epoch milliseconds. */
  public record LegacyTimestampRow(long id, java.sql.Timestamp createdAt) {}

  public record LegacyDateRow(long id, java.sql.Date orderDate) {}

  public record UtilDateRow(long id, java.util.Date shippedAt) {}

  /**
   * Flink has types for {@code java.util.Date} and {@code java.sql.Date/Time/Timestamp}, so such a
   * row type passed the Kryo check, but the step does not convert Debezium's encodings for them:
   * Jackson read every integer as epoch milliseconds, so a {@code MicroTimestamp} (PostgreSQL's
   * {@code TIMESTAMP}) became a {@code java.sql.Timestamp} in the year 56173 and a date (days since
   * the epoch, 19797) a {@code java.sql.Date} of 1970-01-01, silently. Such fields are refused when
   * the step is built.
   */
  @Test
  void decode_rowTypeWithAJavaUtilOrJavaSqlDateField_isRefused() {
    assertThatThrownBy(() -> Debezium.decode("cdc", LegacyTimestampRow.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("createdAt (java.sql.Timestamp)")
        .hasMessageContaining("Instant");
    assertThatThrownBy(() -> Debezium.decode("cdc", LegacyDateRow.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("orderDate (java.sql.Date)");
    assertThatThrownBy(() -> Debezium.decode("cdc", UtilDateRow.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("shippedAt (java.util.Date)");
  }

  @Test
  void withTimePrecision_otherThanMillisMicrosNanos() {
    assertThatThrownBy(
            () -> Debezium.decode("cdc", Order.class).withTimePrecision(ChronoUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timePrecision must be MILLIS, MICROS or NANOS, was SECONDS");
  }

  @Test
  void withMetadataField_unknownProperty() {
    assertThatThrownBy(
            () -> Debezium.decode("cdc", Customer.class).withMetadataField("tbl", Metadata.TABLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "metadata field 'tbl' is not a property of dev.etlkit.operators.cdc.Customer; its"
                + " properties are [id, first_name, last_name, email]");
  }

  @Test
  void withMetadataField_ofTheWrongType() {
    assertThatThrownBy(
            () ->
                Debezium.decode("cdc", AuditedCustomer.class)
                    .withMetadataField("table", Metadata.LSN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "metadata field 'table' of dev.etlkit.operators.cdc.AuditedCustomer must have type"
                + " Long (or long), was java.lang.String");
    assertThatThrownBy(
            () ->
                Debezium.decode("cdc", AuditedCustomer.class)
                    .withMetadataField("lsn", Metadata.TABLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("must have type String, was java.lang.Long");
    // an Integer metadata fits a long field
    assertThat(
            Debezium.decode("cdc", AuditedCustomer.class)
                .withMetadataField("lsn", Metadata.BINLOG_ROW))
        .isNotNull();
  }

  @Test
  void withMetadataField_twice() {
    assertThatThrownBy(
            () ->
                Debezium.decode("cdc", AuditedCustomer.class)
                    .withMetadataField("table", Metadata.TABLE)
                    .withMetadataField("table", Metadata.DB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metadata field 'table' already receives TABLE");
  }

  @Test
  void nullOptions() {
    DecodeStep<RawRecord, Customer> step = Debezium.decode("cdc", Customer.class);
    assertThatThrownBy(() -> step.withTombstones(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("tombstones");
    assertThatThrownBy(() -> Debezium.decode("cdc", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("rowType");
  }
}
