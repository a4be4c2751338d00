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
    long live = ChangelogRules.apply(0L, RowKind.INSERT, 0L);
    long pending = ChangelogRules.apply(live, RowKind.UPDATE_BEFORE, 0L);

    assertThat(ChangelogRules.check(0L, RowKind.INSERT, 0L, false)).isEqualTo(NONE);
    assertThat(ChangelogRules.check(live, RowKind.INSERT, 0L, false)).isEqualTo(DUPLICATE_INSERT);
    assertThat(ChangelogRules.check(0L, RowKind.UPDATE_BEFORE, 0L, false))
        .isEqualTo(UPDATE_BEFORE_OF_NOT_LIVE_KEY);
    assertThat(ChangelogRules.check(0L, RowKind.DELETE, 0L, false))
        .isEqualTo(DELETE_OF_NOT_LIVE_KEY);
    assertThat(ChangelogRules.check(live, RowKind.UPDATE_AFTER, 0L, false)).isEqualTo(NONE);
    assertThat(ChangelogRules.check(0L, RowKind.UPDATE_AFTER, 0L, false)).isEqualTo(NONE);
    for (RowKind kind : new RowKind[] {RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.DELETE}) {
      assertThat(ChangelogRules.check(pending, kind, 0L, false)).isEqualTo(MISSING_UPDATE_AFTER);
    }
    assertThat(ChangelogRules.check(pending, RowKind.UPDATE_AFTER, 0L, false)).isEqualTo(NONE);
  }

  @Test
  void check_fullChangelog_needsBeforeImagesAndTheLiveRow() {
    long live = ChangelogRules.apply(0L, RowKind.INSERT, HASH);

    assertThat(ChangelogRules.check(live, RowKind.UPDATE_AFTER, HASH, true))
        .isEqualTo(UPDATE_AFTER_WITHOUT_UPDATE_BEFORE);
    assertThat(ChangelogRules.check(live, RowKind.UPDATE_BEFORE, OTHER_HASH, true))
        .isEqualTo(RETRACTION_OF_OTHER_ROW);
    assertThat(ChangelogRules.check(live, RowKind.DELETE, OTHER_HASH, true))
        .isEqualTo(RETRACTION_OF_OTHER_ROW);
    assertThat(ChangelogRules.check(live, RowKind.UPDATE_BEFORE, HASH, true)).isEqualTo(NONE);
    assertThat(ChangelogRules.check(live, RowKind.DELETE, HASH, true)).isEqualTo(NONE);
  }

  @Test
  void apply_andAfterViolation() {
    long live = ChangelogRules.apply(0L, RowKind.UPDATE_AFTER, HASH);
    long pending = ChangelogRules.apply(live, RowKind.UPDATE_BEFORE, HASH);

    assertThat(live & ChangelogRules.LIVE).isNotZero();
    assertThat(pending).isEqualTo(ChangelogRules.PENDING_UPDATE_AFTER);
    assertThat(ChangelogRules.apply(live, RowKind.DELETE, HASH)).isZero();
    assertThat(ChangelogRules.afterViolation(pending)).isZero();
    assertThat(ChangelogRules.afterViolation(live)).isEqualTo(live);
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
