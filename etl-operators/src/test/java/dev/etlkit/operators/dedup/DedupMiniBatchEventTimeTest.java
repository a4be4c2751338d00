package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.counts;
import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Mini-batches in event time: lateness at the watermark's edge, ties, the watermark's flush. */
class DedupMiniBatchEventTimeTest {

  private static final String LATE = "late-records";
  private static final Duration DELAY = Duration.ofSeconds(1);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstHeld_bufferedRowAtTheNextWatermark_isEmittedByIt_andARecordAtItIsLate(
      StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withEventTimeOrder().withMiniBatch(100, DELAY))
            .harness()
            .on(backend)
            .open()) {
      harness.processWatermark(9);
      harness.processElement("k1#v1", 10); // one ms ahead of the watermark: buffered
      harness.processWatermark(10); // flushes, holds k1#v1 at 10, which this watermark passes
      harness.processElement("k1#v0", 10); // at the watermark: late
      harness.processElement("k1#v2", 11); // after the emitted row: a duplicate
      harness.advanceProcessingTime(DELAY.toMillis());

      assertThat(harness.emitted())
          .containsExactly(Emitted.main("k1#v1", 10L), Emitted.side(LATE, "k1#v0", 10L));
      assertThat(counts(harness))
          .contains(
              entry("in", 3L), entry("out", 1L), entry("filtered", 1L), entry("deduplicated", 1L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLast_tieOnEventTimeInABundle_laterArrivalWins_asWithout(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, Change<String>> bundled =
            rows(keepLast().withEventTimeOrder().withMiniBatch(100, DELAY))
                .harness()
                .on(backend)
                .open();
        OperatorHarness<String, Change<String>> plain =
            rows(keepLast().withEventTimeOrder()).harness().on(backend).open()) {
      for (OperatorHarness<String, Change<String>> harness : java.util.List.of(bundled, plain)) {
        harness.processWatermark(5);
        harness.processElement("k1#v1", 10);
        harness.processElement("k1#v5", 5); // at the watermark: late
        harness.processElement("k1#v2", 10); // a tie: the later arrival wins
        harness.processElement("k1#v0", 9); // older: stale
        harness.processWatermark(20);
      }
      assertThat(bundled.output()).containsExactly(Change.insert("k1#v2")); // the net change
      assertThat(plain.output()).endsWith(Change.updateAfter("k1#v2"));
      assertThat(bundled.emitted()).contains(Emitted.side(LATE, "k1#v5", 5L));
    }
  }
}
