package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.scd.internal.Scd2RowSerializer;
import java.io.IOException;
import java.time.Instant;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The output row: its fields, version ids, type information and serializer. */
class Scd2RowTest {

  private final Scd2RowSerializer<String> serializer =
      new Scd2RowSerializer<>(StringSerializer.INSTANCE);

  private Scd2Row<String> roundTrip(Scd2Row<String> row) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(row, out);
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    Scd2Row<String> read = serializer.deserialize(in);
    assertThat(in.available()).isZero();
    DataOutputSerializer copied = new DataOutputSerializer(64);
    serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    return read;
  }

  @Test
  void serialize_everyShape_roundTrips() throws IOException {
    Scd2Row<String> closed = Scd2Row.of("c1", "a", 10L, 20L, false, 1L, false);
    Scd2Row<String> current = Scd2Row.of("c1", "b", 20L, null, true, 2L, false);
    Scd2Row<String> sentinel = Scd2Row.of("c1", "b", -20L, Long.MAX_VALUE, true, 3L, false);
    Scd2Row<String> marker = Scd2Row.of("ünï", "b", 30L, null, true, 4L, true);

    for (Scd2Row<String> row : java.util.List.of(closed, current, sentinel, marker)) {
      assertThat(roundTrip(row)).isEqualTo(row);
      assertThat(serializer.copy(row)).isEqualTo(row);
    }
  }

  @Test
  void deserialize_unknownFlags_failsInsteadOfMisreading() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(16);
    org.apache.flink.types.StringValue.writeString("c1", out);
    out.writeByte(0x10);

    assertThatThrownBy(
            () -> serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown flags 0x10")
        .hasMessageContaining("newer etlkit");
  }

  @Test
  void snapshot_readBack_isCompatibleAsIs_andRestoresTheSerializer() throws IOException {
    TypeSerializerSnapshot<Scd2Row<String>> snapshot = serializer.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
    TypeSerializerSnapshot<Scd2Row<String>> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

    TypeSerializerSchemaCompatibility<Scd2Row<String>> compatibility =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(compatibility.isCompatibleAsIs()).isTrue();
    TypeSerializer<Scd2Row<String>> restored = read.restoreSerializer();
    assertThat(restored).isEqualTo(serializer);
  }

  @Test
  void versionId_isMd5OfKeyAndValidFromMillis() {
    Instant validFrom = Instant.parse("2024-01-01T00:00:00Z");

    assertThat(Scd2Row.versionIdOf("c1", validFrom)).isEqualTo("0218b3624c4962043087fcd442a504b6");
    assertThat(Scd2Row.versionIdOf("kundé-ü", Instant.ofEpochMilli(-5)))
        .isEqualTo("bb58b3e08b7681131461961025a093e3");
    assertThat(Scd2Row.of("c1", "x", validFrom.toEpochMilli(), null, true, 1, false).versionId())
        .isEqualTo("0218b3624c4962043087fcd442a504b6");
  }

  /**
   * Ids of well-formed keys are md5 of the UTF-8 bytes, as docs/scd2.md's SQL recipe recomputes
   * them: pinned so that an encoding change cannot move them (stored snapshots and sinks hold
   * them).
   */
  @Test
  void versionId_ofWellFormedKeys_isPinned() {
    assertThat(Scd2Row.versionIdOf("customer-42", Instant.ofEpochMilli(1_700_000_000_000L)))
        .isEqualTo("6b15a669934e87f65344fcd86cca3548");
    assertThat(Scd2Row.versionIdOf("\uD83D\uDE00 smile", Instant.EPOCH)) // an emoji: a pair
        .isEqualTo("1a6bd327c1053e528b2e64da0fc776df");
    assertThat(Scd2Row.versionIdOf("顧客-東京", Instant.ofEpochMilli(-86_400_000L)))
        .isEqualTo("2403e81d2c2e1efd91892bf49282ae3f");
  }

  /**
   * A key with an unpaired surrogate (not valid Unicode) must not share its ids with another key:
   * UTF-8 encoding replaced the surrogate with '?', so a lone U+D800 before x and "?x" got the same
   * ids. It is encoded as its 3-byte form (generalized UTF-8, WTF-8), which no well-formed key's
   * UTF-8 holds.
   */
  @Test
  void versionId_ofAKeyWithAnUnpairedSurrogate_isItsOwn() {
    assertThat(Scd2Row.versionIdOf("\uD800x", Instant.EPOCH))
        .isNotEqualTo(Scd2Row.versionIdOf("?x", Instant.EPOCH))
        .isEqualTo("d0f727c6e38af9d4b4c8c5aefb86ebce"); // md5 of ED A0 80 78 7C 30
    assertThat(Scd2Row.versionIdOf("x\uDC00", Instant.EPOCH)) // a lone low surrogate
        .isNotEqualTo(Scd2Row.versionIdOf("x?", Instant.EPOCH))
        .isEqualTo("685375b15795f2c9c614424e6c90fee7"); // md5 of 78 ED B0 80 7C 30
  }

  @Test
  void of_checksIntervalAndVersion() {
    assertThatThrownBy(() -> Scd2Row.of("c1", "x", 10L, 10L, false, 1L, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "validTo must be after validFrom, was 1970-01-01T00:00:00.010Z <="
                + " 1970-01-01T00:00:00.010Z");
    assertThatThrownBy(() -> Scd2Row.of("c1", "x", 10L, null, true, 0L, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("version must be >= 1, was 0");
  }

  /**
   * A closed version (not current) has an end: one without is no row the step makes, and a sink
   * would store it as a second open-ended version. It used to be accepted.
   */
  @Test
  void of_closedVersionWithoutAnEnd_isRefused() {
    assertThatThrownBy(() -> Scd2Row.of("c1", "x", 10L, null, false, 1L, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a version that is not current must have a validTo");
    assertThatThrownBy(() -> Scd2Row.ofMillis("c1", "x", 10L, 0L, false, false, 1L, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a version that is not current must have a validTo");
    // a current version may end at the validToCurrent sentinel; a closed delete marker ends too
    assertThat(Scd2Row.of("c1", "x", 10L, 20L, true, 1L, false).isCurrent()).isTrue();
    assertThat(Scd2Row.of("c1", "x", 10L, 20L, false, 2L, true).isDeleted()).isTrue();
  }

  @Test
  void ofMillis_equalsOf_andIgnoresTheEndWithoutOne() {
    assertThat(Scd2Row.ofMillis("c1", "x", 10L, 20L, true, false, 2L, true))
        .isEqualTo(Scd2Row.of("c1", "x", 10L, 20L, false, 2L, true));
    assertThat(Scd2Row.ofMillis("c1", "x", 10L, 5L, false, true, 1L, false))
        .isEqualTo(Scd2Row.of("c1", "x", 10L, null, true, 1L, false));
    assertThatThrownBy(() -> Scd2Row.ofMillis("c1", "x", 10L, 10L, true, false, 1L, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("validTo must be after validFrom");
  }

  @Test
  void typeExtraction_findsTheRealTypeInformation_notKryo() {
    TypeInformation<Scd2Row<Customer>> extracted =
        TypeInformation.of(new TypeHint<Scd2Row<Customer>>() {});

    assertThat(extracted).isEqualTo(Scd2Row.typeInfo(Customer.TYPE));
    assertThat(KryoTypes.genericParts(extracted)).isEmpty();
    assertThat(extracted.createSerializer(new SerializerConfigImpl()))
        .isInstanceOf(Scd2RowSerializer.class);
    assertThat(Scd2Row.typeInfo(Types.STRING).toString()).isEqualTo("Scd2Row<String>");
  }
}
