package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A savepoint restored into a dedup step whose state would mean something else fails the restore
 * instead of misreading the state ({@code docs/operations.md}): the snapshot of the dedup state
 * records its layout, the keep mode and what each ordering component is. On heap and RocksDB.
 */
class DedupRestoreTest {

  /** Epoch milliseconds: what an event-time ordering keeps, far above any version number. */
  private static final long NOW = 1_700_000_000_000L;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_intoAnotherOutputMode_failsInsteadOfMisreadingTheState(StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state = stateOf(keepLast(), backend);
    KeyedHarness<Object, String, Change<String>> retract =
        rows(keepLast().withRetractOutput()).harness().on(backend);

    assertThatThrownBy(() -> retract.restore(state).close())
        .hasStackTraceContaining("dedup")
        .hasStackTraceContaining("incompatible");
    assertPredictedIncompatible(state, keepLast().withRetractOutput());
  }

  static Stream<Arguments> changedMeanings() {
    DedupOrder<String> byVersion = DedupOrder.by(DedupHarness::version);
    List<Arguments> cases = new ArrayList<>();
    for (StateBackendKind backend : StateBackendKind.values()) {
      cases.add(
          Arguments.of(
              "event time into a key",
              keepLast().withOrdering(DedupOrder.byEventTime()),
              keepLast().withOrdering(byVersion),
              "keepLast by [eventTime]",
              backend));
      cases.add(
          Arguments.of(
              "a key into event time",
              keepLast().withOrdering(byVersion),
              keepLast().withOrdering(DedupOrder.byEventTime()),
              "keepLast by [key]",
              backend));
      cases.add(
          Arguments.of(
              "event time then a key into two keys",
              keepLast()
                  .withOrdering(DedupOrder.<String>byEventTime().thenBy(DedupHarness::version)),
              keepLast().withOrdering(byVersion.thenBy(DedupHarness::version)),
              "keepLast by [eventTime, key]",
              backend));
      cases.add(
          Arguments.of(
              "keep-first into keep-last",
              keepFirst().withOrdering(byVersion).withUpsertOutput(),
              keepLast().withOrdering(byVersion),
              "keepFirst by [key]",
              backend));
      cases.add(
          Arguments.of(
              "keep-last into keep-first, retract",
              keepLast().withEventTimeOrder().withRetractOutput(),
              keepFirst().withEventTimeOrder().withRetractOutput(),
              "keepLast by [eventTime]",
              backend));
      cases.add(
          Arguments.of(
              "keep-first holding rows for the watermark into processing time",
              keepFirst().withEventTimeOrder(),
              keepFirst(),
              "keepFirst holding rows for the watermark",
              backend));
      cases.add(
          Arguments.of(
              "keep-first in processing time into holding rows for the watermark",
              keepFirst(),
              keepFirst().withEventTimeOrder(),
              "keepFirst",
              backend));
      cases.add(
          Arguments.of(
              "a named key into another name",
              keepLast().withOrdering(DedupOrder.by("version", DedupHarness::version)),
              keepLast().withOrdering(DedupOrder.by("revision", DedupHarness::version)),
              "keepLast by [key 'version']",
              backend));
      cases.add(
          Arguments.of(
              "a named key into an unnamed one",
              keepLast().withOrdering(DedupOrder.by("version", DedupHarness::version)),
              keepLast().withOrdering(byVersion),
              "keepLast by [key 'version']",
              backend));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} on {4}")
  @MethodSource("changedMeanings")
  void restore_intoAnotherOrderingOrKeepMode_isRefusedNamingWhatTheStateHolds(
      String change,
      Dedup.DedupStep<String, String, String, Change<String>> before,
      Dedup.DedupStep<String, String, String, Change<String>> after,
      String recorded,
      StateBackendKind backend)
      throws Exception {
    OperatorSubtaskState state = stateOf(before, backend);
    KeyedHarness<Object, String, Change<String>> changed = rows(after).harness().on(backend);
    assertPredictedIncompatible(state, after);

    assertThatThrownBy(
            () -> {
              try (OperatorHarness<String, Change<String>> restored = changed.restore(state)) {
                restored.processElement("k1#v2", NOW + 2);
              }
            })
        .hasStackTraceContaining("incompatible")
        .hasStackTraceContaining(recorded);
  }

  /**
   * What {@code SavepointCheck} compares finds the refusal before the restore: a state of {@code
   * after} that cannot read the saved one ({@link SnapshotStates#typeMismatches}).
   */
  private static void assertPredictedIncompatible(
      OperatorSubtaskState state, Dedup.DedupStep<String, String, String, Change<String>> after)
      throws IOException {
    assertThat(SnapshotStates.typeMismatches(state, rows(after).inventory(), "test/dedup"))
        .anySatisfy(m -> assertThat(m).contains("INCOMPATIBLE"));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_namingAnUnnamedKey_continuesAndRecordsTheName(StateBackendKind backend)
      throws Exception {
    DedupOrder<String> unnamed = DedupOrder.by(DedupHarness::version);
    OperatorSubtaskState unnamedState = stateOf(keepLast().withOrdering(unnamed), backend);
    KeyedHarness<Object, String, Change<String>> named =
        rows(keepLast().withOrdering(DedupOrder.by("version", DedupHarness::version)))
            .harness()
            .on(backend);
    OperatorSubtaskState namedState;

    try (OperatorHarness<String, Change<String>> restored = named.restore(unnamedState)) {
      restored.processElement("k1#v0", NOW + 1); // an older version: stale
      restored.processElement("k1#v2", NOW + 2);
      assertThat(restored.output()).containsExactly(Change.updateAfter("k1#v2"));
      namedState = restored.savepoint();
    }
    KeyedHarness<Object, String, Change<String>> unnamedAgain =
        rows(keepLast().withOrdering(unnamed)).harness().on(backend);
    assertThatThrownBy(() -> unnamedAgain.restore(namedState).close())
        .hasStackTraceContaining("keepLast by [key 'version']");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_sameOrdering_continuesFromTheState(StateBackendKind backend) throws Exception {
    Dedup.DedupStep<String, String, String, Change<String>> step =
        keepLast().withOrdering(DedupOrder.<String>byEventTime().thenBy(DedupHarness::version));
    OperatorSubtaskState state = stateOf(step, backend);

    try (OperatorHarness<String, Change<String>> restored =
        rows(step).harness().on(backend).restore(state)) {
      restored.processElement("k1#v0", NOW - 1); // older than the kept row: stale
      restored.processElement("k1#v2", NOW + 2);

      assertThat(restored.output()).containsExactly(Change.updateAfter("k1#v2"));
    }
  }

  /** A savepoint of {@code step} holding key k1 (row {@code k1#v1} at {@link #NOW}). */
  private static OperatorSubtaskState stateOf(
      Dedup.DedupStep<String, String, String, Change<String>> step, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        rows(step).harness().on(backend).open()) {
      harness.processElement("k1#v1", NOW);
      return harness.savepoint();
    }
  }
}
