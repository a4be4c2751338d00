package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.balanced;
import static dev.etlkit.operators.dedup.DedupHarness.counts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Record accounting across a restore (docs/concepts.md#record-accounting): the counters begin at
 * zero in every attempt, and the rows a keep-first step in event time holds at the checkpoint count
 * in again in the attempt that restores them, so {@code in == out + filtered + deduplicated +
 * deadLettered} holds once the step holds nothing, per subtask, also after a restore with another
 * parallelism. On heap and RocksDB.
 */
class DedupRestoreAccountingTest {

  private static KeyedHarness<Object, String, String> keepFirstInEventTime(
      StateBackendKind backend) {
    return DedupHarness.rows(DedupHarness.keepFirst().withEventTimeOrder()).harness().on(backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void heldRows_restored_countInAgain_andBalanceOnceEmitted(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> recipe = keepFirstInEventTime(backend);
    OperatorSubtaskState checkpoint =
        checkpoint(
            recipe,
            HarnessInput.<String>builder()
                .element("k1#v1", 10)
                .element("k2#v1", 20)
                .element("k3#v1", 30)
                .watermark(15) // emits k1; k2 and k3 are held at the checkpoint
                .build());

    try (OperatorHarness<String, String> h = recipe.restore(checkpoint)) {
      assertThat(counts(h)).contains(entry("in", 2L), entry("out", 0L));

      h.processWatermark(100);

      assertThat(h.output()).containsExactly("k2#v1", "k3#v1");
      assertThat(counts(h)).contains(entry("in", 2L), entry("out", 2L));
      assertThat(balanced(counts(h))).as("%s", counts(h)).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void heldRowRestored_displacedByAnEarlierRow_countsAsDeduplicated(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> recipe = keepFirstInEventTime(backend);
    OperatorSubtaskState checkpoint =
        checkpoint(recipe, HarnessInput.<String>builder().element("k1#v2", 20).build());

    try (OperatorHarness<String, String> h = recipe.restore(checkpoint)) {
      h.processElement("k1#v1", 10); // earlier: displaces the restored row
      h.processWatermark(100);

      assertThat(h.output()).containsExactly("k1#v1");
      assertThat(counts(h)).contains(entry("in", 2L), entry("out", 1L), entry("deduplicated", 1L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void heldRow_restoredTwiceBeforeItLeaves_countsInOncePerAttempt(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> recipe = keepFirstInEventTime(backend);
    OperatorSubtaskState first =
        checkpoint(recipe, HarnessInput.<String>builder().element("k1#v1", 10).build());
    OperatorSubtaskState second;
    try (OperatorHarness<String, String> h = recipe.restore(first)) {
      h.processElement("k2#v1", 20);
      second = h.snapshot();
    }

    try (OperatorHarness<String, String> h = recipe.restore(second)) {
      assertThat(counts(h)).contains(entry("in", 2L));

      h.processWatermark(100);

      assertThat(h.output()).containsExactly("k1#v1", "k2#v1");
      assertThat(balanced(counts(h))).as("%s", counts(h)).isTrue();
    }
  }

  /** Each subtask takes on the rows of the key groups it restores, whatever the parallelism. */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void heldRows_restoredWithAnotherParallelism_eachSubtaskBalances(StateBackendKind backend)
      throws Exception {
    KeyedHarness<Object, String, String> recipe = keepFirstInEventTime(backend);
    List<String> rows = new ArrayList<>();
    for (int k = 1; k <= 12; k++) {
      rows.add("k" + k + "#v1");
    }
    List<OperatorSubtaskState> onTwo = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      try (OperatorHarness<String, String> h = recipe.openSubtask(2, s)) {
        for (String row : rows) {
          if (recipe.subtaskOf(row, 2) == s) {
            h.processElement(row, 10);
          }
        }
        onTwo.add(h.snapshot());
      }
    }

    List<OperatorSubtaskState> onThree = new ArrayList<>();
    List<String> output = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      try (OperatorHarness<String, String> h = recipe.restoreSubtask(onTwo, 3, s)) {
        long rowsOfSubtask = 0;
        for (String row : rows) {
          rowsOfSubtask += recipe.subtaskOf(row, 3) == s ? 1 : 0;
        }
        assertThat(counts(h)).as("subtask %d of 3", s).contains(entry("in", rowsOfSubtask));
        onThree.add(h.snapshot()); // still held: the next restore counts them in again
      }
    }
    for (int s = 0; s < 2; s++) {
      try (OperatorHarness<String, String> h = recipe.restoreSubtask(onThree, 2, s)) {
        h.processWatermark(100);

        output.addAll(h.output());
        assertThat(balanced(counts(h))).as("subtask %d of 2: %s", s, counts(h)).isTrue();
      }
    }
    assertThat(output).containsExactlyInAnyOrderElementsOf(rows);
  }

  /**
   * At every cut point of a script that holds, displaces and emits rows (sampled on RocksDB), the
   * restored attempt balances once the final watermark released the rows it held.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void everyCutPoint_restoredAttemptBalancesAtTheEnd(StateBackendKind backend) throws Exception {
    KeyedHarness<Object, String, String> recipe = keepFirstInEventTime(backend);
    HarnessInput<String> script = DedupCutPointTest.HELD_ROWS;
    CutPointCheck<String, String> cuts = CutPointCheck.of(recipe, script);
    if (backend != StateBackendKind.HEAP) { // a restore costs about 0.2 s on RocksDB
      cuts = cuts.withSampledCutPoints(DedupCutPointTest.SAMPLED_CUTS, 7L);
    }
    for (int cut : cuts.cutPoints()) {
      try (OperatorHarness<String, String> h =
          recipe.restore(checkpoint(recipe, script.slice(0, cut)))) {
        h.run(script.slice(cut, script.size()));
        h.processWatermark(Long.MAX_VALUE);

        Map<String, Long> counts = counts(h);
        assertThat(balanced(counts)).as("restored at cut point %d: %s", cut, counts).isTrue();
      }
    }
  }

  /**
   * A snapshot written before the step counted its held rows restores without counts: each row it
   * holds counts in as it leaves instead.
   */
  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoredFromASnapshotWithoutCounts_countsEachHeldRowInAsItLeaves(StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting()); // reads a committed file, writes none
    SavepointCompatibility snapshots =
        SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);
    OperatorSubtaskState withoutCounts =
        SnapshotFiles.read(snapshots.file("dedup-keep-first-event-time", 2, backend));

    try (OperatorHarness<String, String> h = keepFirstInEventTime(backend).restore(withoutCounts)) {
      assertThat(counts(h)).contains(entry("in", 0L));

      h.processWatermark(60); // releases the held k2#v1

      assertThat(h.output()).containsExactly("k2#v1");
      assertThat(counts(h)).contains(entry("in", 1L), entry("out", 1L));
    }
  }

  /** The checkpoint of a fresh harness after {@code input}. */
  private static OperatorSubtaskState checkpoint(
      KeyedHarness<Object, String, String> recipe, HarnessInput<String> input) throws Exception {
    try (OperatorHarness<String, String> h = recipe.open()) {
      h.run(input);
      return h.snapshot();
    }
  }
}
