package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.changes;
import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.Emitted;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The record timestamps of what dedup emits from a timer rather than from the record at hand: a
 * held keep-first candidate released by the watermark, a mini-batch flushed by its delay (the
 * processing-time service) and the delete retention's timer. An emitted row keeps the timestamp of
 * the record it is (none if it had none); the retention's timer emits nothing.
 */
class DedupOutputTimestampsTest {

  private static final Duration DELAY = Duration.ofSeconds(1);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstHeld_releasedByAWatermarkFarAhead_keepsItsOwnTimestamp(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withEventTimeOrder()).harness().on(backend).open()) {
      harness.processElement("k1#v1", 10);
      harness.processElement("k2#v1", 20);
      harness.processWatermark(1_000);

      assertThat(harness.emitted())
          .containsExactly(Emitted.main("k1#v1", 10L), Emitted.main("k2#v1", 20L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_flushedByItsDelay_rowsKeepTheirRecordsTimestamps(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        rows(keepLast().withMiniBatch(100, DELAY)).harness().on(backend).open()) {
      harness.processElement("k1#v1", 10);
      harness.processElement("k1#v2", 11);
      harness.processElement("k2#v1"); // no timestamp
      assertThat(harness.emitted()).isEmpty();
      harness.advanceProcessingTime(DELAY.toMillis());

      assertThat(harness.emitted())
          .containsExactlyInAnyOrder(
              Emitted.main(Change.insert("k1#v2"), 11L),
              Emitted.main(Change.insert("k2#v1"), null));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteRetention_itsTimerEmitsNothing(StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(
                keepLast()
                    .withOrdering(DedupOrder.by("version", DedupHarness::version))
                    .onChangelog()
                    .withDeleteRetention(Duration.ofMinutes(1)))
            .harness()
            .on(backend)
            .open()) {
      harness.processElement(Change.insert("k1#v1"), 10);
      harness.processElement(Change.delete("k1#v2"), 11);
      harness.setProcessingTime(Duration.ofMinutes(1).toMillis());

      assertThat(harness.unwrap().numProcessingTimeTimers()).as("the removal ran").isZero();
      assertThat(harness.emitted())
          .containsExactly(
              Emitted.main(Change.insert("k1#v1"), 10L), Emitted.main(Change.delete("k1#v2"), 11L));
    }
  }
}
