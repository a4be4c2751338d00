package dev.etlkit.operators.normalize.internal;

import static dev.etlkit.operators.normalize.internal.ChangelogRules.Violation.DELETE_OF_NOT_LIVE_KEY;
import static dev.etlkit.operators.normalize.internal.ChangelogRules.Violation.DUPLICATE_INSERT;
import static dev.etlkit.operators.normalize.internal.ChangelogRules.Violation.MISSING_UPDATE_AFTER;
import static dev.etlkit.operators.normalize.internal.ChangelogRules.Violation.NONE;
import static dev.etlkit.operators.normalize.internal.ChangelogRules.Violation.RETRACTION_OF_OTHER_ROW;
import static dev.etlkit.operators.normalize.internal.ChangelogRules.Violation.UPDATE_AFTER_WITHOUT_UPDATE_BEFORE;
import static dev.etlkit.operators.normalize.internal.ChangelogRules.Violation.UPDATE_BEFORE_OF_NOT_LIVE_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** The check's rules as pure functions over a key's status. */
class ChangelogRulesTest {

  private static final long HASH = 0x1234_5678_9ABC_DEF0L;
  private static final long OTHER_HASH = 0x0FED_CBA9_8765_4321L;

  @Test
  void check_rulesOneToThree() {
    long live = ChangelogRules.apply(0L, RowKind.INSERT, 0L, false);
    long pending = ChangelogRules.apply(live, RowKind.UPDATE_BEFORE, 0L, false);

    assertThat(ChangelogRules.check(0L, RowKind.INSERT, 0L, 0L, false)).isEqualTo(NONE);
    assertThat(ChangelogRules.check(live, RowKind.INSERT, 0L, 0L, false))
        .isEqualTo(DUPLICATE_INSERT);
    assertThat(ChangelogRules.check(0L, RowKind.UPDATE_BEFORE, 0L, 0L, false))
        .isEqualTo(UPDATE_BEFORE_OF_NOT_LIVE_KEY);
    assertThat(ChangelogRules.check(0L, RowKind.DELETE, 0L, 0L, false))
        .isEqualTo(DELETE_OF_NOT_LIVE_KEY);
    assertThat(ChangelogRules.check(live, RowKind.UPDATE_AFTER, 0L, 0L, false)).isEqualTo(NONE);
    assertThat(ChangelogRules.check(0L, RowKind.UPDATE_AFTER, 0L, 0L, false)).isEqualTo(NONE);
    for (RowKind kind : new RowKind[] {RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.DELETE}) {
      assertThat(ChangelogRules.check(pending, kind, 0L, 0L, false))
          .isEqualTo(MISSING_UPDATE_AFTER);
    }
    assertThat(ChangelogRules.check(pending, RowKind.UPDATE_AFTER, 0L, 0L, false)).isEqualTo(NONE);
  }

  @Test
  void check_fullChangelog_needsBeforeImagesAndTheLiveRow() {
    long live = ChangelogRules.apply(0L, RowKind.INSERT, HASH, true);

    assertThat(ChangelogRules.check(live, RowKind.UPDATE_AFTER, HASH, 0L, true))
        .isEqualTo(UPDATE_AFTER_WITHOUT_UPDATE_BEFORE);
    assertThat(ChangelogRules.check(live, RowKind.UPDATE_BEFORE, OTHER_HASH, 0L, true))
        .isEqualTo(RETRACTION_OF_OTHER_ROW);
    assertThat(ChangelogRules.check(live, RowKind.DELETE, OTHER_HASH, 0L, true))
        .isEqualTo(RETRACTION_OF_OTHER_ROW);
    assertThat(ChangelogRules.check(live, RowKind.UPDATE_BEFORE, HASH, 0L, true)).isEqualTo(NONE);
    assertThat(ChangelogRules.check(live, RowKind.DELETE, HASH, 0L, true)).isEqualTo(NONE);
  }

  @Test
  void apply_andAfterViolation() {
    long live = ChangelogRules.apply(0L, RowKind.UPDATE_AFTER, HASH, true);
    long pending = ChangelogRules.apply(live, RowKind.UPDATE_BEFORE, HASH, true);

    assertThat(live & ChangelogRules.LIVE).isNotZero();
    assertThat(pending).isEqualTo(ChangelogRules.PENDING_UPDATE_AFTER);
    assertThat(ChangelogRules.apply(live, RowKind.DELETE, HASH, true)).isZero();
    assertThat(ChangelogRules.afterViolation(pending)).isZero();
    assertThat(ChangelogRules.afterViolation(live)).isEqualTo(live);
  }

