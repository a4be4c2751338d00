package dev.etlkit.operators.dedup;

import static dev.etlkit.operators.dedup.DedupHarness.changes;
import static dev.etlkit.operators.dedup.DedupHarness.counts;
import static dev.etlkit.operators.dedup.DedupHarness.keepFirst;
import static dev.etlkit.operators.dedup.DedupHarness.keepLast;
import static dev.etlkit.operators.dedup.DedupHarness.rows;
import static dev.etlkit.testkit.ChangelogAssert.assertThatChangelog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.DedupModel.Mode;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.Materializer;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Mini-batches: when they flush, what they emit, and that a restore mid-bundle loses nothing. */
class DedupMiniBatchTest {

  private static final Duration DELAY = Duration.ofSeconds(1);

  private static KeyedHarness<Object, String, Change<String>> keepLastBatchesOf(
      int records, StateBackendKind backend) {
    return rows(keepLast().withRetractOutput().withMiniBatch(records, DELAY)).harness().on(backend);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_fullBundle_emitsOneNetChangePerKeyAndReadsEachKeyOnce(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, Change<String>> harness = keepLastBatchesOf(5, backend).open()) {
      harness.processElement("k1#v1", 1);
      harness.processElement("k1#v2", 2);
      harness.processElement("k2#v1", 3);
      harness.processElement("k1#v3", 4);
      assertThat(harness.output()).isEmpty();

      harness.processElement("k2#v1", 5); // the fifth record flushes
      assertThat(harness.output()).containsExactly(Change.insert("k1#v3"), Change.insert("k2#v1"));
      assertThat(stateReads(harness)).isEqualTo(2);
      assertThat(counts(harness))
          .contains(
              entry("in", 5L), entry("out", 2L), entry("deduplicated", 3L), entry("emitted", 2L));

      for (int i = 0; i < 5; i++) {
        harness.processElement("k1#v" + (4 + i), 10 + i);
      }
      assertThat(harness.output())
          .endsWith(Change.updateBefore("k1#v3"), Change.updateAfter("k1#v8"));
      assertThat(stateReads(harness)).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_changesThatCancelOut_emitNothing(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, Change<String>> harness = keepLastBatchesOf(2, backend).open()) {
      harness.processElement("k1#v1", 1);
      harness.processElement("k2#v1", 2);
      harness.processElement("k1#v2", 3);
      harness.processElement("k1#v1", 4); // back to the emitted row within the bundle

      assertThat(harness.output()).containsExactly(Change.insert("k1#v1"), Change.insert("k2#v1"));
    }
  }

  @ParameterizedTest
  @MethodSource("dev.etlkit.operators.dedup.DedupHarnessTest#backendsAndOutputs")
  void miniBatch_deleteAndReinsertOfTheKeptRow_cancelOut(
      StateBackendKind backend, DedupOutput output) throws Exception {
    Dedup.DedupStep<String, String, String, Change<String>> step = keepLast();
    if (output == DedupOutput.RETRACT) {
      step = step.withRetractOutput(); // compares the kept rows; upsert their fingerprints
    }
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(step.withMiniBatch(3, DELAY).onChangelog()).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.insert("k2#v1"), 2);
      harness.processElement(Change.insert("k3#v1"), 3); // flushes
      harness.processElement(Change.updateAfter("k1#v2"), 4);
      harness.processElement(Change.delete("k1#"), 5);
      harness.processElement(Change.insert("k1#v1"), 6); // back to the emitted row: flushes
      harness.processElement(Change.updateAfter("k2#v2"), 7);
      harness.processElement(Change.delete("k2#"), 8);
      harness.processElement(Change.insert("k2#v3"), 9); // another row: flushes

      assertThat(harness.output())
          .containsExactlyElementsOf(
              output == DedupOutput.RETRACT
                  ? List.of(
                      Change.insert("k1#v1"),
                      Change.insert("k2#v1"),
                      Change.insert("k3#v1"),
                      Change.updateBefore("k2#v1"),
                      Change.updateAfter("k2#v3"))
                  : List.of(
                      Change.insert("k1#v1"),
                      Change.insert("k2#v1"),
                      Change.insert("k3#v1"),
                      Change.updateAfter("k2#v3")));
    }
  }

  @ParameterizedTest
  @MethodSource("dev.etlkit.operators.dedup.DedupHarnessTest#backendsAndOutputs")
  void miniBatch_keepFirstOnChangelog_deleteAndReinsertOfTheKeptRow_cancelOutWhereTheRowIsKept(
      StateBackendKind backend, DedupOutput output) throws Exception {
    // Retract output keeps the row: found by DedupIndependentReferenceTest, it was never compared
    // at the flush, so the bundle re-emitted the kept row as -U/+U of itself. Upsert output keeps
    // a marker, not the row: it cannot tell the same row from another and emits it as +U
    // (docs/dedup.md, mini-batches); an upsert sink writes the same row again.
    Dedup.DedupStep<String, String, String, Change<String>> step = keepFirst().withUpsertOutput();
    if (output == DedupOutput.RETRACT) {
      step = step.withRetractOutput();
    }
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(step.withMiniBatch(3, DELAY).onChangelog()).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.insert("k2#v1"), 2);
      harness.processElement(Change.insert("k3#v1"), 3); // flushes
      harness.processElement(Change.delete("k1#"), 4);
      harness.processElement(Change.insert("k1#v1"), 5); // back to the kept row
      harness.processElement(Change.delete("k2#"), 6); // flushes

      assertThat(harness.output())
          .containsExactlyElementsOf(
              output == DedupOutput.RETRACT
                  ? List.of(
                      Change.insert("k1#v1"),
                      Change.insert("k2#v1"),
                      Change.insert("k3#v1"),
                      Change.delete("k2#v1"))
                  : List.of(
                      Change.insert("k1#v1"),
                      Change.insert("k2#v1"),
                      Change.insert("k3#v1"),
                      Change.updateAfter("k1#v1"),
                      Change.delete("k2#")));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_keepFirstRetractOnChangelog_rowsComparedByFingerprint_cancelOut(
      StateBackendKind backend) throws Exception {
    // A row type with a map is not compared field by field: the kept rows are fingerprinted.
    TypeInformation<Tuple2<String, Map<String, String>>> rowType =
        Types.TUPLE(Types.STRING, Types.MAP(Types.STRING, Types.STRING));
    Dedup.DedupStep<
            Change<Tuple2<String, Map<String, String>>>,
            Tuple2<String, Map<String, String>>,
            String,
            Change<Tuple2<String, Map<String, String>>>>
        step =
            Dedup.keepFirst("dedup", (Tuple2<String, Map<String, String>> row) -> row.f0)
                .withKeyType(Types.STRING)
                .withRetractOutput()
                .withMiniBatch(3, DELAY)
                .onChangelog();
    try (OperatorHarness<
            Change<Tuple2<String, Map<String, String>>>,
            Change<Tuple2<String, Map<String, String>>>>
        harness =
            DedupHarness.expand(step, Change.typeInfo(rowType)).harness().on(backend).open()) {
      harness.processElement(Change.insert(Tuple2.of("k1", Map.of("a", "1"))), 1);
      harness.processElement(Change.insert(Tuple2.of("k2", Map.of("a", "1"))), 2);
      harness.processElement(Change.insert(Tuple2.of("k3", Map.of("a", "1"))), 3); // flushes
      harness.processElement(Change.delete(Tuple2.of("k1", Map.of())), 4);
      harness.processElement(Change.insert(Tuple2.of("k1", Map.of("a", "1"))), 5);
      harness.processElement(Change.delete(Tuple2.of("k2", Map.of())), 6); // flushes

      assertThat(harness.output())
          .extracting(change -> change.kind().shortString() + " " + change.value().f0)
          .containsExactly("+I k1", "+I k2", "+I k3", "-D k2");
    }
  }

  @ParameterizedTest
  @MethodSource("dev.etlkit.operators.dedup.DedupHarnessTest#backendsAndOutputs")
  void miniBatch_changesThatCancelOut_countAsDeduplicatedNotOut(
      StateBackendKind backend, DedupOutput output) throws Exception {
    // Found by DedupIndependentReferenceTest: each change applied inside a bundle counted as out,
    // also when the bundle's net change emitted nothing, so recordsOut counted records that
    // passed nothing on.
    Dedup.DedupStep<String, String, String, Change<String>> step = keepLast();
    if (output == DedupOutput.RETRACT) {
      step = step.withRetractOutput();
    }
    try (OperatorHarness<Change<String>, Change<String>> harness =
        changes(step.withMiniBatch(3, DELAY).onChangelog()).harness().on(backend).open()) {
      harness.processElement(Change.insert("k1#v1"), 1);
      harness.processElement(Change.insert("k2#v1"), 2);
      harness.processElement(Change.delete("k2#"), 3); // k2's insert and delete cancel out
      assertThat(harness.output()).containsExactly(Change.insert("k1#v1"));
      assertThat(counts(harness))
          .contains(entry("in", 3L), entry("out", 1L), entry("deduplicated", 2L));

      harness.processElement(Change.delete("k1#"), 4);
      harness.processElement(Change.insert("k1#v2"), 5); // with the delete: one update
      harness.processElement(Change.insert("k3#v1"), 6);
      assertThat(counts(harness))
          .contains(
              entry("in", 6L),
              entry("out", 3L),
              entry("deduplicated", 3L),
              entry("emitted", output == DedupOutput.RETRACT ? 4L : 3L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_everyFlushTrigger_flushesTheBundle(StateBackendKind backend) throws Exception {
    try (OperatorHarness<String, Change<String>> harness =
        keepLastBatchesOf(1_000, backend).open()) {
      harness.processElement("k1#v1", 1);
      harness.advanceProcessingTime(DELAY.toMillis() - 1);
      assertThat(harness.output()).isEmpty();
      harness.advanceProcessingTime(1); // max delay
      assertThat(harness.output()).containsExactly(Change.insert("k1#v1"));

      harness.processElement("k1#v2", 2);
      harness.processWatermark(2); // watermark
      assertThat(harness.output()).hasSize(3);

      harness.processElement("k1#v3", 3);
      harness.snapshot(); // checkpoint: before the barrier
      assertThat(harness.output()).hasSize(5);

      harness.processElement("k1#v4", 4);
      harness.unwrap().getOperator().finish(); // end of input
      assertThat(harness.output())
          .endsWith(Change.updateBefore("k1#v3"), Change.updateAfter("k1#v4"));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_keepFirstInEventTime_holdsTheBundlesEarliestRow(StateBackendKind backend)
      throws Exception {
    try (OperatorHarness<String, String> harness =
        rows(keepFirst().withEventTimeOrder().withMiniBatch(10, DELAY))
            .harness()
            .on(backend)
            .open()) {
      harness.processElement("k1#v2", 20);
      harness.processElement("k1#v1", 10);
      harness.processElement("k1#v3", 30);
      harness.processWatermark(15); // flushes, then the watermark releases k1#v1

      assertThat(harness.output()).containsExactly("k1#v1");
      assertThat(counts(harness)).contains(entry("out", 1L), entry("deduplicated", 2L));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void miniBatch_restoreInTheMiddleOfABundle_losesAndRepeatsNothing(StateBackendKind backend)
      throws Exception {
    HarnessInput<String> input =
        HarnessInput.<String>builder()
            .element("k1#v1", 1)
            .element("k2#v1", 2)
            .element("k1#v2", 3) // restore here: the bundle holds k1 and k2
            .element("k1#v3", 4)
            .element("k3#v1", 5)
            .element("k2#v1", 6)
            .build();
    KeyedHarness<Object, String, Change<String>> harness = keepLastBatchesOf(4, backend);

    // The checkpoint flushes the bundle before its barrier, in a failure-free run too; after a
    // restore from it the output goes on exactly as without the failure.
    assertThat(restoredAt(harness, input, 3))
        .isEqualTo(snapshottedAt(harness, input, 3))
        .containsExactly(
            Change.insert("k1#v2"),
            Change.insert("k2#v1"),
            Change.updateBefore("k1#v2"),
            Change.updateAfter("k1#v3"),
            Change.insert("k3#v1"));
  }

  static List<Long> seeds() {
    return Soak.seeds(60, 1_000);
  }

  /**
   * For generated inputs of every mode, a restore at sampled cut points (most of them inside a
   * bundle) gives the same table as the uninterrupted run and as the model.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void miniBatch_generatedInput_restoreAnywhere_sameTable(long seed) throws Exception {
    Mode mode = DedupModelTest.MODES.get((int) (seed % DedupModelTest.MODES.size()));
    if (mode.output() == DedupOutput.APPEND) {
      return; // append modes: covered by DedupModelTest (their output is a list, not a table)
    }
    GeneratedChangelog<String> generated = DedupModelTest.generator(mode).generate(seed);
    StateBackendKind backend = seed % 20 == 0 ? StateBackendKind.ROCKSDB : StateBackendKind.HEAP;
    KeyedHarness<Object, Object, Object> harness = mode.harness(true).on(backend);
    HarnessInput<Object> input = mode.input(generated.input());
    Map<String, String> expected = DedupModel.run(mode, generated.input()).table();

    assertThat(table(mode, uninterrupted(harness, input)))
        .as(mode + ", " + generated)
        .isEqualTo(expected);
    for (int cut : List.of(input.size() / 3, input.size() / 2 + 1)) {
      List<Object> restored = restoredAt(harness, input, cut);
      assertThat(restored)
          .as(mode + ", " + generated + ", restored at " + cut)
          .isEqualTo(snapshottedAt(harness, input, cut));
      assertThat(table(mode, restored)).as(mode + ", " + generated).isEqualTo(expected);
    }
  }

  private static <I, O> List<O> uninterrupted(
      KeyedHarness<Object, I, O> harness, HarnessInput<I> input) throws Exception {
    try (OperatorHarness<I, O> h = harness.open()) {
      h.run(input);
      h.snapshot(); // flushes the last bundle
      return h.output();
    }
  }

  /** A failure-free run that takes a checkpoint before step {@code cut}. */
  private static <I, O> List<O> snapshottedAt(
      KeyedHarness<Object, I, O> harness, HarnessInput<I> input, int cut) throws Exception {
    try (OperatorHarness<I, O> h = harness.open()) {
      h.run(input.slice(0, cut));
      h.snapshot();
      h.run(input.slice(cut, input.size()));
      h.snapshot();
      return h.output();
    }
  }

  /** Checkpoint before step {@code cut}, fail, restore from it, run the rest. */
  private static <I, O> List<O> restoredAt(
      KeyedHarness<Object, I, O> harness, HarnessInput<I> input, int cut) throws Exception {
    List<O> output = new ArrayList<>();
    OperatorSubtaskState state;
    try (OperatorHarness<I, O> h = harness.open()) {
      h.run(input.slice(0, cut));
      state = h.snapshot();
      output.addAll(h.output());
    }
    try (OperatorHarness<I, O> h = harness.restore(state)) {
      h.run(input.slice(cut, input.size()));
      h.snapshot();
      output.addAll(h.output());
    }
    return output;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> table(Mode mode, List<Object> output) {
    List<Change<String>> changes = (List<Change<String>>) (List<?>) output;
    assertThatChangelog(changes).withKeyOnlyDeletes().isWellFormed(ChangelogGenerator::stringKey);
    Materializer<String, String> materializer = Materializer.byKey(ChangelogGenerator::stringKey);
    return (mode.output() == DedupOutput.UPSERT ? materializer.withKeyOnlyDeletes() : materializer)
        .materialize(changes);
  }

  private static long stateReads(OperatorHarness<?, ?> harness) {
    return ((DedupOperator<?, ?, ?, ?>) harness.unwrap().getOperator()).stateReadCount();
  }
}
