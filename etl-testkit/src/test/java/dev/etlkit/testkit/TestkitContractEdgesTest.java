package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.LastCell.Cell;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * Edges of the etl-testkit API found by a review on 2026-11-24, each failing before that day's
 * fixes: checks that shared the script's objects between runs, an object-reuse check that could not
 * fail, array outputs compared by identity, the materializer's -U/+U rule for a null key, the
 * generator's start time, and checkpoint ids across restores.
 */
class TestkitContractEdgesTest {

  // --- CutPointCheck / RescaleCheck: the script's element objects are shared by every run ---

  /**
   * Stateless and correct with object reuse off (Flink's default), where a keyed operator gets a
   * fresh deserialized object per record and may change it: it enriches its input in place.
   */
  static final class EnrichInPlace extends KeyedProcessFunction<String, Cell, String> {
    @Override
    public void processElement(Cell cell, Context ctx, Collector<String> out) {
      cell.text = cell.text + "+enriched";
      out.collect(cell.toString());
    }
  }

  private static KeyedHarness<String, Cell, String> enrichInPlace() {
    return KeyedHarness.forFunction(EnrichInPlace::new, c -> c.key, Types.STRING, Types.STRING)
        .withInputType(TypeInformation.of(Cell.class));
  }

  private static HarnessInput<Cell> cells() {
    return HarnessInput.<Cell>builder()
        .element(new Cell("k1", "a"), 10)
        .element(new Cell("k2", "b"), 11)
        .watermark(20)
        .element(new Cell("k1", "c"), 30)
        .element(new Cell("k0", "d"), 31) // k0 moves from subtask 1 of 2 to 2 of 3
        .element(new Cell("k0", "e"), 32)
        .build();
  }

  @Test
  void cutPointCheck_operatorChangingItsInputWithObjectReuseOff_passes() {
    // Before: the uninterrupted run changed the script's objects, so the run taking snapshots got
    // "k1#a+enriched" as input and emitted "k1#a+enriched+enriched".
    CutPointCheck.of(enrichInPlace(), cells()).verify();
    CutPointCheck.of(enrichInPlace().on(StateBackendKind.ROCKSDB), cells()).verify();
  }

  @Test
  void cutPointCheck_operatorChangingItsInput_withoutAnInputType_saysWhatToDo() {
    KeyedHarness<String, Cell, String> noCopies =
        KeyedHarness.forFunction(EnrichInPlace::new, c -> c.key, Types.STRING, Types.STRING);

    assertThatThrownBy(() -> CutPointCheck.of(noCopies, cells()).verify())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the operator changed its input objects")
        .hasMessageContaining("withInputType(...)");
  }

  @Test
  void withInputType_handsOverCopies_unlessObjectReuseIsOn() throws Exception {
    Cell cell = new Cell("k1", "a");
    try (OperatorHarness<Cell, String> h = enrichInPlace().open()) {
      h.processElement(cell, 1);
    }
    assertThat(cell.text).isEqualTo("a");
    try (OperatorHarness<Cell, String> h = enrichInPlace().withObjectReuse().open()) {
      h.processElement(cell, 1);
    }
    assertThat(cell.text).isEqualTo("a+enriched");
  }

  @Test
  void rescaleCheck_operatorChangingItsInputWithObjectReuseOff_passes() {
    RescaleCheck.of(enrichInPlace(), cells()).verify();
  }

  @Test
  void cutPointCheck_doesNotChangeTheCallersScript() {
    HarnessInput<Cell> script = cells();
    HarnessInput<Cell> copy = cells();

    CutPointCheck.of(enrichInPlace(), script).verify();
    RescaleCheck.of(enrichInPlace(), script).verify();

    // HarnessInput is documented as immutable
    assertThat(script).isEqualTo(copy);
  }

  // --- ObjectReuseCheck: a script without two distinct elements cannot fail ---

  @Test
  void objectReuseCheck_scriptWithoutTwoDistinctElements_isRejectedNotPassed() {
    // LastCell.keepingInputs keeps its input object in heap state: the bug the check exists for.
    HarnessInput<Cell> redeliveries =
        HarnessInput.<Cell>builder()
            .element(new Cell("k1", "a"))
            .element(new Cell("k1", "a"))
            .element(new Cell("k1", "a"))
            .build();
    Cell reused = new Cell();

    // Before, verify() passed: the reused object was only ever refilled with "k1#a", so what the
    // operator kept never changed and the check compared nothing it could find.
    assertThatThrownBy(
            () ->
                ObjectReuseCheck.of(
                        LastCell.keepingInputs().on(StateBackendKind.HEAP),
                        redeliveries,
                        reused::fill)
                    .verify())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the script needs at least two elements that are not equal");
  }

  // --- Checks over operators whose output is an array: equal records compare unequal ---

