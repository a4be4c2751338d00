package dev.etlkit.operators.normalize.internal;

import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.DELETE;
import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.DUPLICATE;
import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.INSERT;
import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.NO_OP;
import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.STALE;
import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.UNKNOWN_KEY_DELETE;
import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.UPDATE;
import static dev.etlkit.operators.normalize.internal.UpsertRules.Outcome.UPDATE_BEFORE_IGNORED;
import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** The rule tables of docs/normalize.md, cell by cell. */
class UpsertRulesTest {

  @Test
  void unversioned_table() {
    for (RowKind upsert : new RowKind[] {RowKind.INSERT, RowKind.UPDATE_AFTER}) {
      assertThat(UpsertRules.unversioned(upsert, false, false)).isEqualTo(INSERT);
      assertThat(UpsertRules.unversioned(upsert, true, true)).isEqualTo(NO_OP);
      assertThat(UpsertRules.unversioned(upsert, true, false)).isEqualTo(UPDATE);
    }
    assertThat(UpsertRules.unversioned(RowKind.DELETE, false, false)).isEqualTo(UNKNOWN_KEY_DELETE);
    assertThat(UpsertRules.unversioned(RowKind.DELETE, true, false)).isEqualTo(DELETE);
    assertThat(UpsertRules.unversioned(RowKind.DELETE, true, true)).isEqualTo(DELETE);
    assertThat(UpsertRules.unversioned(RowKind.UPDATE_BEFORE, true, false))
        .isEqualTo(UPDATE_BEFORE_IGNORED);
  }

  @Test
  void versioned_olderIsStale_equalIsDuplicateOrStale_newerFollowsTheUnversionedTable() {
    RowKind up = RowKind.UPDATE_AFTER;
    RowKind del = RowKind.DELETE;
    // older than stored
    assertThat(UpsertRules.versioned(up, true, true, true, 4, 5)).isEqualTo(STALE);
    assertThat(UpsertRules.versioned(del, true, false, false, 4, 5)).isEqualTo(STALE);
    // equal: the same event again, or a conflicting one
    assertThat(UpsertRules.versioned(up, true, true, true, 5, 5)).isEqualTo(DUPLICATE);
    assertThat(UpsertRules.versioned(up, true, true, false, 5, 5)).isEqualTo(STALE);
    assertThat(UpsertRules.versioned(up, true, false, false, 5, 5)).isEqualTo(STALE);
    assertThat(UpsertRules.versioned(del, true, false, false, 5, 5)).isEqualTo(DUPLICATE);
    assertThat(UpsertRules.versioned(del, true, true, false, 5, 5)).isEqualTo(STALE);
    // newer
    assertThat(UpsertRules.versioned(up, true, true, true, 6, 5)).isEqualTo(NO_OP);
    assertThat(UpsertRules.versioned(up, true, true, false, 6, 5)).isEqualTo(UPDATE);
    assertThat(UpsertRules.versioned(up, true, false, false, 6, 5)).isEqualTo(INSERT);
    assertThat(UpsertRules.versioned(del, true, true, false, 6, 5)).isEqualTo(DELETE);
    assertThat(UpsertRules.versioned(del, true, false, false, 6, 5)).isEqualTo(UNKNOWN_KEY_DELETE);
    // no state: never seen or expired, whatever the sequence
    assertThat(UpsertRules.versioned(up, false, false, false, -9, 0)).isEqualTo(INSERT);
    assertThat(UpsertRules.versioned(del, false, false, false, -9, 0))
        .isEqualTo(UNKNOWN_KEY_DELETE);
    assertThat(UpsertRules.versioned(RowKind.UPDATE_BEFORE, true, true, false, 1, 5))
        .isEqualTo(UPDATE_BEFORE_IGNORED);
  }

  @Test
  void deduplicatedOutcomes_areNoOpAndDuplicate() {
    for (UpsertRules.Outcome outcome : UpsertRules.Outcome.values()) {
      assertThat(outcome.isDeduplicated()).isEqualTo(outcome == NO_OP || outcome == DUPLICATE);
    }
  }
}