  @Test
  void apply_fullChangelog_writesAKeyedLiveStatus_withoutItTheStatusOfEarlierVersions() {
    long keyed = ChangelogRules.apply(0L, RowKind.INSERT, HASH, true);

    assertThat(keyed & 3L).isEqualTo(ChangelogRules.KEYED_LIVE);
    assertThat(keyed & ~3L).isEqualTo(HASH & ~3L);
    assertThat(ChangelogRules.holdsLegacyHash(keyed)).isFalse();
    assertThat(ChangelogRules.apply(0L, RowKind.INSERT, HASH, false))
        .isEqualTo(ChangelogRules.LIVE);
    assertThat(ChangelogRules.afterViolation(keyed)).isEqualTo(keyed);
    assertThat(ChangelogRules.check(keyed, RowKind.INSERT, HASH, 0L, true))
        .as("a keyed live status is live, not pending")
        .isEqualTo(DUPLICATE_INSERT);
  }

  @Test
  void check_keyedStatus_comparesTheKeyedHashOnly() {
    long keyed = ChangelogRules.apply(0L, RowKind.INSERT, HASH, true);

    assertThat(ChangelogRules.check(keyed, RowKind.DELETE, HASH, OTHER_HASH, true)).isEqualTo(NONE);
    assertThat(ChangelogRules.check(keyed, RowKind.DELETE, OTHER_HASH, HASH, true))
        .as("a row whose legacy hash has the stored bits is another row")
        .isEqualTo(RETRACTION_OF_OTHER_ROW);
  }

  /**
   * A live status as etlkit wrote it before keyed hashes ({@code (legacyHash & ~3) | 1}), with bit
   * 2 clear or set (it was a hash bit): compared by the legacy hash of the row.
   */
  @Test
  void check_statusOfAnEarlierVersion_comparesTheLegacyHash() {
    for (long legacyHash : new long[] {HASH, HASH | 4L}) {
      long legacy = (legacyHash & ~3L) | 1L;

      assertThat(ChangelogRules.holdsLegacyHash(legacy)).isTrue();
      assertThat(ChangelogRules.check(legacy, RowKind.UPDATE_BEFORE, OTHER_HASH, legacyHash, true))
          .isEqualTo(NONE);
      assertThat(ChangelogRules.check(legacy, RowKind.DELETE, legacyHash, OTHER_HASH, true))
          .isEqualTo(RETRACTION_OF_OTHER_ROW);
      assertThat(ChangelogRules.apply(legacy, RowKind.UPDATE_AFTER, OTHER_HASH, true) & 3L)
          .as("the next live status is keyed")
          .isEqualTo(ChangelogRules.KEYED_LIVE);
    }
    assertThat(ChangelogRules.holdsLegacyHash(0L)).isFalse();
    assertThat(ChangelogRules.holdsLegacyHash(ChangelogRules.PENDING_UPDATE_AFTER)).isFalse();
  }

  @Test
  void violationMessages_nameTheRuleAndTheKindOnly() {
    assertThat(MISSING_UPDATE_AFTER.message(RowKind.DELETE))
        .isEqualTo(
            "UPDATE_BEFORE not followed by its UPDATE_AFTER: the key's next change is DELETE");
    assertThat(DUPLICATE_INSERT.message(RowKind.INSERT))
        .isEqualTo("duplicate INSERT: the key is already live");
  }

  @Test
  void sampling_isDeterministicAndCloseToTheRate() {
    long threshold = ChangelogRules.sampleThreshold(0.1);
    int sampled = 0;
    for (int k = 0; k < 100_000; k++) {
      if (ChangelogRules.sampleHash("key-" + k) < threshold) {
        sampled++;
      }
    }
    assertThat(sampled).isBetween(9_000, 11_000);
    assertThat(ChangelogRules.sampleHash("key-7")).isEqualTo(ChangelogRules.sampleHash("key-7"));
    assertThat(ChangelogRules.sampleThreshold(1.0)).isEqualTo(Long.MAX_VALUE);
  }
}
