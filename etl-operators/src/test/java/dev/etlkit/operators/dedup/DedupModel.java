package dev.etlkit.operators.dedup;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.HarnessInput;
import dev.etlkit.testkit.KeyedHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.RowKind;

/**
 * The reference model of {@link Dedup}, written from the definition and sharing no code with the
 * operator: it keeps every accepted record of every key and computes the result from the whole
 * history at the end.
 *
 * <p>Records of a key are totally ordered by (ordering key, arrival). Keep-last's row is the
 * greatest record's, unless that is a delete. Keep-first's row is the least insert or update that
 * comes after the key's greatest delete. Late records (timestamp at or behind the last watermark,
 * event-time orders only) and update-befores never enter the history. Append output in event time
 * emits a key's row once the final watermark has passed it; in processing time it emits the first
 * row of each key in arrival order.
 *
 * <p>Rows are generated strings ({@code k3#v2}); ordering by version reads the {@code v2}.
 */
final class DedupModel {

  /** How a mode orders rows. */
  enum Ordering {
    PROCESSING_TIME,
    EVENT_TIME,
    EVENT_TIME_THEN_VERSION
  }

  /** One mode of the step, and the step it stands for. */
  record Mode(boolean keepLast, DedupOutput output, Ordering ordering, boolean changelog) {

    boolean eventTime() {
      return ordering != Ordering.PROCESSING_TIME;
    }

    /** The step over changes (changelog modes). */
    Dedup.DedupStep<Change<String>, String, String, Change<String>> changeStep() {
      Dedup.DedupStep<String, String, String, Change<String>> rows =
          order(keepLast ? DedupHarness.keepLast() : DedupHarness.keepFirst().withUpsertOutput());
      return (output == DedupOutput.RETRACT ? rows.withRetractOutput() : rows).onChangelog();
    }

    /** The step over rows with change output (upsert or retract modes). */
    Dedup.DedupStep<String, String, String, Change<String>> rowStep() {
      Dedup.DedupStep<String, String, String, Change<String>> rows =
          order(keepLast ? DedupHarness.keepLast() : DedupHarness.keepFirst().withUpsertOutput());
      return output == DedupOutput.RETRACT ? rows.withRetractOutput() : rows;
    }

    /** The step over rows with append output. */
    Dedup.DedupStep<String, String, String, String> appendStep() {
      return order(DedupHarness.keepFirst());
    }

    private <I, O> Dedup.DedupStep<I, String, String, O> order(
        Dedup.DedupStep<I, String, String, O> step) {
      switch (ordering) {
        case EVENT_TIME:
          return step.withEventTimeOrder();
        case EVENT_TIME_THEN_VERSION:
          return step.withOrdering(DedupOrder.<String>byEventTime().thenBy(DedupHarness::version));
        default:
          return step;
      }
    }

    /**
     * Harnesses for this mode's step, untyped: rows ({@code String}) in for modes on rows, {@code
     * Change<String>} for changelog modes; cached, since expanding a step builds a job graph.
     */
    @SuppressWarnings("unchecked")
    KeyedHarness<Object, Object, Object> harness(boolean miniBatch) {
      return HARNESSES.computeIfAbsent(
          this + "/" + miniBatch,
          k -> {
            Dedup.DedupStep<?, String, String, ?> step =
                output == DedupOutput.APPEND ? appendStep() : changelog ? changeStep() : rowStep();
            if (miniBatch) {
              step = step.withMiniBatch(4, Duration.ofMillis(1_000));
            }
            return (KeyedHarness<Object, Object, Object>)
                (KeyedHarness<?, ?, ?>)
                    DedupHarness.expand(
                            (Dedup.DedupStep<Object, ?, ?, Object>) step,
                            (TypeInformation<Object>)
                                (changelog ? DedupHarness.STRING_CHANGE : Types.STRING))
                        .harness();
          });
    }

