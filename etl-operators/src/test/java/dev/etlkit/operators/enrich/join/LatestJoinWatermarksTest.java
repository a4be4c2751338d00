package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.fact;
import static dev.etlkit.operators.enrich.join.LatestJoinHarnessTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The watermark a latest join forwards: the smaller of its inputs', as for any Flink two-input
 * operator, although the join itself needs none. A dimension input that sends no watermarks (a CDC
 * source without a {@code WatermarkStrategy}, or with {@code noWatermarks()}) holds it at its start
 * for good, so an event-time window after the join never fires; marked idle, it leaves the
 * watermark to the facts (docs/enrichment-state.md).
 */
class LatestJoinWatermarksTest {

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void dimensionWithoutWatermarks_holdsTheWatermarkBack_untilIdle(StateBackendKind backend)
      throws Exception {
    JoinMode mode = JoinMode.latest(0, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1"))); // no timestamp, no watermark
      h.processElement(fact("k1#o1"), 10);
      h.processWatermark1(100);
      h.processWatermark1(200);
      assertThat(h.watermarks()).isEmpty();

      h.setIdle(2, true);
      h.processWatermark1(300);

      assertThat(h.watermarks()).containsExactly(200L, 300L);
    }
  }
}
