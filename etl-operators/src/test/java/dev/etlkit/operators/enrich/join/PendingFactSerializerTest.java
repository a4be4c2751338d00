package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.enrich.internal.join.JoinStateTypeInfo;
import dev.etlkit.operators.enrich.internal.join.PendingFact;
import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The serializer of waiting facts: round trips, its binary format and its snapshot. */
class PendingFactSerializerTest {

  private final TypeSerializer<PendingFact<String>> serializer =
      JoinStateTypeInfo.pendingFact(Types.STRING).createSerializer(new SerializerConfigImpl());

  @Test
  void roundTrip_withAndWithoutTimestamp_sameFact() throws IOException {
    for (PendingFact<String> fact :
        new PendingFact[] {
          new PendingFact<>(100L, true, -7L, "k1#o1"), new PendingFact<>(5L, false, 0L, "k1#o2")
        }) {
      assertThat(serializer.deserialize(input(bytes(fact)))).isEqualTo(fact);
      DataOutputSerializer copied = new DataOutputSerializer(32);
      serializer.copy(input(bytes(fact)), copied);
      assertThat(copied.getCopyOfBuffer()).isEqualTo(bytes(fact));
    }
  }

  @Test
  void format_flagsDeadlineTimestampFact() throws IOException {
    byte[] bytes = bytes(new PendingFact<>(1L, true, 2L, "x"));

    assertThat(bytes).hasSize(1 + 8 + 8 + 2);
    assertThat(bytes[0]).isEqualTo((byte) 1);
    assertThat(bytes[8]).isEqualTo((byte) 1);
    assertThat(bytes[16]).isEqualTo((byte) 2);
  }

  @Test
  void deserialize_unknownFlag_failsSayingANewerEtlkitWroteIt() {
    assertThatThrownBy(() -> serializer.deserialize(input(new byte[] {(byte) 0x82})))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown flags 0x82")
        .hasMessageEndingWith("was it written by a newer etlkit?");
  }

  @Test
  void snapshot_restoresACompatibleSerializer() throws IOException {
    TypeSerializerSnapshot<PendingFact<String>> snapshot = serializer.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<PendingFact<String>> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            input(out.getCopyOfBuffer()), getClass().getClassLoader());

    TypeSerializerSchemaCompatibility<PendingFact<String>> compatibility =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(read);

    assertThat(compatibility.isCompatibleAsIs()).isTrue();
    assertThat(read.restoreSerializer()).isEqualTo(serializer);
    assertThat(serializer.duplicate()).isEqualTo(serializer);
  }

  @Test
  void snapshot_ofTheOtherStateSerializer_incompatible() {
    TypeSerializer<?> histories =
        JoinStateTypeInfo.versionHistory(Types.STRING).createSerializer(new SerializerConfigImpl());
    @SuppressWarnings("unchecked")
    TypeSerializerSnapshot<PendingFact<String>> other =
        (TypeSerializerSnapshot<PendingFact<String>>)
            (TypeSerializerSnapshot<?>) histories.snapshotConfiguration();

    assertThat(
            serializer.snapshotConfiguration().resolveSchemaCompatibility(other).isIncompatible())
        .isTrue();
  }

  private byte[] bytes(PendingFact<String> fact) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(32);
    serializer.serialize(fact, out);
    return out.getCopyOfBuffer();
  }

  private static DataInputDeserializer input(byte[] bytes) {
    return new DataInputDeserializer(bytes);
  }
}
