package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import dev.etlkit.operators.internal.OperatorStateCopies;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.Either;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A join keeps its union list states (the variant mark, the held facts' counts, the watermark)
 * bounded to one entry per subtask (the counts: one per key group) also across restores into a
 * configuration that does not use them: a latest join that no longer waits, a latest join in place
 * of a point-in-time join without rows (both restore). Flink carries restored operator state on
 * when no one registers it, and a union list state gives every subtask all subtasks' entries at a
 * restore: carried on, its entries would multiply by the parallelism with every restore.
 */
class DimensionJoinUnionStateCopiesTest {

  private static final int PARALLELISM = 2;
  private static final int RESTORES = 3;

  private static final JoinMode LATEST_WAITING = JoinMode.latest(100, 1_000, UnmatchedFacts.EMIT);
  private static final JoinMode LATEST = JoinMode.latest(0, 1_000, UnmatchedFacts.EMIT);
  private static final JoinMode AS_OF = JoinMode.asOf(10, 0, 1_000, UnmatchedFacts.EMIT);

  private static final List<String> UNION_STATES =
      List.of(
          JoinConfig.VARIANT_STATE,
          JoinConfig.HELD_FACTS_STATE,
          JoinConfig.WATERMARK_STATE,
          JoinConfig.WATERMARK_RANGES_STATE);

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latestNoLongerWaiting_unionStatesDoNotMultiplyWithEveryRestore(StateBackendKind backend)
      throws Exception {
    assertThat(mostEntriesPerRestore(LATEST_WAITING, LATEST, backend))
        .as("most entries of a union state in a subtask's snapshot after each restore")
        .allSatisfy((state, perRestore) -> assertThat(perRestore).as(state).allMatch(n -> n <= 1));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOfWithoutRowsRestoredAsLatest_unionStatesDoNotMultiplyWithEveryRestore(
      StateBackendKind backend) throws Exception {
    assertThat(mostEntriesPerRestore(AS_OF, LATEST, backend))
        .as("most entries of a union state in a subtask's snapshot after each restore")
        .allSatisfy((state, perRestore) -> assertThat(perRestore).as(state).allMatch(n -> n <= 1));
  }

  /**
   * Savepoints of {@code before} at {@link #PARALLELISM} (holding no keyed state), restored into
   * {@code after} {@link #RESTORES} times, each time saved again: per union state, the most entries
   * one subtask's snapshot holds after each restore.
   */
  private static Map<String, List<Integer>> mostEntriesPerRestore(
      JoinMode before, JoinMode after, StateBackendKind backend) throws Exception {
    KeyedHarness<Object, Either<String, Change<String>>, String> first =
        before.harness().on(backend);
    List<OperatorSubtaskState> savepoints = new ArrayList<>();
    for (int subtask = 0; subtask < PARALLELISM; subtask++) {
      try (OperatorHarness<Either<String, Change<String>>, String> h =
          first.openSubtask(PARALLELISM, subtask)) {
        h.processWatermark(20);
        savepoints.add(h.savepoint());
      }
    }
    KeyedHarness<Object, Either<String, Change<String>>, String> then = after.harness().on(backend);
    Map<String, List<Integer>> most = new TreeMap<>();
    for (int restore = 0; restore < RESTORES; restore++) {
      List<OperatorSubtaskState> next = new ArrayList<>();
      for (int subtask = 0; subtask < PARALLELISM; subtask++) {
        try (OperatorHarness<Either<String, Change<String>>, String> h =
            then.restoreSubtask(savepoints, PARALLELISM, subtask)) {
          next.add(h.savepoint());
        }
      }
      savepoints = next;
      for (String state : UNION_STATES) {
        most.computeIfAbsent(state, s -> new ArrayList<>())
            .add(
                OperatorStateCopies.of(savepoints, state).stream()
                    .mapToInt(Integer::intValue)
                    .max()
                    .orElse(0));
      }
    }
    return most;
  }
}
