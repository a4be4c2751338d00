package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V0_INCOMPATIBLE;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V1;
import static dev.etlkit.operators.avro.AvroFixtures.ORDER_V2;
import static dev.etlkit.operators.avro.AvroFixtures.SECRET;
import static dev.etlkit.operators.avro.AvroFixtures.everything;
import static dev.etlkit.operators.avro.AvroFixtures.orderV1;
import static dev.etlkit.operators.avro.AvroFixtures.orderV2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.avro.AvroFormatException;
import dev.etlkit.operators.avro.PaymentV0;
import dev.etlkit.operators.avro.generated.Payment;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The Avro record type and serializer: Flink's serializer contract, snapshots, evolution. */
class AvroRecordSerializerTest {

  @Nested
  class OfGenericRecords extends SerializerTestBase<GenericRecord> {
    @Override
    protected TypeSerializer<GenericRecord> createSerializer() {
      return new AvroRecordSerializer<>(RecordModel.generic(EVERYTHING), null);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<GenericRecord> getTypeClass() {
      return GenericRecord.class;
    }

    @Override
    protected GenericRecord[] getTestData() {
      GenericRecord noDiscount = everything("", Long.MIN_VALUE);
      noDiscount.put("discount", null);
      return new GenericRecord[] {everything("käse", 1), everything("x", -5), noDiscount};
    }
  }

  @Nested
  class OfSpecificRecords extends SerializerTestBase<Payment> {
    @Override
    protected TypeSerializer<Payment> createSerializer() {
      return new AvroRecordSerializer<>(RecordModel.specific(Payment.class), null);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<Payment> getTypeClass() {
      return Payment.class;
    }

    @Override
    protected Payment[] getTestData() {
      Payment unsettled = LogicalTypesTest.payment();
      unsettled.setSettledAt(null);
      unsettled.setTags(List.of());
      return new Payment[] {LogicalTypesTest.payment(), unsettled};
    }
  }

  /**
   * Flink's contract for a serializer restored from a snapshot taken when the class had an older
   * schema: it reads and writes that schema, and its objects are instances of the class.
   */
  @Nested
  class OfSpecificRecordsRestoredFromAnOlderSchema extends SerializerTestBase<Payment> {
    @Override
    protected TypeSerializer<Payment> createSerializer() {
      return PaymentV0.snapshot(PaymentV0.SCHEMA).restoreSerializer();
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<Payment> getTypeClass() {
      return Payment.class;
    }

    @Override
    protected Payment[] getTestData() {
      // Version 0 has no tags: they come back as the class's default, [].
      Payment untagged = LogicalTypesTest.payment();
      untagged.setTags(List.of());
      Payment unsettled = LogicalTypesTest.payment();
      unsettled.setSettledAt(null);
      unsettled.setTags(List.of());
      return new Payment[] {untagged, unsettled};
    }
  }

  private static <T> TypeSerializerSnapshot<T> roundTrip(TypeSerializerSnapshot<T> snapshot)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()), getClassLoader());
  }

  private static ClassLoader getClassLoader() {
    return AvroRecordSerializerTest.class.getClassLoader();
  }

  private static <T> TypeSerializerSchemaCompatibility<T> resolve(
      TypeSerializer<T> newSerializer, TypeSerializerSnapshot<T> old) {
    return newSerializer.snapshotConfiguration().resolveSchemaCompatibility(old);
  }

