package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.changes;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.BatchModeHarness;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In {@code BATCH} mode (sorted inputs) a dedup step's output does not depend on the wall clock:
 * {@code withDeleteRetention} removes a key's tombstone by a processing-time timer, which batch
 * mode fires only when the key's records end, and nothing compares the tombstone's deadline with
 * the clock. So a retention of a millisecond, with seconds of processing time between two records
 * of a key, gives the output of the step without the option, as a retention longer than the run
 * does in streaming ("In batch mode" in docs/dedup.md).
 */
class DedupBatchModeTest {

  private static final Duration MILLI = Duration.ofMillis(1);

  /** Processing time between two records: past the retention's whole second. */
  private static final long STEP_MILLIS = 1_500;

  /** Grouped by key, as batch mode's sort gives them; versions ({@code #v5}) order each key. */
  private static final List<Change<String>> RECORDS =
      List.of(
          Change.insert("k1#v1"),
          Change.delete("k1#v5"),
          Change.insert("k1#v3"), // older than the delete: stale while the tombstone is kept
          Change.insert("k1#v6"),
          Change.delete("k1#v7"),
          Change.insert("k1#v2"),
          Change.delete("k2#v5"), // a key never seen: a tombstone all the same
          Change.insert("k2#v4"),
          Change.insert("k2#v6"),
          Change.insert("k3#v1"),
          Change.insert("k3#v2"));

  private static final List<Long> TIMESTAMPS =
      LongStream.rangeClosed(1, RECORDS.size()).boxed().toList();

  private static Dedup.DedupStep<Change<String>, String, String, Change<String>> byVersion() {
    return keepLast()
        .withOrdering(DedupOrder.by("version", DedupHarness::version))
        .withRetractOutput()
        .onChangelog();
  }

  @Test
  void deleteRetention_inBatchMode_givesTheOutputWithoutIt() throws Exception {
    List<Change<String>> without = batch(byVersion(), false);

    assertThat(batch(byVersion().withDeleteRetention(MILLI), true)).isEqualTo(without);
    assertThat(without)
        .containsExactly(
            Change.insert("k1#v1"),
            Change.delete("k1#v1"),
            Change.insert("k1#v6"),
            Change.delete("k1#v6"),
            Change.insert("k2#v6"),
            Change.insert("k3#v1"),
            Change.updateBefore("k3#v1"),
            Change.updateAfter("k3#v2"));
  }

  /** The contrast: in streaming mode the same clock removes the tombstones between records. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteRetention_inStreamingMode_forgetsTombstonesBetweenRecords(StateBackendKind backend)
      throws Exception {
    assertThat(streaming(byVersion().withDeleteRetention(MILLI), backend))
        .isNotEqualTo(streaming(byVersion(), backend))
        .contains(Change.insert("k1#v3"), Change.insert("k2#v4"));
  }

  /**
   * The step's output in the batch harness, the clock moving {@link #STEP_MILLIS} before each
   * record; checks whether the tombstones were removed (at the keys' ends), with the option.
   */
  private static List<Change<String>> batch(
      Dedup.DedupStep<Change<String>, String, String, Change<String>> step, boolean retention)
      throws Exception {
    try (BatchModeHarness<Change<String>, Change<String>> harness =
        BatchModeHarness.of(changes(step).output().toDataStream(), DedupHarness.STRING_CHANGE)) {
      List<Change<String>> output = harness.run(RECORDS, TIMESTAMPS, STEP_MILLIS);
      DedupOperator<?, ?, ?, ?> operator =
          (DedupOperator<?, ?, ?, ?>) harness.unwrap().getOperator();
      assertThat(operator.deleteMarkersRemovedCount())
          .as("tombstones removed when their keys ended")
          .isEqualTo(retention ? 1 : 0); // k1's; k2 ends live
      return output;
    }
  }

  private static List<Change<String>> streaming(
      Dedup.DedupStep<Change<String>, String, String, Change<String>> step,
      StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(step).harness().on(backend).open()) {
      long now = 0;
      for (int i = 0; i < RECORDS.size(); i++) {
        now += STEP_MILLIS;
        harness.setProcessingTime(now);
        harness.processElement(RECORDS.get(i), TIMESTAMPS.get(i));
      }
      return new ArrayList<>(harness.output());
    }
  }
}
