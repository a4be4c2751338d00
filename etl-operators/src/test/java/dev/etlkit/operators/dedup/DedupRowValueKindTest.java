package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Row} values carry a kind of their own, which Flink's {@code toChangelogStream} sets to the
 * change's kind (and the row serializer writes): on changelog input the change's kind is the one
 * that counts, so a row identical but for its own kind is the same row, and no change.
 */
class DedupRowValueKindTest {

  private static final TypeInformation<Row> ROW =
      Types.ROW_NAMED(new String[] {"id", "v"}, Types.STRING, Types.STRING);

  /** A change whose row has the change's kind, as {@code toChangelogStream} gives it. */
  private static Change<Row> change(RowKind kind, String id, String v) {
    return Change.of(kind, Row.ofKind(kind, id, v));
  }

  private static Dedup.DedupStep<Change<Row>, Row, String, Change<Row>> keepLast() {
    return Dedup.<Row, String>keepLast("dedup", row -> (String) row.getField(0))
        .withKeyType(Types.STRING)
        .onChangelog();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_identicalRowWithAnotherOwnKind_isANoOp(StateBackendKind backend) throws Exception {
    for (Dedup.DedupStep<Change<Row>, Row, String, Change<Row>> step :
        List.of(
            keepLast(),
            keepLast().withRetractOutput(),
            keepLast().withOrdering(DedupOrder.byEventTime()),
            keepLast().withMiniBatch(2, Duration.ofSeconds(1)))) {
      try (OperatorHarness<Change<Row>, Change<Row>> harness =
          DedupHarness.expand(step, Change.typeInfo(ROW)).harness().on(backend).open()) {
        harness.processElement(change(RowKind.INSERT, "k1", "v1"), 1);
        harness.processElement(change(RowKind.UPDATE_BEFORE, "k1", "v1"), 2);
        harness.processElement(change(RowKind.UPDATE_AFTER, "k1", "v1"), 3);
        harness.processWatermark(10);

        assertThat(harness.output())
            .as("%s", step)
            .extracting(Change::kind)
            .containsExactly(RowKind.INSERT);
      }
    }
  }
}
