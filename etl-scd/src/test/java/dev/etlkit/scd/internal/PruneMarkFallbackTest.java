package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.scd.ChangeDetection;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.Scd2Output;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Edges of the prune mark's fallback for keys restored from state written before the mark (formats
 * 1-3), found by a second review on 2026-11-24, each failing before its fix.
 */
class PruneMarkFallbackTest {

  private static final Columns<String> WHOLE =
      Columns.resolve(Types.STRING, ChangeDetection.all(), List.of());

  private final VersionSink<String> ignore = (kind, version) -> {};

  private static KeyHistory<String> history(long horizon) {
    return new KeyHistory<>(WHOLE, HardDeletes.INVALIDATE, Scd2Output.RETRACT, horizon, false, 0L);
  }

  /**
   * A key of state format 3 (chunks, no mark) that pruned only deletes of nothing to a candidate
   * base, keeping a sealed chunk: its cursor's chunk floor says that it pruned. Before, the
   * fallback ignored it, took the key for one that never pruned, and the splice then failed on the
   * chunk floor with an IllegalStateException (which fails the job) instead of being late.
   */
  @Test
  void format3KeyThatPrunedOnlyDeletesOfNothing_cutChunk_changeBeforePrunePoint_isLate()
      throws Exception {
    KeyHistory<String> short_ = history(100);
    MapHistoryStore<String> store = new MapHistoryStore<>(7L, StringSerializer.INSTANCE);
    for (long t = 1_000; t <= 1_006; t++) {
      short_.apply(store, t, 0L, null, ignore, 0L, KeyHistory.NO_TIMERS); // deletes of nothing
    }
    short_.apply(store, 1_100L, 0L, "b", ignore, 0L, KeyHistory.NO_TIMERS);
    short_.apply(store, 1_150L, 0L, "c", ignore, 0L, KeyHistory.NO_TIMERS);
    short_.apply(store, 1_250L, 0L, "e", ignore, 0L, KeyHistory.NO_TIMERS);
    KeyCursor<String> cursor = store.cursor();
    assertThat(cursor.pruneTime).isEqualTo(1_100L);
    assertThat(cursor.pruned).isTrue();
    assertThat(cursor.chunkFloor).as("a sealed chunk was cut by the prune").isEqualTo(1_100L);
    // as restored from a savepoint of state format 3: chunks, no mark
    cursor.pruned = false;
    cursor.prunedKnown = false;
    store.updateCursor(cursor);

    KeyHistory<String> longer = history(10_000);
    assertThat(longer.apply(store, 900L, 0L, "x", ignore, 0L, KeyHistory.NO_TIMERS))
        .isEqualTo(KeyHistory.Outcome.LATE);
  }
}
