package dev.etlkit.operators.dedup.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.dedup.internal.DedupRules.Outcome;
import org.junit.jupiter.api.Test;

/** The rules without Flink: entry in, outcome and entry out. */
class DedupRulesTest {

  private static final DedupLayout ORDERED_RETRACT = new DedupLayout(2, true, true);

  @Test
  void keepFirst_processingTime_keepsAMarkerOnly() {
    DedupRules<String> rules = new DedupRules<>(false, new DedupLayout(0, false, false));

    assertThat(rules.apply(null, false, null, 1L, "a")).isEqualTo(Outcome.INSERT);
    DedupEntry<String> marker = rules.entry();
    assertThat(marker).isEqualTo(new DedupEntry<>(true, null, false, 0L, null));
    assertThat(rules.apply(marker, false, null, 2L, "b")).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.mustWrite()).isFalse();
  }

  @Test
  void keepFirst_ordered_earlierRowReplaces_equalOrderKeepsTheEarlierArrived() {
    DedupRules<String> rules = new DedupRules<>(false, ORDERED_RETRACT);
    rules.apply(null, false, new long[] {10, 1}, 100L, "first");
    DedupEntry<String> kept = rules.entry();

    assertThat(rules.apply(kept, false, new long[] {10, 1}, 200L, "tie"))
        .isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(kept, false, new long[] {10, 0}, 300L, "earlier"))
        .isEqualTo(Outcome.UPDATE);
    assertThat(rules.retracted()).isEqualTo("first");
    assertThat(rules.entry().row()).isEqualTo("earlier");
    assertThat(rules.mustWrite()).isTrue();
  }

  @Test
  void keepFirst_ordered_sameRowEarlier_movesOnlyTheOrder() {
    DedupRules<String> rules = new DedupRules<>(false, ORDERED_RETRACT);
    rules.apply(null, false, new long[] {10, 1}, 100L, "row");
    DedupEntry<String> kept = rules.entry();

    assertThat(rules.apply(kept, false, new long[] {5, 1}, 100L, "row"))
        .isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.mustWrite()).isTrue();
    assertThat(rules.entry().order()).containsExactly(5L, 1L);
  }

  @Test
  void keepLast_ordered_deleteLeavesATombstone_olderRowsStayStale() {
    DedupRules<String> rules = new DedupRules<>(true, ORDERED_RETRACT);
    rules.apply(null, false, new long[] {10, 0}, 100L, "v1");
    DedupEntry<String> kept = rules.entry();

    assertThat(rules.apply(kept, true, new long[] {20, 0}, 0L, "key-only"))
        .isEqualTo(Outcome.DELETE);
    assertThat(rules.retracted()).isEqualTo("v1");
    DedupEntry<String> tombstone = rules.entry();
    assertThat(tombstone).isEqualTo(new DedupEntry<>(false, new long[] {20, 0}, false, 0L, null));
    assertThat(rules.apply(tombstone, false, new long[] {15, 0}, 200L, "v0"))
        .isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(tombstone, false, new long[] {20, 0}, 300L, "v2"))
        .isEqualTo(Outcome.INSERT);
  }

  @Test
  void keepLast_deleteOfAnUnknownKey_writesATombstoneOnlyWhenOrdered() {
    DedupRules<String> ordered = new DedupRules<>(true, ORDERED_RETRACT);
    DedupRules<String> arrival = new DedupRules<>(true, new DedupLayout(0, true, false));

    assertThat(ordered.apply(null, true, new long[] {5, 0}, 0L, "k")).isEqualTo(Outcome.DUPLICATE);
    assertThat(ordered.mustWrite()).isTrue();
    assertThat(arrival.apply(null, true, null, 0L, "k")).isEqualTo(Outcome.DUPLICATE);
    assertThat(arrival.mustWrite()).isFalse();
  }

  @Test
  void keepLast_upsert_deleteRetractsTheIncomingRowWhenTheRowIsNotKept() {
    DedupRules<String> rules = new DedupRules<>(true, new DedupLayout(0, true, false));
    rules.apply(null, false, null, 1L, "k1#v1");

    assertThat(rules.apply(rules.entry(), true, null, 0L, "k1#")).isEqualTo(Outcome.DELETE);
    assertThat(rules.retracted()).isEqualTo("k1#");
    assertThat(rules.entry()).isNull();
  }

  @Test
  void hold_earlierCandidateDisplacesTheHeldOne_andReportsItsTimer() {
    DedupRules<String> rules = new DedupRules<>(false, new DedupLayout(1, false, true));
    rules.hold(null, null, new long[] {20}, "late-arriving");
    DedupEntry<String> held = rules.entry();

    assertThat(rules.hold(null, held, new long[] {10}, "earlier")).isEqualTo(Outcome.HOLD);
    assertThat(rules.displaced()).isTrue();
    assertThat(rules.displacedTimestamp()).isEqualTo(20L);
    assertThat(rules.hold(rules.emitted(), null, new long[] {5}, "after emission"))
        .isEqualTo(Outcome.DUPLICATE);
  }

  @Test
  void prefers_keepLastTakesTheLaterArrivedTie_keepFirstTheEarlier() {
    DedupRules<String> keepLast = new DedupRules<>(true, ORDERED_RETRACT);
    DedupRules<String> keepFirst = new DedupRules<>(false, ORDERED_RETRACT);

    assertThat(keepLast.prefers(new long[] {1, 1}, new long[] {1, 1})).isTrue();
    assertThat(keepFirst.prefers(new long[] {1, 1}, new long[] {1, 1})).isFalse();
    assertThat(keepFirst.prefers(new long[] {1, 0}, new long[] {1, 1})).isTrue();
  }
}
