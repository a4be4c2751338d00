package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.scd.Scd2IndependentModel.Arrival;
import dev.etlkit.scd.Scd2IndependentModel.Item;
import dev.etlkit.scd.Scd2IndependentModel.Kind;
import dev.etlkit.scd.Scd2IndependentModel.Options;
import dev.etlkit.scd.Scd2IndependentModel.Out;
import dev.etlkit.scd.Scd2IndependentModel.Result;
import dev.etlkit.scd.Scd2IndependentModel.Route;
import dev.etlkit.scd.Scd2IndependentModel.Row;
import dev.etlkit.scd.Scd2IndependentModel.TimeSource;
import dev.etlkit.scd.Scd2IndependentScenarios.Scenario;
import dev.etlkit.scd.Scd2IndependentScenarios.Special;
import dev.etlkit.scd.Scd2IndependentScenarios.Template;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.types.RowKind;

/**
 * Differential test of the SCD2 step against {@link Scd2IndependentModel}, a reference written from
 * the docs and the public Javadoc alone (not from {@link Scd2Reference} or the step). Each
 * generated scenario ({@link Scd2IndependentScenarios}) runs through the real step in the harness,
 * on the heap (long histories also on RocksDB), snapshotted and restored every few inputs; after
 * every single input the step's main output (record for record, in order), late side output, dead
 * letters and accounting are compared with what the model says that input must produce, and a sink
 * applying the output one record at a time must never hold overlapping or two current versions. The
 * whole output, materialized by (key, validFrom), must equal the model's history at the end.
 */
class Scd2IndependentReferenceTest {

  static final TypeInformation<Item> ITEM = TypeInformation.of(Item.class);
  static final TypeInformation<Change<Item>> CHANGES = Change.typeInfo(ITEM);
  static final long BASE = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
  static final String[] SEGMENTS = {"A", "B"};
  static final String[] PHONES = {"1", "2"};
  static final String[] NOTES = {"x", null};

  @Property(tries = 300)
  void anyScenario_stepEmitsWhatTheIndependentReferenceSays(@ForAll("scenarios") Scenario s)
      throws Exception {
    run(s, StateBackendKind.HEAP);
  }

  /** Long histories: keys keep sealed chunks, prune, and take late changes into sealed chunks. */
  @Property(tries = 25)
  void longHistory_stepEmitsWhatTheIndependentReferenceSays(@ForAll("longScenarios") Scenario s)
      throws Exception {
    run(s, StateBackendKind.HEAP);
  }

  @Property(tries = 6)
  void longHistoryOnRocksDb_stepEmitsWhatTheIndependentReferenceSays(
      @ForAll("longScenarios") Scenario s) throws Exception {
    run(s, StateBackendKind.ROCKSDB);
  }

