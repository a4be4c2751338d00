package dev.etlkit.operators.dedup;

import static dev.etlkit.testkit.ChangelogAssert.assertThatChangelog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.DedupModel.Mode;
import dev.etlkit.operators.dedup.DedupModel.Ordering;
import dev.etlkit.operators.dedup.internal.DedupOperator;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.Soak;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator's materialized result equals the reference model's, for every mode, on generated
 * changelogs with duplicates, disorder, late records, deletes and tombstones; with and without
 * mini-batches. Heap state: the backends are compared record for record by the cut-point tests.
 */
class DedupModelTest {

  /** Every valid mode; seed {@code s} runs mode {@code s % MODES.size()}. */
  static final List<Mode> MODES = modes();

  static List<Long> seeds() {
    return Soak.seeds(300, 6_000);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void operator_anyGeneratedInput_materializesToTheModel(long seed) throws Exception {
    Mode mode = MODES.get((int) (seed % MODES.size()));
    GeneratedChangelog<String> input = generator(mode).generate(seed);
    DedupModel.Result expected = DedupModel.run(mode, input.input());
    String why = mode + ", " + input;

    check(mode, input, expected, false, why);
    check(mode, input, expected, true, why + ", mini-batch");
  }

  static ChangelogGenerator<String> generator(Mode mode) {
    ChangelogGenerator<String> generator =
        ChangelogGenerator.strings()
            .withKeys(5)
            .withLength(40)
            .withDuplicateRate(0.2)
            .withMaxOutOfOrderness(mode.eventTime() ? 25 : 0)
            .withLateRate(mode.eventTime() ? 0.1 : 0.0)
            .withProcessingTimeStep(400);
    return mode.changelog() ? generator.withDeleteRate(0.25).withTombstoneRate(0.5) : generator;
  }

  private static void check(
      Mode mode,
      GeneratedChangelog<String> input,
      DedupModel.Result expected,
      boolean miniBatch,
      String why)
      throws Exception {
    if (mode.output() == DedupOutput.APPEND) {
      Dedup.DedupStep<String, String, String, String> step = mode.appendStep();
      KeyedHarness<Object, String, String> harness =
          cached(mode, miniBatch, () -> DedupHarness.rows(miniBatch ? withMiniBatch(step) : step));
      try (OperatorHarness<String, String> h = harness.open()) {
        h.run(input.input().map(Change::value));
        h.snapshot(); // flushes a mini-batch, like the checkpoint or end of input would
        List<String> appended = h.output();
        if (mode.eventTime()) {
          assertThat(appended).as(why).containsExactlyInAnyOrderElementsOf(expected.appended());
        } else {
          assertThat(appended).as(why).containsExactlyElementsOf(expected.appended());
        }
        assertThat(h.sideOutput(late(Types.STRING)))
            .as(why)
            .containsExactlyElementsOf(expected.late().stream().map(Change::value).toList());
        assertBalancedAtTheEnd(h, why);
      }
      return;
    }
    List<Change<String>> output;
    List<Object> late;
    if (mode.changelog()) {
      Dedup.DedupStep<Change<String>, String, String, Change<String>> step = mode.changeStep();
      KeyedHarness<Object, Change<String>, Change<String>> harness =
          cached(
              mode, miniBatch, () -> DedupHarness.changes(miniBatch ? withMiniBatch(step) : step));
      try (OperatorHarness<Change<String>, Change<String>> h = harness.open()) {
        h.run(input.input());
        h.snapshot();
        output = h.output();
        late = new ArrayList<>(h.sideOutput(late(DedupHarness.STRING_CHANGE)));
        assertBalancedAtTheEnd(h, why);
      }
      assertThat(late).as(why).containsExactlyElementsOf(new ArrayList<>(expected.late()));
    } else {
      Dedup.DedupStep<String, String, String, Change<String>> step = mode.rowStep();
      KeyedHarness<Object, String, Change<String>> harness =
          cached(mode, miniBatch, () -> DedupHarness.rows(miniBatch ? withMiniBatch(step) : step));
      try (OperatorHarness<String, Change<String>> h = harness.open()) {
        h.run(input.input().map(Change::value));
        h.snapshot(); // flushes a mini-batch, like the checkpoint or end of input would
        output = h.output();
        late = new ArrayList<>(h.sideOutput(late(Types.STRING)));
        assertBalancedAtTheEnd(h, why);
      }
      assertThat(late)
          .as(why)
          .containsExactlyElementsOf(
              new ArrayList<>(expected.late().stream().map(Change::value).toList()));
    }
    var changelog = assertThatChangelog(output).as(why);
    if (mode.output() == DedupOutput.UPSERT) {
      changelog = changelog.withKeyOnlyDeletes();
    }
    changelog.materializesTo(expected.table(), ChangelogGenerator::stringKey);
  }

  /** Expanding a step builds a job graph: once per mode is enough. */
  private static final Map<String, KeyedHarness<?, ?, ?>> HARNESSES = new ConcurrentHashMap<>();

  @SuppressWarnings("unchecked")
  private static <I, O> KeyedHarness<Object, I, O> cached(
      Mode mode, boolean miniBatch, Supplier<DedupHarness.Expanded<I, O>> expand) {
    return (KeyedHarness<Object, I, O>)
        HARNESSES.computeIfAbsent(mode + "/" + miniBatch, k -> expand.get().harness());
  }

  private static <I, O> Dedup.DedupStep<I, String, String, O> withMiniBatch(
      Dedup.DedupStep<I, String, String, O> step) {
    return step.withMiniBatch(4, Duration.ofMillis(1_000));
  }

  private static <I> OutputTag<I> late(TypeInformation<I> type) {
    return DedupOperator.lateRecordsTag(type);
  }

  /** Once the watermark reaches the end of time nothing is held: the accounting balances. */
  private static void assertBalancedAtTheEnd(OperatorHarness<?, ?> harness, String why)
      throws Exception {
    harness.processWatermark(Long.MAX_VALUE);
    Map<String, Long> counts = DedupHarness.counts(harness);
    assertThat(DedupHarness.balanced(counts)).as(why + ": " + counts).isTrue();
  }

  private static List<Mode> modes() {
    List<Mode> modes = new ArrayList<>();
    for (Ordering ordering : Ordering.values()) {
      modes.add(new Mode(false, DedupOutput.APPEND, ordering, false));
      for (DedupOutput output : List.of(DedupOutput.UPSERT, DedupOutput.RETRACT)) {
        modes.add(new Mode(false, output, ordering, false));
        modes.add(new Mode(true, output, ordering, false));
        modes.add(new Mode(true, output, ordering, true));
      }
    }
    for (DedupOutput output : List.of(DedupOutput.UPSERT, DedupOutput.RETRACT)) {
      modes.add(new Mode(false, output, Ordering.PROCESSING_TIME, true));
    }
    return List.copyOf(modes);
  }

  /** Used by other tests: a script of rows for a mode on rows. */
  static HarnessInput<String> rowsOf(GeneratedChangelog<String> input) {
    return input.input().map(Change::value);
  }
}
