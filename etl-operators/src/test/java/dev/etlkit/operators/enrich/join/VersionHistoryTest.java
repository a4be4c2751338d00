package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.enrich.internal.join.JoinStateTypeInfo;
import dev.etlkit.operators.enrich.internal.join.VersionHistory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The history rules of the point-in-time join and their serializer, without a state backend. */
class VersionHistoryTest {

  private static final TypeSerializer<VersionHistory<String>> SERIALIZER =
      JoinStateTypeInfo.versionHistory(Types.STRING).createSerializer(new SerializerConfigImpl());

  @Test
  void inForce_greatestTimeAtOrBefore_whateverTheArrivalOrder() {
    VersionHistory<String> history = history(30, "c", 10, "a", -5, "z", 20, "b");

    assertThat(history.row(history.inForce(25))).isEqualTo("b");
    assertThat(history.row(history.inForce(20))).isEqualTo("b");
    assertThat(history.row(history.inForce(-1))).isEqualTo("z");
    assertThat(history.inForce(-6)).isEqualTo(-1);
  }

  @Test
  void with_sameTime_theLaterArrivalReplaces() {
    VersionHistory<String> history = history(10, "a", 10, "b");

    assertThat(history.size()).isEqualTo(1);
    assertThat(history.row(0)).isEqualTo("b");
  }

  @Test
  void with_prunesEverythingOlderThanTheVersionInForceAtTheHorizon() {
    VersionHistory<String> history = history(10, "a", 20, "b", 30, null, 40, "d").with(50, "e", 35);

    assertThat(times(history)).containsExactly(30L, 40L, 50L);
    assertThat(history.row(0)).isNull(); // a delete stays a version
  }

  @Test
  void serializer_roundTripsRowsAndDeletes() throws IOException {
    VersionHistory<String> history = history(-3, "a", 7, null, 9, "c");

    assertThat(roundTrip(history)).isEqualTo(history);
    assertThat(SERIALIZER.copy(history)).isEqualTo(history);
    assertThat(roundTrip(VersionHistory.empty())).isEqualTo(VersionHistory.empty());
  }

  @Test
  void serializer_unknownFlag_failsSayingANewerEtlkitWroteIt() {
    byte[] bytes = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, (byte) 0x81};

    assertThatThrownBy(() -> SERIALIZER.deserialize(new DataInputDeserializer(bytes)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown flags 0x81");
  }

  @Test
  void snapshot_restoresTheSameSerializer() throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, SERIALIZER.snapshotConfiguration());
    TypeSerializerSnapshot<VersionHistory<String>> read =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

    assertThat(
            SERIALIZER.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs())
        .isTrue();
    assertThat(read.restoreSerializer()).isEqualTo(SERIALIZER);
  }

  /** Any versions in any order, any horizons: the same answers as a sorted map with pruning. */
  @Property(tries = 300)
  void anyVersions_sameAsASortedMapReference(
      @ForAll @Size(max = 30) List<@IntRange(min = -50, max = 50) Integer> times,
      @ForAll @IntRange(min = -60, max = 60) int horizon,
      @ForAll @IntRange(min = -60, max = 60) int at) {
    VersionHistory<String> history = VersionHistory.empty();
    TreeMap<Long, String> reference = new TreeMap<>();
    int n = 0;
    for (int time : times) {
      String row = n++ % 4 == 3 ? null : "r" + n;
      history = history.with(time, row, horizon);
      reference.put((long) time, row);
      Long inForceAtHorizon = reference.floorKey((long) horizon);
      if (inForceAtHorizon != null) {
        reference.headMap(inForceAtHorizon).clear();
      }
    }

    assertThat(times(history)).containsExactlyElementsOf(reference.keySet());
    Map.Entry<Long, String> expected = reference.floorEntry((long) at);
    int index = history.inForce(at);
    assertThat(index >= 0).isEqualTo(expected != null);
    if (expected != null) {
      assertThat(history.row(index)).isEqualTo(expected.getValue());
    }
  }

  /** A history of (time, row) pairs added in order without pruning; a null row is a delete. */
  private static VersionHistory<String> history(Object... timesAndRows) {
    VersionHistory<String> history = VersionHistory.empty();
    for (int i = 0; i < timesAndRows.length; i += 2) {
      @Nullable String row = (String) timesAndRows[i + 1];
      history = history.with(((Number) timesAndRows[i]).longValue(), row, Long.MIN_VALUE);
    }
    return history;
  }

  private static List<Long> times(VersionHistory<String> history) {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      times.add(history.time(i));
    }
    return times;
  }

  private static VersionHistory<String> roundTrip(VersionHistory<String> history)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    SERIALIZER.serialize(history, out);
    DataOutputSerializer copied = new DataOutputSerializer(64);
    SERIALIZER.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    return SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }
}
