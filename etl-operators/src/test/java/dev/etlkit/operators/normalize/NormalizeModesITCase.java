package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.ModeRuns.counts;
import static dev.etlkit.operators.ModeRuns.drain;
import static dev.etlkit.operators.ModeRuns.environment;
import static dev.etlkit.operators.ModeRuns.letters;
import static dev.etlkit.operators.ModeRuns.miniCluster;
import static dev.etlkit.operators.ModeRuns.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same bounded upsert stream in {@code STREAMING} and {@code BATCH} mode (parallelism 2, heap
 * and RocksDB), its changes timestamped in commit order at the source ("In batch mode" in
 * docs/normalize.md): the normalizer with a sequence and without one, and the changelog check on
 * its input and output give the same changelogs, final tables, dead letters and counters in both
 * modes: in batch mode the check judges records sharing a timestamp by their timestamps, not by the
 * order the sort gives them (an update's -U and +U share one), and still reports real violations
 * among them. And batch mode has no state TTL (docs/concepts.md): with a TTL of one millisecond the
 * normalizer and the check forget nothing there.
 */
@Timeout(120)
class NormalizeModesITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = miniCluster();

  private static final int KEYS = 10;

  private static final TypeInformation<Change<String>> CHANGES = Change.typeInfo(Types.STRING);

  /** The part before '#'; none for "none". */
  static String key(String row) {
    String key = row.substring(0, row.indexOf('#'));
    return key.equals("none") ? null : key;
  }

  /**
   * Per key, in commit order (its event time): three upserts, the second redelivered, and for every
   * third key a delete, then for every sixth an upsert again; a delete of a key never seen (which
   * the check of the raw stream reports) and a change without a key.
   */
  static List<Change<String>> upserts() {
    List<Change<String>> changes = new ArrayList<>();
    long time = 1_000;
    for (int v = 1; v <= 5; v++) {
      for (int k = 0; k < KEYS; k++) {
        String key = "k" + k;
        time++;
        switch (v) {
          case 1, 3 -> changes.add(Change.updateAfter(key + "#v" + v).withEventTime(time));
          case 2 -> {
            changes.add(Change.updateAfter(key + "#v2").withEventTime(time));
            changes.add(Change.updateAfter(key + "#v2").withEventTime(time)); // redelivered
          }
          case 4 -> {
            if (k % 3 == 0) {
              changes.add(Change.delete(key + "#v4").withEventTime(time));
            }
          }
          default -> {
            if (k % 6 == 0) {
              changes.add(Change.updateAfter(key + "#v5").withEventTime(time));
            }
          }
        }
      }
    }
    changes.add(Change.delete("gone#v1").withEventTime(time + 1));
    changes.add(Change.updateAfter("none#v1").withEventTime(time + 1));
    return changes;
  }

  private record Run(
      List<String> sequencedChangelog,
      Map<String, String> sequenced,
      Map<String, String> lastWins,
      List<String> letters,
      List<RecordAccounting.StepCounts> counts) {

    /** This run without the dead letters and counts of the check of the normalizer's output. */
    Run withoutCheckOfOutput() {
      return new Run(
          sequencedChangelog,
          sequenced,
          lastWins,
          letters.stream().filter(letter -> !letter.startsWith(CHECK_OUTPUT)).toList(),
          counts.stream().filter(count -> !count.step().equals("check-output")).toList());
    }
  }

  private static final String CHECK_OUTPUT = "crm/check-output ";

  private static Run run(
      RuntimeExecutionMode mode,
      StateBackendKind backend,
      UnaryOperator<UpsertNormalize<String, String>> normalizeOptions,
      UnaryOperator<ChangelogCheck<String, String>> checkOptions)
      throws Exception {
    StreamExecutionEnvironment env = environment(mode, backend);
    DataStream<Change<String>> input =
        env.fromData(upserts(), CHANGES)
            .setParallelism(1)
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Change<String>>forMonotonousTimestamps()
                    .withTimestampAssigner((change, ts) -> change.eventTime()))
            .setParallelism(1);
    EtlPipeline pipeline = Etl.pipeline("crm");
    EtlStream<Change<String>> in = pipeline.from(input);
    EtlStream<Change<String>> sequenced =
        in.apply(
            normalizeOptions.apply(
                Normalize.upserts("sequenced", NormalizeModesITCase::key, Types.STRING)
                    .withSequence(ChangeSequence.eventTime())
                    .withUnknownKeyDeletes(UpsertNormalize.Route.DEAD_LETTER)));
    CloseableIterator<Change<String>> sequencedOut = sequenced.toDataStream().collectAsync();
    CloseableIterator<Change<String>> checkedOutput =
        sequenced
            .apply(
                checkOptions.apply(
                    ChangelogCheck.validate("check-output", NormalizeModesITCase::key, Types.STRING)
                        .withFullChangelog()))
            .toDataStream()
            .collectAsync();
    CloseableIterator<Change<String>> lastWins =
        in.apply(
                normalizeOptions.apply(
                    Normalize.upserts("last-wins", NormalizeModesITCase::key, Types.STRING)
                        .withUnknownKeyDeletes(UpsertNormalize.Route.DEAD_LETTER)))
            .toDataStream()
            .collectAsync();
    CloseableIterator<Change<String>> checkedRaw =
        in.apply(
                checkOptions.apply(
                    ChangelogCheck.validate(
                        "check-input", NormalizeModesITCase::key, Types.STRING)))
            .toDataStream()
            .collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("normalize-modes-" + mode);

    List<Change<String>> sequencedChanges = drain(sequencedOut);
    drain(checkedRaw);
    drain(checkedOutput);
    List<String> changelog = new ArrayList<>();
    for (Change<String> change : sequencedChanges) {
      changelog.add(key(change.value()) + " " + change.kind().shortString() + change.value());
    }
    changelog.sort(null); // each key's in its order: the kinds and versions sort that way too
    return new Run(
        changelog,
        table(sequencedChanges, NormalizeModesITCase::key),
        table(drain(lastWins), NormalizeModesITCase::key),
        letters(drain(deadLetters)),
        counts(result));
  }

  /** Every key's last version, but the deleted ones not written again. */
  static Map<String, String> expected() {
    Map<String, String> table = new TreeMap<>();
    for (int k = 0; k < KEYS; k++) {
      if (k % 6 == 0) {
        table.put("k" + k, "k" + k + "#v5");
      } else if (k % 3 != 0) {
        table.put("k" + k, "k" + k + "#v3");
      }
    }
    return table;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void normalizeAndCheck_sameChangelogsDeadLettersAndCounters_inBatchAndStreaming(
      StateBackendKind backend) throws Exception {
    Run streaming =
        run(
            RuntimeExecutionMode.STREAMING,
            backend,
            UnaryOperator.identity(),
            UnaryOperator.identity());
    Run batch =
        run(
            RuntimeExecutionMode.BATCH,
            backend,
            UnaryOperator.identity(),
            UnaryOperator.identity());

    assertThat(streaming.sequenced()).isEqualTo(expected());
    assertThat(streaming.lastWins()).isEqualTo(expected());
    assertThat(streaming.letters())
        .contains(
            "crm/check-input dev.etlkit.operators.normalize.ChangelogViolationException:"
                + " DELETE of a key that is not live | -D[gone#v1] @1051")
        .anyMatch(letter -> letter.startsWith("crm/sequenced "))
        .anyMatch(letter -> letter.startsWith("crm/last-wins "))
        .noneMatch(letter -> letter.startsWith(CHECK_OUTPUT));
    // The normalizer gives an update's -U and +U its change's timestamp, and batch mode's sort
    // gives records with equal timestamps in no defined order: the check after it judges them by
    // their timestamps, not by the order they came in (docs/normalize.md, "In batch mode").
    assertThat(batch).isEqualTo(streaming);
  }

  /**
   * Per key, {@code versions} upserts at distinct times, and at one more time three upserts at
   * once: the normalizer's output holds an update (-U and +U at one timestamp) per version, and a
   * chain of five changes at the last timestamp, in batch mode in an order nothing defines.
   */
  static List<Change<String>> manyUpdates(int keys, int versions) {
    List<Change<String>> changes = new ArrayList<>();
    for (int k = 0; k < keys; k++) {
      for (int v = 1; v <= versions; v++) {
        changes.add(Change.updateAfter("hot" + k + "#v" + v).withEventTime(v));
      }
      for (int v = 1; v <= 3; v++) {
        changes.add(Change.updateAfter("hot" + k + "#burst" + v).withEventTime(versions + 1));
      }
    }
    return changes;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void checkOfNormalizedUpdates_atEqualTimestamps_inBatch_reportsNothing(StateBackendKind backend)
      throws Exception {
    StreamExecutionEnvironment env = environment(RuntimeExecutionMode.BATCH, backend);
    List<Change<String>> upserts = manyUpdates(4, 200);
    EtlPipeline pipeline = Etl.pipeline("crm");
    CloseableIterator<Change<String>> checked =
        pipeline
            .from(timestamped(env, upserts))
            .apply(Normalize.upserts("last-wins", NormalizeModesITCase::key, Types.STRING))
            .apply(
                ChangelogCheck.validate("check-output", NormalizeModesITCase::key, Types.STRING)
                    .withFullChangelog())
            .toDataStream()
            .collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("check-equal-timestamps");

    // per key: +I, 199 updates, then the burst's three changes (+I or -U/+U each) after the last
    assertThat(drain(checked)).hasSize(4 * (1 + 2 * 199 + 2 * 3));
    assertThat(letters(drain(deadLetters))).isEmpty();
    assertThat(counts(result))
        .filteredOn(count -> count.step().equals("check-output"))
        .singleElement()
        .satisfies(
            count -> {
              assertThat(count.deadLettered()).isZero();
              assertThat(count.out()).isEqualTo(count.in());
            });
  }

  @ParameterizedTest
  @EnumSource(
      value = RuntimeExecutionMode.class,
      names = {"STREAMING", "BATCH"})
  void realViolations_atEqualTimestamps_reportedInBothModes(RuntimeExecutionMode mode)
      throws Exception {
    StreamExecutionEnvironment env = environment(mode, StateBackendKind.HEAP);
    List<Change<String>> changelog =
        List.of(
            Change.insert("a#v1").withEventTime(1),
            Change.insert("a#v1").withEventTime(1), // duplicate INSERT
            Change.insert("b#v1").withEventTime(1),
            Change.updateBefore("b#v9").withEventTime(2), // not the live row
            Change.updateAfter("b#v2").withEventTime(2), // then without its -U
            Change.insert("c#v1").withEventTime(3),
            Change.updateBefore("c#v1").withEventTime(4),
            Change.updateAfter("c#v2").withEventTime(4),
            Change.delete("c#v2").withEventTime(4),
            Change.delete("c#v2").withEventTime(4)); // c is not live any more
    EtlPipeline pipeline = Etl.pipeline("crm");
    CloseableIterator<Change<String>> checked =
        pipeline
            .from(timestamped(env, changelog))
            .apply(
                ChangelogCheck.validate("check-output", NormalizeModesITCase::key, Types.STRING)
                    .withFullChangelog())
            .toDataStream()
            .collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();
    env.execute("check-violations-" + mode);

    assertThat(drain(checked)).hasSize(6);
    assertThat(letters(drain(deadLetters)))
        .containsExactly(
            CHECK_OUTPUT
                + "dev.etlkit.operators.normalize.ChangelogViolationException: DELETE of a key"
                + " that is not live | -D[c#v2] @4",
            CHECK_OUTPUT
                + "dev.etlkit.operators.normalize.ChangelogViolationException: UPDATE_AFTER of a"
                + " live key without an UPDATE_BEFORE (full changelog) | +U[b#v2] @2",
            CHECK_OUTPUT
                + "dev.etlkit.operators.normalize.ChangelogViolationException: duplicate INSERT:"
                + " the key is already live | +I[a#v1] @1",
            CHECK_OUTPUT
                + "dev.etlkit.operators.normalize.ChangelogViolationException: retraction does"
                + " not carry the live row of its key (full changelog) | -U[b#v9] @2");
  }

  private static DataStream<Change<String>> timestamped(
      StreamExecutionEnvironment env, List<Change<String>> changes) {
    return env.fromData(changes, CHANGES)
        .setParallelism(1)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Change<String>>forMonotonousTimestamps()
                .withTimestampAssigner((change, ts) -> change.eventTime()))
        .setParallelism(1);
  }

  /**
   * Batch mode has no state TTL: a TTL of one millisecond, which can forget a key between its
   * changes in streaming, forgets none in batch mode, which gives the result without a TTL.
   */
  @Test
  void stateTtl_inBatch_forgetsNothing_theResultWithoutTtl() throws Exception {
    Run withoutTtl =
        run(
            RuntimeExecutionMode.BATCH,
            StateBackendKind.HEAP,
            UnaryOperator.identity(),
            UnaryOperator.identity());
    Run batchWithTtl =
        run(
            RuntimeExecutionMode.BATCH,
            StateBackendKind.HEAP,
            step -> step.withStateTtl(Duration.ofMillis(1)),
            step -> step.withStateTtl(Duration.ofMillis(1)));

    assertThat(withoutTtl.sequenced()).isEqualTo(expected());
    assertThat(batchWithTtl.withoutCheckOfOutput()).isEqualTo(withoutTtl.withoutCheckOfOutput());
  }
}
