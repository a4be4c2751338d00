package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.etlkit.operators.dedup.DedupIndependentReference.Advance;
import dev.etlkit.operators.dedup.DedupIndependentReference.Checkpoint;
import dev.etlkit.operators.dedup.DedupIndependentReference.Config;
import dev.etlkit.operators.dedup.DedupIndependentReference.Event;
import dev.etlkit.operators.dedup.DedupIndependentReference.Input;
import dev.etlkit.operators.dedup.DedupIndependentReference.Keep;
import dev.etlkit.operators.dedup.DedupIndependentReference.Observed;
import dev.etlkit.operators.dedup.DedupIndependentReference.Ordering;
import dev.etlkit.operators.dedup.DedupIndependentReference.Watermark;
import dev.etlkit.testkit.Soak;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential test of the dedup step against {@link DedupIndependentReference}, a reference
 * written from the docs alone: generated configurations (every valid combination of keep mode,
 * ordering, output, changelog input, TTL, late records and mini-batches) and generated scripts
 * (duplicates, identical redeliveries, ties in event time, records at the watermark, keys coming
 * back exactly at TTL expiry, -0.0 / 0.0 / NaN, null and throwing keys, throwing ordering keys,
 * records without a timestamp, deletes, key-only deletes, checkpoints with restores, also onto the
 * other backend) run through both; per key output, late records, dead letters and the record
 * accounting must be equal. Ordered keep-last on a changelog also runs with {@code
 * withDeleteRetention} (300 ms or 1.2 s; with no TTL, or one of 1.5 s that comes first or not), its
 * scripts moving processing time by 0.4 and 1 s too, through whole seconds; {@code
 * deleteMarkersRemoved} must be equal as well. A divergence is shrunk to a short script before it
 * is reported.
 */
class DedupIndependentReferenceTest {

  static List<Long> heapSeeds() {
    return Soak.seeds(200, 5_000);
  }

