package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SnapshotStates;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The dedup step's savepoints hold exactly the states its inventory declares, with the declared
 * serializers and TTL, in configurations DedupDeclaredStateTest does not cover: keep-first in event
 * time (held rows) with a TTL, with mini-batches and with late records as dead letters; ordered
 * keep-first with upsert output; keep-first and ordered keep-last on changelogs, all with a TTL;
 * ordered keep-last on a changelog with a delete retention. Added by the state review of
 * 2026-11-23, which found no mismatch here.
 */
class DedupDeclaredStateMoreConfigsTest {

  private static final Duration TTL = Duration.ofHours(1);

  private static final HarnessInput<String> ROWS = DedupDeclaredStateTest.ROWS;

  private static final HarnessInput<Change<String>> CHANGES = DedupDeclaredStateTest.CHANGES;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstEventTime_withTtl_andMiniBatch(StateBackendKind backend) throws Exception {
    check(
        DedupHarness.rows(
            DedupHarness.keepFirst()
                .withEventTimeOrder()
                .withStateTtl(TTL)
                .withLateRecords(LateRecords.DEAD_LETTER)),
        ROWS,
        backend);
    check(
        DedupHarness.rows(
            DedupHarness.keepFirst()
                .withEventTimeOrder()
                .withMiniBatch(10, Duration.ofSeconds(1))
                .withStateTtl(TTL)),
        ROWS,
        backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstUpsertAndChangelogs(StateBackendKind backend) throws Exception {
    check(
        DedupHarness.rows(
            DedupHarness.keepFirst().withEventTimeOrder().withUpsertOutput().withStateTtl(TTL)),
        ROWS,
        backend);
    check(
        DedupHarness.changes(
            DedupHarness.keepFirst().withRetractOutput().onChangelog().withStateTtl(TTL)),
        CHANGES,
        backend);
    check(
        DedupHarness.changes(
            DedupHarness.keepLast()
                .withEventTimeOrder()
                .withUpsertOutput()
                .onChangelog()
                .withStateTtl(TTL)),
        CHANGES,
        backend);
  }

  /** With a delete retention: the deadline state and the timers of the pending removal. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastOnAnOrderedChangelog_withDeleteRetention(StateBackendKind backend) throws Exception {
    check(
        DedupHarness.changes(
            DedupHarness.keepLast()
                .withEventTimeOrder()
                .withRetractOutput()
                .onChangelog()
                .withStateTtl(TTL)
                .withDeleteRetention(Duration.ofMinutes(10))),
        CHANGES,
        backend);
  }

  private static <I, O> void check(
      DedupHarness.Expanded<I, O> expanded, HarnessInput<I> input, StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<I, O> h = expanded.harness().on(backend).open()) {
      h.run(input);
      assertThat(SnapshotStates.names(h.savepoint()))
          .isEqualTo(SnapshotStates.declared(expanded.inventory(), "test/dedup"));
      assertThat(SnapshotStates.typeMismatches(h.savepoint(), expanded.inventory(), "test/dedup"))
          .isEmpty();
    }
  }
}
