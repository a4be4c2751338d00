package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.BatchModeHarness;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.transformations.TwoInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In {@code BATCH} mode (sorted inputs) a dimension join's output does not depend on the wall
 * clock: the latest join's {@code withMaxWait} and both joins' {@code withDeleteRetention} run on
 * processing-time timers, which batch mode fires only when the key's records end, and nothing
 * compares a deadline with the clock. A wait and a retention of a millisecond, with seconds of
 * processing time between two records of a key, give the output of a wait longer than the run and
 * of no retention ("In batch mode" in docs/enrichment-state.md).
 */
class DimensionJoinBatchModeTest {

  private static final Duration MILLI = Duration.ofMillis(1);
  private static final Duration HOUR = Duration.ofHours(1);

  /** Processing time between two records: past the wait and the retention's whole second. */
  private static final long STEP_MILLIS = 1_500;

  /** Grouped by key, in time order, as batch mode's sort gives them. */
  private static final List<Either<String, Change<String>>> RECORDS =
      List.of(
          row(Change.insert("k1#v1")),
          row(Change.delete("k1#v1")),
          fact("k1#o1"), // the key's delete marker is kept: DELETED
          fact("k2#o1"), // no row yet: waits
          row(Change.insert("k2#v1")), // releases it
          fact("k2#o2"),
          fact("k3#o1")); // no row ever: times out when its key ends

  private static final List<Long> TIMESTAMPS =
      LongStream.rangeClosed(1, RECORDS.size()).boxed().toList();

  @Test
  void latest_shortWaitAndRetention_inBatchMode_giveTheOutputOfALongWaitWithoutRetention()
      throws Exception {
    List<String> reference = batch(JoinHarness.latest().withMaxWait(HOUR), 0);

    assertThat(batch(JoinHarness.latest().withMaxWait(MILLI).withDeleteRetention(MILLI), 1))
        .isEqualTo(reference);
    assertThat(reference)
        .containsExactly(
            "DELETED k1#o1",
            "FOUND_AFTER_WAIT k2#o1 k2#v1",
            "FOUND k2#o2 k2#v1",
            "TIMED_OUT k3#o1");
  }

  @Test
  void asOf_retention_inBatchMode_givesTheOutputWithoutIt() throws Exception {
    List<String> reference = batch(JoinHarness.asOf(), 0);

    assertThat(batch(JoinHarness.asOf().withDeleteRetention(MILLI), 1)).isEqualTo(reference);
    assertThat(reference)
        .containsExactly(
            "DELETED k1#o1", "NOT_FOUND k2#o1", "FOUND k2#o2 k2#v1", "NOT_FOUND k3#o1");
  }

  /** The contrast: in streaming mode the same clock times facts out and removes the marker. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_shortWaitAndRetention_inStreamingMode_dependOnTheClock(StateBackendKind backend)
      throws Exception {
    assertThat(
            streaming(JoinHarness.latest().withMaxWait(MILLI).withDeleteRetention(MILLI), backend))
        .isNotEqualTo(streaming(JoinHarness.latest().withMaxWait(HOUR), backend))
        .contains("TIMED_OUT k1#o1", "TIMED_OUT k2#o1");
  }

  /**
   * The join's output in Flink's two-input harness with the batch state backend and timer service
   * ({@link BatchModeHarness#batchMode}), the clock moving {@link #STEP_MILLIS} before each record,
   * then the end of input; checks how many delete markers were removed (when their keys ended).
   */
  @SuppressWarnings("unchecked")
  private static List<String> batch(
      DimensionJoinStep<String, String, String, String> step, long markersRemoved)
      throws Exception {
    JoinHarness.Expanded expanded = JoinHarness.expand(step);
    TwoInputTransformation<String, Change<String>, String> join = expanded.join();
    try (var harness =
        new KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String>(
            expanded.newOperator(),
            (KeySelector<String, Object>) join.getStateKeySelector1(),
            (KeySelector<Change<String>, Object>) join.getStateKeySelector2(),
            (TypeInformation<Object>) join.getStateKeyType(),
            128,
            1,
            0)) {
      Configuration noGenericTypes = new Configuration();
      noGenericTypes.set(PipelineOptions.GENERIC_TYPES, false);
      harness
          .getExecutionConfig()
          .getSerializerConfig()
          .configure(noGenericTypes, DimensionJoinBatchModeTest.class.getClassLoader());
      BatchModeHarness.batchMode(harness);
      harness.setup(
          Types.STRING.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      long now = 0;
      for (int i = 0; i < RECORDS.size(); i++) {
        now += STEP_MILLIS;
        harness.setProcessingTime(now);
        Either<String, Change<String>> record = RECORDS.get(i);
        if (record.isLeft()) {
          harness.processElement1(record.left(), TIMESTAMPS.get(i));
        } else {
          harness.processElement2(record.right(), TIMESTAMPS.get(i));
        }
      }
      harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));
      harness.endInput1();
      harness.endInput2();
      DimensionJoinOperator<?, ?, ?, ?> operator =
          (DimensionJoinOperator<?, ?, ?, ?>) harness.getOperator();
      assertThat(operator.joinMetrics().deleteMarkersRemovedCount())
          .as("delete markers removed when their keys ended")
          .isEqualTo(markersRemoved);
      return new ArrayList<>(harness.extractOutputValues());
    }
  }

  private static List<String> streaming(
      DimensionJoinStep<String, String, String, String> step, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Either<String, Change<String>>, String> harness =
        JoinHarness.expand(step).harness().on(backend).open()) {
      long now = 0;
      for (int i = 0; i < RECORDS.size(); i++) {
        now += STEP_MILLIS;
        harness.setProcessingTime(now);
        harness.processElement(RECORDS.get(i), TIMESTAMPS.get(i));
      }
      return harness.output();
    }
  }

  private static Either<String, Change<String>> fact(String fact) {
    return Either.Left(fact);
  }

  private static Either<String, Change<String>> row(Change<String> row) {
    return Either.Right(row);
  }
}
