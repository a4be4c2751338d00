package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.operators.dedup.internal.DedupConfig;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rows that keep-first append in event time holds for the watermark ({@code dedup-pending}) must
 * never be stranded by a restore into a step that holds none. A savepoint of format 1 did not
 * record that rows are held, and its {@code dedup} state (markers of emitted keys) has the shape of
 * keep-first's in processing time: the restore is accepted, and the held row (k2#v1 in the
 * committed file) would stay in state, never emitted, never dead-lettered, not even at the end of
 * input.
 */
class DedupHeldRowsRestoreTest {

  private static final SavepointCompatibility SNAPSHOTS =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);

  static Stream<Arguments> stepsWithoutHeldRows() {
    return Stream.of(StateBackendKind.values())
        .flatMap(
            backend ->
                Stream.of(
                    Arguments.of("keep-first by arrival, append", backend, false),
                    Arguments.of("keep-first by arrival, upsert", backend, true)));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("stepsWithoutHeldRows")
  void heldRowsOfFormat1_restoredIntoAStepThatHoldsNone_failTheRestoreNamingThem(
      String step, StateBackendKind backend, boolean upsert) throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // reads the files, writes none
    KeyedHarness<Object, String, ?> byArrival =
        upsert
            ? DedupHarness.rows(DedupHarness.keepFirst().withUpsertOutput()).harness().on(backend)
            : DedupHarness.rows(DedupHarness.keepFirst()).harness().on(backend);

    assertThatThrownBy(
            () ->
                byArrival
                    .restore(
                        SnapshotFiles.read(
                            SNAPSHOTS.file("dedup-keep-first-event-time", 1, backend)))
                    .close())
        .hasStackTraceContaining("dedup step 'dedup'")
        .hasStackTraceContaining("'" + DedupConfig.PENDING_STATE + "'")
        .hasStackTraceContaining("would never emit")
        .hasStackTraceContaining("--drain");
  }
}