  @Test
  void recordThatDoesNotFitItsSchema_failsNamingTheSchemaButNoValue() {
    // As a faulty map step might leave it: a list in a ["null", "string"] union. Avro's own
    // message quotes the list; Flink serializes and copies records outside any step's guard.
    AvroRecordSerializer<GenericRecord> serializer =
        new AvroRecordSerializer<>(RecordModel.generic(ORDER_V2), null);
    GenericRecord unfit = orderV2(SECRET, "1.00");
    unfit.put("note", List.of(SECRET));
    GenericRecord noCustomer = orderV2("ada", "1.00");
    noCustomer.put("customer", null);

    assertThatThrownBy(() -> serializer.serialize(unfit, new DataOutputSerializer(64)))
        .isInstanceOf(AvroFormatException.class)
        .hasMessage(
            "cannot serialize a record of schema dev.etlkit.operators.avro.test.Order:"
                + " org.apache.avro.UnresolvedUnionException")
        .hasNoCause();
    assertThatThrownBy(() -> serializer.copy(unfit))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "cannot copy a record of schema dev.etlkit.operators.avro.test.Order:"
                + " org.apache.avro.UnresolvedUnionException")
        .hasNoCause();
    // Avro's messages that name only the schema's parts stay.
    assertThatThrownBy(() -> serializer.serialize(noCustomer, new DataOutputSerializer(64)))
        .hasMessageEndingWith("null value for (non-nullable) string at Order.customer");
  }

  @Test
  void snapshot_sameSchema_isCompatibleAsIs() throws Exception {
    AvroRecordSerializer<GenericRecord> v2 =
        new AvroRecordSerializer<>(RecordModel.generic(ORDER_V2), null);

    assertThat(resolve(v2, roundTrip(v2.snapshotConfiguration())).isCompatibleAsIs()).isTrue();
  }

  @Test
  void snapshot_newSchemaWithAddedAndRemovedFields_migratesTheStoredRecords() throws Exception {
    AvroRecordSerializer<GenericRecord> v1 =
        new AvroRecordSerializer<>(RecordModel.generic(ORDER_V1), null);
    DataOutputSerializer stored = new DataOutputSerializer(256);
    v1.serialize(orderV1("ada", "1.00"), stored);
    v1.serialize(orderV1("bob", "2.00"), stored);
    TypeSerializerSnapshot<GenericRecord> oldSnapshot = roundTrip(v1.snapshotConfiguration());
    AvroRecordSerializer<GenericRecord> v2 =
        new AvroRecordSerializer<>(RecordModel.generic(ORDER_V2), null);

    assertThat(resolve(v2, oldSnapshot).isCompatibleAfterMigration()).isTrue();

    // What Flink does on migration: read with the restored serializer, write with the new one.
    TypeSerializer<GenericRecord> restored = oldSnapshot.restoreSerializer();
    DataInputDeserializer in = new DataInputDeserializer(stored.getCopyOfBuffer());
    DataOutputSerializer migrated = new DataOutputSerializer(256);
    for (int i = 0; i < 2; i++) {
      v2.serialize(restored.deserialize(in), migrated);
    }
    DataInputDeserializer back = new DataInputDeserializer(migrated.getCopyOfBuffer());
    List<GenericRecord> records = new ArrayList<>();
    records.add(v2.deserialize(back));
    records.add(v2.deserialize(back));

    assertThat(records)
        .extracting(r -> r.get("customer") + "/" + r.get("amount") + "/" + r.get("channel"))
        .containsExactly("ada/1.00/web", "bob/2.00/web");
    assertThat(records.get(0).getSchema()).isEqualTo(ORDER_V2);
  }

  @Test
  void snapshot_incompatibleNewSchema_isIncompatible() throws Exception {
    AvroRecordSerializer<GenericRecord> v2 =
        new AvroRecordSerializer<>(RecordModel.generic(ORDER_V2), null);
    AvroRecordSerializer<GenericRecord> v0 =
        new AvroRecordSerializer<>(RecordModel.generic(ORDER_V0_INCOMPATIBLE), null);

    assertThat(resolve(v0, roundTrip(v2.snapshotConfiguration())).isIncompatible()).isTrue();
    assertThat(resolve(v2, roundTrip(v0.snapshotConfiguration())).isIncompatible()).isTrue();
  }

  @Test
  void snapshot_newSchemaWithOtherDecimalScale_isIncompatibleNotMigrated() throws Exception {
    // Avro's rules would call this compatible and read stored 12.30 as 0.1230.
    AvroRecordSerializer<GenericRecord> v2 =
        new AvroRecordSerializer<>(RecordModel.generic(ORDER_V2), null);
    AvroRecordSerializer<GenericRecord> rescaled =
        new AvroRecordSerializer<>(
            RecordModel.generic(
                new org.apache.avro.Schema.Parser()
                    .parse(ORDER_V2.toString().replace("\"scale\":2", "\"scale\":4"))),
            null);

    assertThat(resolve(rescaled, roundTrip(v2.snapshotConfiguration())).isIncompatible()).isTrue();
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void snapshot_genericVersusSpecific_isIncompatible() throws Exception {
    TypeSerializer generic =
        new AvroRecordSerializer<>(RecordModel.generic(Payment.getClassSchema()), null);
    TypeSerializer specific = new AvroRecordSerializer<>(RecordModel.specific(Payment.class), null);

    assertThat(resolve(specific, roundTrip(generic.snapshotConfiguration())).isIncompatible())
        .isTrue();
  }

  @Test
  void typeInfo_withGenericTypesDisabled_createsTheAvroSerializerNotKryo() {
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.configure(noKryo, getClassLoader());
    TypeInformation<GenericRecord> type = Avro.genericRecordType(EVERYTHING);

    assertThat(type).isNotInstanceOf(GenericTypeInfo.class);
    assertThat(type.createSerializer(config)).isInstanceOf(AvroRecordSerializer.class);
    assertThat(Avro.specificRecordType(Payment.class).createSerializer(config))
        .isInstanceOf(AvroRecordSerializer.class);
    assertThat(type).isEqualTo(Avro.genericRecordType(EVERYTHING));
    assertThat(type).isNotEqualTo(Avro.genericRecordType(ORDER_V2));
    assertThat(type.toString())
        .isEqualTo("AvroRecord<GenericRecord(dev.etlkit.operators.avro.test.Everything)>");
  }

  @Test
  void copy_decimalInsideAUnion_isADeepEqualCopy() {
    AvroRecordSerializer<GenericRecord> serializer =
        new AvroRecordSerializer<>(RecordModel.generic(EVERYTHING), null);
    GenericRecord original = everything("x", 1);

    GenericRecord copy = serializer.copy(original);

    assertThat(copy).isEqualTo(original).isNotSameAs(original);
    assertThat(copy.get("discount")).isEqualTo(new BigDecimal("0.15"));
    assertThat(copy.get("address")).isNotSameAs(original.get("address"));
  }

  @Test
  void restoredSpecific_olderSchema_readsTheStoredBytesAsTheClass() throws Exception {
    Payment payment = LogicalTypesTest.payment();
    byte[] stored = PaymentV0.binary(PaymentV0.of(payment, "by card"));
    TypeSerializer<Payment> restored = PaymentV0.snapshot(PaymentV0.SCHEMA).restoreSerializer();

    Payment read = restored.deserialize(new DataInputDeserializer(stored));

    payment.setTags(List.of());
    assertThat(read).isEqualTo(payment);
  }

  @Test
  void restoredSpecific_olderSchema_writesWhatItReadsAndItsSnapshotNamesTheOlderSchema()
      throws Exception {
    // Flink snapshots a state restored but not registered again with the restored serializer:
    // RocksDB keeps the stored bytes, the heap backend writes its objects with it.
    Payment payment = LogicalTypesTest.payment();
    payment.setTags(List.of());
    byte[] stored = PaymentV0.binary(PaymentV0.of(payment, ""));
    TypeSerializer<Payment> restored = PaymentV0.snapshot(PaymentV0.SCHEMA).restoreSerializer();
    DataOutputSerializer written = new DataOutputSerializer(256);
    restored.serialize(restored.deserialize(new DataInputDeserializer(stored)), written);
    DataOutputSerializer snapshot = new DataOutputSerializer(1024);
    TypeSerializerSnapshot.writeVersionedSnapshot(snapshot, restored.snapshotConfiguration());

    assertThat(written.getCopyOfBuffer()).isEqualTo(stored);
    assertThat(snapshot.getCopyOfBuffer()).isEqualTo(PaymentV0.snapshotBytes(PaymentV0.SCHEMA));
    TypeSerializer<Payment> restoredAgain =
        roundTrip(restored.snapshotConfiguration()).restoreSerializer();
    assertThat(restoredAgain.deserialize(new DataInputDeserializer(written.getCopyOfBuffer())))
        .isEqualTo(payment);
    assertThat(
            resolve(
                    new AvroRecordSerializer<>(RecordModel.specific(Payment.class), null),
                    roundTrip(restored.snapshotConfiguration()))
                .isCompatibleAfterMigration())
        .isTrue();
  }

  @Test
  void restoredSpecific_fieldsTheClassNoLongerHas_areWrittenAsTheirOldDefaults() throws Exception {
    Payment payment = LogicalTypesTest.payment();
    TypeSerializer<Payment> restored = PaymentV0.snapshot(PaymentV0.SCHEMA).restoreSerializer();
    DataOutputSerializer written = new DataOutputSerializer(256);

    restored.serialize(
        restored.deserialize(
            new DataInputDeserializer(PaymentV0.binary(PaymentV0.of(payment, "by card")))),
        written);

    payment.setTags(List.of());
    assertThat(written.getCopyOfBuffer()).isEqualTo(PaymentV0.binary(PaymentV0.of(payment, "")));
  }

  @Test
  void restoredSpecific_olderSchemaThatCannotReadTheClass_failsToWriteNamingTheProblem()
      throws Exception {
    Payment payment = LogicalTypesTest.payment();
    payment.setPayer(SECRET);
    TypeSerializer<Payment> restored =
        PaymentV0.snapshot(PaymentV0.WITHOUT_MEMO_DEFAULT).restoreSerializer();

    assertThat(
            restored
                .deserialize(
                    new DataInputDeserializer(PaymentV0.binary(PaymentV0.of(payment, "by card"))))
                .getPayer())
        .isEqualTo(SECRET);
    assertThatThrownBy(() -> restored.serialize(payment, new DataOutputSerializer(256)))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "cannot serialize a record of schema dev.etlkit.operators.avro.generated.Payment as"
                + " dev.etlkit.operators.avro.generated.Payment, the schema of the snapshot this"
                + " serializer was restored from, which cannot read the record's:"
                + " READER_FIELD_MISSING_DEFAULT_VALUE at /fields/2: memo; register the state"
                + " with its new type to migrate it")
        .hasMessageNotContaining(SECRET);
    // The snapshot of such a serializer is no migration target for data in the class's schema.
    TypeSerializerSnapshot<Payment> ofTheClass =
        roundTrip(
            new AvroRecordSerializer<>(RecordModel.specific(Payment.class), null)
                .snapshotConfiguration());
    assertThat(resolve(restored, ofTheClass).isIncompatible()).isTrue();
    assertThat(
            resolve(PaymentV0.snapshot(PaymentV0.SCHEMA).restoreSerializer(), ofTheClass)
                .isCompatibleAfterMigration())
        .isTrue();
  }

  @Test
  void restoredSpecific_javaSerializedAndDuplicated_staysEqualAndKeepsTheOlderSchema()
      throws Exception {
    TypeSerializer<Payment> restored = PaymentV0.snapshot(PaymentV0.SCHEMA).restoreSerializer();
    TypeSerializer<Payment> current =
        new AvroRecordSerializer<>(RecordModel.specific(Payment.class), null);
    Payment payment = LogicalTypesTest.payment();
    payment.setTags(List.of());
    byte[] stored = PaymentV0.binary(PaymentV0.of(payment, ""));

    for (TypeSerializer<Payment> copy :
        List.of(restored.duplicate(), InstantiationUtil.clone(restored, getClassLoader()))) {
      assertThat(copy).isEqualTo(restored).hasSameHashCodeAs(restored).isNotEqualTo(current);
      DataOutputSerializer written = new DataOutputSerializer(256);
      copy.serialize(copy.deserialize(new DataInputDeserializer(stored)), written);
      assertThat(written.getCopyOfBuffer()).isEqualTo(stored);
    }
    // A snapshot of the class's own schema restores the ordinary serializer.
    assertThat(PaymentV0.snapshot(Payment.getClassSchema()).restoreSerializer()).isEqualTo(current);
  }
}
