package dev.etlkit.operators.normalize.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The row state's binary format and serializer snapshot. */
class RowStateSerializerTest {

  private final RowStateSerializer<String> serializer =
      new RowStateSerializer<>(StringSerializer.INSTANCE);

  private RowState<String> roundTrip(RowState<String> state) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(state, out);
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    RowState<String> read = serializer.deserialize(in);
    assertThat(in.available()).isZero();
    DataOutputSerializer copied = new DataOutputSerializer(64);
    serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    return read;
  }

  @Test
  void serialize_everyShape_roundTrips() throws IOException {
    RowState<String> live = new RowState<>("k1#v1", false, 0L, false, 0L);
    RowState<String> versioned = new RowState<>("k1#v1", true, 42L, false, 0L);
    RowState<String> projected = new RowState<>("k1", true, -7L, true, 0xABCDEFL);
    RowState<String> deleted = new RowState<>(null, true, 9L, false, 0L);

    for (RowState<String> state : new RowState[] {live, versioned, projected, deleted}) {
      assertThat(roundTrip(state)).isEqualTo(state);
      assertThat(serializer.copy(state)).isEqualTo(state);
    }
    assertThat(deleted.isLive()).isFalse();
  }

  @Test
  void deserialize_unknownFlags_failsInsteadOfMisreading() {
    DataInputDeserializer in = new DataInputDeserializer(new byte[] {(byte) 0x10});

    assertThatThrownBy(() -> serializer.deserialize(in))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown flags 0x10")
        .hasMessageContaining("newer etlkit");
  }

  @Test
  void snapshot_readBack_isCompatibleAsIs_andRestoresTheSerializer() throws IOException {
    TypeSerializerSnapshot<RowState<String>> snapshot = serializer.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<RowState<String>> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

    TypeSerializerSchemaCompatibility<RowState<String>> compatibility =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(compatibility.isCompatibleAsIs()).isTrue();
    assertThat(read.restoreSerializer()).isEqualTo(serializer);
  }

  @Test
  void snapshot_otherRowType_isIncompatible() {
    TypeSerializer<Long> longs = Types.LONG.createSerializer(new SerializerConfigImpl());
    RowStateSerializer<Long> other = new RowStateSerializer<>(longs);

    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeSerializerSchemaCompatibility<?> compatibility =
        ((TypeSerializerSnapshot) other.snapshotConfiguration())
            .resolveSchemaCompatibility(serializer.snapshotConfiguration());
    assertThat(compatibility.isIncompatible()).isTrue();
  }
}
