package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.scd.internal.KeyHistory;
import dev.etlkit.scd.internal.MapHistoryStore;
import dev.etlkit.scd.internal.Version;
import dev.etlkit.scd.internal.VersionSink;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import javax.annotation.Nullable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generated changelogs cut by a restore that sets {@code withValidToCurrent} (or lowers it from
 * {@link Scd2#END_OF_TIME}) just at or below the latest effective times so far, on heap and RocksDB
 * and restoring from one on the other: after the restore the step emits exactly what the plain
 * history rules emit with the sentinel (the rows a rejected change would have emitted never come,
 * not even a part of them), makes a dead letter of each change at or after the sentinel and of each
 * that would emit a current row that cannot end there, and counts every record once ({@code in =
 * out + filtered + deduplicated + dead-lettered}).
 */
class Scd2ValidToCurrentCutPointTest {

  private static final List<Scd2Variant> VARIANTS = Scd2Variant.spread();

  static List<Long> heapSeeds() {
    return LongStream.range(0, 24).boxed().toList();
  }

  static List<Long> rocksDbSeeds() {
    return LongStream.range(100, 104).boxed().toList();
  }

  @ParameterizedTest
  @MethodSource("heapSeeds")
  void sentinelSetAtRestore_onHeap(long seed) throws Exception {
    check(seed, StateBackendKind.HEAP, StateBackendKind.HEAP);
  }

  @ParameterizedTest
  @MethodSource("rocksDbSeeds")
  void sentinelSetAtRestore_onRocksDb(long seed) throws Exception {
    check(
        seed,
        StateBackendKind.ROCKSDB,
        seed % 2 == 0 ? StateBackendKind.ROCKSDB : StateBackendKind.HEAP);
  }

  /**
   * The seeds are not vacuous: several restored runs reject a change that would emit such a row.
   */
  @Test
  void seeds_includeChangesThatWouldEmitARowNotEndingAtTheSentinel() throws Exception {
    int withRejections = 0;
    for (long seed : heapSeeds()) {
      withRejections += Scenario.of(seed).expected().rejected > 0 ? 1 : 0;
    }
    assertThat(withRejections).isGreaterThanOrEqualTo(4);
  }

  private record Scenario(
      long seed,
      Scd2Variant before,
      Scd2Variant after,
      long sentinel,
      List<Change<Account>> delivered,
      int cut) {

    static Scenario of(long seed) {
      Scd2Variant shape = VARIANTS.get((int) (seed % VARIANTS.size()));
      List<Change<Account>> delivered =
          Scd2Generator.messy()
              .withKeys(2)
              .withLength(30)
              .withShuffleWindow(4 + (int) (seed % 9))
              .generate(seed);
      int cut = delivered.size() / 3 + (int) (seed % (delivered.size() / 2));
      long latest = Long.MIN_VALUE;
      for (Change<Account> change : delivered.subList(0, cut)) {
        latest = Math.max(latest, change.eventTime());
      }
      long sentinel = latest - (seed % 4) * Scd2Generator.UNIT / 2; // at or just below the latest
      Scd2Variant before = withSentinel(shape, shape.validToCurrent()); // none, or END_OF_TIME
      Scd2Variant after = withSentinel(shape, Instant.ofEpochMilli(sentinel));
      return new Scenario(seed, before, after, sentinel, delivered, cut);
    }

    Expected expected() throws Exception {
      return Scd2ValidToCurrentCutPointTest.expected(before, after, sentinel, delivered, cut);
    }
  }

  private static void check(long seed, StateBackendKind first, StateBackendKind second)
      throws Exception {
    Scenario scenario = Scenario.of(seed);
    Scd2Variant before = scenario.before();
    Scd2Variant after = scenario.after();
    List<Change<Account>> delivered = scenario.delivered();
    int cut = scenario.cut();
    List<Change<Account>> rest = delivered.subList(cut, delivered.size());

    OperatorSubtaskState state;
    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h =
        Scd2Harnesses.of(before.step(), Change.typeInfo(Account.TYPE)).harness().on(first).open()) {
      h.run(Scd2Generator.script(delivered.subList(0, cut)));
      state = first == second ? h.snapshot() : h.savepoint(); // a savepoint restores on either
    }
    Expected expected = scenario.expected();
    Scd2Harnesses.Recipe<Change<Account>, Account> restored =
        Scd2Harnesses.of(after.step(), Change.typeInfo(Account.TYPE));
    try (OperatorHarness<Change<Account>, Change<Scd2Row<Account>>> h =
        restored.harness().on(second).restore(state)) {
      h.run(Scd2Generator.script(rest));

      String as = "seed " + seed + ", " + after + ", cut " + cut + ", " + first + " -> " + second;
      assertThat(h.output()).as(as).isEqualTo(expected.output);
      List<DeadLetter> letters = h.sideOutput(Scd2Harnesses.DEAD_LETTERS);
      assertThat(
              letters.stream()
                  .filter(l -> l.errorMessage().contains("does not start before validToCurrent"))
                  .count())
          .as(as)
          .isEqualTo(expected.rejected);
      assertThat(
              letters.stream()
                  .filter(l -> l.errorMessage().contains("is not before validToCurrent"))
                  .count())
          .as(as)
          .isEqualTo(expected.atOrAfterSentinel);
      StepMetrics metrics = restored.function().stepMetrics();
      assertThat(metrics.inCount())
          .as("accounting, %s", as)
          .isEqualTo(rest.size())
          .isEqualTo(
              metrics.outCount()
                  + metrics.filteredCount()
                  + metrics.deduplicatedCount()
                  + metrics.deadLetteredCount());
      assertThat(metrics.deadLetteredCount()).as(as).isEqualTo(letters.size());
    }
  }

  private record Expected(
      List<Change<Scd2Row<Account>>> output, long rejected, long atOrAfterSentinel) {}

  /** What the plain history rules emit after the cut, the step's checks of a change emulated. */
  private static Expected expected(
      Scd2Variant before,
      Scd2Variant after,
      long sentinel,
      List<Change<Account>> delivered,
      int cut)
      throws Exception {
    KeyHistory<Account> history =
        before.step().config(Change.typeInfo(Account.TYPE), null).history();
    Map<String, MapHistoryStore<Account>> stores = new HashMap<>();
    List<Change<Scd2Row<Account>>> output = new ArrayList<>();
    long rejected = 0;
    long atOrAfter = 0;
    for (int i = 0; i < delivered.size(); i++) {
      Change<Account> change = delivered.get(i);
      boolean delete = change.kind() == RowKind.DELETE;
      if (change.kind() == RowKind.UPDATE_BEFORE
          || (delete && after.deletes() == HardDeletes.IGNORE)) {
        continue;
      }
      boolean restored = i >= cut;
      @Nullable Instant end = restored ? after.validToCurrent() : before.validToCurrent();
      if (end != null && change.eventTime() >= end.toEpochMilli()) {
        atOrAfter += restored ? 1 : 0;
        continue;
      }
      String key = change.value().id();
      MapHistoryStore<Account> store = stores.computeIfAbsent(key, k -> new MapHistoryStore<>(cut));
      List<Change<Scd2Row<Account>>> emitted = new ArrayList<>();
      Long validToCurrent = end == null ? null : end.toEpochMilli();
      try {
        history.apply(
            store,
            change.eventTime(),
            after.bySourcePosition() ? change.sourcePosition() : 0L,
            delete ? null : change.value(),
            new SentinelSink(key, validToCurrent, emitted),
            0L,
            KeyHistory.NO_TIMERS);
      } catch (RuntimeException e) {
        assertThat(restored).as("rejected before the restore: %s", e).isTrue();
        assertThat(e).hasMessageContaining("does not start before validToCurrent");
        assertThat(emitted).isEmpty();
        rejected++;
        continue;
      }
      if (restored) {
        output.addAll(emitted);
      }
    }
    assertThat(sentinel).isPositive();
    return new Expected(output, rejected, atOrAfter);
  }

  private static Scd2Variant withSentinel(Scd2Variant variant, @Nullable Instant sentinel) {
    return new Scd2Variant(
        variant.output(),
        variant.deletes(),
        variant.detection(),
        variant.type1(),
        variant.bySourcePosition(),
        variant.horizonMillis(),
        sentinel);
  }

  /** Rows as the step's sink makes them (which throws for a row that cannot end at the end). */
  private record SentinelSink(
      String key, @Nullable Long sentinel, List<Change<Scd2Row<Account>>> into)
      implements VersionSink<Account> {
    @Override
    public void emit(RowKind kind, Version<Account> version) {
      into.add(Change.of(kind, version.toRow(key, sentinel)));
    }

    @Override
    public long validToCurrent() {
      return sentinel == null ? Version.OPEN : sentinel;
    }
  }
}
