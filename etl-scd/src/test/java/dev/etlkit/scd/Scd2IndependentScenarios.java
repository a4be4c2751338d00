package dev.etlkit.scd;

import dev.etlkit.scd.Scd2IndependentModel.Detection;
import dev.etlkit.scd.Scd2IndependentModel.Item;
import dev.etlkit.scd.Scd2IndependentModel.Kind;
import dev.etlkit.scd.Scd2IndependentModel.Options;
import dev.etlkit.scd.Scd2IndependentModel.Tie;
import dev.etlkit.scd.Scd2IndependentModel.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Scenarios of {@link Scd2IndependentReferenceTest}: the step's options in every combination the
 * docs describe, and inputs of two keys, each key's in effective-time order, then displaced within
 * and beyond the horizon, redelivered, tied, placed exactly at or just beyond the horizon, at the
 * first and last effective time, or bad.
 */
final class Scd2IndependentScenarios {

  private Scd2IndependentScenarios() {}

  static final long[] GAPS = {0, 1, 1, 2, 3, 5, 8, 40};
  static final long[] HORIZONS = {0, 3, 10, 50};

  /** One generated input: its parts are small ints, so jqwik can shrink them. */
  record Gen(int key, int kind, int gap, int value, int seq, int shift, int special) {}

  /**
   * The step's options and the generated inputs; the harness is snapshotted and restored every
   * {@code restoreEvery} inputs.
   */
  record Scenario(Options options, LateChanges lateChanges, List<Gen> gens, int restoreEvery) {}

  /** One input before its time is resolved: relative inputs are placed against the key's latest. */
  record Template(
      String key, Kind kind, long time, int value, long seq, Special special, boolean copy) {}

  enum Special {
    NONE,
    AT_HORIZON, // latest - horizon: accepted
    OVER_HORIZON, // latest - horizon - 1: late
    TIE_LATEST, // at the latest time
    NO_TIME,
    OUT_OF_RANGE,
    NO_KEY,
    NO_POSITION,
    FAR_FUTURE, // the latest time a change may have: later changes of the key are then late
    FAR_PAST, // the earliest time a change may have
    OLDEST_KEPT // the time of the key's oldest accepted change still within the horizon: a tie
  }

