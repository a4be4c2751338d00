package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.Customer;
import dev.etlkit.core.OrderLine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ChangeSerializerTest {

  private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

  /** Every kind, each with and without event time and source position. */
  static <T> List<Change<T>> allShapes(T value) {
    List<Change<T>> changes = new ArrayList<>();
    for (RowKind kind : RowKind.values()) {
      changes.add(Change.of(kind, value));
      changes.add(Change.of(kind, value, 1_700_000_000_000L, null));
      changes.add(Change.of(kind, value, null, 42L));
      changes.add(Change.of(kind, value, -1L, Long.MAX_VALUE));
    }
    return changes;
  }

  @SuppressWarnings("unchecked")
  private static <T> Class<Change<T>> changeClass() {
    return (Class<Change<T>>) (Class<?>) Change.class;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T> Change<T>[] toArray(List<Change<T>> changes) {
    return changes.toArray(new Change[0]);
  }

  @Nested
  class OfString extends SerializerTestBase<Change<String>> {
    @Override
    protected TypeSerializer<Change<String>> createSerializer() {
      return new ChangeSerializer<>(StringSerializer.INSTANCE);
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<Change<String>> getTypeClass() {
      return changeClass();
    }

    @Override
    protected Change<String>[] getTestData() {
      List<Change<String>> changes = allShapes("käse");
      changes.add(Change.insert(""));
      return toArray(changes);
    }
  }

  @Nested
  class OfPojo extends SerializerTestBase<Change<Customer>> {
    @Override
    protected TypeSerializer<Change<Customer>> createSerializer() {
      return new ChangeSerializer<>(Types.POJO(Customer.class).createSerializer(CONFIG));
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<Change<Customer>> getTypeClass() {
      return changeClass();
    }

    @Override
    protected Change<Customer>[] getTestData() {
      List<Change<Customer>> changes = allShapes(new Customer(7, "Ada", 100));
      changes.add(Change.delete(new Customer(8, null, null)));
      return toArray(changes);
    }
  }

  @Nested
  class OfRecord extends SerializerTestBase<Change<OrderLine>> {
    @Override
    protected TypeSerializer<Change<OrderLine>> createSerializer() {
      return new ChangeSerializer<>(Types.POJO(OrderLine.class).createSerializer(CONFIG));
    }

    /** Records have no empty instance to offer, so neither has their Change. */
    @Override
    protected boolean allowNullInstances(TypeSerializer<Change<OrderLine>> serializer) {
      return true;
    }

    @Override
    protected int getLength() {
      return -1;
    }

    @Override
    protected Class<Change<OrderLine>> getTypeClass() {
      return changeClass();
    }

    @Override
    protected Change<OrderLine>[] getTestData() {
      List<Change<OrderLine>> changes = allShapes(new OrderLine("A-1", 3, 1999L));
      changes.add(Change.updateBefore(new OrderLine("B-2", 0, null)));
      return toArray(changes);
    }
  }

  @Test
  void roundTrip_withAllFields_restoresEqualChange() throws IOException {
    ChangeSerializer<Customer> serializer =
        new ChangeSerializer<>(Types.POJO(Customer.class).createSerializer(CONFIG));
    Change<Customer> change =
        Change.updateAfter(new Customer(1, "Grace", 5)).withEventTime(123L).withSourcePosition(9L);

    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(change, out);
    Change<Customer> back =
        serializer.deserialize(new DataInputDeserializer(out.getSharedBuffer()));

    assertThat(back).isEqualTo(change);
    assertThat(back.value()).isNotSameAs(change.value());
  }

  @Test
  void serialize_withoutMetadata_writesKindFlagsAndValueOnly() throws IOException {
    ChangeSerializer<String> serializer = new ChangeSerializer<>(StringSerializer.INSTANCE);
    DataOutputSerializer out = new DataOutputSerializer(16);

    serializer.serialize(Change.delete("x"), out);

    // kind DELETE (3), no flags, then StringSerializer's "x" (length + 1, then the char)
    assertThat(out.getCopyOfBuffer()).containsExactly(3, 0, 2, 'x');
  }

  @Test
  void copy_ofMutableValue_copiesTheValue() {
    ChangeSerializer<Customer> serializer =
        new ChangeSerializer<>(Types.POJO(Customer.class).createSerializer(CONFIG));
    Change<Customer> change = Change.insert(new Customer(1, "Grace", 5)).withEventTime(3L);

    Change<Customer> copy = serializer.copy(change);
    change.value().name = "changed afterwards";

    assertThat(copy.value().name).isEqualTo("Grace");
    assertThat(copy.eventTime()).isEqualTo(3L);
  }

  @Test
  void duplicate_ofStatelessValueSerializer_returnsSameInstance() {
    ChangeSerializer<String> serializer = new ChangeSerializer<>(StringSerializer.INSTANCE);

    assertThat(serializer.duplicate()).isSameAs(serializer);
  }

  @Test
  void duplicate_ofStatefulValueSerializer_duplicatesTheValueSerializer() {
    TypeSerializer<Customer> pojoSerializer = Types.POJO(Customer.class).createSerializer(CONFIG);
    // Guards the premise: Flink's PojoSerializer is stateful and duplicates itself.
    assertThat(pojoSerializer.duplicate()).isNotSameAs(pojoSerializer);
    ChangeSerializer<Customer> serializer = new ChangeSerializer<>(pojoSerializer);

    ChangeSerializer<Customer> duplicate = (ChangeSerializer<Customer>) serializer.duplicate();

    assertThat(duplicate).isNotSameAs(serializer).isEqualTo(serializer);
    assertThat(duplicate.getValueSerializer()).isNotSameAs(pojoSerializer);
  }

  @Test
  void snapshot_writtenAndRead_restoresEqualSerializerCompatibleAsIs() throws IOException {
    ChangeSerializer<Customer> serializer =
        new ChangeSerializer<>(Types.POJO(Customer.class).createSerializer(CONFIG));
    Change<Customer> change = Change.insert(new Customer(4, "Lin", null)).withSourcePosition(77L);
    DataOutputSerializer data = new DataOutputSerializer(64);
    serializer.serialize(change, data);

    TypeSerializerSnapshot<Change<Customer>> restored = writeAndRead(serializer);

    assertThat(restored).isInstanceOf(ChangeSerializerSnapshot.class);
    TypeSerializer<Change<Customer>> restoredSerializer = restored.restoreSerializer();
    assertThat(restoredSerializer).isEqualTo(serializer);
    assertThat(restoredSerializer.deserialize(new DataInputDeserializer(data.getSharedBuffer())))
        .isEqualTo(change);
    TypeSerializerSchemaCompatibility<Change<Customer>> compatibility =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(restored);
    assertThat(compatibility.isCompatibleAsIs()).isTrue();
  }

  @Test
  void snapshot_withOtherValueSerializer_isIncompatible() throws IOException {
    TypeSerializerSnapshot<Change<Long>> restored =
        writeAndRead(new ChangeSerializer<>(LongSerializer.INSTANCE));
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeSerializerSnapshot<Change<Long>> newSnapshot =
        (TypeSerializerSnapshot)
            new ChangeSerializer<>(StringSerializer.INSTANCE).snapshotConfiguration();

    assertThat(newSnapshot.resolveSchemaCompatibility(restored).isIncompatible()).isTrue();
  }

  @Test
  void snapshot_ofAnotherCompositeOverTheSameValueSerializer_isIncompatible() throws IOException {
    // A state that held List<String> and now holds Change<String>: Flink's composite snapshot
    // compares only the nested serializers, so without a class check this restores "as is" and
    // the first read misreads a list as a change.
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeSerializerSnapshot<Change<String>> restored =
        (TypeSerializerSnapshot) writeAndRead(new ListSerializer<>(StringSerializer.INSTANCE));

    assertThat(
            new ChangeSerializer<>(StringSerializer.INSTANCE)
                .snapshotConfiguration()
                .resolveSchemaCompatibility(restored)
                .isIncompatible())
        .isTrue();
  }

  @Test
  void readOuterSnapshot_ofNewerVersion_fails() {
    ChangeSerializerSnapshot<String> snapshot = new ChangeSerializerSnapshot<>();

    assertThatThrownBy(
            () ->
                snapshot.readOuterSnapshot(
                    ChangeSerializerSnapshot.CURRENT_VERSION + 1,
                    new DataInputDeserializer(new byte[0]),
                    getClass().getClassLoader()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("has version 2, this etlkit reads up to 1");
  }

  @Test
  void deserialize_unknownFlag_failsInsteadOfMisreading() {
    ChangeSerializer<String> serializer = new ChangeSerializer<>(StringSerializer.INSTANCE);
    byte[] fromTheFuture = {0, 0x04, 2, 'x'};

    assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(fromTheFuture)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown flags 0x4");
  }

  @Test
  void deserialize_unknownKind_failsWithCorruptRecord() {
    ChangeSerializer<String> serializer = new ChangeSerializer<>(StringSerializer.INSTANCE);
    byte[] corrupt = {9, 0, 2, 'x'};

    assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(corrupt)))
        .isInstanceOf(IOException.class)
        .hasMessage("Corrupt Change record: unknown row kind byte 9");
  }

  static <T> TypeSerializerSnapshot<T> writeAndRead(TypeSerializer<T> serializer)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(128);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()),
        Thread.currentThread().getContextClassLoader());
  }
}
