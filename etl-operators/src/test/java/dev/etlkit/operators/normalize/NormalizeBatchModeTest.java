package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_STRINGS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.STRING_CHANGES;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.expanded;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.show;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.BatchModeHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In {@code BATCH} mode (sorted inputs) the upsert normalizer's output does not depend on the wall
 * clock: {@code withDeleteRetention} removes a key's delete marker by a processing-time timer,
 * which batch mode fires only when the key's records end, and nothing compares the marker's
 * deadline with the clock. A retention of a millisecond, with seconds of processing time between
 * two records of a key, gives the changelog and the stale changes of the step without the option
 * ("In batch mode" in docs/normalize.md).
 */
class NormalizeBatchModeTest {

  private static final Duration MILLI = Duration.ofMillis(1);

  /** Processing time between two records: past the retention's whole second. */
  private static final long STEP_MILLIS = 1_500;

  /** Grouped by key, as batch mode's sort gives them; the source position is the sequence. */
  private static final List<Change<String>> RECORDS =
      List.of(
          Change.insert("k1#v1").withSourcePosition(1),
          Change.delete("k1#").withSourcePosition(2),
          Change.updateAfter("k1#v0").withSourcePosition(1), // older than the delete: stale
          Change.insert("k1#v3").withSourcePosition(3),
          Change.delete("k2#").withSourcePosition(5), // a key never seen: a marker all the same
          Change.insert("k2#v1").withSourcePosition(4), // older than the delete: stale
          Change.insert("k3#v1").withSourcePosition(1),
          Change.updateAfter("k3#v2").withSourcePosition(2));

  private static final List<Long> TIMESTAMPS =
      LongStream.rangeClosed(1, RECORDS.size()).boxed().toList();

  private static UpsertNormalize<String, String> versioned() {
    return strings()
        .withSequence(ChangeSequence.sourcePosition())
        .withUnknownKeyDeletes(UpsertNormalize.Route.EMIT);
  }

  @Test
  void deleteRetention_inBatchMode_givesTheOutputWithoutIt() throws Exception {
    List<String> without = batch(versioned());

    assertThat(batch(versioned().withDeleteRetention(MILLI))).isEqualTo(without);
    assertThat(without)
        .containsExactly(
            "+I[k1#v1] pos=1",
            "-D[k1#v1] pos=2",
            "+I[k1#v3] pos=3",
            "-D[k2#] pos=5",
            "+I[k3#v1] pos=1",
            "-U[k3#v1] pos=2",
            "+U[k3#v2] pos=2",
            "rejected +U[k1#v0] pos=1",
            "rejected +I[k2#v1] pos=4");
  }

  /** The contrast: in streaming mode the same clock removes the markers between records. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteRetention_inStreamingMode_forgetsMarkersBetweenRecords(StateBackendKind backend)
      throws Exception {
    assertThat(streaming(versioned().withDeleteRetention(MILLI), backend))
        .isNotEqualTo(streaming(versioned(), backend))
        .contains("+I[k1#v0] pos=1", "+I[k2#v1] pos=4");
  }

  /** The main output, then the stale changes ("rejected ..."), of the step in the batch harness. */
  private static List<String> batch(UpsertNormalize<String, String> step) throws Exception {
    try (BatchModeHarness<Change<String>, Change<String>> harness =
        BatchModeHarness.of(
            expanded(step, STRING_CHANGES, null).output().toDataStream(), STRING_CHANGES)) {
      List<String> shown = new ArrayList<>(show(harness.run(RECORDS, TIMESTAMPS, STEP_MILLIS)));
      var rejected = harness.unwrap().getSideOutput(REJECTED_STRINGS);
      if (rejected != null) {
        for (StreamRecord<Change<String>> record : rejected) {
          shown.add("rejected " + record.getValue());
        }
      }
      return shown;
    }
  }

  private static List<String> streaming(
      UpsertNormalize<String, String> step, StateBackendKind backend) throws Exception {
    try (OperatorHarness<Change<String>, Change<String>> harness =
        expanded(step, STRING_CHANGES, null).harness().on(backend).open()) {
      long now = 0;
      for (int i = 0; i < RECORDS.size(); i++) {
        now += STEP_MILLIS;
        harness.setProcessingTime(now);
        harness.processElement(RECORDS.get(i), TIMESTAMPS.get(i));
      }
      return show(harness.output());
    }
  }
}