  static Arbitrary<Scenario> scenarios(Arbitrary<Long> horizons, int min, int max) {
    Arbitrary<Options> options =
        Combinators.combine(
                Arbitraries.of(true, true, false),
                Arbitraries.of(TimeSource.class),
                Arbitraries.integers().between(0, 4),
                Arbitraries.of(true, false),
                Arbitraries.of(HardDeletes.class),
                horizons,
                Arbitraries.of(Tie.class),
                Arbitraries.integers().between(0, 5))
            .as(Scd2IndependentScenarios::options);
    Arbitrary<Gen> gen =
        Combinators.combine(
                Arbitraries.integers().between(0, 1),
                Arbitraries.integers().between(0, 19),
                Arbitraries.integers().between(0, GAPS.length - 1),
                Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 3),
                Arbitraries.frequencyOf(
                    Tuple.of(6, Arbitraries.just(0)),
                    Tuple.of(3, Arbitraries.integers().between(-4, 4)),
                    Tuple.of(1, Arbitraries.integers().between(-20, 20))),
                Arbitraries.integers().between(0, 21))
            .as(Gen::new);
    return Combinators.combine(
            options,
            Arbitraries.of(LateChanges.class),
            gen.list().ofMinSize(min).ofMaxSize(max),
            Arbitraries.integers().between(Math.max(3, min / 3), Math.max(60, max / 3)))
        .as(Scenario::new);
  }

  private static Options options(
      boolean changelog,
      TimeSource time,
      int detection,
      boolean type1,
      HardDeletes deletes,
      long horizon,
      Tie tie,
      int modes) {
    if (!changelog && time == TimeSource.CHANGE_EVENT_TIME) {
      time = TimeSource.FIELD;
    }
    if (!changelog && tie == Tie.SOURCE_POSITION) {
      tie = Tie.FIELD;
    }
    Detection kind;
    List<String> columns;
    switch (detection) {
      case 1:
        kind = Detection.ONLY;
        columns = List.of("seg");
        break;
      case 2:
        kind = Detection.ONLY;
        columns = List.of("seg", "note");
        break;
      case 3:
        kind = Detection.ALL_EXCEPT;
        columns = List.of("ts", "seq");
        break;
      case 4:
        kind = Detection.ALL_EXCEPT;
        columns = List.of("ts", "seq", "note");
        break;
      default:
        kind = Detection.ALL;
        columns = List.of();
    }
    Scd2Output output = Scd2Output.values()[modes % 3];
    Long sentinel = modes >= 3 ? Scd2.END_OF_TIME.toEpochMilli() : null;
    return new Options(
        changelog,
        time,
        kind,
        columns,
        type1 ? List.of("phone") : List.of(),
        changelog ? deletes : HardDeletes.INVALIDATE,
        time == TimeSource.PROCESSING_TIME ? 0 : horizon,
        tie,
        sentinel,
        output);
  }

  /** Inputs in delivery order: per key in effective-time order, then displaced by their shifts. */
  static List<Template> deliveries(Scenario s) {
    Options o = s.options();
    long[] clock = {0, 0};
    record Placed(long position, int index, Template template) {}
    List<Placed> placed = new ArrayList<>();
    int index = 0;
    for (Gen g : s.gens()) {
      String key = g.key() == 0 ? "k1" : "k2";
      clock[g.key()] += GAPS[g.gap()];
      Kind kind = Kind.UPSERT;
      if (o.changelog() && g.kind() >= 15) {
        kind = g.kind() == 19 ? Kind.UPDATE_BEFORE : Kind.DELETE;
      }
      Special special = Special.NONE;
      boolean duplicate = false;
      switch (g.special()) {
        case 10:
        case 11:
          duplicate = true;
          break;
        case 12:
          special = Special.AT_HORIZON;
          break;
        case 13:
          special = Special.OVER_HORIZON;
          break;
        case 14:
          special = Special.TIE_LATEST;
          break;
        case 15:
          special = Special.NO_TIME;
          break;
        case 16:
          special = Special.OUT_OF_RANGE;
          break;
        case 17:
          special = Special.NO_KEY;
          break;
        case 18:
          special = o.tie() == Tie.SOURCE_POSITION ? Special.NO_POSITION : Special.NONE;
          break;
        case 19:
          special = g.value() == 0 && g.seq() == 0 ? Special.FAR_FUTURE : Special.NONE;
          break;
        case 20:
          special = g.value() == 0 ? Special.FAR_PAST : Special.NONE;
          break;
        case 21:
          special = Special.OLDEST_KEPT;
          break;
        default:
      }
      Template t = new Template(key, kind, clock[g.key()], g.value(), g.seq(), special, false);
      placed.add(new Placed(2L * index + 2L * g.shift(), index, t));
      if (duplicate) {
        placed.add(
            new Placed(
                2L * index + 6 + 2L * Math.abs(g.shift()) + 1,
                index,
                new Template(key, kind, t.time(), g.value(), g.seq(), special, true)));
      }
      index++;
    }
    placed.sort(Comparator.comparingLong(Placed::position).thenComparingInt(Placed::index));
    List<Template> templates = new ArrayList<>();
    for (Placed p : placed) {
      templates.add(p.template());
    }
    return templates;
  }

  // ---------------------------------------------------------------- the step

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Scd2Step<?, Item> step(Options o, LateChanges late) {
    EffectiveTime<Item> time;
    switch (o.time()) {
      case FIELD:
        time = EffectiveTime.field(Item::ts);
        break;
      case RECORD_TIMESTAMP:
        time = EffectiveTime.recordTimestamp();
        break;
      case CHANGE_EVENT_TIME:
        time = EffectiveTime.changeEventTime();
        break;
      default:
        time = EffectiveTime.processingTime();
    }
    Scd2Step step =
        o.changelog()
            ? Scd2.trackChangelog("ref", Item::id, time).withHardDeletes(o.deletes())
            : Scd2.trackRows("ref", Item::id, time);
    switch (o.detection()) {
      case ONLY:
        step =
            step.withChangeDetection(
                ChangeDetection.only(o.detectionColumns().toArray(String[]::new)));
        break;
      case ALL_EXCEPT:
        step =
            step.withChangeDetection(
                ChangeDetection.allExcept(o.detectionColumns().toArray(String[]::new)));
        break;
      default:
    }
    if (!o.type1().isEmpty()) {
      step = step.withType1Columns(o.type1().toArray(String[]::new));
    }
    if (o.time() != TimeSource.PROCESSING_TIME) {
      step = step.withLatenessHorizon(Duration.ofMillis(o.horizonMs()));
    }
    if (o.tie() == Tie.FIELD) {
      step = step.withTieBreak(TieBreak.<Item>field(Item::seq));
    } else if (o.tie() == Tie.SOURCE_POSITION) {
      step = step.withTieBreak(TieBreak.<Item>sourcePosition());
    }
    if (o.validToCurrent() != null) {
      step = step.withValidToCurrent(Instant.ofEpochMilli(o.validToCurrent()));
    }
    return step.withOutput(o.output()).withLateChanges(late);
  }
}
