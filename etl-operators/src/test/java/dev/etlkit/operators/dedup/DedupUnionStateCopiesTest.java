package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.internal.DedupConfig;
import dev.etlkit.operators.internal.OperatorStateCopies;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The dedup step's union list states stay bounded across restores and rescales: the watermarks and
 * the delete retention's flag and retention at one entry per subtask, the held rows' counts at one
 * per key group holding rows. Each restore gives every subtask all subtasks' entries; a state whose
 * subtasks wrote them all back would multiply them by the parallelism every time. Restored at
 * parallelism 2, 3, 2 and 1, on heap and RocksDB; the delete retention also switched off and on
 * again (its states are cleared while it is off).
 */
class DedupUnionStateCopiesTest {

  private static final int[] PARALLELISMS = {2, 3, 2, 1, 2};

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastOnAnOrderedChangelog_withDeleteRetention_onePerSubtask(StateBackendKind backend)
      throws Exception {
    Dedup.DedupStep<Change<String>, String, String, Change<String>> step =
        DedupHarness.keepLast().withEventTimeOrder().withRetractOutput().onChangelog();
    KeyedHarness<Object, Change<String>, Change<String>> with =
        DedupHarness.changes(step.withDeleteRetention(Duration.ofMinutes(10)))
            .harness()
            .on(backend);
    KeyedHarness<Object, Change<String>, Change<String>> without =
        DedupHarness.changes(step).harness().on(backend);

    Map<String, List<Integer>> most =
        mostEntriesPerRestore(
            List.of(with, with, without, with, with), List.of(Change.delete("k1#v1")));

    assertThat(most)
        .containsOnlyKeys(
            DedupConfig.WATERMARK_STATE,
            DedupConfig.WATERMARK_RANGES_STATE,
            DedupConfig.DELETE_DEADLINES_COMPLETE_STATE,
            DedupConfig.DELETE_RETENTION_STATE)
        .allSatisfy((state, perRestore) -> assertThat(perRestore).as(state).allMatch(n -> n <= 1));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstInEventTime_heldRowCountsOnePerKeyGroup(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> recipe =
        DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder()).harness().on(backend);

    Map<String, List<Integer>> most =
        mostEntriesPerRestore(List.of(recipe, recipe, recipe, recipe, recipe), List.of("k1#v1"));

    // one row held per subtask and attempt (never released: no watermark passes it), so at most
    // one entry per row held (one per key group holding rows): today [2, 3, 7, 5] of 5, 7, 8, 10
    int held = java.util.stream.IntStream.of(PARALLELISMS).sum();
    assertThat(most.get(DedupConfig.HELD_RECORDS_STATE)).isNotEmpty().allMatch(n -> n <= held);
    assertThat(most.get(DedupConfig.WATERMARK_STATE)).allMatch(n -> n <= 1);
    assertThat(most.get(DedupConfig.WATERMARK_RANGES_STATE)).allMatch(n -> n <= 1);
  }

  /**
   * Runs {@code recipes[0]} at {@code PARALLELISMS[0]}, then each next recipe restored from the
   * savepoints of the one before at the next parallelism, each subtask given a record (one of
   * {@code records}, made with a key it owns) and a watermark: per union state, the most entries
   * one subtask's savepoint holds after each restore.
   */
  private static <I, O> Map<String, List<Integer>> mostEntriesPerRestore(
      List<KeyedHarness<Object, I, O>> recipes, List<I> records) throws Exception {
    List<OperatorSubtaskState> savepoints = List.of();
    Map<String, List<Integer>> most = new TreeMap<>();
    for (int attempt = 0; attempt < PARALLELISMS.length; attempt++) {
      KeyedHarness<Object, I, O> recipe = recipes.get(attempt);
      int parallelism = PARALLELISMS[attempt];
      List<OperatorSubtaskState> next = new ArrayList<>();
      for (int subtask = 0; subtask < parallelism; subtask++) {
        try (OperatorHarness<I, O> h =
            attempt == 0
                ? recipe.openSubtask(parallelism, subtask)
                : recipe.restoreSubtask(savepoints, parallelism, subtask)) {
          h.processWatermark(100L * attempt);
          for (I record : records) {
            h.processElement(ownedCopy(recipe, record, parallelism, subtask, attempt), 500);
          }
          next.add(h.savepoint());
        }
      }
      savepoints = next;
      if (attempt > 0) {
        for (OperatorSubtaskState savepoint : savepoints) {
          savepoint.getManagedOperatorState().stream()
              .flatMap(handle -> handle.getStateNameToPartitionOffsets().keySet().stream())
              .forEach(name -> most.putIfAbsent(name, new ArrayList<>()));
        }
        for (Map.Entry<String, List<Integer>> state : most.entrySet()) {
          state
              .getValue()
              .add(
                  OperatorStateCopies.of(savepoints, state.getKey()).stream()
                      .mapToInt(Integer::intValue)
                      .max()
                      .orElse(0));
        }
      }
    }
    most.remove(DedupConfig.FINGERPRINT_KEY_STATE); // a broadcast state: not a union
    return most;
  }

  /**
   * {@code record} with its key ({@code k1}) replaced by one that {@code subtask} of {@code
   * parallelism} owns, new per attempt.
   */
  @SuppressWarnings("unchecked")
  private static <I> I ownedCopy(
      KeyedHarness<Object, I, ?> recipe, I record, int parallelism, int subtask, int attempt)
      throws Exception {
    for (int i = 0; ; i++) {
      String key = "a" + attempt + "x" + i;
      I copy =
          record instanceof Change<?> change
              ? (I) changeWithKey((Change<String>) change, key)
              : (I) ((String) record).replace("k1", key);
      if (recipe.subtaskOf(copy, parallelism) == subtask) {
        return copy;
      }
    }
  }

  private static Change<String> changeWithKey(Change<String> change, String key) {
    String value = change.value().replace("k1", key);
    return switch (change.kind()) {
      case INSERT -> Change.insert(value);
      case UPDATE_AFTER -> Change.updateAfter(value);
      case DELETE -> Change.delete(value);
      default -> throw new IllegalArgumentException(change.toString());
    };
  }
}
