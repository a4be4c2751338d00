package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.junit.jupiter.api.Test;

class ChangeChunkSerializerTest {

  private final ChangeChunkSerializer<String> serializer =
      new ChangeChunkSerializer<>(StringSerializer.INSTANCE);

  private static ChangeChunk<String> chunk() {
    ChangeChunk<String> chunk = new ChangeChunk<>();
    chunk.put(-5L, new StoredChange<>(3L, false, "before 1970"));
    chunk.put(1_700_000_000_000L, new StoredChange<>(-1L, true, null));
    chunk.put(20L, new StoredChange<>(0L, false, ""));
    chunk.put(20L, new StoredChange<>(7L, false, "replaced")); // the same time: replaces
    return chunk;
  }

  private byte[] bytes(ChangeChunk<String> chunk) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(32);
    serializer.serialize(chunk, out);
    return out.getCopyOfBuffer();
  }

  private static void assertSameChanges(ChangeChunk<String> actual, ChangeChunk<String> expected)
      throws IOException {
    assertThat(actual.size()).isEqualTo(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.time(i)).isEqualTo(expected.time(i));
      assertThat(actual.change(i).sequence).isEqualTo(expected.change(i).sequence);
      assertThat(actual.change(i).delete).isEqualTo(expected.change(i).delete);
      assertThat(actual.change(i).row).isEqualTo(expected.change(i).row);
    }
  }

  /** A change's fields as one comparable line. */
  private static String line(ChangeChunk<String> chunk, int i) throws IOException {
    StoredChange<String> change = chunk.change(i);
    return chunk.time(i) + ":" + change.sequence + ":" + change.delete + ":" + change.row;
  }

  private static List<String> lines(ChangeChunk<String> chunk) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < chunk.size(); i++) {
      lines.add(line(chunk, i));
    }
    return lines;
  }

  @Test
  void columns_keepEveryField_throughRemoveSplitAndPutsIntoAReadChunk() throws IOException {
    ChangeChunk<String> chunk = new ChangeChunk<>(2); // grows
    for (long t = 1; t <= 9; t++) {
      boolean delete = t % 3 == 0;
      chunk.put(t, new StoredChange<>(t % 4 == 0 ? t * 10 : 0L, delete, delete ? null : "r" + t));
    }
    assertThat(chunk.removeBefore(3L)).isEqualTo(2);
    ChangeChunk<String> rest = chunk.splitAt(4); // chunk keeps 3..6, rest 7..9

    assertThat(lines(chunk))
        .containsExactly("3:0:true:null", "4:40:false:r4", "5:0:false:r5", "6:0:true:null");
    assertThat(lines(rest)).containsExactly("7:0:false:r7", "8:80:false:r8", "9:0:true:null");

    // read back as bytes, then mixed with changes put afterwards
    ChangeChunk<String> read = serializer.deserialize(new DataInputDeserializer(bytes(rest)));
    read.put(8L, new StoredChange<>(0L, false, "r8 again"));
    read.put(10L, new StoredChange<>(5L, true, null));
    read.put(6L, new StoredChange<>(0L, false, "r6"));
    List<String> expected =
        List.of(
            "6:0:false:r6",
            "7:0:false:r7",
            "8:0:false:r8 again",
            "9:0:true:null",
            "10:5:true:null");
    assertThat(lines(read)).isEqualTo(expected);
    assertThat(lines(serializer.deserialize(new DataInputDeserializer(bytes(read)))))
        .isEqualTo(expected);
    assertThat(lines(serializer.copy(read))).isEqualTo(expected);
    assertThat(read.removeBefore(8L)).isEqualTo(2);
    assertThat(lines(read))
        .containsExactly("8:0:false:r8 again", "9:0:true:null", "10:5:true:null");
  }

  @Test
  void serialize_roundTrips_inTimeOrder_andCopiesByteForByte() throws IOException {
    ChangeChunk<String> chunk = chunk();
    byte[] written = bytes(chunk);
    DataInputDeserializer in = new DataInputDeserializer(written);
    ChangeChunk<String> read = serializer.deserialize(in);

    assertThat(in.available()).isZero();
    assertThat(read.toString()).isEqualTo("ChangeChunk[-5, 20, 1700000000000]");
    assertSameChanges(read, chunk);
    DataOutputSerializer copied = new DataOutputSerializer(32);
    serializer.copy(new DataInputDeserializer(written), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(written);
    assertSameChanges(serializer.copy(chunk), chunk);
    assertThat(serializer.deserialize(new DataInputDeserializer(bytes(new ChangeChunk<>()))).size())
        .isZero();
  }

  @Test
  void readChunk_isWrittenBackAsRead_andChangedWhereChanged() throws IOException {
    ChangeChunk<String> read = serializer.deserialize(new DataInputDeserializer(bytes(chunk())));
    assertThat(read.encodedBy(0, StringSerializer.INSTANCE)).isNotNull(); // not decoded

    read.put(30L, new StoredChange<>(1L, false, "new"));
    read.removeBefore(0L);
    ChangeChunk<String> again = serializer.deserialize(new DataInputDeserializer(bytes(read)));

    assertThat(again.toString()).isEqualTo("ChangeChunk[20, 30, 1700000000000]");
    assertThat(again.change(0).row).isEqualTo("replaced");
    assertThat(again.change(1).row).isEqualTo("new");
    assertThat(again.change(2).delete).isTrue();
    assertThat(again.get(25L)).isNull();
  }

  @Test
  void serialize_changesReadByAnotherAttributeSerializer_decodesThemWithADuplicateOfIt()
      throws IOException {
    // As after a migration on the heap: chunks keep the old attribute serializer that read them,
    // the step decodes with it, and a snapshot thread writes them anew with the new serializer.
    // A stateful attribute serializer (Avro's reuses its decoder) must not be shared with that
    // thread, as KeyCursorSerializer already does not for the base and the candidate.
    CountingSerializer old = new CountingSerializer();
    ChangeChunk<String> read =
        new ChangeChunkSerializer<>(old).deserialize(new DataInputDeserializer(bytes(chunk())));

    ChangeChunk<String> again = serializer.deserialize(new DataInputDeserializer(bytes(read)));

    assertSameChanges(again, chunk());
    assertThat(old.deserialized).as("records the old serializer itself decoded").isZero();
  }

  /**
   * Strings as {@link StringSerializer} writes them, by a serializer that counts what it decoded
   * and, like a stateful one, is its own only: a duplicate is another instance, equal to no other.
   */
  private static final class CountingSerializer extends StringTestSerializer {
    private static final long serialVersionUID = 1L;

    int deserialized;

    @Override
    public TypeSerializer<String> duplicate() {
      return new CountingSerializer();
    }

    @Override
    public void serialize(String record, DataOutputView target) throws IOException {
      StringSerializer.INSTANCE.serialize(record, target);
    }

    @Override
    public String deserialize(DataInputView source) throws IOException {
      deserialized++;
      return StringSerializer.INSTANCE.deserialize(source);
    }

    @Override
    public boolean equals(Object obj) {
      return obj == this;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }

  @Test
  void copy_isDeep() throws IOException {
    ChangeChunk<String> chunk = chunk();
    ChangeChunk<String> copy = serializer.copy(chunk);
    copy.put(21L, new StoredChange<>(0L, false, "x"));
    copy.removeBefore(100L);

    assertThat(chunk.size()).isEqualTo(3);
    assertThat(copy.size()).isEqualTo(1);
  }

  @Test
  void snapshot_ofItself_isCompatibleAsIs() throws IOException {
    TypeSerializerSnapshot<ChangeChunk<String>> snapshot = serializer.snapshotConfiguration();
    DataOutputSerializer out = new DataOutputSerializer(64);
    snapshot.writeSnapshot(out);
    TypeSerializerSnapshot<ChangeChunk<String>> read = new ChangeChunkSerializerSnapshot<>();
    read.readSnapshot(
        snapshot.getCurrentVersion(),
        new DataInputDeserializer(out.getCopyOfBuffer()),
        getClass().getClassLoader());

    TypeSerializerSchemaCompatibility<ChangeChunk<String>> compatibility =
        serializer.snapshotConfiguration().resolveSchemaCompatibility(read);
    assertThat(compatibility.isCompatibleAsIs()).isTrue();
    assertThat(read.restoreSerializer()).isEqualTo(serializer);
  }
}
