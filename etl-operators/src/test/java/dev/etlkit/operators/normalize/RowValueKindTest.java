package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Row} values carry a kind of their own, which Flink's {@code toChangelogStream} sets to the
 * change's kind: the change's kind is the one that counts, so a row is the same row whatever its
 * own kind says.
 */
class RowValueKindTest {

  private static final TypeInformation<Row> ROW =
      Types.ROW_NAMED(new String[] {"id", "v"}, Types.STRING, Types.STRING);
  private static final KeySelector<Row, String> ID = row -> (String) row.getField(0);

  /** A change whose row has the change's kind, as {@code toChangelogStream} gives it. */
  private static Change<Row> change(RowKind kind, String id, String v) {
    return Change.of(kind, Row.ofKind(kind, id, v));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullChangelogCheck_retractionOfTheLiveRow_passesWhateverTheRowsOwnKind(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<Row>, Change<Row>> harness =
        checker(ChangelogCheck.validate("check", ID, Types.STRING).withFullChangelog(), ROW, null)
            .recipe
            .on(backend)
            .open()) {
      harness.processElement(change(RowKind.INSERT, "k1", "v1"), 1);
      harness.processElement(change(RowKind.UPDATE_BEFORE, "k1", "v1"), 2);
      harness.processElement(change(RowKind.UPDATE_AFTER, "k1", "v2"), 3);
      harness.processElement(change(RowKind.DELETE, "k1", "v2"), 4);

      assertThat(harness.sideOutput(DEAD_LETTERS)).extracting(DeadLetter::errorMessage).isEmpty();
      assertThat(harness.output()).hasSize(4);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void normalizer_identicalRowWithAnotherOwnKind_isANoOp(StateBackendKind backend)
      throws Exception {
    MapFunction<Row, Row> keep = row -> row;
    UpsertNormalize<Row, String> plain = Normalize.upserts("normalize", ID, Types.STRING);
    for (UpsertNormalize<Row, String> spec :
        List.of(
            plain,
            plain.withSequence(ChangeSequence.eventTime()),
            plain.withProjectedState(keep, ROW, keep))) {
      try (OperatorHarness<Change<Row>, Change<Row>> harness =
          normalizer(spec, ROW, null).recipe.on(backend).open()) {
        harness.processElement(change(RowKind.INSERT, "k1", "v1").withEventTime(1L), 1);
        harness.processElement(change(RowKind.UPDATE_AFTER, "k1", "v1").withEventTime(2L), 2);

        assertThat(harness.output()).as("%s", spec).hasSize(1);
      }
    }
  }
}
