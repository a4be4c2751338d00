package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinHarness.lines;
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
 * The record timestamps of facts the dimension joins release later than their arrival: by a row
 * that came, by the latest join's processing-time {@code maxWait}, by the point-in-time join's
 * watermark (joined or timed out), and at the end of input. Each keeps the fact's own timestamp, as
 * Flink's temporal and interval joins do (a latest-join fact without one stays without one),
 * whichever timer or record released it ({@code @t} in the lines; none means no timestamp).
 */
class DimensionJoinOutputTimestampsTest {

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_factsReleasedByARow_theirWait_orTheEndOfInput_keepTheirTimestamps(
      StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.latest(100, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processElement(fact("k1#o1"), 10);
      h.processElement(fact("k2#o2"), 20);
      h.processElement(fact("k2#o3")); // no timestamp
      h.processElement(row(Change.insert("k1#v1")), 1_000); // releases k1#o1
      h.setProcessingTime(100); // k2's facts time out on processing time
      h.processElement(fact("k3#o4"), 30);
      h.unwrap().getOperator().finish(); // the end of input releases k3#o4

      assertThat(lines(h.emitted()))
          .containsExactly(
              "FOUND_AFTER_WAIT k1#o1 k1#v1 @10",
              "TIMED_OUT k2#o2 @20",
              "TIMED_OUT k2#o3",
              "TIMED_OUT k3#o4 @30");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_factsReleasedByTheWatermark_theirWait_orTheEndOfInput_keepTheirTimestamps(
      StateBackendKind backend) throws Exception {
    JoinMode mode = JoinMode.asOf(50, 0, 1_000, UnmatchedFacts.EMIT);
    try (OperatorHarness<Either<String, Change<String>>, String> h =
        mode.harness().on(backend).open()) {
      h.processElement(row(Change.insert("k1#v1")), 5);
      h.processElement(fact("k1#o1"), 10); // held until the watermark passes 10
      h.processElement(fact("k2#o2"), 20); // no version: waits until 70
      h.processElement(fact("k3#o3"), 30); // waits until 80, ended by the end of input
      h.processWatermark(75);
      h.unwrap().getOperator().finish();

      assertThat(lines(h.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @10", "TIMED_OUT k2#o2 @20", "TIMED_OUT k3#o3 @30");
    }
  }
}
