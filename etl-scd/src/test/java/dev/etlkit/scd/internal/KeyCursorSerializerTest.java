package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.scd.internal.KeyCursorSerializer.OutputClass;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The cursor's serializer: every shape round-trips (the base's attributes written back as read,
 * without decoding them), copies are deep, unknown flags fail, and its snapshot migrates the
 * cursors that older savepoints hold as Flink POJOs.
 */
class KeyCursorSerializerTest {

  private final KeyCursorSerializer<String> serializer =
      new KeyCursorSerializer<>(StringSerializer.INSTANCE);

  private static byte[] bytes(KeyCursorSerializer<String> serializer, KeyCursor<String> cursor)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(cursor, out);
    return out.getCopyOfBuffer();
  }

  /** Every field set or not, each kind of position and latest change. */
  private static List<KeyCursor<String>> shapes() {
    List<KeyCursor<String>> shapes = new ArrayList<>();
    shapes.add(KeyCursor.first(5L, true)); // a key's first change, before it is applied

    KeyCursor<String> live = KeyCursor.first(10L, true);
    live.setPosition(KeyCursor.LIVE, 10L, 1L, "a");
    live.latestChange = new StoredChange<>(0L, false, live.row); // its attributes: the cursor's
    shapes.add(live);

    KeyCursor<String> full = new KeyCursor<>();
    full.setPosition(KeyCursor.DELETED, 1_700_000_000_000L, 7L, "ünï");
    full.latest = 1_700_000_500_000L;
    full.pruneTime = 1_699_000_000_000L;
    full.pendingFinal = 1_700_000_100_000L;
    full.lastWrite = 42L;
    full.cleanupAt = 3_600_042L;
    full.base = Position.of(KeyCursor.LIVE, 1_698_000_000_000L, 5L, "base");
    full.candidate = Position.of(KeyCursor.LIVE, 1_699_500_000_000L, 6L, "candidate");
    full.candidateTime = 1_700_000_000_000L;
    full.earlier = new long[] {1_699_100_000_000L, 1_699_900_000_001L, 1_700_000_000_000L, 0L};
    full.earlierCount = 3;
    full.latestChange = new StoredChange<>(99L, false, "redelivered"); // other attributes
    shapes.add(full);

    KeyCursor<String> none = new KeyCursor<>(); // everything unset, as an older cursor migrated
    none.pendingFinal = Long.MAX_VALUE;
    shapes.add(none);

    KeyCursor<String> deleted = KeyCursor.first(20L, true);
    deleted.latest = 30L;
    deleted.version = 3L; // nothing in force after a delete
    deleted.base = Position.of(KeyCursor.NONE, 0L, 2L, null);
    deleted.candidate = Position.of(KeyCursor.LIVE, 25L, 3L, "");
    deleted.candidateTime = 30L;
    deleted.latestChange = new StoredChange<>(-1L, true, null);
    long[] many = new long[KeyCursor.MAX_EARLIER];
    for (int i = 0; i < many.length; i++) {
      many[i] = -1000L + i * 3L; // negative times too
    }
    deleted.earlier = many;
    deleted.earlierCount = many.length;
    shapes.add(deleted);

    KeyCursor<String> before1970 = KeyCursor.first(-86_400_000L, true); // times before 1970
    before1970.base = Position.of(KeyCursor.NONE, 0L, 0L, null); // validFrom after latest
    before1970.candidate = Position.of(KeyCursor.LIVE, Long.MIN_VALUE, Long.MAX_VALUE, "x");
    before1970.candidateTime = Long.MIN_VALUE;
    before1970.pruneTime = Long.MAX_VALUE;
    shapes.add(before1970);

    KeyCursor<String> chunked = KeyCursor.first(1_000L, true); // state format 3: chunks
    chunked.setPosition(KeyCursor.LIVE, 900L, 4L, "c");
    chunked.addChunk(100L, 170L);
    chunked.addChunk(200L, 260L);
    chunked.chunkFloor = 150L;
    chunked.open = new ChangeChunk<>();
    chunked.open.put(310L, new StoredChange<>(2L, true, null));
    chunked.open.put(300L, new StoredChange<>(1L, false, "o1"));
    shapes.add(chunked);
    return shapes;
  }

  private static void assertSame(KeyCursor<String> actual, KeyCursor<String> expected)
      throws IOException {
    assertThat(actual.toString()).isEqualTo(expected.toString());
    assertThat(actual.row).isEqualTo(expected.row);
    assertPosition(actual.base, expected.base);
    assertPosition(actual.candidate, expected.candidate);
    if (expected.latestChange == null) {
      assertThat(actual.latestChange).isNull();
    } else {
      assertThat(actual.latestChange.sequence).isEqualTo(expected.latestChange.sequence);
      assertThat(actual.latestChange.delete).isEqualTo(expected.latestChange.delete);
      assertThat(actual.latestChange.row).isEqualTo(expected.latestChange.row);
      if (expected.latestChange.row != null) { // the cursor's attributes stay the same object
        assertThat(actual.latestChange.row == actual.row)
            .isEqualTo(expected.latestChange.row == expected.row);
      }
    }
    assertThat(actual.legacyChanges).isEqualTo(expected.legacyChanges);
    assertThat(actual.chunkFloor)
        .isEqualTo(expected.chunkCount == 0 ? actual.chunkFloor : expected.chunkFloor);
    int open = expected.open == null ? 0 : expected.open.size();
    assertThat(actual.open == null ? 0 : actual.open.size()).isEqualTo(open);
    for (int i = 0; i < open; i++) {
      StoredChange<String> want = expected.open.change(i);
      StoredChange<String> got = actual.open.change(i);
      assertThat(actual.open.time(i)).isEqualTo(expected.open.time(i));
      assertThat(got.sequence).isEqualTo(want.sequence);
      assertThat(got.delete).isEqualTo(want.delete);
      assertThat(got.row).isEqualTo(want.row);
    }
    assertThat(actual.knowsEarlier()).isEqualTo(expected.knowsEarlier());
    if (expected.knowsEarlier()) {
      assertThat(Arrays.copyOf(actual.earlier, actual.earlierCount))
          .containsExactly(Arrays.copyOf(expected.earlier, expected.earlierCount));
    }
  }

  private static void assertPosition(Position<String> actual, Position<String> expected)
      throws IOException {
    if (expected == null) {
      assertThat(actual).isNull();
      return;
    }
    assertThat(actual.toString()).isEqualTo(expected.toString());
    assertThat(actual.row()).isEqualTo(expected.row());
  }

  @Test
  void serialize_everyShape_roundTripsAndCopiesByteForByte() throws IOException {
    for (KeyCursor<String> cursor : shapes()) {
      byte[] written = bytes(serializer, cursor);
      DataInputDeserializer in = new DataInputDeserializer(written);
      KeyCursor<String> read = serializer.deserialize(in);
      assertThat(in.available()).isZero();
      assertSame(read, cursor);

      DataOutputSerializer copied = new DataOutputSerializer(64);
      serializer.copy(new DataInputDeserializer(written), copied);
      assertThat(copied.getCopyOfBuffer()).isEqualTo(written);
      assertSame(serializer.copy(cursor), cursor);
    }
  }

  @Test
  void deserialize_thenSerialize_writesThePositionsBackWithoutDecodingThem() throws IOException {
    KeyCursor<String> cursor = shapes().get(2);
    byte[] written = bytes(serializer, cursor);

    KeyCursor<String> read = serializer.deserialize(new DataInputDeserializer(written));
    assertThat(read.base.rowBytes()).isNotNull();
    assertThat(read.base.decodedRow()).isNull();
    assertThat(bytes(serializer, read)).isEqualTo(written);

    assertThat(read.base.row()).isEqualTo("base"); // decoded on demand, written the same
    assertThat(bytes(serializer, read)).isEqualTo(written);

    read.base.set(KeyCursor.LIVE, 1L, 2L, "moved"); // a new base is written from its attributes
    KeyCursor<String> again =
        serializer.deserialize(new DataInputDeserializer(bytes(serializer, read)));
    assertThat(again.base.row()).isEqualTo("moved");
  }

  @Test
  void serialize_positionsReadByAnotherAttributeSerializer_writesThemAnew() throws IOException {
    // as in a migration: the old attribute serializer read them, the new one writes them
    KeyCursor<String> cursor = shapes().get(2);
    KeyCursor<String> read =
        serializer.deserialize(new DataInputDeserializer(bytes(serializer, cursor)));
    KeyCursorSerializer<String> reversing = new KeyCursorSerializer<>(new ReversingSerializer());

    KeyCursor<String> again =
        reversing.deserialize(new DataInputDeserializer(bytes(reversing, read)));

    assertThat(again.base.row()).isEqualTo("base");
    assertThat(again.candidate.row()).isEqualTo("candidate");
    assertSame(again, cursor);
  }

  @Test
  void copy_isDeep() throws IOException {
    KeyCursor<String> cursor = shapes().get(2);
    KeyCursor<String> copy = serializer.copy(cursor);

    copy.addEarlier(1_700_000_400_000L);
    copy.base.set(KeyCursor.NONE, 0L, 0L, null);
    copy.candidate.set(KeyCursor.NONE, 0L, 0L, null);

    assertThat(cursor.earlierCount).isEqualTo(3);
    assertThat(cursor.base.row()).isEqualTo("base");
    assertThat(cursor.candidate.row()).isEqualTo("candidate");
  }

  @Test
  void deserialize_unknownStatus_failsInsteadOfMisreading() {
    DataInputDeserializer in = new DataInputDeserializer(new byte[] {0, 7});
    assertThatThrownBy(() -> serializer.deserialize(in))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown status 7");
  }

  /** A cursor of state format 2 (no chunks flag) keeps its changes in the map state. */
  @Test
  void deserialize_withoutChunks_isACursorWhoseChangesAreInTheMap() throws IOException {
    KeyCursor<String> format2 = KeyCursor.first(5L, true);
    format2.legacyChanges = true;
    byte[] written = bytes(serializer, format2);
    assertThat(written[0] & KeyCursorSerializer.FLAG_CHUNKS).isZero();

    assertThat(serializer.deserialize(new DataInputDeserializer(written)).legacyChanges).isTrue();
    assertThat(
            serializer.deserialize(
                    new DataInputDeserializer(bytes(serializer, KeyCursor.first(5L, true))))
                .legacyChanges)
        .isFalse();
  }

  @Test
  void varLong_anyValue_roundTrips() throws IOException {
    long[] values = {
      0, 1, 127, 128, 16_383, 16_384, 86_400_000L, Long.MAX_VALUE, -1L, Long.MIN_VALUE
    };
    DataOutputSerializer out = new DataOutputSerializer(16);
    for (long value : values) {
      KeyCursorSerializer.writeVarLong(value, out);
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    for (long value : values) {
      assertThat(KeyCursorSerializer.readVarLong(in)).isEqualTo(value);
    }
  }

  @Test
  void duplicate_isAnotherInstance() {
    TypeSerializer<KeyCursor<String>> duplicate = serializer.duplicate();
    assertThat(duplicate).isNotSameAs(serializer).isEqualTo(serializer);
  }

  /** The type information cursors had before {@link KeyCursorSerializer}: a Flink POJO. */
  private static <T> TypeInformation<KeyCursor<T>> pojoTypeInfo(TypeInformation<T> valueType) {
    List<PojoField> fields = new ArrayList<>();
    for (String name :
        List.of("cleanupAt", "lastWrite", "latest", "pendingFinal", "pruneTime", "validFrom")) {
      fields.add(new PojoField(StoredChange.field(KeyCursor.class, name), Types.LONG));
    }
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "row"), valueType));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "status"), Types.BYTE));
    fields.add(new PojoField(StoredChange.field(KeyCursor.class, "version"), Types.LONG));
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeInformation<KeyCursor<T>> type =
        (TypeInformation) new PojoTypeInfo<>(KeyCursor.class, fields);
    return type;
  }

  @Test
  void snapshot_ofItself_isCompatibleAsIs_andOfTheOlderPojoCursor_migrates() throws IOException {
    TypeSerializerSnapshot<KeyCursor<String>> current = serializer.snapshotConfiguration();

    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, current);
    TypeSerializerSnapshot<KeyCursor<String>> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
    assertThat(read.restoreSerializer()).isEqualTo(serializer);
    assertThat(current.resolveSchemaCompatibility(read).isCompatibleAsIs()).isTrue();

    TypeSerializerSnapshot<KeyCursor<String>> pojo =
        pojoTypeInfo(Types.STRING)
            .createSerializer(new SerializerConfigImpl())
            .snapshotConfiguration();
    TypeSerializerSchemaCompatibility<KeyCursor<String>> fromPojo =
        current.resolveSchemaCompatibility(pojo);
    assertThat(fromPojo.isCompatibleAfterMigration()).isTrue();

    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeSerializerSnapshot<KeyCursor<String>> otherPojo =
        (TypeSerializerSnapshot)
            TypeInformation.of(StoredChangeLike.class)
                .createSerializer(new SerializerConfigImpl())
                .snapshotConfiguration();
    assertThat(current.resolveSchemaCompatibility(otherPojo).isIncompatible()).isTrue();
  }

  /** The snapshot written and read back as a savepoint holds it. */
  private static TypeSerializerSnapshot<KeyCursor<String>> writtenAndRead(
      KeyCursorSerializer<String> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    return TypeSerializerSnapshot.readVersionedSnapshot(
        new DataInputDeserializer(out.getCopyOfBuffer()),
        KeyCursorSerializerTest.class.getClassLoader());
  }

  @Test
  void snapshot_recordsTheOutputClass_andRefusesTheOther() throws IOException {
    var append = new KeyCursorSerializer<>(StringSerializer.INSTANCE, OutputClass.APPEND);
    var changelog = new KeyCursorSerializer<>(StringSerializer.INSTANCE, OutputClass.CHANGELOG);
    TypeSerializerSnapshot<KeyCursor<String>> appendRead = writtenAndRead(append);
    TypeSerializerSnapshot<KeyCursor<String>> changelogRead = writtenAndRead(changelog);

    assertThat(appendRead.restoreSerializer()).isEqualTo(append).isNotEqualTo(changelog);
    assertThat(
            append
                .snapshotConfiguration()
                .resolveSchemaCompatibility(appendRead)
                .isCompatibleAsIs())
        .isTrue();
    assertThat(
            changelog
                .snapshotConfiguration()
                .resolveSchemaCompatibility(changelogRead)
                .isCompatibleAsIs())
        .isTrue();
    assertThat(
            changelog
                .snapshotConfiguration()
                .resolveSchemaCompatibility(appendRead)
                .isIncompatible())
        .isTrue();
    assertThat(
            append
                .snapshotConfiguration()
                .resolveSchemaCompatibility(changelogRead)
                .isIncompatible())
        .isTrue();
    assertThat(append)
        .hasToString("KeyCursorSerializer(output APPEND, " + StringSerializer.INSTANCE + ")");
    assertThat(changelog.toString()).startsWith("KeyCursorSerializer(output RETRACT or UPSERT, ");
  }

  /** A snapshot that records no output class (as those before version 3): either restores it. */
  @Test
  void snapshot_withoutAnOutputClass_isCompatibleWithEither() throws IOException {
    TypeSerializerSnapshot<KeyCursor<String>> unknown = writtenAndRead(serializer);

    for (OutputClass output : OutputClass.values()) {
      var current = new KeyCursorSerializer<>(StringSerializer.INSTANCE, output);
      assertThat(
              current
                  .snapshotConfiguration()
                  .resolveSchemaCompatibility(unknown)
                  .isCompatibleAsIs())
          .as("%s", output)
          .isTrue();
    }
  }

  /**
   * The output class is part of the serializer's identity, as Flink compares serializers and type
   * information: equal (with equal hash codes) only with the same class, kept by {@code
   * duplicate()} and by a snapshot written and read back; the type information likewise.
   */
  @Test
  void outputClass_isPartOfEquality_andKeptByDuplicateAndSnapshot() throws IOException {
    List<KeyCursorSerializer<String>> serializers = new ArrayList<>();
    serializers.add(new KeyCursorSerializer<>(StringSerializer.INSTANCE));
    for (OutputClass output : OutputClass.values()) {
      serializers.add(new KeyCursorSerializer<>(StringSerializer.INSTANCE, output));
    }
    for (KeyCursorSerializer<String> one : serializers) {
      KeyCursorSerializer<String> duplicate = (KeyCursorSerializer<String>) one.duplicate();
      KeyCursorSerializer<String> restored =
          (KeyCursorSerializer<String>) writtenAndRead(one).restoreSerializer();
      KeyCursorSerializer<String> equal =
          new KeyCursorSerializer<>(StringSerializer.INSTANCE, one.output());

      assertThat(List.of(duplicate, restored, equal))
          .as("%s", one)
          .allSatisfy(
              s -> {
                assertThat(s.output()).isEqualTo(one.output());
                assertThat(s).isEqualTo(one).hasSameHashCodeAs(one).hasToString(one.toString());
              });
      assertThat(serializers.stream().filter(one::equals)).as("%s", one).containsExactly(one);
    }

    var append = new KeyCursorTypeInfo<>(Types.STRING, OutputClass.APPEND);
    var changelog = new KeyCursorTypeInfo<>(Types.STRING, OutputClass.CHANGELOG);
    assertThat(append)
        .isEqualTo(new KeyCursorTypeInfo<>(Types.STRING, OutputClass.APPEND))
        .hasSameHashCodeAs(new KeyCursorTypeInfo<>(Types.STRING, OutputClass.APPEND))
        .isNotEqualTo(changelog);
    assertThat(changelog.createSerializer(new SerializerConfigImpl()))
        .isEqualTo(new KeyCursorSerializer<>(StringSerializer.INSTANCE, OutputClass.CHANGELOG));
  }

  /**
   * A snapshot that records no class restores a serializer without one; the step's own serializer,
   * which Flink keeps for a state compatible as is, records its class in the next snapshot, which
   * then refuses the other class.
   */
  @Test
  void snapshotWithoutClass_restoredIntoAStep_itsNextSnapshotRecordsTheStepsClass()
      throws IOException {
    TypeSerializerSnapshot<KeyCursor<String>> unknown = writtenAndRead(serializer);
    assertThat(((KeyCursorSerializer<String>) unknown.restoreSerializer()).output()).isNull();

    var step = new KeyCursorSerializer<>(StringSerializer.INSTANCE, OutputClass.APPEND);
    assertThat(step.snapshotConfiguration().resolveSchemaCompatibility(unknown).isCompatibleAsIs())
        .isTrue();
    TypeSerializerSnapshot<KeyCursor<String>> next = writtenAndRead(step);

    assertThat(((KeyCursorSerializerSnapshot<String>) next).output()).isEqualTo(OutputClass.APPEND);
    var other = new KeyCursorSerializer<>(StringSerializer.INSTANCE, OutputClass.CHANGELOG);
    assertThat(other.snapshotConfiguration().resolveSchemaCompatibility(next).isIncompatible())
        .isTrue();
  }

  @Test
  void olderPojoCursor_readByItsSerializer_knowsNeitherBaseNorTimesNorLatestChange()
      throws IOException {
    TypeSerializer<KeyCursor<String>> pojo =
        pojoTypeInfo(Types.STRING).createSerializer(new SerializerConfigImpl());
    KeyCursor<String> old = new KeyCursor<>();
    old.setPosition(KeyCursor.LIVE, 10L, 2L, "a");
    old.latest = 20L;
    old.pruneTime = 5L;
    old.pendingFinal = Long.MAX_VALUE;
    DataOutputSerializer out = new DataOutputSerializer(64);
    pojo.serialize(old, out);

    KeyCursor<String> migrated = pojo.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(migrated.base).isNull(); // in the base state
    assertThat(migrated.latestChange).isNull(); // in the map state
    assertThat(migrated.knowsEarlier()).isFalse(); // found by iterating the map state
    assertThat(migrated.candidate).isNull();
    KeyCursor<String> rewritten =
        serializer.deserialize(new DataInputDeserializer(bytes(serializer, migrated)));
    assertSame(rewritten, migrated);
  }

  /** Strings written reversed: another format than {@link StringSerializer}'s. */
  private static final class ReversingSerializer extends StringTestSerializer {
    private static final long serialVersionUID = 1L;

    private static String reverse(String s) {
      return new StringBuilder(s).reverse().toString();
    }

    @Override
    public TypeSerializer<String> duplicate() {
      return this;
    }

    @Override
    public void serialize(String record, org.apache.flink.core.memory.DataOutputView target)
        throws IOException {
      StringSerializer.INSTANCE.serialize(reverse(record), target);
    }

    @Override
    public String deserialize(org.apache.flink.core.memory.DataInputView source)
        throws IOException {
      return reverse(StringSerializer.INSTANCE.deserialize(source));
    }

    @Override
    public boolean equals(Object obj) {
      return obj instanceof ReversingSerializer;
    }

    @Override
    public int hashCode() {
      return 1;
    }
  }

  /** Some other POJO. */
  public static final class StoredChangeLike {
    public long sequence;
    public String row;
  }
}
