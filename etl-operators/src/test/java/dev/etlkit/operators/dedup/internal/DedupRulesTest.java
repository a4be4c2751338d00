package dev.etlkit.operators.dedup.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.dedup.internal.DedupRules.Outcome;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.RowFingerprint;
import dev.etlkit.operators.internal.SerializedForm;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;

/** The rules without Flink: entry in, outcome and entry out. */
class DedupRulesTest {

  private static final FingerprintKey KEY = new FingerprintKey(0x1234, 0x5678);

  private static final SerializedForm<String> STRINGS =
      SerializedForm.of(Types.STRING, new SerializerConfigImpl());

  private static final DedupLayout ORDERED_RETRACT = new DedupLayout(2, true, true);
  private static final DedupLayout RETRACT = new DedupLayout(0, true, true);
  private static final DedupLayout UPSERT = new DedupLayout(0, true, false);
  private static final TypeInformation<Map<String, String>> MAP =
      Types.MAP(Types.STRING, Types.STRING);

  @Test
  void keepFirst_processingTime_keepsAMarkerOnly() {
    DedupRules<String> rules = rules(false, new DedupLayout(0, false, false));

    assertThat(rules.apply(null, false, null, "a")).isEqualTo(Outcome.INSERT);
    DedupEntry<String> marker = rules.entry(null);
    assertThat(marker).isEqualTo(new DedupEntry<>(true, null, false, 0L, null));
    assertThat(rules.apply(marker, false, null, "b")).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.mustWrite()).isFalse();
  }

  @Test
  void keepFirst_ordered_earlierRowReplaces_equalOrderKeepsTheEarlierArrived() {
    DedupRules<String> rules = rules(false, ORDERED_RETRACT);
    rules.apply(null, false, new long[] {10, 1}, "first");
    DedupEntry<String> kept = rules.entry(null);

    assertThat(rules.apply(kept, false, new long[] {10, 1}, "tie")).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(kept, false, new long[] {10, 0}, "earlier")).isEqualTo(Outcome.UPDATE);
    assertThat(rules.retracted()).isEqualTo("first");
    assertThat(rules.entry(kept)).isSameAs(kept); // changed in place
    assertThat(kept.row()).isEqualTo("earlier");
    assertThat(rules.mustWrite()).isTrue();
  }

  @Test
  void keepFirst_ordered_sameRowEarlier_movesOnlyTheOrder() {
    DedupRules<String> rules = rules(false, ORDERED_RETRACT);
    rules.apply(null, false, new long[] {10, 1}, "row");
    DedupEntry<String> kept = rules.entry(null);

    assertThat(rules.apply(kept, false, new long[] {5, 1}, "row")).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.mustWrite()).isTrue();
    assertThat(rules.entry(kept).order()).containsExactly(5L, 1L);
  }

  @Test
  void keepLast_ordered_deleteLeavesATombstone_olderRowsStayStale() {
    DedupRules<String> rules = rules(true, ORDERED_RETRACT);
    rules.apply(null, false, new long[] {10, 0}, "v1");
    DedupEntry<String> kept = rules.entry(null);

    assertThat(rules.apply(kept, true, new long[] {20, 0}, "key-only")).isEqualTo(Outcome.DELETE);
    assertThat(rules.retracted()).isEqualTo("v1");
    DedupEntry<String> tombstone = rules.entry(kept);
    assertThat(tombstone).isEqualTo(new DedupEntry<>(false, new long[] {20, 0}, false, 0L, null));
    assertThat(rules.apply(tombstone, false, new long[] {15, 0}, "v0"))
        .isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(tombstone, false, new long[] {20, 0}, "v2")).isEqualTo(Outcome.INSERT);
  }

  @Test
  void keepLast_deleteOfAnUnknownKey_writesATombstoneOnlyWhenOrdered() {
    DedupRules<String> ordered = rules(true, ORDERED_RETRACT);
    DedupRules<String> arrival = rules(true, new DedupLayout(0, true, false));

    assertThat(ordered.apply(null, true, new long[] {5, 0}, "k")).isEqualTo(Outcome.DUPLICATE);
    assertThat(ordered.mustWrite()).isTrue();
    assertThat(arrival.apply(null, true, null, "k")).isEqualTo(Outcome.DUPLICATE);
    assertThat(arrival.mustWrite()).isFalse();
  }

  @Test
  void keepLast_upsert_deleteRetractsTheIncomingRowWhenTheRowIsNotKept() {
    DedupRules<String> rules = rules(true, new DedupLayout(0, true, false));
    rules.apply(null, false, null, "k1#v1");
    DedupEntry<String> kept = rules.entry(null);

    assertThat(rules.apply(kept, true, null, "k1#")).isEqualTo(Outcome.DELETE);
    assertThat(rules.retracted()).isEqualTo("k1#");
    assertThat(rules.entry(kept)).isNull();
  }

  @Test
  void hold_earlierCandidateDisplacesTheHeldOne_andReportsItsTimer() {
    DedupRules<String> rules = rules(false, new DedupLayout(1, false, true));
    rules.hold(null, null, new long[] {20}, "late-arriving");
    DedupEntry<String> held = rules.entry(null);

    assertThat(rules.hold(null, held, new long[] {10}, "earlier")).isEqualTo(Outcome.HOLD);
    assertThat(rules.displaced()).isTrue();
    assertThat(rules.displacedTimestamp()).isEqualTo(20L);
    assertThat(rules.hold(rules.emitted(), null, new long[] {5}, "after emission"))
        .isEqualTo(Outcome.DUPLICATE);
  }

  @Test
  void prefers_keepLastTakesTheLaterArrivedTie_keepFirstTheEarlier() {
    DedupRules<String> keepLast = rules(true, ORDERED_RETRACT);
    DedupRules<String> keepFirst = rules(false, ORDERED_RETRACT);

    assertThat(keepLast.prefers(new long[] {1, 1}, new long[] {1, 1})).isTrue();
    assertThat(keepFirst.prefers(new long[] {1, 1}, new long[] {1, 1})).isFalse();
    assertThat(keepFirst.prefers(new long[] {1, 0}, new long[] {1, 1})).isTrue();
  }

  @Test
  void keepLast_retract_comparesTheKeptRow_andKeepsNoFingerprint() {
    DedupRules<String> rules = rules(true, RETRACT);
    rules.apply(null, false, null, "k1#v1");
    DedupEntry<String> kept = rules.entry(null);
    assertThat(kept.hasHash()).isFalse();

    String again = new String("k1#v1"); // another object, the same row
    assertThat(rules.apply(kept, false, null, again)).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.mustWrite()).isFalse();
    assertThat(rules.apply(kept, false, null, "k1#v2")).isEqualTo(Outcome.UPDATE);
    assertThat(rules.retracted()).isEqualTo("k1#v1");
    assertThat(rules.entry(kept)).isEqualTo(new DedupEntry<>(true, null, false, 0L, "k1#v2"));
  }

  @Test
  void keepLast_retract_entryRestoredWithAFingerprint_isComparedByRow_andLosesIt() {
    DedupRules<String> rules = rules(true, RETRACT);
    DedupEntry<String> restored = new DedupEntry<>(true, null, true, fingerprint("k1#v1"), "k1#v1");

    assertThat(rules.apply(restored, false, null, "k1#v1")).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(restored, false, null, "k1#v2")).isEqualTo(Outcome.UPDATE);
    assertThat(rules.entry(restored)).isEqualTo(new DedupEntry<>(true, null, false, 0L, "k1#v2"));
  }

  @Test
  void keepLast_upsert_keepsTheFingerprintOfTheSerializedRow() {
    DedupRules<String> rules = rules(true, UPSERT);
    rules.apply(null, false, null, "k1#v1");
    DedupEntry<String> kept = rules.entry(null);

    assertThat(kept).isEqualTo(new DedupEntry<>(true, null, true, fingerprint("k1#v1"), null));
    assertThat(rules.apply(kept, false, null, "k1#v1")).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(kept, false, null, "k1#v2")).isEqualTo(Outcome.UPDATE);
    assertThat(rules.entry(kept).hash()).isEqualTo(fingerprint("k1#v2"));
  }

  @Test
  void keepLast_retract_rowTypeComparedByFingerprint_keepsFingerprintsBesideTheRow() {
    DedupRules<Map<String, String>> rules = rules(true, RETRACT, MAP);
    Map<String, String> v1 = new HashMap<>(Map.of("status", "new"));
    rules.apply(null, false, null, v1);
    DedupEntry<Map<String, String>> kept = rules.entry(null);
    assertThat(kept.hasHash()).isTrue();

    assertThat(rules.apply(kept, false, null, new HashMap<>(v1))).isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(kept, false, null, Map.of("status", "paid"))).isEqualTo(Outcome.UPDATE);
  }

  @Test
  void keepLast_retract_rowKeptWithoutFingerprint_isFingerprintedWhenTheTypeNeedsOne() {
    // written by a step that compared rows, restored into one whose row type needs fingerprints
    DedupRules<Map<String, String>> rules = rules(true, RETRACT, MAP);
    DedupEntry<Map<String, String>> restored =
        new DedupEntry<>(true, null, false, 0L, Map.of("status", "new"));

    assertThat(rules.apply(restored, false, null, Map.of("status", "new")))
        .isEqualTo(Outcome.DUPLICATE);
    assertThat(rules.apply(restored, false, null, Map.of("status", "paid")))
        .isEqualTo(Outcome.UPDATE);
  }

  @Test
  void unchanged_comparesTheRowsOrFingerprintsBeforeAndAfterABundle() {
    DedupRules<String> retract = rules(true, RETRACT);
    DedupEntry<String> after = new DedupEntry<>(true, null, false, 0L, "k1#v1");
    assertThat(retract.unchanged(false, 0L, new String("k1#v1"), after)).isTrue();
    assertThat(retract.unchanged(true, fingerprint("k1#v0"), "k1#v0", after)).isFalse();

    DedupRules<String> upsert = rules(true, UPSERT);
    DedupEntry<String> hashed = new DedupEntry<>(true, null, true, fingerprint("k1#v1"), null);
    assertThat(upsert.unchanged(true, fingerprint("k1#v1"), null, hashed)).isTrue();
    assertThat(upsert.unchanged(true, fingerprint("k1#v0"), null, hashed)).isFalse();
  }

  private static DedupRules<String> rules(boolean keepLast, DedupLayout layout) {
    return rules(keepLast, layout, Types.STRING);
  }

  private static <T> DedupRules<T> rules(
      boolean keepLast, DedupLayout layout, TypeInformation<T> type) {
    return new DedupRules<>(
        keepLast, layout, RowIdentity.of(type, new SerializerConfigImpl(), KEY, layout.row()));
  }

  private static long fingerprint(String row) {
    return new RowFingerprint<>(STRINGS, KEY).of(row);
  }
}
