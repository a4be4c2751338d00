package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.LastCell.Cell;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
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

/** Review findings on the etl-testkit public API: each test fails on the current code. */
class ReviewTestkitTest {

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
    return KeyedHarness.forFunction(EnrichInPlace::new, c -> c.key, Types.STRING, Types.STRING);
  }

  private static HarnessInput<Cell> cells() {
    return HarnessInput.<Cell>builder()
        .element(new Cell("k1", "a"), 10)
        .element(new Cell("k2", "b"), 11)
        .watermark(20)
        .element(new Cell("k1", "c"), 30)
        .build();
  }

  @Test
  void cutPointCheck_operatorChangingItsInputWithObjectReuseOff_passes() {
    // Fails today: the uninterrupted run changes the script's objects, so the run taking
    // snapshots gets "k1#a+enriched" as input and emits "k1#a+enriched+enriched".
    CutPointCheck.of(enrichInPlace(), cells()).verify();
  }

  @Test
  void rescaleCheck_operatorChangingItsInputWithObjectReuseOff_passes() {
    RescaleCheck.of(enrichInPlace(), cells()).verify();
  }

  @Test
  void cutPointCheck_doesNotChangeTheCallersScript() {
    HarnessInput<Cell> script = cells();
    HarnessInput<Cell> copy = cells();

    // the check's verdict is asserted above; here only the script matters
    catchThrowable(CutPointCheck.of(enrichInPlace(), script)::verify);

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

    // Today verify() passes: the reused object is only ever refilled with "k1#a", so what the
    // operator kept never changes and the check compares nothing it could find.
    assertThatThrownBy(
            () ->
                ObjectReuseCheck.of(
                        LastCell.keepingInputs().on(StateBackendKind.HEAP),
                        redeliveries,
                        reused::fill)
                    .verify())
        .isInstanceOf(IllegalArgumentException.class);
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

    // Fails today with "Taking snapshots (without restoring) changed the output": Emitted compares
    // its values with equals, which is identity for arrays (Change itself uses deepEquals).
    CutPointCheck.of(recipe, script).verify();
  }

  @Test
  void materializer_retractionOfAnEqualByteArrayRow_matchesTheLiveRow() {
    List<Change<byte[]>> changelog =
        List.of(
            Change.insert("k1#v1".getBytes(StandardCharsets.UTF_8)),
            Change.delete("k1#v1".getBytes(StandardCharsets.UTF_8)));
    // Change itself says these rows are equal:
    assertThat(Change.insert(new byte[] {1})).isEqualTo(Change.insert(new byte[] {1}));

    // Fails today: "retraction does not match the live row of key k1"
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

    // Today it returns {k2=Item[id=k2, value=b]}: the dangling -U of key null is accepted.
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

  // --- ChangelogGenerator: START_TIME is documented as the first change's event time ---

  @Test
  void generator_firstChange_isAtStartTime() {
    for (long seed = 1; seed <= 5; seed++) {
      GeneratedChangelog<String> changelog = ChangelogGenerator.strings().generate(seed);
      assertThat(changelog.sourceOrder().get(0).eventTime())
          .as("seed %d", seed)
          .isEqualTo(ChangelogGenerator.START_TIME);
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
    // Today the restored harness counts from 1 again: [1, 2, 3, 1].
    assertThat(CHECKPOINT_IDS).hasSize(4);
    assertThat(CHECKPOINT_IDS.get(3)).isGreaterThan(3L);
  }

  // --- RescaleCheck.of: "each new subtask but the first takes key groups of both old ones" ---

  @Test
  void rescaleCheckDefault_everyNewSubtaskButTheFirst_takesKeyGroupsOfBothOldOnes() {
    int maxParallelism = KeyedHarness.DEFAULT_MAX_PARALLELISM;
    KeyGroupRange old0 =
        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, 2, 0);
    KeyGroupRange old1 =
        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, 2, 1);
    for (int s = 1; s < 3; s++) {
      KeyGroupRange now =
          KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, 3, s);
      // Fails for subtask 2 (key groups 86..127, all of old subtask 1): the Javadoc of
      // RescaleCheck.of overstates what the default rescale exercises.
      assertThat(now.getIntersection(old0).getNumberOfKeyGroups())
          .as("new subtask %d (%s) takes key groups of old subtask 0 (%s)", s, now, old0)
          .isPositive();
      assertThat(now.getIntersection(old1).getNumberOfKeyGroups())
          .as("new subtask %d (%s) takes key groups of old subtask 1 (%s)", s, now, old1)
          .isPositive();
    }
  }
}
