package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.enrich.internal.join.JoinStateTypeInfo;
import dev.etlkit.operators.enrich.internal.join.VersionHistory;
import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Edges of the "earlier versions pruned" mark of a point-in-time join's history and its serialized
 * form, found by a review on 2026-11-24, each failing before that day's fix: a history kept no mark
 * of having been pruned, so a fact before its oldest version could not be told from a fact before
 * the key's first version. The mark uses a reserved flag bit of the first version: histories
 * written before it read as unmarked, and a marked history is no larger.
 */
class PrunedVersionHistoryTest {

  private static final TypeSerializer<VersionHistory<String>> SERIALIZER =
      JoinStateTypeInfo.versionHistory(Types.STRING).createSerializer(new SerializerConfigImpl());

  @Test
  void with_pruningDropsAVersion_marksTheHistoryForGood() {
    VersionHistory<String> history =
        VersionHistory.<String>empty().with(10, "a", Long.MIN_VALUE).with(20, "b", 25);

    assertThat(history.earlierPruned()).isTrue();
    assertThat(history.size()).isEqualTo(1);
    assertThat(history.inForce(15)).isEqualTo(-1);
    assertThat(history.with(30, "c", Long.MIN_VALUE).earlierPruned())
        .as("kept by later versions")
        .isTrue();
    assertThat(history.toString()).isEqualTo("VersionHistory[earlier pruned, 20]");
  }

  @Test
  void with_nothingDropped_leavesTheHistoryUnmarked() {
    VersionHistory<String> history =
        VersionHistory.<String>empty().with(10, "a", 5).with(20, "b", 15).with(30, null, 15);

    assertThat(history.earlierPruned()).isFalse();
    assertThat(history.size()).isEqualTo(3);
  }

  @Test
  void serializer_roundTripsTheMark_inTheSameSizeAsAnUnmarkedHistory() throws IOException {
    VersionHistory<String> marked =
        VersionHistory.<String>empty().with(10, "a", 0).with(20, null, 0).with(30, "c", 25);
    VersionHistory<String> unmarked =
        VersionHistory.<String>empty().with(20, null, 0).with(30, "c", 0);
    assertThat(marked.earlierPruned()).isTrue();

    byte[] markedBytes = serialize(marked);
    assertThat(markedBytes).hasSameSizeAs(serialize(unmarked));
    assertThat(markedBytes[4 + 8])
        .as("the first version's flags: a delete, pruned")
        .isEqualTo((byte) 2);
    assertThat(SERIALIZER.deserialize(new DataInputDeserializer(markedBytes))).isEqualTo(marked);
    assertThat(SERIALIZER.copy(marked)).isEqualTo(marked);
    DataOutputSerializer copied = new DataOutputSerializer(64);
    SERIALIZER.copy(new DataInputDeserializer(markedBytes), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(markedBytes);
  }

  /** What the join wrote before the mark, for a history of one delete at 20: read as unmarked. */
  @Test
  void serializer_historyWrittenBeforeTheMark_readsAsUnmarked() throws IOException {
    byte[] before = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0};

    VersionHistory<String> read = SERIALIZER.deserialize(new DataInputDeserializer(before));

    assertThat(read.earlierPruned()).isFalse();
    assertThat(read).isEqualTo(VersionHistory.<String>empty().with(20, null, Long.MIN_VALUE));
  }

  @Test
  void serializer_markOnALaterVersion_failsAsAnUnknownFlag() {
    byte[] bytes = {0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 20, 2};

    assertThatThrownBy(() -> SERIALIZER.deserialize(new DataInputDeserializer(bytes)))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot read a version of a dimension join: unknown flags 0x2 (known: 0x1); was it"
                + " written by a newer etlkit?");
  }

  private static byte[] serialize(VersionHistory<String> history) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    SERIALIZER.serialize(history, out);
    return out.getCopyOfBuffer();
  }
}
