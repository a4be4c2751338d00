package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.enrich.join.JoinInput.dimension;
import static dev.etlkit.operators.enrich.join.JoinInput.fact;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The point-in-time join through the kit's two-input recipe with each input's watermark advanced
 * alone: facts wait while the dimension's watermark lags behind theirs, and are joined when it
 * catches up or the dimension goes idle.
 */
class DimensionJoinLaggingDimensionTest {

  /** Waits 10 ms of event time, allowed lateness 5 ms, at most 3 facts per key. */
  private static final JoinMode AS_OF = DimensionJoinSavepointCompatibilityTest.AS_OF;

  private static KeyedHarness<Object, Either<String, Change<String>>, String> join() {
    return AS_OF.harness();
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fact_waitsForTheLaggingDimension_andJoinsWhenItsWatermarkCatchesUp(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> harness =
        join().on(backend).open()) {
      harness.processElement(dimension(Change.insert("k1#v1")), 10);
      harness.processElement(fact("k1#o1"), 20);
      harness.processWatermark1(30); // the facts are at 30, the dimension still at its start
      assertThat(JoinHarness.lines(harness.emitted())).isEmpty();

      harness.processWatermark2(25); // the dimension catches up past the fact

      assertThat(JoinHarness.lines(harness.emitted())).containsExactly("FOUND k1#o1 k1#v1 @20");
      assertThat(harness.watermarks()).containsExactly(15L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void idleDimension_letsTheFactsWatermarkAloneDecide(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> harness =
        join().on(backend).open()) {
      harness.processElement(dimension(Change.insert("k1#v1")), 10);
      harness.processElement(fact("k1#o1"), 20);
      harness.processElement(fact("k2#o1"), 20);
      harness.processWatermark1(40);
      assertThat(JoinHarness.lines(harness.emitted())).isEmpty();

      harness.setIdle(2, true);

      assertThat(JoinHarness.lines(harness.emitted()))
          .containsExactly("FOUND k1#o1 k1#v1 @20", "TIMED_OUT k2#o1 @20");
    }
  }

  @Test
  void laggingDimension_restoredAtEveryCutPoint_joinsTheSame() {
    HarnessInput<Either<String, Change<String>>> script =
        HarnessInput.<Either<String, Change<String>>>builder()
            .element(dimension(Change.insert("k1#v1")), 10)
            .element(fact("k1#o1"), 20)
            .watermark1(30)
            .element(dimension(Change.updateAfter("k1#v2")), 22)
            .watermark2(25)
            .element(fact("k1#o2"), 35)
            .watermark1(50)
            .build();

    CutPointCheck.of(join(), script).withEndOfInput().verify();
  }
}
