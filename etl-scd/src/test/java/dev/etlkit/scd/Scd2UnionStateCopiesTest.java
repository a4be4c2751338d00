package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SCD2's union list states (whether every key has its cleanup timer, the TTL and the delete
 * retention they were set with) stay at one entry per subtask across restores and rescales, also
 * with the TTL and the delete retention switched off and on between them. Each restore gives every
 * subtask all subtasks' entries: a state whose subtasks wrote them all back would multiply them by
 * the parallelism every time.
 */
class Scd2UnionStateCopiesTest {

  private static final TypeInformation<Change<Account>> CHANGES = Change.typeInfo(Account.TYPE);
  private static final int[] PARALLELISMS = {2, 3, 2, 1, 2};

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoredAndRescaled_onePerSubtask(StateBackendKind backend) throws Exception {
    Scd2Step<Change<Account>, Account> step = Scd2Variant.spread().get(0).step();
    KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>> with =
        Scd2Harnesses.of(step.withDeleteRetention(Duration.ofHours(1)), CHANGES, Duration.ofDays(1))
            .harness()
            .on(backend);
    KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>> without =
        Scd2Harnesses.of(step, CHANGES, null).harness().on(backend);
    List<KeyedHarness<String, Change<Account>, Change<Scd2Row<Account>>>> recipes =
        List.of(with, with, without, with, with);

    List<OperatorSubtaskState> savepoints = List.of();
    Map<String, List<Integer>> most = new TreeMap<>();
    for (int attempt = 0; attempt < PARALLELISMS.length; attempt++) {
      int parallelism = PARALLELISMS[attempt];
      List<OperatorSubtaskState> next = new ArrayList<>();
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h =
            attempt == 0
                ? recipes.get(attempt).openSubtask(parallelism, subtask)
                : recipes.get(attempt).restoreSubtask(savepoints, parallelism, subtask)) {
          next.add(h.savepoint());
        }
      }
      savepoints = next;
      for (String state :
          List.of(
              Scd2Operator.TIMERS_COMPLETE_STATE,
              Scd2Operator.CLEANUP_TTL_STATE,
              Scd2Operator.DELETE_RETENTION_STATE)) {
        most.computeIfAbsent(state, s -> new ArrayList<>()).add(mostEntries(savepoints, state));
      }
    }

    assertThat(most.get(Scd2Operator.TIMERS_COMPLETE_STATE)).containsOnly(1);
    assertThat(most.get(Scd2Operator.CLEANUP_TTL_STATE)).containsOnly(1);
    // none while the option is off (cleared), one per subtask with it
    assertThat(most.get(Scd2Operator.DELETE_RETENTION_STATE)).containsExactly(1, 1, 0, 1, 1);
  }

  /** The most entries of operator state {@code name} in one of {@code snapshots}. */
  private static int mostEntries(List<OperatorSubtaskState> snapshots, String name) {
    int most = 0;
    for (OperatorSubtaskState snapshot : snapshots) {
      int n = 0;
      for (OperatorStateHandle handle : snapshot.getManagedOperatorState()) {
        OperatorStateHandle.StateMetaInfo info = handle.getStateNameToPartitionOffsets().get(name);
        if (info != null) {
          n += info.getOffsets().length;
        }
      }
      most = Math.max(most, n);
    }
    return most;
  }
}
