package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.KeyedHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.types.Either;

/** One configuration of a dimension join under test, for the model and the operator alike. */
record JoinMode(
    boolean asOf, long maxWait, int maxBuffered, UnmatchedFacts unmatched, long lateness) {

  /** The configurations the model and cut-point tests cycle through. */
  static final List<JoinMode> MODES =
      List.of(
          latest(0, 1_000, UnmatchedFacts.EMIT),
          latest(50, 2, UnmatchedFacts.EMIT),
          latest(50, 1_000, UnmatchedFacts.DEAD_LETTER),
          asOf(0, 0, 1_000, UnmatchedFacts.EMIT),
          asOf(20, 0, 3, UnmatchedFacts.EMIT),
          asOf(0, 15, 1_000, UnmatchedFacts.DEAD_LETTER),
          asOf(20, 10, 4, UnmatchedFacts.EMIT));

  private static final Map<JoinMode, JoinHarness.Expanded> EXPANDED = new ConcurrentHashMap<>();

  static JoinMode latest(long maxWait, int maxBuffered, UnmatchedFacts unmatched) {
    return new JoinMode(false, maxWait, maxBuffered, unmatched, 0);
  }

  static JoinMode asOf(long maxWait, long lateness, int maxBuffered, UnmatchedFacts unmatched) {
    return new JoinMode(true, maxWait, maxBuffered, unmatched, lateness);
  }

  /** The step of this configuration, named {@value JoinHarness#STEP}. */
  DimensionJoinStep<String, String, String, String> step() {
    return step(JoinHarness::combine, Types.STRING);
  }

  /** The step of this configuration with the given combiner, named {@value JoinHarness#STEP}. */
  <O> DimensionJoinStep<String, String, String, O> step(
      DimensionJoin.Combiner<String, String, O> combiner, TypeInformation<O> outputType) {
    return configure(
        asOf ? JoinHarness.asOf(combiner, outputType) : JoinHarness.latest(combiner, outputType));
  }

  /**
   * The step of this configuration over facts and dimension rows of any type, keyed by strings,
   * named {@value JoinHarness#STEP}.
   */
  <F, D, O> DimensionJoinStep<F, D, String, O> step(
      TypeInformation<Change<D>> dimensionType,
      KeySelector<F, String> factKey,
      KeySelector<D, String> dimensionKey,
      DimensionJoin.Combiner<F, D, O> combiner,
      TypeInformation<O> outputType) {
    DataStream<Change<D>> dimension = JoinHarness.dimensionStream(dimensionType);
    String name = JoinHarness.STEP;
    return configure(
        asOf
            ? DimensionJoin.asOf(name, dimension, factKey, dimensionKey, combiner, outputType)
            : DimensionJoin.latest(name, dimension, factKey, dimensionKey, combiner, outputType));
  }

  /** {@code join} (a latest or point-in-time join, as this configuration) with its options. */
  private <F, D, K, O> DimensionJoinStep<F, D, K, O> configure(DimensionJoinStep<F, D, K, O> join) {
    DimensionJoinStep<F, D, K, O> step =
        join.withMaxWait(Duration.ofMillis(maxWait)).withUnmatchedFacts(unmatched);
    if (maxWait > 0) { // the bound of waiting facts is refused where none waits
      step = step.withMaxBufferedFacts(maxBuffered);
    }
    return asOf ? step.withAllowedLateness(Duration.ofMillis(lateness)) : step;
  }

  /** Harnesses of this configuration's operator (expanded once per mode). */
  KeyedHarness<Object, Either<String, Change<String>>, String> harness() {
    return expanded().harness();
  }

  JoinHarness.Expanded expanded() {
    return EXPANDED.computeIfAbsent(this, mode -> JoinHarness.expand(mode.step()));
  }

  @Override
  public String toString() {
    return (asOf ? "asOf" : "latest")
        + "(wait="
        + maxWait
        + ", max="
        + maxBuffered
        + ", "
        + unmatched
        + (asOf ? ", lateness=" + lateness : "")
        + ")";
  }
}
