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
    RowState<String> live = new RowState<>("k1#v1", false, 0L, false, false, 0L);
    RowState<String> versioned = new RowState<>("k1#v1", true, 42L, false, false, 0L);
    RowState<String> projected = new RowState<>("k1", true, -7L, true, true, 0xABCDEFL);
    RowState<String> legacy = new RowState<>("k1", false, 0L, true, false, -1L);
    RowState<String> deleted = new RowState<>(null, true, 9L, false, false, 0L);

    for (RowState<String> state : new RowState[] {live, versioned, projected, legacy, deleted}) {
      assertThat(roundTrip(state)).isEqualTo(state);
      assertThat(serializer.copy(state)).isEqualTo(state);
    }
    assertThat(deleted.isLive()).isFalse();
  }

  @Test
  void serialize_keyedHash_setsBit3_aLegacyHashDoesNot() throws IOException {
    assertThat(flagsOf(new RowState<>("k1", true, 1L, true, true, 5L))).isEqualTo(0x0F);
    assertThat(flagsOf(new RowState<>("k1", true, 1L, true, false, 5L))).isEqualTo(0x07);
    assertThat(new RowState<>("k1", true, 1L, false, true, 0L).keyedHash())
        .as("no hash, nothing keyed")
        .isFalse();
  }

  /** An entry as versions 1 and 2 wrote it: the flags without bit 3, then row, sequence, hash. */
  @Test
  void deserialize_entryOfAnEarlierVersion_holdsALegacyHash() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    out.writeByte(RowStateSerializer.FLAG_VALUE | RowStateSerializer.FLAG_SEQUENCE | 4);
    StringSerializer.INSTANCE.serialize("k1", out);
    out.writeLong(3L);
    out.writeLong(0x1234L);

    RowState<String> read =
        serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

    assertThat(read).isEqualTo(new RowState<>("k1", true, 3L, true, false, 0x1234L));
    assertThat(read.keyedHash()).isFalse();
  }

  @Test
  void deserialize_keyedFlagWithoutAHash_fails() {
    DataInputDeserializer in =
        new DataInputDeserializer(new byte[] {(byte) RowStateSerializer.FLAG_KEYED_HASH});

    assertThatThrownBy(() -> serializer.deserialize(in))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("keyed row hash without a row hash");
  }

  private int flagsOf(RowState<String> state) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(state, out);
    return out.getSharedBuffer()[0] & 0xFF;
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
  void snapshot_isVersion3() {
    assertThat(new RowStateSerializerSnapshot<>(serializer).getCurrentOuterSnapshotVersion())
        .isEqualTo(3);
  }

  /**
   * Snapshots of versions 1 and 2 (whose entries have no keyed hashes) restore compatible as is:
   * the format reads their entries.
   */
  @Test
  void snapshot_ofVersions1And2_isCompatibleAsIs() throws IOException {
    for (int version : new int[] {1, 2}) {
      TypeSerializerSnapshot<RowState<String>> old = snapshotOfVersion(version);

      assertThat(
              serializer.snapshotConfiguration().resolveSchemaCompatibility(old).isCompatibleAsIs())
          .as("version %d", version)
          .isTrue();
      assertThat(old.restoreSerializer()).isEqualTo(serializer);
    }
  }

  /** As an etlkit that reads up to version 2 refuses a snapshot of version 3. */
  @Test
  void snapshot_ofANewerVersion_isRefusedAtRestore() {
    assertThatThrownBy(() -> snapshotOfVersion(4))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("has version 4, this etlkit reads up to 3");
  }

  /**
   * This serializer's snapshot as version {@code version} of the format writes it: version 2 and up
   * write the layout byte after the version, version 1 does not.
   */
  private TypeSerializerSnapshot<RowState<String>> snapshotOfVersion(int version)
      throws IOException {
    DataOutputSerializer current = new DataOutputSerializer(64);
    serializer.snapshotConfiguration().writeSnapshot(current);
    byte[] bytes = current.getCopyOfBuffer();
    // Flink's composite snapshot: a magic number, the outer version, the outer snapshot (here the
    // layout byte), the nested serializers' snapshots
    DataOutputSerializer old = new DataOutputSerializer(64);
    old.write(bytes, 0, 4);
    old.writeInt(version);
    int afterLayout = 4 + 4 + 1;
    if (version >= 2) {
      old.write(bytes, 8, 1);
    }
    old.write(bytes, afterLayout, bytes.length - afterLayout);
    RowStateSerializerSnapshot<String> read = new RowStateSerializerSnapshot<>();
    read.readSnapshot(
        read.getCurrentVersion(),
        new DataInputDeserializer(old.getCopyOfBuffer()),
        RowStateSerializerTest.class.getClassLoader());
    return read;
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