  static List<Long> rocksDbSeeds() {
    return Soak.seeds(20, 300);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("heapSeeds")
  void generated_realStepEqualsReference_heap(long seed) throws Exception {
    check(seed, StateBackendKind.HEAP, 40);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("rocksDbSeeds")
  void generated_realStepEqualsReference_rocksDb(long seed) throws Exception {
    check(1_000_000 + seed, StateBackendKind.ROCKSDB, 30);
  }

  // ---------------------------------------------------------------------------------------------
  // The edges the docs name, scripted: the reference's output is pinned (so the reference is held
  // to the docs' tables), and the real step must give the same on both backends.

  private static Config config(Keep keep, Ordering ordering, DedupOutput output) {
    return new Config(keep, ordering, output, false, null, null, 0, 0);
  }

  private static Input row(String key, String payload, long timestamp) {
    return row(key, payload, 0.0, timestamp);
  }

  private static Input row(String key, String payload, double amount, long timestamp) {
    return new Input(RowKind.INSERT, new RefRow(key, payload, amount, 0), timestamp, null, null);
  }

  private static Input change(RowKind kind, String key, @Nullable String payload, long timestamp) {
    return new Input(kind, new RefRow(key, payload, 0.0, 0), timestamp, null, null);
  }

  private static Observed sameAsReference(Config config, StateBackendKind backend, Event... script)
      throws Exception {
    List<Event> events = List.of(script);
    Observed expected = DedupIndependentReference.run(config, events);
    assertThat(DedupIndependentDriver.run(config, events, backend))
        .as("%s on %s:%n%s", config, backend, render(events))
        .isEqualTo(expected);
    return expected;
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepFirstInEventTime_docsTable_earlierRowWinsUntilTheWatermark(StateBackendKind backend)
      throws Exception {
    Observed observed =
        sameAsReference(
            config(Keep.FIRST, Ordering.EVENT_TIME, DedupOutput.APPEND),
            backend,
            row("k1", "v2", 20),
            row("k1", "v1", 10), // earlier, arrives later: the first row after all
            new Watermark(15),
            row("k1", "v0", 12), // behind the watermark: late
            row("k1", "v3", 30));
    assertThat(observed.mainByKey()).containsExactly(entry("k1", List.of("#2 k1#v1/0.0/v0 @10")));
    assertThat(observed.late()).containsExactly("#3 +I k1#v0/0.0/v0 @12");
    assertThat(observed.counts())
        .containsEntry("recordsIn", 4L)
        .containsEntry("recordsOut", 1L)
        .containsEntry("recordsFiltered", 1L)
        .containsEntry("recordsDeduplicated", 2L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void tiesInEventTime_goByArrival(StateBackendKind backend) throws Exception {
    Observed first =
        sameAsReference(
            config(Keep.FIRST, Ordering.EVENT_TIME, DedupOutput.APPEND),
            backend,
            row("k1", "a", 5),
            row("k1", "b", 5),
            new Watermark(5));
    assertThat(first.mainByKey()).containsExactly(entry("k1", List.of("#2 k1#a/0.0/v0 @5")));

    Observed last =
        sameAsReference(
            config(Keep.LAST, Ordering.EVENT_TIME, DedupOutput.UPSERT),
            backend,
            row("k1", "a", 5),
            row("k1", "b", 5));
    assertThat(last.mainByKey())
        .containsExactly(
            entry(
                "k1",
                List.of(
                    "#0 +I k1#a/0.0/v0 @5 et=null sp=null",
                    "#1 +U k1#b/0.0/v0 @5 et=null sp=null")));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void recordExactlyAtTheWatermark_isLate(StateBackendKind backend) throws Exception {
    Config deadLetters =
        new Config(
            Keep.LAST,
            Ordering.EVENT_TIME,
            DedupOutput.RETRACT,
            false,
            null,
            LateRecords.DEAD_LETTER,
            0,
            0);
    Observed observed =
        sameAsReference(
            deadLetters, backend, new Watermark(10), row("k1", "v1", 10), row("k1", "v2", 11));
    assertThat(observed.deadLetters()).containsExactly("#1 " + LateRecordException.class.getName());
    assertThat(observed.mainByKey())
        .containsExactly(entry("k1", List.of("#2 +I k1#v2/0.0/v0 @11 et=null sp=null")));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keyReappearingExactlyAtTtlExpiry_isNew(StateBackendKind backend) throws Exception {
    Config ttl =
        new Config(
            Keep.FIRST, Ordering.PROCESSING_TIME, DedupOutput.APPEND, false, 10L, null, 0, 0);
    Observed observed =
        sameAsReference(
            ttl,
            backend,
            row("k1", "v1", 0),
            new Advance(9),
            row("k1", "v1", 0), // a duplicate: writes nothing, so the clock does not restart
            new Advance(1), // 10 ms after the write: gone from here on
            row("k1", "v1", 0));
    assertThat(observed.mainByKey())
        .containsExactly(entry("k1", List.of("#0 k1#v1/0.0/v0 @0", "#4 k1#v1/0.0/v0 @0")));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void identicalRedeliveryWithTtl_emitsNothing(StateBackendKind backend) throws Exception {
    for (DedupOutput output : List.of(DedupOutput.UPSERT, DedupOutput.RETRACT)) {
      Config config =
          new Config(Keep.LAST, Ordering.PROCESSING_TIME, output, false, 25L, null, 0, 0);
      Observed observed =
          sameAsReference(
              config,
              backend,
              row("k1", "v1", 1),
              row("k1", "v2", 2),
              new Advance(5),
              row("k1", "v2", 3)); // a redelivery
      assertThat(observed.mainByKey().get("k1")).hasSize(output == DedupOutput.RETRACT ? 3 : 2);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void negativeZeroDiffersFromZero_allNaNsAreAlike(StateBackendKind backend) throws Exception {
    double otherNaN = Double.longBitsToDouble(0x7ff8_0000_0000_0123L);
    for (DedupOutput output : List.of(DedupOutput.UPSERT, DedupOutput.RETRACT)) {
      Observed observed =
          sameAsReference(
              config(Keep.LAST, Ordering.PROCESSING_TIME, output),
              backend,
              row("k1", "v", 0.0, 1),
              row("k1", "v", -0.0, 2), // another serialized form: a change
              row("k2", "v", Double.NaN, 3),
              row("k2", "v", otherNaN, 4)); // serialized alike: a no-op
      assertThat(observed.mainByKey().get("k1"))
          .hasSize(output == DedupOutput.RETRACT ? 3 : 2)
          .last()
          .asString()
          .contains("+U k1#v/-0.0/v0");
      assertThat(observed.mainByKey().get("k2")).hasSize(1);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restoreWhileARowIsHeld_countsItInAgainAndEmitsItOnce(StateBackendKind backend)
      throws Exception {
    Observed observed =
        sameAsReference(
            config(Keep.FIRST, Ordering.EVENT_TIME, DedupOutput.APPEND),
            backend,
            row("k1", "v1", 5),
            new Checkpoint(false),
            row("k1", "v0", 4), // earlier: displaces the restored held row
            new Checkpoint(true), // onto the other backend, through a savepoint
            new Watermark(5));
    assertThat(observed.mainByKey()).containsExactly(entry("k1", List.of("#4 k1#v0/0.0/v0 @4")));
    assertThat(observed.counts())
        .containsEntry("recordsIn", 4L) // two inputs, and a held row restored twice
        .containsEntry("recordsOut", 1L)
        .containsEntry("recordsDeduplicated", 1L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void keepLastOnChangelog_docsTable(StateBackendKind backend) throws Exception {
    for (DedupOutput output : List.of(DedupOutput.UPSERT, DedupOutput.RETRACT)) {
      Config config =
          new Config(Keep.LAST, Ordering.PROCESSING_TIME, output, true, null, null, 0, 0);
      Observed observed =
          sameAsReference(
              config,
              backend,
              change(RowKind.INSERT, "k1", "v1", 1),
              change(RowKind.UPDATE_BEFORE, "k1", "v1", 2),
              change(RowKind.UPDATE_AFTER, "k1", "v2", 2),
              change(RowKind.DELETE, "k1", null, 3), // key-only
              change(RowKind.DELETE, "k1", null, 4),
              change(RowKind.INSERT, "k1", "v3", 5));
      String deleted = output == DedupOutput.RETRACT ? "k1#v2" : "k1#null";
      List<String> expected = new ArrayList<>();
      expected.add("#0 +I k1#v1/0.0/v0 @1 et=null sp=null");
      if (output == DedupOutput.RETRACT) {
        expected.add("#2 -U k1#v1/0.0/v0 @2 et=null sp=null");
      }
      expected.add("#2 +U k1#v2/0.0/v0 @2 et=null sp=null");
      expected.add("#3 -D " + deleted + "/0.0/v0 @3 et=null sp=null");
      expected.add("#5 +I k1#v3/0.0/v0 @5 et=null sp=null");
      assertThat(observed.mainByKey()).containsExactly(entry("k1", expected));
      assertThat(observed.counts())
          .containsEntry("recordsFiltered", 1L)
          .containsEntry("recordsDeduplicated", 1L);
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void orderedKeepLast_deleteOfAKeyNeverSeen_leavesATombstone(StateBackendKind backend)
      throws Exception {
    Config config =
        new Config(Keep.LAST, Ordering.EVENT_TIME, DedupOutput.UPSERT, true, null, null, 0, 0);
    Observed observed =
        sameAsReference(
            config,
            backend,
            change(RowKind.DELETE, "k1", null, 10),
            change(RowKind.INSERT, "k1", "v1", 5), // older than the delete: stays deleted
            change(RowKind.INSERT, "k1", "v2", 10)); // as old, later arrival: live again
    assertThat(observed.mainByKey())
        .containsExactly(entry("k1", List.of("#2 +I k1#v2/0.0/v0 @10 et=null sp=null")));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteRetention_tombstoneGoesAtTheWholeSecondAfterItsLastWrite_thenAnOlderRowIsNew(
      StateBackendKind backend) throws Exception {
    Config config =
        new Config(
            Keep.LAST, Ordering.EVENT_TIME, DedupOutput.UPSERT, true, null, null, 0, 0, 300L);
    Observed observed =
        sameAsReference(
            config,
            backend,
            new Advance(400),
            change(RowKind.INSERT, "k1", "v1", 10),
            change(RowKind.DELETE, "k1", null, 20), // at 400: due at 1000 (700 rounded up)
            new Advance(500),
            change(RowKind.DELETE, "k1", null, 30), // newer, at 900: due at 2000 now
            change(RowKind.DELETE, "k1", null, 30), // as old: writes nothing, moves nothing
            new Advance(1_000), // 1900: the tombstone stays
            change(RowKind.INSERT, "k1", "v2", 25), // older than the delete: stays deleted
            new Advance(100), // 2000: gone, counted
            change(RowKind.INSERT, "k1", "v3", 15)); // older still, but the key is new again
    assertThat(observed.mainByKey())
        .containsExactly(
            entry(
                "k1",
                List.of(
                    "#1 +I k1#v1/0.0/v0 @10 et=null sp=null",
                    "#2 -D k1#null/0.0/v0 @20 et=null sp=null",
                    "#9 +I k1#v3/0.0/v0 @15 et=null sp=null")));
    assertThat(observed.counts())
        .containsEntry(DedupIndependentReference.DELETE_MARKERS_REMOVED, 1L)
        .containsEntry("recordsDeduplicated", 3L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void deleteRetentionAndTtl_dueAtTheSameSecond_theTtlComesFirstAndNothingIsCounted(
      StateBackendKind backend) throws Exception {
    Config config =
        new Config(
            Keep.LAST, Ordering.EVENT_TIME, DedupOutput.UPSERT, true, 1_500L, null, 0, 0, 1_200L);
    Observed observed =
        sameAsReference(
            config,
            backend,
            new Advance(500),
            change(RowKind.INSERT, "k1", "v1", 10),
            change(RowKind.DELETE, "k1", null, 20), // at 500: due at 2000, its TTL ends at 2000
            new Advance(100),
            change(RowKind.INSERT, "k2", "v1", 10),
            change(RowKind.DELETE, "k2", null, 20), // at 600: due at 2000, its TTL ends at 2100
            new Advance(1_400), // 2000: both gone, only k2's counted
            change(RowKind.INSERT, "k1", "v2", 15),
            change(RowKind.INSERT, "k2", "v2", 15));
    assertThat(observed.mainByKey().get("k1")).hasSize(3).last().asString().startsWith("#7 +I");
    assertThat(observed.mainByKey().get("k2")).hasSize(3).last().asString().startsWith("#8 +I");
    assertThat(observed.counts())
        .containsEntry(DedupIndependentReference.DELETE_MARKERS_REMOVED, 1L);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void recordsWithoutKeyOrTimestamp_areDeadLettersBeforeAnythingElse(StateBackendKind backend)
      throws Exception {
    Observed observed =
        sameAsReference(
            config(Keep.LAST, Ordering.EVENT_TIME_THEN_VERSION, DedupOutput.RETRACT),
            backend,
            row(null, "v1", 1),
            row(RefRow.THROWING_KEY, "v1", 1),
            new Input(RowKind.INSERT, new RefRow("k1", "v1", 0.0, 0), null, null, null),
            row("k1", RefRow.THROWING_VERSION, 2));
    assertThat(observed.deadLetters())
        .containsExactly(
            "#0 " + DedupIndependentReference.NULL_KEY,
            "#1 " + DedupIndependentReference.KEY_THREW,
            "#2 " + DedupIndependentReference.NO_TIMESTAMP,
            "#3 " + DedupIndependentReference.ORDER_KEY_THREW);
    assertThat(observed.counts())
        .containsEntry("recordsIn", 4L)
        .containsEntry("recordsDeadLettered", 4L);
  }

  // ---------------------------------------------------------------------------------------------

  static void check(long seed, StateBackendKind backend, int length) throws Exception {
    Random random = new Random(seed);
    Config config = config(random);
    List<Event> script = script(random, config, length);
    Observed expected = DedupIndependentReference.run(config, script);
    Observed actual = DedupIndependentDriver.run(config, script, backend);
    if (expected.equals(actual)) {
      return;
    }
    List<Event> shrunk = shrink(config, script, backend);
    assertThat(DedupIndependentDriver.run(config, shrunk, backend))
        .as(
            "seed %d, %s on %s, script (shrunk from %d steps):%n%s",
            seed, config, backend, script.size(), render(shrunk))
        .isEqualTo(DedupIndependentReference.run(config, shrunk));
    assertThat(actual)
        .as("seed %d, %s on %s, script:%n%s", seed, config, backend, render(script))
        .isEqualTo(expected);
  }

  /** Greedy shrinking: drop steps while the divergence stays. */
  static List<Event> shrink(Config config, List<Event> script, StateBackendKind backend)
      throws Exception {
    List<Event> current = new ArrayList<>(script);
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < current.size(); i++) {
        List<Event> candidate = new ArrayList<>(current);
        candidate.remove(i);
        if (diverges(config, candidate, backend)) {
          current = candidate;
          progress = true;
          i--;
        }
      }
    }
    return current;
  }

  private static boolean diverges(Config config, List<Event> script, StateBackendKind backend) {
    try {
      return !DedupIndependentReference.run(config, script)
          .equals(DedupIndependentDriver.run(config, script, backend));
    } catch (Exception | AssertionError e) {
      return false;
    }
  }

  static String render(List<Event> script) {
    StringBuilder sb = new StringBuilder();
    for (Event e : script) {
      sb.append("  ").append(e).append('\n');
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Generators.

  static Config config(Random random) {
    while (true) {
      Keep keep = random.nextBoolean() ? Keep.FIRST : Keep.LAST;
      Ordering ordering = Ordering.values()[random.nextInt(Ordering.values().length)];
      DedupOutput output = DedupOutput.values()[random.nextInt(DedupOutput.values().length)];
      boolean changelog = random.nextInt(3) == 0;
      Long ttl = random.nextInt(3) == 0 ? null : (random.nextBoolean() ? 10L : 25L);
      LateRecords late =
          ordering.eventTime() && random.nextBoolean()
              ? LateRecords.values()[random.nextInt(2)]
              : null;
      boolean miniBatch = random.nextInt(3) == 0;
      Config config =
          new Config(
              keep,
              ordering,
              output,
              changelog,
              ttl,
              late,
              miniBatch ? 1 + random.nextInt(4) : 0,
              miniBatch ? (random.nextBoolean() ? 5 : 20) : 0);
      if (!config.valid()) {
        continue;
      }
      if (!config.keepsTombstones()) {
        return config; // as the seed always gave it
      }
      Long retention = DELETE_RETENTIONS[random.nextInt(DELETE_RETENTIONS.length)];
      if (retention == null) {
        return config;
      }
      return new Config(
          keep,
          ordering,
          output,
          changelog,
          // a TTL of milliseconds would always remove the tombstone first
          ttl == null ? null : RETENTION_TTL,
          late,
          config.miniBatchRecords(),
          config.miniBatchDelayMillis(),
          retention);
    }
  }

  /** No retention, one shorter than a second's rounding, one longer. */
  private static final Long[] DELETE_RETENTIONS = {null, 300L, 1_200L};

  /**
   * A TTL beside a retention that the retention may beat: 300 ms always (due within 1.3 s), 1.2 s
   * when the tombstone was written at a whole second or after half past up to 0.8 s past; one
   * written at half past is due just as its TTL ends, and the TTL comes first.
   */
  private static final long RETENTION_TTL = 1_500L;

  private static final String[] KEYS = {"k1", "k2", "k3"};
  private static final String[] PAYLOADS = {"v0", "v1", "v2"};
  private static final double[] AMOUNTS = {
    0.0, -0.0, 1.5, Double.NaN, Double.longBitsToDouble(0x7ff8000000000123L)
  };

  private static final long[] SHORT_ADVANCES = {1, 2, 5, 10, 15};
  private static final long[] RETENTION_ADVANCES = {1, 5, 15, 400, 1_000, 1_000};

  static List<Event> script(Random random, Config config, int length) {
    List<Event> script = new ArrayList<>();
    List<Input> inputs = new ArrayList<>();
    long watermark = 0;
    // with a delete retention, more clock moves, and of a second or so too: its deadlines are whole
    // seconds; without, the shares are those the seeds always gave
    boolean retention = config.deleteRetentionMillis() != null;
    int advances = retention ? 16 : 10;
    long[] steps = retention ? RETENTION_ADVANCES : SHORT_ADVANCES;
    for (int i = 0; i < length; i++) {
      int dice = random.nextInt(100);
      if (dice < 10) {
        watermark += random.nextInt(4);
        script.add(new Watermark(watermark));
      } else if (dice < 10 + advances) {
        script.add(new Advance(steps[random.nextInt(steps.length)]));
      } else if (dice < 14 + advances) {
        script.add(new Checkpoint(random.nextInt(3) == 0));
      } else if (dice < 32 + advances && !inputs.isEmpty()) {
        Input again = inputs.get(random.nextInt(inputs.size())); // a redelivery
        script.add(again);
      } else if (dice < 40 + advances && !inputs.isEmpty()) {
        Input again = inputs.get(random.nextInt(inputs.size())); // the same row, another time
        script.add(
            new Input(
                again.kind(),
                again.row(),
                watermark + random.nextInt(8) - 2,
                again.changeEventTime(),
                again.changeSourcePosition()));
      } else {
        Input input = input(random, config, watermark);
        inputs.add(input);
        script.add(input);
      }
    }
    return script;
  }

  private static Input input(Random random, Config config, long watermark) {
    int k = random.nextInt(100);
    String key = k < 4 ? null : k < 7 ? RefRow.THROWING_KEY : KEYS[random.nextInt(KEYS.length)];
    int p = random.nextInt(100);
    String payload =
        p < 5 ? null : p < 9 ? RefRow.THROWING_VERSION : PAYLOADS[random.nextInt(PAYLOADS.length)];
    RefRow row =
        new RefRow(key, payload, AMOUNTS[random.nextInt(AMOUNTS.length)], random.nextInt(4));
    Long timestamp = random.nextInt(100) < 3 ? null : watermark + random.nextInt(8) - 2;
    RowKind kind = RowKind.INSERT;
    Long eventTime = null;
    Long position = null;
    if (config.changelog()) {
      int c = random.nextInt(100);
      kind =
          c < 40
              ? RowKind.INSERT
              : c < 65 ? RowKind.UPDATE_AFTER : c < 75 ? RowKind.UPDATE_BEFORE : RowKind.DELETE;
      if (kind == RowKind.DELETE && random.nextBoolean()) {
        row = new RefRow(key, null, 0.0, row.version); // key-only, keeping the version
      }
      eventTime = random.nextBoolean() ? null : (long) random.nextInt(50);
      position = random.nextBoolean() ? null : (long) random.nextInt(50);
    }
    return new Input(kind, row, timestamp, eventTime, position);
  }
}