    /** A script of changes as this mode's step takes it: the changes, or their rows. */
    @SuppressWarnings("unchecked")
    HarnessInput<Object> input(HarnessInput<Change<String>> changes) {
      return changelog
          ? (HarnessInput<Object>) (HarnessInput<?>) changes
          : (HarnessInput<Object>) (HarnessInput<?>) changes.map(Change::value);
    }

    @Override
    public String toString() {
      return (keepLast ? "keepLast" : "keepFirst")
          + " "
          + output
          + " "
          + ordering
          + (changelog ? " changelog" : "");
    }
  }

  /** What the model expects. */
  record Result(Map<String, String> table, List<String> appended, List<Change<String>> late) {}

  private record Event(long[] order, long arrival, boolean delete, String row) {}

  private static final Comparator<Event> ORDER =
      Comparator.<Event, long[]>comparing(Event::order, Arrays::compare)
          .thenComparingLong(Event::arrival);

  private static final Map<String, KeyedHarness<Object, Object, Object>> HARNESSES =
      new ConcurrentHashMap<>();

  private DedupModel() {}

  /**
   * Runs the model over a script of changes; for modes on rows every change stands for its row
   * (generate them without deletes).
   */
  static Result run(Mode mode, HarnessInput<Change<String>> input) {
    long watermark = Long.MIN_VALUE;
    long arrival = 0;
    Map<String, List<Event>> history = new LinkedHashMap<>();
    List<String> appendedInArrivalOrder = new ArrayList<>();
    List<Change<String>> late = new ArrayList<>();
    for (HarnessInput.Step<Change<String>> step : input.steps()) {
      if (step instanceof HarnessInput.Watermark<Change<String>> w) {
        watermark = Math.max(watermark, w.timestamp());
        continue;
      }
      if (!(step instanceof HarnessInput.Element<Change<String>> element)) {
        continue; // processing time does not matter without TTL
      }
      Change<String> change = element.value();
      if (mode.changelog() && change.kind() == RowKind.UPDATE_BEFORE) {
        continue;
      }
      long timestamp = element.timestamp();
      if (mode.eventTime() && timestamp <= watermark) {
        late.add(change);
        continue;
      }
      boolean delete = mode.changelog() && change.kind() == RowKind.DELETE;
      String row = change.value();
      long[] order =
          switch (mode.ordering()) {
            case PROCESSING_TIME -> new long[0];
            case EVENT_TIME -> new long[] {timestamp};
            case EVENT_TIME_THEN_VERSION -> new long[] {timestamp, DedupHarness.version(row)};
          };
      String key = ChangelogGenerator.stringKey(row);
      List<Event> events = history.computeIfAbsent(key, k -> new ArrayList<>());
      if (mode.ordering() == Ordering.PROCESSING_TIME
          && !mode.keepLast()
          && !delete
          && events.isEmpty()) {
        appendedInArrivalOrder.add(row);
      }
      events.add(new Event(order, arrival++, delete, row));
    }

    Map<String, String> table = new LinkedHashMap<>();
    List<String> appended = new ArrayList<>();
    for (Map.Entry<String, List<Event>> e : history.entrySet()) {
      Event kept = mode.keepLast() ? lastOf(e.getValue()) : firstOf(e.getValue());
      if (kept != null) {
        table.put(e.getKey(), kept.row());
        if (kept.order().length > 0 && kept.order()[0] <= watermark) {
          appended.add(kept.row());
        }
      }
    }
    if (mode.ordering() == Ordering.PROCESSING_TIME) {
      appended = appendedInArrivalOrder;
    }
    return new Result(table, appended, late);
  }

  private static Event lastOf(List<Event> events) {
    Event last = events.stream().max(ORDER).orElseThrow();
    return last.delete() ? null : last;
  }

  private static Event firstOf(List<Event> events) {
    Event lastDelete = events.stream().filter(Event::delete).max(ORDER).orElse(null);
    return events.stream()
        .filter(e -> !e.delete())
        .filter(e -> lastDelete == null || ORDER.compare(e, lastDelete) > 0)
        .min(ORDER)
        .orElse(null);
  }
}
