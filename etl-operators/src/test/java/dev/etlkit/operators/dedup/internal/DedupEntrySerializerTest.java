package dev.etlkit.operators.dedup.internal;

import static dev.etlkit.operators.dedup.internal.DedupLayout.Component.EVENT_TIME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class DedupEntrySerializerTest {

  private static final DedupLayout FULL = new DedupLayout(2, true, true);
  private static final DedupEntrySerializer<String> SERIALIZER =
      new DedupEntrySerializer<>(FULL, Types.STRING.createSerializer(new SerializerConfigImpl()));

  @Test
  void serialize_everyField_roundTrips() throws IOException {
    DedupEntry<String> entry = new DedupEntry<>(true, new long[] {5L, -1L}, true, 42L, "k1#v1");

    assertThat(roundTrip(entry)).isEqualTo(entry);
    assertThat(roundTrip(new DedupEntry<>(false, new long[] {7L}, false, 0L, null)))
        .isEqualTo(new DedupEntry<>(false, new long[] {7L}, false, 0L, null));
  }

  @Test
  void serialize_aFingerprint_isFlaggedKeyed() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    SERIALIZER.serialize(new DedupEntry<>(true, null, true, 42L, null), out);

    assertThat(out.getCopyOfBuffer()[0])
        .isEqualTo(
            (byte)
                (DedupEntrySerializer.FLAG_LIVE
                    | DedupEntrySerializer.FLAG_HASH
                    | DedupEntrySerializer.FLAG_KEYED_HASH));
  }

  /**
   * An entry of etlkit before keyed fingerprints (its bytes as that version wrote them): its
   * unkeyed fingerprint is read as none, so that it never suppresses a change; the rest is read.
   */
  @Test
  void deserialize_anUnkeyedFingerprintOfAnEarlierEtlkit_isReadAsNone() throws IOException {
    DataOutputSerializer earlier = new DataOutputSerializer(64);
    earlier.writeByte(
        DedupEntrySerializer.FLAG_LIVE
            | DedupEntrySerializer.FLAG_ORDER
            | DedupEntrySerializer.FLAG_HASH
            | DedupEntrySerializer.FLAG_ROW);
    earlier.writeByte(2);
    earlier.writeLong(5L);
    earlier.writeLong(6L);
    earlier.writeLong(0x7620d410ac165b3aL); // the unkeyed fingerprint of "k1#v1"
    SERIALIZER.rowSerializer().serialize("k1#v1", earlier);
    byte[] bytes = earlier.getCopyOfBuffer();

    assertThat(SERIALIZER.deserialize(new DataInputDeserializer(bytes)))
        .isEqualTo(new DedupEntry<>(true, new long[] {5L, 6L}, false, 0L, "k1#v1"));
    DataOutputSerializer copied = new DataOutputSerializer(64);
    SERIALIZER.copy(new DataInputDeserializer(bytes), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(bytes);
  }

  @Test
  void serialize_marker_takesOneByte() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(16);
    SERIALIZER.serialize(new DedupEntry<>(true, null, false, 0L, null), out);

    assertThat(out.length()).isEqualTo(1);
  }

  @Test
  void copy_isDeep() {
    DedupEntry<String> entry = new DedupEntry<>(true, new long[] {1L}, true, 3L, "row");
    DedupEntry<String> copy = SERIALIZER.copy(entry);
    entry.order[0] = 9L;

    assertThat(copy.order()).containsExactly(1L);
    assertThat(copy).isNotSameAs(entry);
  }

  @Test
  void copyBinary_equalsSerialize() throws IOException {
    DedupEntry<String> entry = new DedupEntry<>(true, new long[] {5L, 6L}, true, 42L, "row");
    DataOutputSerializer first = new DataOutputSerializer(64);
    SERIALIZER.serialize(entry, first);
    DataOutputSerializer second = new DataOutputSerializer(64);
    SERIALIZER.copy(new DataInputDeserializer(first.getCopyOfBuffer()), second);

    assertThat(second.getCopyOfBuffer()).isEqualTo(first.getCopyOfBuffer());
  }

  @Test
  void deserialize_unknownFlags_failsNamingThem() {
    assertThatThrownBy(
            () -> SERIALIZER.deserialize(new DataInputDeserializer(new byte[] {(byte) 0x31})))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown flags 0x31");
  }

  @Test
  void snapshot_sameLayout_isCompatibleAsIs_otherLayout_isIncompatible() throws IOException {
    TypeSerializerSnapshot<DedupEntry<String>> written = restoredSnapshot(SERIALIZER);
    DedupEntrySerializer<String> upsert =
        new DedupEntrySerializer<>(new DedupLayout(2, true, false), SERIALIZER.rowSerializer());

    assertThat(
            SERIALIZER
                .snapshotConfiguration()
                .resolveSchemaCompatibility(written)
                .isCompatibleAsIs())
        .isTrue();
    TypeSerializerSchemaCompatibility<DedupEntry<String>> changed =
        upsert.snapshotConfiguration().resolveSchemaCompatibility(written);
    assertThat(changed.isIncompatible()).isTrue();
    assertThat(written.restoreSerializer()).isEqualTo(SERIALIZER);
  }

  @Test
  void snapshot_recordsKeepModeAndOrderingComponents() throws IOException {
    DedupEntrySerializer<String> serializer = serializer(meaning(true, EVENT_TIME, key("lsn")));

    TypeSerializerSnapshot<DedupEntry<String>> written = restoredSnapshot(serializer);

    assertThat(written.restoreSerializer()).isEqualTo(serializer);
    assertThat(((DedupEntrySerializer<String>) written.restoreSerializer()).layout().meaning())
        .hasToString("keepLast by [eventTime, key 'lsn']");
  }

  @Test
  void snapshot_otherKindKeepModeOrName_isIncompatible_namingAKey_isCompatible()
      throws IOException {
    TypeSerializerSnapshot<DedupEntry<String>> written =
        restoredSnapshot(serializer(meaning(true, EVENT_TIME, key(null))));
    TypeSerializerSnapshot<DedupEntry<String>> writtenNamed =
        restoredSnapshot(serializer(meaning(true, EVENT_TIME, key("lsn"))));

    assertThat(resolve(meaning(true, EVENT_TIME, key(null)), written).isCompatibleAsIs()).isTrue();
    assertThat(resolve(meaning(true, key(null), key(null)), written).isIncompatible()).isTrue();
    assertThat(resolve(meaning(false, EVENT_TIME, key(null)), written).isIncompatible()).isTrue();
    assertThat(resolve(meaning(true, EVENT_TIME, key("lsn")), written).isCompatibleAsIs()).isTrue();
    assertThat(resolve(meaning(true, EVENT_TIME, key("lsn")), writtenNamed).isCompatibleAsIs())
        .isTrue();
    assertThat(resolve(meaning(true, EVENT_TIME, key("offset")), writtenNamed).isIncompatible())
        .isTrue();
    assertThat(resolve(meaning(true, EVENT_TIME, key(null)), writtenNamed).isIncompatible())
        .isTrue();
  }

  @Test
  void snapshot_meaningUnknown_isJudgedByTheShapeAlone() throws IOException {
    // what a format-1 snapshot restores as (it recorded the shape only)
    TypeSerializerSnapshot<DedupEntry<String>> unknown = restoredSnapshot(SERIALIZER);

    assertThat(resolve(meaning(true, EVENT_TIME, key(null)), unknown).isCompatibleAsIs()).isTrue();
    assertThat(resolve(meaning(false, key("a"), key("b")), unknown).isCompatibleAsIs()).isTrue();
    assertThat(
            new DedupEntrySerializer<>(
                    new DedupLayout(1, true, true, meaning(true, EVENT_TIME)),
                    SERIALIZER.rowSerializer())
                .snapshotConfiguration()
                .resolveSchemaCompatibility(unknown)
                .isIncompatible())
        .isTrue();
  }

  /**
   * Resolves a serializer of {@link #FULL}'s shape with {@code meaning} against {@code written}.
   */
  private static TypeSerializerSchemaCompatibility<DedupEntry<String>> resolve(
      DedupLayout.Meaning meaning, TypeSerializerSnapshot<DedupEntry<String>> written) {
    return serializer(meaning).snapshotConfiguration().resolveSchemaCompatibility(written);
  }

  private static DedupEntrySerializer<String> serializer(DedupLayout.Meaning meaning) {
    return new DedupEntrySerializer<>(
        new DedupLayout(FULL.orderSize(), FULL.hash(), FULL.row(), meaning),
        SERIALIZER.rowSerializer());
  }

  private static DedupLayout.Meaning meaning(boolean keepLast, DedupLayout.Component... order) {
    return new DedupLayout.Meaning(keepLast, List.of(order));
  }

  private static DedupLayout.Component key(String name) {
    return DedupLayout.Component.key(name);
  }

  private static TypeSerializerSnapshot<DedupEntry<String>> restoredSnapshot(
      TypeSerializer<DedupEntry<String>> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(128);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()),
        DedupEntrySerializerTest.class.getClassLoader());
  }

  private static DedupEntry<String> roundTrip(DedupEntry<String> entry) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    SERIALIZER.serialize(entry, out);
    return SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }
}