  static final class Bytes extends KeyedProcessFunction<String, Change<String>, byte[]> {
    @Override
    public void processElement(Change<String> change, Context ctx, Collector<byte[]> out) {
      out.collect(change.value().getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void cutPointCheck_correctOperatorWithByteArrayOutput_passes() {
    KeyedHarness<String, Change<String>, byte[]> recipe =
        KeyedHarness.forFunction(
            Bytes::new,
            SampleCounter::keyOf,
            Types.STRING,
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    HarnessInput<Change<String>> script =
        HarnessInput.<Change<String>>builder()
            .element(Change.insert("k1#v1"), 10)
            .element(Change.insert("k2#v1"), 11)
            .build();

    // Before: "Taking snapshots (without restoring) changed the output": Emitted compared its
    // values with equals, which is identity for arrays (Change itself uses deepEquals).
    CutPointCheck.of(recipe, script).verify();
    assertThat(Emitted.main(new byte[] {1, 2}, 5L))
        .isEqualTo(Emitted.main(new byte[] {1, 2}, 5L))
        .hasSameHashCodeAs(Emitted.main(new byte[] {1, 2}, 5L))
        .isNotEqualTo(Emitted.main(new byte[] {1, 3}, 5L))
        .hasToString("main: [1, 2] @5");
  }

  @Test
  void materializer_retractionOfAnEqualByteArrayRow_matchesTheLiveRow() {
    List<Change<byte[]>> changelog =
        List.of(
            Change.insert("k1#v1".getBytes(StandardCharsets.UTF_8)),
            Change.delete("k1#v1".getBytes(StandardCharsets.UTF_8)));
    // Change itself says these rows are equal:
    assertThat(Change.insert(new byte[] {1})).isEqualTo(Change.insert(new byte[] {1}));

    // Before: "retraction does not match the live row of key k1"
    assertThat(
            Materializer.<String, byte[]>byKey(
                    b -> ChangelogGenerator.stringKey(new String(b, StandardCharsets.UTF_8)))
                .materialize(changelog))
        .isEmpty();
  }

  // --- Materializer: -U/+U pairing is not checked for a null key ---

  record Item(String id, String value) {}

  @Test
  void materializer_updateBeforeOfNullKey_notFollowedByUpdateAfter_fails() {
    List<Change<Item>> changelog =
        List.of(
            Change.insert(new Item(null, "a")),
            Change.updateBefore(new Item(null, "a")),
            Change.insert(new Item("k2", "b")));

    // Before, it returned {k2=Item[id=k2, value=b]}: the dangling -U of key null was accepted.
    assertThatThrownBy(() -> Materializer.<String, Item>byKey(Item::id).materialize(changelog))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UPDATE_BEFORE of key null is not followed by an UPDATE_AFTER");
  }

  @Test
  void materializer_updateBeforeOfNullKeyAsLastRecord_fails() {
    List<Change<Item>> changelog =
        List.of(Change.insert(new Item(null, "a")), Change.updateBefore(new Item(null, "a")));

    assertThatThrownBy(() -> Materializer.<String, Item>byKey(Item::id).materialize(changelog))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is the last record; no UPDATE_AFTER follows");
  }

  // --- ChangelogGenerator: START_TIME was documented as the first change's event time ---

  @Test
  void generator_firstChange_isOneToMaxStepAfterStartTime_asDocumented() {
    // The Javadoc said "event time of the first change"; the code counts the first step from it.
    // The Javadoc now says so (changing the code would move every seed's times).
    for (long seed = 1; seed <= 20; seed++) {
      GeneratedChangelog<String> changelog = ChangelogGenerator.strings().generate(seed);
      assertThat(changelog.sourceOrder().get(0).eventTime())
          .as("seed %d", seed)
          .isBetween(
              ChangelogGenerator.START_TIME + 1,
              ChangelogGenerator.START_TIME + ChangelogGenerator.MAX_EVENT_TIME_STEP);
    }
  }

  // --- OperatorHarness.snapshot(): checkpoint ids start again at 1 after a restore ---

  static final List<Long> CHECKPOINT_IDS = new ArrayList<>();

  static final class CheckpointIds extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<Change<String>, String> {
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
      super.snapshotState(context);
      CHECKPOINT_IDS.add(context.getCheckpointId());
    }

    @Override
    public void processElement(StreamRecord<Change<String>> element) {}
  }

  @Test
  void snapshot_afterARestore_hasACheckpointIdAboveTheRestoredOnes() throws Exception {
    CHECKPOINT_IDS.clear();
    KeyedHarness<String, Change<String>, String> recipe =
        KeyedHarness.forOperator(
            CheckpointIds::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
    OperatorSubtaskState third;
    try (OperatorHarness<Change<String>, String> h = recipe.open()) {
      h.snapshot();
      h.snapshot();
      third = h.snapshot();
    }
    try (OperatorHarness<Change<String>, String> restored = recipe.restore(third)) {
      restored.snapshot();
    }

    // In Flink, checkpoint ids keep increasing across a restore (the coordinator continues after
    // the restored checkpoint's id); operators that key pending work by checkpoint id rely on it.
    // Before, the restored harness counted from 1 again: [1, 2, 3, 1].
    assertThat(CHECKPOINT_IDS).hasSize(4).isSorted().doesNotHaveDuplicates();
  }

  // --- RescaleCheck.of's Javadoc: which new subtasks take key groups of both old ones ---

  @Test
  void rescaleCheckDefault_newSubtaskOneTakesKeyGroupsOfBothOldOnes_theOthersOfOne() {
    int maxParallelism = KeyedHarness.DEFAULT_MAX_PARALLELISM;
    List<Integer> oldOwners = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      KeyGroupRange now =
          KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, 3, s);
      int owners = 0;
      for (int old = 0; old < 2; old++) {
        KeyGroupRange before =
            KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, 2, old);
        owners += now.getIntersection(before).getNumberOfKeyGroups() > 0 ? 1 : 0;
      }
      oldOwners.add(owners);
    }
    // The Javadoc said "each new subtask but the first takes key groups of both old ones".
    assertThat(oldOwners).containsExactly(1, 2, 1);
  }
}
