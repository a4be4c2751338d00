package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.REJECTED_STRINGS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static dev.etlkit.operators.normalize.UpsertNormalizeTest.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Checker;
import dev.etlkit.operators.normalize.NormalizeHarnesses.Normalizer;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.Materializer;
import dev.etlkit.testkit.OperatorHarness;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.RowKind;

/**
 * Properties over random changelogs (three keys, all kinds, key-only deletes, repeated and
 * out-of-order sequences, changes without a sequence), run through the operators on the heap
 * backend: the normalizer emits exactly what its reference model emits, its output is a well-formed
 * full changelog, and the check reports exactly what its model reports.
 */
class NormalizePropertiesTest {

  private static final int TRIES = 100;

  @Provide
  Arbitrary<List<Change<String>>> changelogs() {
    Arbitrary<RowKind> kinds =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.just(RowKind.INSERT)),
            net.jqwik.api.Tuple.of(4, Arbitraries.just(RowKind.UPDATE_AFTER)),
            net.jqwik.api.Tuple.of(3, Arbitraries.just(RowKind.DELETE)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(RowKind.UPDATE_BEFORE)));
    Arbitrary<Change<String>> change =
        Combinators.combine(
                Arbitraries.integers().between(0, 2), // key
                kinds,
                Arbitraries.integers().between(1, 3), // version
                Arbitraries.integers().between(0, 3), // 0: key-only (for deletes)
                Arbitraries.longs().between(-1, 12)) // sequence; -1: none
            .as(
                (key, kind, version, shape, sequence) -> {
                  String value =
                      kind == RowKind.DELETE && shape == 0
                          ? "k" + key + "#"
                          : "k" + key + "#v" + version;
                  Change<String> c = Change.of(kind, value);
                  return sequence < 0 ? c : c.withSourcePosition(sequence);
                });
    return change.list().ofMaxSize(40);
  }

  @Provide
  Arbitrary<Route> unknownKeyRoutes() {
    return Arbitraries.of(Route.class);
  }

  @Provide
  Arbitrary<Route> staleRoutes() {
    return Arbitraries.of(Route.DROP, Route.SIDE_OUTPUT, Route.DEAD_LETTER);
  }

  @Property(tries = TRIES)
  void normalizer_emitsExactlyWhatTheModelEmits(
      @ForAll("changelogs") List<Change<String>> input,
      @ForAll boolean versioned,
      @ForAll("unknownKeyRoutes") Route unknownKeyDeletes,
      @ForAll("staleRoutes") Route staleChanges)
      throws Exception {
    UpsertNormalize<String, String> spec = strings().withUnknownKeyDeletes(unknownKeyDeletes);
    if (versioned) {
      spec = spec.withSequence(ChangeSequence.sourcePosition()).withStaleChanges(staleChanges);
    }
    Normalizer<String, String> normalize = normalizer(spec, Types.STRING, null);
    UpsertNormalizeModel.Result expected =
        new UpsertNormalizeModel(versioned, unknownKeyDeletes, staleChanges).run(input);

    try (OperatorHarness<Change<String>, Change<String>> harness = normalize.recipe.open()) {
      run(harness, input);

      assertThat(harness.output()).isEqualTo(expected.output());
      assertThat(harness.sideOutput(REJECTED_STRINGS)).isEqualTo(expected.rejected());
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(DeadLetter::payloadText)
          .isEqualTo(show(expected.deadLettered()));
    }
    NormalizeFunctionBase<String, String> function = normalize.function();
    StepMetrics metrics = function.stepMetrics();
    assertThat(metrics.filteredCount()).isEqualTo(expected.filtered());
    assertThat(metrics.deduplicatedCount()).isEqualTo(expected.deduplicated());
    assertThat(function.staleCount()).isEqualTo(expected.stale());
    assertThat(function.unknownKeyDeleteCount()).isEqualTo(expected.unknownKeyDeletes());
    assertThat(metrics.emittedCount()).isEqualTo(expected.output().size());
    assertBalanced(metrics);
  }

  @Property(tries = TRIES)
  void normalizerOutput_isAWellFormedFullChangelog(
      @ForAll("changelogs") List<Change<String>> input, @ForAll boolean versioned)
      throws Exception {
    UpsertNormalize<String, String> spec = strings();
    if (versioned) {
      spec = spec.withSequence(ChangeSequence.sourcePosition());
    }
    List<Change<String>> output;
    try (OperatorHarness<Change<String>, Change<String>> harness =
        normalizer(spec, Types.STRING, null).recipe.open()) {
      run(harness, input);
      output = harness.output();
    }

    // Strict materialization: full-row retractions, -U followed by its +U, no duplicate +I.
    Materializer.<String, String>byKey(ChangelogGenerator::stringKey).materialize(output);
    try (OperatorHarness<Change<String>, Change<String>> check =
        checker(stringCheck().withFullChangelog(), Types.STRING, null).recipe.open()) {
      run(check, output);
      assertThat(check.sideOutput(DEAD_LETTERS)).isEmpty();
      assertThat(check.output()).isEqualTo(output);
    }
  }

  @Property(tries = TRIES)
  void check_reportsExactlyWhatTheModelReports(
      @ForAll("changelogs") List<Change<String>> input, @ForAll boolean full) throws Exception {
    ChangelogCheck<String, String> spec = full ? stringCheck().withFullChangelog() : stringCheck();
    Checker<String, String> check = checker(spec, Types.STRING, null);
    List<String> verdicts = ChangelogCheckModel.violations(input, full);
    List<Change<String>> expectedPassed = new ArrayList<>();
    List<String> expectedLetters = new ArrayList<>();
    for (int i = 0; i < input.size(); i++) {
      if (verdicts.get(i) == null) {
        expectedPassed.add(input.get(i));
      } else {
        expectedLetters.add(input.get(i) + " -> " + verdicts.get(i));
      }
    }

    try (OperatorHarness<Change<String>, Change<String>> harness = check.recipe.open()) {
      run(harness, input);

      assertThat(harness.output()).isEqualTo(expectedPassed);
      List<DeadLetter> letters = harness.sideOutput(DEAD_LETTERS);
      assertThat(letters).hasSameSizeAs(expectedLetters);
      for (int i = 0; i < letters.size(); i++) {
        String expected = expectedLetters.get(i);
        String rule = expected.substring(expected.indexOf(" -> ") + 4);
        assertThat(letters.get(i).payloadText())
            .isEqualTo(expected.substring(0, expected.indexOf(" -> ")));
        assertThat(letters.get(i).errorMessage()).contains(rule);
      }
    }
    assertBalanced(check.function().stepMetrics());
  }

  private static void run(
      OperatorHarness<Change<String>, Change<String>> harness, List<Change<String>> input)
      throws Exception {
    for (int i = 0; i < input.size(); i++) {
      harness.processElement(input.get(i), i);
    }
  }

  private static List<String> show(List<Change<String>> changes) {
    return NormalizeHarnesses.show(changes);
  }
}
