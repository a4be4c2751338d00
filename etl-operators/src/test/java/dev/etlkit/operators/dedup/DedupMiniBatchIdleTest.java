package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A mini-batch and an idle input: the step flushes its bundle before it passes the {@code IDLE}
 * status on, as it does before a watermark. Downstream, an idle channel leaves the watermark to the
 * other channels; rows flushed into it later (the bundle's delay may be longer than the source's
 * idleness timeout) could be behind a watermark those moved on, and late for a window.
 */
class DedupMiniBatchIdleTest {

  private static final Duration DELAY = Duration.ofMinutes(5);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void idleStatus_flushesTheBundleBeforeItIsPassedOn(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withMiniBatch(100, DELAY)).harness().on(backend).open()) {
      harness.processWatermark(5);
      harness.processElement("k1#v1", 10); // buffered
      harness.processElement("k2#v1", 20); // buffered
      harness.unwrap().processWatermarkStatus(WatermarkStatus.IDLE);

      assertThat(output(harness)).containsExactly("watermark 5", "k1#v1 @10", "k2#v1 @20", "IDLE");
    }
  }

  /** The main output in order: records as {@code "<value> @<timestamp>"}, watermarks, statuses. */
  private static List<String> output(OperatorHarness<?, String> harness) {
    List<String> lines = new ArrayList<>();
    for (Object element : harness.unwrap().getOutput()) {
      if (element instanceof StreamRecord<?> record) {
        lines.add(record.getValue() + " @" + record.getTimestamp());
      } else if (element instanceof WatermarkStatus status) {
        lines.add(status.isIdle() ? "IDLE" : "ACTIVE");
      } else if (element instanceof org.apache.flink.streaming.api.watermark.Watermark mark) {
        lines.add("watermark " + mark.getTimestamp());
      }
    }
    return lines;
  }
}