  // ---------------------------------------------------------------- generation

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Scd2IndependentScenarios.scenarios(
        Arbitraries.of(
            Scd2IndependentScenarios.HORIZONS[0],
            Scd2IndependentScenarios.HORIZONS[1],
            Scd2IndependentScenarios.HORIZONS[2],
            Scd2IndependentScenarios.HORIZONS[3],
            Scd2.MAX_LATENESS_HORIZON.toMillis()),
        1,
        40);
  }

  @Provide
  Arbitrary<Scenario> longScenarios() {
    return Scd2IndependentScenarios.scenarios(Arbitraries.of(30L, 120L, 400L), 150, 400);
  }

  // ---------------------------------------------------------------- the comparison

  @SuppressWarnings({"unchecked", "rawtypes"})
  static void run(Scenario s, StateBackendKind backend) throws Exception {
    Options o = s.options();
    Scd2IndependentModel model = new Scd2IndependentModel(o);
    TypeInformation inputType = o.changelog() ? CHANGES : ITEM;
    Scd2Harnesses.Recipe recipe =
        Scd2Harnesses.of((Scd2Step) Scd2IndependentScenarios.step(o, s.lateChanges()), inputType);
    List<String> trace = new ArrayList<>();
    OperatorHarness h = recipe.open(backend);
    List<Change<Scd2Row<Item>>> allOutput = new ArrayList<>();
    Map<String, TreeMap<Long, Scd2Row<Item>>> sink = new TreeMap<>();
    try {
      long processingTime = BASE;
      h.setProcessingTime(processingTime);
      int n = 0;
      for (Template t : Scd2IndependentScenarios.deliveries(s)) {
        if (n > 0 && n % s.restoreEvery() == 0) {
          var state = h.snapshot();
          allOutput.addAll(h.output());
          h.close();
          h = recipe.harness().on(backend).restore(state);
          if (o.time() == TimeSource.PROCESSING_TIME) {
            processingTime -= 7; // restored on a machine whose clock is behind
          }
          h.setProcessingTime(processingTime);
          trace.add("-- snapshot and restore, processing time " + (processingTime - BASE));
        }
        Long latest = model.latest(t.key());
        long time = BASE + t.time();
        if (latest != null) {
          switch (t.special()) {
            case AT_HORIZON:
              time = latest - o.horizonMs();
              break;
            case OVER_HORIZON:
              time = latest - o.horizonMs() - 1;
              break;
            case TIE_LATEST:
              time = latest;
              break;
            case OLDEST_KEPT:
              time = model.oldestAcceptedSince(t.key(), latest - o.horizonMs());
              break;
            default:
          }
        }
        if (t.special() == Special.OUT_OF_RANGE) {
          time =
              o.validToCurrent() != null
                  ? o.validToCurrent()
                  : Scd2.MAX_EFFECTIVE_TIME.toEpochMilli() + 1;
        }
        if (t.special() == Special.FAR_FUTURE) {
          time =
              o.validToCurrent() != null
                  ? o.validToCurrent() - 1
                  : Scd2.MAX_EFFECTIVE_TIME.toEpochMilli();
        }
        if (t.special() == Special.FAR_PAST) {
          time = Scd2.MIN_EFFECTIVE_TIME.toEpochMilli();
        }
        if (o.time() == TimeSource.PROCESSING_TIME
            && t.special() != Special.OUT_OF_RANGE
            && t.special() != Special.FAR_FUTURE) {
          processingTime = Math.max(processingTime, time);
          h.setProcessingTime(processingTime);
        }
        boolean noTime = t.special() == Special.NO_TIME;
        Item value =
            new Item(
                t.special() == Special.NO_KEY ? null : t.key(),
                SEGMENTS[t.value() & 1],
                PHONES[(t.value() >> 1) & 1],
                NOTES[(t.value() >> 2) & 1],
                o.time() == TimeSource.FIELD && !noTime ? Instant.ofEpochMilli(time) : null,
                t.seq());
        Long eventTime = noTime ? null : time;
        Long position = t.special() == Special.NO_POSITION ? null : t.seq();
        Long recordTimestamp = noTime ? null : time;
        Arrival arrival =
            new Arrival(
                value.id(), t.kind(), value, eventTime, position, recordTimestamp, processingTime);
        Object input = value;
        if (o.changelog()) {
          RowKind kind =
              t.kind() == Kind.DELETE
                  ? RowKind.DELETE
                  : t.kind() == Kind.UPDATE_BEFORE
                      ? RowKind.UPDATE_BEFORE
                      : (t.seq() & 1) == 0 ? RowKind.INSERT : RowKind.UPDATE_AFTER;
          input = Change.of(kind, value, eventTime, position);
        }
        trace.add(
            String.format(
                "#%d %s %s t=%s seq=%d %s%s",
                n++,
                t.kind(),
                value.id(),
                time == BASE + t.time() ? String.valueOf(t.time()) : time - BASE + "*",
                t.seq(),
                t.special(),
                t.copy() ? " (redelivered)" : ""));

        Long latestBefore = model.latest(value.id() == null ? "" : value.id());
        Result expected = model.process(arrival);
        Statistics.label("route").collect(expected.route());
        if (expected.route() == Route.ACCEPTED) {
          Statistics.label("accepted")
              .collect(
                  latestBefore == null
                      ? "first"
                      : time < latestBefore
                          ? "spliced " + t.kind() + (expected.changed() ? " changing" : " no-op")
                          : time == latestBefore
                              ? "tie " + (expected.changed() ? "changing" : "no-op")
                              : "in order " + (expected.changed() ? "changing" : "no-op"));
          Statistics.label("emitted")
              .collect(
                  expected.output().stream()
                      .map(x -> x.kind().shortString())
                      .sorted()
                      .reduce("", String::concat));
        }
        int outBefore = h.output().size();
        int lateBefore = h.sideOutput(Scd2Harnesses.lateTag(inputType)).size();
        int deadBefore = h.sideOutput(Scd2Harnesses.DEAD_LETTERS).size();
        long[] countsBefore = counts(recipe);
        if (recordTimestamp == null) {
          h.processElement(input);
        } else {
          h.processElement(input, recordTimestamp);
        }
        List<Change<Scd2Row<Item>>> out = h.output();
        List<String> actualOut = new ArrayList<>();
        for (Change<Scd2Row<Item>> c : out.subList(outBefore, out.size())) {
          actualOut.add(show(c.kind(), c.value()));
        }
        for (Change<Scd2Row<Item>> c : out.subList(outBefore, out.size())) {
          applyToSink(sink, c, o.output());
        }
        List<String> expectedOut = new ArrayList<>();
        for (Out e : expected.output()) {
          expectedOut.add(show(e.kind(), e.row()));
        }
        String context =
            "options " + o + ", late " + s.lateChanges() + "\n  " + String.join("\n  ", trace);
        assertThat(actualOut).as("output of the last input\n%s", context).isEqualTo(expectedOut);

        boolean late = expected.route() == Route.LATE;
        boolean toSide = late && s.lateChanges() == LateChanges.SIDE_OUTPUT;
        boolean dead =
            expected.route() == Route.DEAD_LETTER
                || (late && s.lateChanges() == LateChanges.DEAD_LETTER);
        List<Object> lateOut = h.sideOutput(Scd2Harnesses.lateTag(inputType));
        assertThat(lateOut.subList(lateBefore, lateOut.size()))
            .as("late side output of the last input (model: %s)\n%s", expected.route(), context)
            .isEqualTo(toSide ? List.of(input) : List.of());
        List<DeadLetter> letters = h.sideOutput(Scd2Harnesses.DEAD_LETTERS);
        assertThat(letters.size() - deadBefore)
            .as("dead letters of the last input (model: %s)\n%s", expected.route(), context)
            .isEqualTo(dead ? 1 : 0);

        long[] countsAfter = counts(recipe);
        long[] delta = new long[countsAfter.length];
        for (int i = 0; i < delta.length; i++) {
          delta[i] = countsAfter[i] - countsBefore[i];
        }
        // in, out, filtered, deduplicated, dead-lettered, late
        long[] expectedDelta = new long[6];
        expectedDelta[0] = 1;
        expectedDelta[5] = late ? 1 : 0;
        if (dead) {
          expectedDelta[4] = 1;
        } else if (expected.route() == Route.FILTERED || toSide) {
          expectedDelta[2] = 1;
        } else if (expected.changed()) {
          expectedDelta[1] = 1;
        } else {
          expectedDelta[3] = 1;
        }
        assertThat(delta)
            .as(
                "accounting [in, out, filtered, deduplicated, dead-lettered, late] of the last"
                    + " input"
                    + " (model: %s, changed %s)\n%s",
                expected.route(), expected.changed(), context)
            .containsExactly(expectedDelta);
      }

      // the whole output, materialized, equals the model's history (append: its final versions)
      allOutput.addAll(h.output());
      Map<String, String> table = new TreeMap<>();
      for (Change<Scd2Row<Item>> c : allOutput) {
        String id = c.value().key() + "@" + c.value().validFromMillis();
        if (c.kind() == RowKind.INSERT || c.kind() == RowKind.UPDATE_AFTER) {
          table.put(id, show(RowKind.INSERT, c.value()));
        } else {
          table.remove(id);
        }
      }
      Map<String, String> expectedTable = new TreeMap<>();
      for (String key : List.of("k1", "k2")) {
        List<Row> rows =
            o.output() == Scd2Output.APPEND ? model.finalHistory(key) : model.history(key);
        if (o.output() != Scd2Output.APPEND) {
          checkModelInvariants(rows, o);
        }
        for (Row row : rows) {
          expectedTable.put(row.key() + "@" + row.validFrom(), show(RowKind.INSERT, row));
        }
      }
      assertThat(table)
          .as("materialized output\n%s", String.join("\n  ", trace))
          .isEqualTo(expectedTable);
    } finally {
      h.close();
    }
  }

  /**
   * Applies one record to a sink keyed by (key, validFrom), as the docs' JDBC merge does, and
   * checks what the docs promise of a sink applying the records one by one: it never holds
   * overlapping versions or two current versions of a key; a retraction retracts the row it holds.
   */
  private static void applyToSink(
      Map<String, TreeMap<Long, Scd2Row<Item>>> sink, Change<Scd2Row<Item>> c, Scd2Output mode) {
    TreeMap<Long, Scd2Row<Item>> rows = sink.computeIfAbsent(c.value().key(), k -> new TreeMap<>());
    long from = c.value().validFromMillis();
    switch (c.kind()) {
      case INSERT:
        if (mode != Scd2Output.APPEND) {
          assertThat(rows).as("+I of a version the sink holds: %s", c).doesNotContainKey(from);
        }
        rows.put(from, c.value());
        break;
      case UPDATE_AFTER:
        rows.put(from, c.value());
        break;
      default:
        assertThat(rows.get(from)).as("%s retracts the row the sink holds", c).isEqualTo(c.value());
        rows.remove(from);
    }
    if (mode == Scd2Output.APPEND) {
      return;
    }
    int current = 0;
    Scd2Row<Item> previous = null;
    for (Scd2Row<Item> row : rows.values()) {
      current += row.isCurrent() ? 1 : 0;
      if (previous != null) {
        assertThat(previous.isCurrent()).as("a current version before another: %s", rows).isFalse();
        assertThat(previous.validToMillis())
            .as("overlapping versions after %s: %s", c, rows.values())
            .isLessThanOrEqualTo(row.validFromMillis());
      }
      previous = row;
    }
    assertThat(current).as("current versions after %s", c).isLessThanOrEqualTo(1);
  }

  private static long[] counts(Scd2Harnesses.Recipe<?, ?> recipe) {
    StepMetrics m = recipe.function().stepMetrics();
    return new long[] {
      m.inCount(),
      m.outCount(),
      m.filteredCount(),
      m.deduplicatedCount(),
      m.deadLetteredCount(),
      recipe.function().lateCount()
    };
  }

  /** The model's own history keeps the issue's invariants (a check of the model, not the step). */
  private static void checkModelInvariants(List<Row> rows, Options o) {
    int current = 0;
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      assertThat(row.version()).isEqualTo(i + 1);
      if (row.current()) {
        current++;
        assertThat(row.validTo()).isEqualTo(o.validToCurrent());
      } else {
        assertThat(row.validTo()).isGreaterThan(row.validFrom());
      }
      if (i > 0) {
        Row prev = rows.get(i - 1);
        assertThat(prev.current()).isFalse();
        assertThat(prev.validTo()).isLessThanOrEqualTo(row.validFrom());
        if (o.deletes() != HardDeletes.INVALIDATE) {
          assertThat(prev.validTo()).isEqualTo(row.validFrom());
        }
      }
    }
    assertThat(current).isLessThanOrEqualTo(1);
    if (!rows.isEmpty() && o.deletes() != HardDeletes.INVALIDATE) {
      assertThat(current).isEqualTo(1);
    }
  }

  static String show(RowKind kind, Scd2Row<Item> row) {
    return show(
        kind,
        new Row(
            row.key(),
            row.value(),
            row.validFromMillis(),
            row.validToMillis(),
            row.isCurrent(),
            row.version(),
            row.isDeleted(),
            row.versionId()));
  }

  static String show(RowKind kind, Row row) {
    Item v = row.value();
    return kind.shortString()
        + " "
        + row.key()
        + " v"
        + row.version()
        + " ["
        + (row.validFrom() - BASE)
        + ","
        + (row.validTo() == null
            ? ""
            : row.validTo() == Scd2.END_OF_TIME.toEpochMilli() ? "END" : row.validTo() - BASE)
        + ")"
        + (row.current() ? " current" : "")
        + (row.deleted() ? " deleted" : "")
        + " "
        + v.seg()
        + "/"
        + v.phone()
        + "/"
        + v.note()
        + "/ts="
        + (v.ts() == null ? "-" : v.ts().toEpochMilli() - BASE)
        + "/seq="
        + v.seq()
        + " id="
        + row.versionId().substring(0, 8);
  }
}
