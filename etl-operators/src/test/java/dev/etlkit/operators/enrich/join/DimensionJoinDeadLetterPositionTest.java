package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A dimension join's dead letters keep the source position of the change they reject, on the fact
 * side (facts read from a changelog) as on the dimension side, so that they can be replayed.
 */
class DimensionJoinDeadLetterPositionTest {

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_combinerThrowsOnAFactChange_deadLetterKeepsItsPosition(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<Change<String>, Change<String>>, String> h =
        open(DimensionJoin::latest, backend)) {
      h.processElement(JoinInput.dimension(Change.insert("k1#v1")), 1);
      h.processElement(JoinInput.fact(Change.insert("k1#throws").withSourcePosition(41L)), 10);
      h.processElement(JoinInput.fact(Change.insert("k1#throws")), 11);

      assertThat(h.sideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(DeadLetter::sourcePosition)
          .containsExactly("41", null);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_factAndDimensionChangeWithoutTimestamp_deadLettersKeepTheirPositions(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<Either<Change<String>, Change<String>>, String> h =
        open(DimensionJoin::asOf, backend)) {
      h.processElement(JoinInput.fact(Change.insert("k1#o1").withSourcePosition(41L)));
      h.processElement(JoinInput.dimension(Change.insert("k1#v1").withSourcePosition(42L)));

      assertThat(h.sideOutput(DeadLetter.OUTPUT_TAG))
          .extracting(DeadLetter::step, DeadLetter::sourcePosition)
          .containsExactly(tuple("join", "41"), tuple("join/dimension", "42"));
    }
  }

  /** {@code DimensionJoin::latest} or {@code DimensionJoin::asOf}, over facts from a changelog. */
  private interface Join {
    DimensionJoinStep<Change<String>, String, String, String> of(
        String name,
        DataStream<Change<String>> dimension,
        KeySelector<Change<String>, String> factKey,
        KeySelector<String, String> dimensionKey,
        DimensionJoin.Combiner<Change<String>, String, String> combiner,
        TypeInformation<String> outputType);
  }

  private static OperatorHarness<Either<Change<String>, Change<String>>, String> open(
      Join join, StateBackendKind backend) throws Exception {
    DimensionJoinStep<Change<String>, String, String, String> step =
        join.of(
            JoinHarness.STEP,
            JoinHarness.dimensionStream(),
            DimensionJoinDeadLetterPositionTest::key,
            JoinHarness::key,
            DimensionJoinDeadLetterPositionTest::combine,
            Types.STRING);
    return JoinHarness.harness(step, JoinHarness.CHANGE, Types.STRING).on(backend).open();
  }

  private static String key(Change<String> fact) {
    return JoinHarness.key(fact.value());
  }

  private static String combine(Change<String> fact, @Nullable String row, JoinStatus status) {
    if (fact.value().endsWith("#throws")) {
      throw new IllegalStateException("no");
    }
    return status + " " + fact.value();
  }
}
