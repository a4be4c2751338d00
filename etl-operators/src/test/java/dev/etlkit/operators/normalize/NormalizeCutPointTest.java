package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.CutPointCheck;
import dev.etlkit.testkit.GeneratedChangelog;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.Materializer;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshot and restore at cut points of generated changelogs (redeliveries, out-of-order and late
 * records, deletes, key-only tombstones) give the output of an uninterrupted run, and the output is
 * what the reference model says; versioned by source position, it also materializes to the source's
 * final table, whatever the delivery did.
 *
 * <p>Sequences run in batches: each batch concatenates generated changelogs (each with its own
 * keys, watermarks dropped) into one script, so one state holds many keys and the cut points fall
 * inside the sequences. Normal build: 1000 sequences on heap (10 batches of {@value #HEAP_BATCH},
 * modes plain / versioned / versioned with projected state in turn, {@value
 * #HEAP_SAMPLED_CUT_POINTS} sampled cut points per batch) and 50 on RocksDB (2 batches of {@value
 * #ROCKSDB_BATCH}, {@value #ROCKSDB_SAMPLED_CUT_POINTS} cut points each, the first restored on heap
 * through a savepoint). Under {@code -Psoak}: every cut point of 1000 sequences on heap (batches of
 * 20, about 30 000 restores) and of 100 on RocksDB (about 3 000 restores at ~0.2 s each).
 */
class NormalizeCutPointTest {

  static final int HEAP_BATCH = 100;
  static final int ROCKSDB_BATCH = 25;
  static final int HEAP_SAMPLED_CUT_POINTS = 8;
  static final int ROCKSDB_SAMPLED_CUT_POINTS = 4;

  private static final ChangelogGenerator<String> MESSY =
      ChangelogGenerator.strings()
          .withKeys(4)
          .withLength(24)
          .withDeleteRate(0.25)
          .withTombstoneRate(0.5)
          .withDuplicateRate(0.15)
          .withMaxOutOfOrderness(20)
          .withLateRate(0.1)
          .withProcessingTimeStep(100);

  enum Mode {
    PLAIN,
    VERSIONED,
    VERSIONED_PROJECTED
  }

  static Stream<Arguments> batches() {
    List<Arguments> batches = new ArrayList<>();
    // Under soak every cut point is restored: smaller batches keep each restored suffix short.
    int heapBatch = Soak.isEnabled() ? 20 : HEAP_BATCH;
    addBatches(batches, StateBackendKind.HEAP, Soak.seeds(1_000, 1_000), heapBatch, 0);
    addBatches(batches, StateBackendKind.ROCKSDB, Soak.seeds(50, 100), ROCKSDB_BATCH, 1);
    return batches.stream();
  }

  private static void addBatches(
      List<Arguments> batches,
      StateBackendKind backend,
      List<Long> seeds,
      int batchSize,
      int modeOffset) {
    for (int from = 0; from < seeds.size(); from += batchSize) {
      List<Long> batch = seeds.subList(from, Math.min(seeds.size(), from + batchSize));
      int index = from / batchSize;
      Mode mode = Mode.values()[(index + modeOffset) % Mode.values().length];
      boolean switchBackend = backend == StateBackendKind.ROCKSDB && index == 0;
      batches.add(Arguments.of(backend, mode, switchBackend, List.copyOf(batch)));
    }
  }

  /**
   * Under Flink's changelog state backend over the heap every restore replays what the step wrote:
   * a state object changed in place and not written back would be lost here, not on the plain heap.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void underStateChangelog_restoreAtCutPoints_sameOutputAsUninterrupted(Mode mode) {
    // one script of many seeds: every restore replays the changelog before its cut point, so the
    // cut points are sampled under soak too (more of them, over more seeds)
    List<Long> seeds = Soak.seeds(HEAP_BATCH, 4 * HEAP_BATCH);
    HarnessInput<Change<String>> input = concatenated(seeds, new ArrayList<>(), new ArrayList<>());
    CutPointCheck.of(recipe(mode).withStateChangelog(), input)
        .withEndOfInput()
        .withSampledCutPoints(
            Soak.isEnabled() ? 8 * HEAP_SAMPLED_CUT_POINTS : HEAP_SAMPLED_CUT_POINTS, seeds.get(0))
        .verify();
  }

  @ParameterizedTest(name = "{0} {1} switch={2} seeds {3}")
  @MethodSource("batches")
  void restoreAtCutPoints_sameOutputAsUninterrupted_andAsTheModel(
      StateBackendKind backend, Mode mode, boolean switchBackend, List<Long> seeds) {
    List<GeneratedChangelog<String>> changelogs = new ArrayList<>();
    List<Change<String>> delivered = new ArrayList<>();
    HarnessInput<Change<String>> input = concatenated(seeds, changelogs, delivered);
    KeyedHarness<String, Change<String>, Change<String>> recipe = recipe(mode).on(backend);

    CutPointCheck<Change<String>, Change<String>> check =
        CutPointCheck.of(recipe, input).withEndOfInput();
    if (!Soak.isEnabled()) {
      check =
          check.withSampledCutPoints(
              backend == StateBackendKind.HEAP
                  ? HEAP_SAMPLED_CUT_POINTS
                  : ROCKSDB_SAMPLED_CUT_POINTS,
              seeds.get(0));
    }
    if (switchBackend) {
      check = check.restoringOn(backend.other());
    }
    check.verify();

    List<Change<String>> output = run(recipe, input);
    if (mode == Mode.VERSIONED_PROJECTED) {
      // The same changelog as with full state, except that retractions carry the key only.
      List<Change<String>> full = run(recipe(Mode.VERSIONED).on(backend), input);
      List<Change<String>> keyOnlyRetractions = new ArrayList<>(full.size());
      for (Change<String> change : full) {
        keyOnlyRetractions.add(
            change.isRetract()
                ? change.withValue(ChangelogGenerator.stringKey(change.value()) + "#")
                : change);
      }
      assertThat(output).isEqualTo(keyOnlyRetractions);
      return;
    }
    boolean versioned = mode == Mode.VERSIONED;
    assertThat(output)
        .isEqualTo(
            new UpsertNormalizeModel(versioned, Route.DROP, Route.SIDE_OUTPUT)
                .run(delivered)
                .output());
    Map<String, String> table =
        Materializer.<String, String>byKey(ChangelogGenerator::stringKey).materialize(output);
    if (versioned) {
      Map<String, String> sourceTable = new HashMap<>();
      for (int i = 0; i < seeds.size(); i++) {
        String prefix = "s" + seeds.get(i) + "-";
        changelogs
            .get(i)
            .finalTable(ChangelogGenerator::stringKey)
            .forEach((key, row) -> sourceTable.put(prefix + key, prefix + row));
      }
      assertThat(table)
          .as("materialized output vs the sources' final tables")
          .isEqualTo(sourceTable);
    }
  }

  /**
   * One script of the generated changelogs of {@code seeds}, one after another, each key prefixed
   * with its sequence's seed so that sequences never share keys; adds the changelogs and the
   * delivered changes to the given lists.
   */
  static HarnessInput<Change<String>> concatenated(
      List<Long> seeds,
      List<GeneratedChangelog<String>> changelogs,
      List<Change<String>> delivered) {
    HarnessInput.Builder<Change<String>> script = HarnessInput.builder();
    for (long seed : seeds) {
      GeneratedChangelog<String> changelog = MESSY.generate(seed);
      changelogs.add(changelog);
      String prefix = "s" + seed + "-";
      for (HarnessInput.Step<Change<String>> step : changelog.input().steps()) {
        if (step instanceof HarnessInput.Element<Change<String>> element) {
          Change<String> change = element.value().withValue(prefix + element.value().value());
          script.element(change, element.timestamp());
          delivered.add(change);
        } else if (step instanceof HarnessInput.AdvanceProcessingTime<Change<String>> advance) {
          script.advanceProcessingTime(advance.millis());
        } // watermarks of concatenated sequences would go back in time; the step ignores them
      }
    }
    return script.build();
  }

  static KeyedHarness<String, Change<String>, Change<String>> recipe(Mode mode) {
    UpsertNormalize<String, String> spec =
        switch (mode) {
          case PLAIN -> strings();
          case VERSIONED -> strings().withSequence(ChangeSequence.sourcePosition());
          case VERSIONED_PROJECTED ->
              strings()
                  .withSequence(ChangeSequence.sourcePosition())
                  .withProjectedState(
                      ChangelogGenerator::stringKey, Types.STRING, key -> key + "#");
        };
    return normalizer(spec, Types.STRING, null).recipe;
  }

  private static List<Change<String>> run(
      KeyedHarness<String, Change<String>, Change<String>> recipe,
      HarnessInput<Change<String>> input) {
    try (OperatorHarness<Change<String>, Change<String>> harness = recipe.open()) {
      harness.run(input);
      return harness.output();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
