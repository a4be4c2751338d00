package dev.etlkit.operators.normalize.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import javax.annotation.Nullable;
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

  private static final List<RowLayout> LAYOUTS =
      List.of(new RowLayout(true, false), new RowLayout(false, true), new RowLayout(true, true));

  private static final RowLayout VERSIONED_PROJECTED = new RowLayout(true, true);

  private final RowStateSerializer<String> serializer =
      new RowStateSerializer<>(VERSIONED_PROJECTED, StringSerializer.INSTANCE);

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

  private static TypeSerializerSnapshot<RowState<String>> writtenAndRead(
      RowStateSerializer<String> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()),
        RowStateSerializerTest.class.getClassLoader());
  }

  /** The compatibility of a step with layout {@code now} restoring state of layout {@code old}. */
  private static TypeSerializerSchemaCompatibility<RowState<String>> restoring(
      @Nullable RowLayout old, RowLayout now) throws IOException {
    TypeSerializerSnapshot<RowState<String>> restored =
        writtenAndRead(new RowStateSerializer<>(old, StringSerializer.INSTANCE));
    return new RowStateSerializer<>(now, StringSerializer.INSTANCE)
        .snapshotConfiguration()
        .resolveSchemaCompatibility(restored);
  }

  @Test
  void snapshot_readBack_isCompatibleAsIs_andRestoresTheSerializerAndLayout() throws IOException {
    TypeSerializerSnapshot<RowState<String>> read = writtenAndRead(serializer);

    TypeSerializerSchemaCompatibility<RowState<String>> compatibility =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(compatibility.isCompatibleAsIs()).isTrue();
    assertThat(read.restoreSerializer()).isEqualTo(serializer);
    assertThat(((RowStateSerializer<String>) read.restoreSerializer()).layout())
        .isEqualTo(VERSIONED_PROJECTED);
  }

  @Test
  void snapshot_otherLayout_isIncompatible_sameLayout_isCompatibleAsIs() throws IOException {
    for (RowLayout old : LAYOUTS) {
      for (RowLayout now : LAYOUTS) {
        TypeSerializerSchemaCompatibility<RowState<String>> compatibility = restoring(old, now);

        assertThat(
                old.equals(now) ? compatibility.isCompatibleAsIs() : compatibility.isIncompatible())
            .as("%s restored into %s: %s", old, now, compatibility)
            .isTrue();
      }
    }
  }

  /**
   * Format 1 did not record the layout (as a serializer without one writes it): its state restores
   * into any layout, and the function checks each entry.
   */
  @Test
  void snapshot_unknownLayout_isCompatibleAsIsWithEveryLayout() throws IOException {
    for (RowLayout now : LAYOUTS) {
      assertThat(restoring(null, now).isCompatibleAsIs()).as("into %s", now).isTrue();
    }
  }

  @Test
  void snapshot_otherRowType_isIncompatible() {
    TypeSerializer<Long> longs = Types.LONG.createSerializer(new SerializerConfigImpl());
    RowStateSerializer<Long> other = new RowStateSerializer<>(VERSIONED_PROJECTED, longs);

    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeSerializerSchemaCompatibility<?> compatibility =
        ((TypeSerializerSnapshot) other.snapshotConfiguration())
            .resolveSchemaCompatibility(serializer.snapshotConfiguration());
    assertThat(compatibility.isIncompatible()).isTrue();
  }
}
