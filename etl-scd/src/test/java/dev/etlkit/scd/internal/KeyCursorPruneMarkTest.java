package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Edges of the mark a key's cursor keeps once the key pruned (state format 4), found by a review on
 * 2026-11-24, each failing before that day's fix: whether a key pruned was told from its base and
 * its kept changes, which takes a key that pruned only deletes of nothing for one that never
 * pruned. Now every prune marks the cursor and a key's first change makes a cursor that knows it
 * never pruned; the mark is two bits of the status byte, which older formats wrote as zero, so a
 * cursor is no larger and one of an older savepoint reads as not knowing the mark (and is told from
 * its state, as before, until its key prunes again).
 */
class KeyCursorPruneMarkTest {

  private static final Columns<String> WHOLE =
      Columns.resolve(Types.STRING, ChangeDetection.all(), List.of());

  private final KeyCursorSerializer<String> serializer =
      new KeyCursorSerializer<>(StringSerializer.INSTANCE);

  private final VersionSink<String> ignore = (kind, version) -> {};

  private static KeyHistory<String> history(Scd2Output output, long horizon) {
    return new KeyHistory<>(WHOLE, HardDeletes.INVALIDATE, output, horizon, false, 0L);
  }

  /**
   * Changes 1 to 40 ms apart (one in fifty 250), one in five up to a horizon late, over a store
   * that keeps cursors serialized (as RocksDB does): every prune way (to the candidate base, of
   * every change but the latest, by replay, and append output's) marks the key, and nothing else
   * does; a change before the first one of a key that never pruned moves its prune point back
   * without marking it.
   */
  @ParameterizedTest
  @EnumSource(Scd2Output.class)
  void everyPrune_marksTheKey_andNothingElseDoes(Scd2Output output) throws Exception {
    long horizon = 100;
    KeyHistory<String> history = history(output, horizon);
    MapHistoryStore<String> store = new MapHistoryStore<>(3L, StringSerializer.INSTANCE);
    Random random = new Random(3);
    history.apply(store, 1_000L, 0L, "first", ignore, 0L, KeyHistory.NO_TIMERS);
    history.apply(store, 950L, 0L, "before", ignore, 0L, KeyHistory.NO_TIMERS);
    KeyCursor<String> cursor = store.cursor();
    assertThat(cursor.pruneTime).isEqualTo(950L); // moved back, no prune
    assertThat(cursor.prunedKnown).isTrue();
    assertThat(cursor.pruned).isFalse();

    long latest = 1_000L;
    long firstPrune = -1;
    for (int i = 0; i < 2_000; i++) {
      long before = store.cursor().pruneTime;
      boolean late = random.nextInt(5) == 0;
      latest += late ? 0 : random.nextInt(50) == 0 ? 250 : 1 + random.nextInt(40);
      long time = late ? latest - random.nextInt((int) horizon + 1) : latest;
      String row = random.nextInt(4) == 0 ? null : "v" + random.nextInt(3);
      history.apply(store, time, i, row, ignore, 0L, KeyHistory.NO_TIMERS);
      cursor = store.cursor();
      if (firstPrune < 0 && cursor.pruneTime > before) {
        firstPrune = i;
      }
      assertThat(cursor.prunedKnown).isTrue();
      assertThat(cursor.pruned).as("after change %d", i).isEqualTo(firstPrune >= 0);
    }
    assertThat(firstPrune).isPositive();
  }

  /**
   * A cursor restored from a savepoint of state format 3 or older, which kept no mark, knows it
   * again once its key prunes under this version.
   */
  @Test
  void cursorWithoutMark_isMarkedByItsNextPrune() throws Exception {
    KeyHistory<String> history = history(Scd2Output.RETRACT, 100);
    MapHistoryStore<String> store = new MapHistoryStore<>(5L, StringSerializer.INSTANCE);
    history.apply(store, 1_000L, 0L, "a", ignore, 0L, KeyHistory.NO_TIMERS);
    history.apply(store, 1_050L, 0L, "b", ignore, 0L, KeyHistory.NO_TIMERS);
    store.asFormat2();
    assertThat(store.cursor().prunedKnown).isFalse();

    history.apply(store, 1_080L, 0L, "c", ignore, 0L, KeyHistory.NO_TIMERS); // no prune yet
    assertThat(store.cursor().prunedKnown).isFalse();
    history.apply(store, 1_500L, 0L, "d", ignore, 0L, KeyHistory.NO_TIMERS); // prunes to 1,400

    KeyCursor<String> cursor = store.cursor();
    assertThat(cursor.pruneTime).isEqualTo(1_400L);
    assertThat(cursor.prunedKnown).isTrue();
    assertThat(cursor.pruned).isTrue();
  }

  private byte[] bytes(KeyCursor<String> cursor) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(cursor, out);
    return out.getCopyOfBuffer();
  }

  private KeyCursor<String> live(boolean prunedKnown, boolean pruned) {
    KeyCursor<String> cursor = KeyCursor.first(10L, false);
    cursor.setPosition(KeyCursor.LIVE, 10L, 3L, "a");
    cursor.base = Position.of(KeyCursor.LIVE, 5L, 2L, "base");
    cursor.prunedKnown = prunedKnown;
    cursor.pruned = pruned;
    return cursor;
  }

  /**
   * The status byte (the second) holds the mark: unknown as older formats wrote it, known and not
   * pruned, known and pruned; all three are the same size and read, copy and deserialize back.
   */
  @Test
  void mark_isInTheStatusByte_roundTrips_andGrowsNothing() throws IOException {
    byte[] unknown = bytes(live(false, false));
    byte[] neverPruned = bytes(live(true, false));
    byte[] pruned = bytes(live(true, true));

    assertThat(unknown[1]).isEqualTo(KeyCursor.LIVE);
    assertThat(neverPruned[1]).isEqualTo((byte) (KeyCursor.LIVE | 0x10));
    assertThat(pruned[1]).isEqualTo((byte) (KeyCursor.LIVE | 0x30));
    assertThat(neverPruned).hasSameSizeAs(unknown);
    assertThat(pruned).hasSameSizeAs(unknown);
    for (byte[] written : List.of(unknown, neverPruned, pruned)) {
      KeyCursor<String> read = serializer.deserialize(new DataInputDeserializer(written));
      assertThat(read.status).isEqualTo(KeyCursor.LIVE);
      assertThat(read.prunedKnown).isEqualTo(written != unknown);
      assertThat(read.pruned).isEqualTo(written == pruned);
      assertThat(bytes(read)).isEqualTo(written);
      assertThat(bytes(serializer.copy(read))).isEqualTo(written);
      DataOutputSerializer copied = new DataOutputSerializer(64);
      serializer.copy(new DataInputDeserializer(written), copied);
      assertThat(copied.getCopyOfBuffer()).isEqualTo(written);
    }
    assertThat(live(true, true).toString()).contains("pruneTime=10 (pruned)");
  }

  @Test
  void deserialize_statusBitsOfNoKnownMark_failInsteadOfMisreading() {
    assertThatThrownBy(
            () -> serializer.deserialize(new DataInputDeserializer(new byte[] {0, 0x41})))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot read KeyCursor: unknown status byte 0x41; was it written by a newer etlkit?");
    // pruned, but not known to be: never written
    assertThatThrownBy(
            () -> serializer.deserialize(new DataInputDeserializer(new byte[] {0, 0x21})))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "Cannot read KeyCursor: unknown status byte 0x21; was it written by a newer etlkit?");
  }
}
