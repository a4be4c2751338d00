package dev.etlkit.scd;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;

/**
 * A second, independent reference model of the SCD2 step, written from {@code docs/scd2.md}, the
 * public Javadoc of {@code dev.etlkit.scd} and the specification only: it shares no code
 * and no reading with {@link Scd2Reference} or the step. It is a stream model: fed the arrivals of
 * a test one by one, it says where each goes (filtered, dead letter, late, accepted) and exactly
 * which records the step must emit for it, derived from the difference between the history of the
 * accepted changes before and after it (each history recomputed from scratch, all accepted changes
 * sorted by effective time).
 *
 * <p>The rules, each with the sentence of the docs it follows:
 *
 * <ul>
 *   <li>{@code -U} inputs and deletes under {@code IGNORE} are filtered before anything of them is
 *       read, their key included. Then a change without key, effective time (or one outside the
 *       range, or at or after {@code validToCurrent}) or sequence is a dead letter.
 *   <li>Lateness is per key: a change at {@code t} is late when {@code t < latest - horizon}, where
 *       latest is the key's latest <em>accepted</em> effective time (no-ops included: they are
 *       kept). Filtered inputs, dead letters and late changes move nothing.
 *   <li>With processing time the effective time is the arrival time, or the key's latest if the
 *       clock is behind it.
 *   <li>One change per key and instant counts: the highest sequence (0 for arrival), then the last
 *       to arrive.
 *   <li>An upsert with no live version opens one; on a delete marker it closes the marker and opens
 *       one; with tracked columns that differ it closes the live version and opens one; with only
 *       Type-1 columns that differ it overwrites the live version's attributes with the whole row;
 *       otherwise nothing.
 *   <li>A delete closes a live (non-marker) version; under {@code NEW_RECORD} it opens a marker
 *       with the closed version's attributes; with nothing live (or a marker live) it changes
 *       nothing.
 *   <li>Output per accepted change: versions that vanished ({@code -D}), then versions that changed
 *       ({@code -U} old, {@code +U} new; upsert output: {@code +U} only), then new versions ({@code
 *       +I}), each group by validFrom. Append output: {@code +I} of each closed version once its
 *       validTo is before {@code latest - horizon}, by validFrom.
 * </ul>
 */
public final class Scd2IndependentModel {

  /** The test entity. Column names: id, seg, phone, note, ts, seq. */
  public record Item(
      String id, String seg, String phone, String note, @Nullable Instant ts, long seq) {}

  static final Map<String, Function<Item, Object>> COLUMNS = new LinkedHashMap<>();

  static {
    COLUMNS.put("id", Item::id);
    COLUMNS.put("seg", Item::seg);
    COLUMNS.put("phone", Item::phone);
    COLUMNS.put("note", Item::note);
    COLUMNS.put("ts", Item::ts);
    COLUMNS.put("seq", Item::seq);
  }

  enum Kind {
    UPSERT,
    DELETE,
    UPDATE_BEFORE
  }

  enum TimeSource {
    FIELD,
    RECORD_TIMESTAMP,
    CHANGE_EVENT_TIME,
    PROCESSING_TIME
  }

  enum Tie {
    ARRIVAL,
    FIELD,
    SOURCE_POSITION
  }

  enum Detection {
    ALL,
    ONLY,
    ALL_EXCEPT
  }

  enum Route {
    FILTERED,
    DEAD_LETTER,
    LATE,
    ACCEPTED
  }

  /** The step's options as the model understands them. */
  record Options(
      boolean changelog,
      TimeSource time,
      Detection detection,
      List<String> detectionColumns,
      List<String> type1,
      HardDeletes deletes,
      long horizonMs,
      Tie tie,
      @Nullable Long validToCurrent,
      Scd2Output output) {

    Set<String> tracked() {
      Set<String> tracked = new LinkedHashSet<>();
      switch (detection) {
        case ONLY:
          tracked.addAll(detectionColumns);
          break;
        case ALL_EXCEPT:
          tracked.addAll(COLUMNS.keySet());
          tracked.removeAll(detectionColumns);
          break;
        default:
          tracked.addAll(COLUMNS.keySet());
      }
      tracked.removeAll(type1);
      return tracked;
    }
  }

  /** One input record as it reaches the step. */
  record Arrival(
      String key,
      Kind kind,
      Item value,
      @Nullable Long eventTime,
      @Nullable Long sourcePosition,
      @Nullable Long recordTimestamp,
      long processingTime) {}

  /** One version row as the step must emit it. */
  record Row(
      String key,
      Item value,
      long validFrom,
      @Nullable Long validTo,
      boolean current,
      long version,
      boolean deleted,
      String versionId) {}

  /** One expected output record. */
  record Out(RowKind kind, Row row) {}

  /**
   * Where one arrival went, whether it changed the history (retract view, also for append output)
   * and what it must emit.
   */
  record Result(Route route, boolean changed, List<Out> output) {}

  private record Accepted(long time, long seq, int arrival, boolean delete, Item value) {}

  private static final class KeyState {
    final List<Accepted> accepted = new ArrayList<>();
    @Nullable Long latest;
    TreeMap<Long, Row> table = new TreeMap<>();
    final Set<Long> emittedFinal = new LinkedHashSet<>();
  }

  private final Options options;
  private final Set<String> tracked;
  private final Map<String, KeyState> keys = new HashMap<>();
  private int arrivals;

  Scd2IndependentModel(Options options) {
    this.options = options;
    this.tracked = options.tracked();
  }

  /** The key's latest accepted effective time, or null. */
  @Nullable
  Long latest(String key) {
    KeyState state = keys.get(key);
    return state == null ? null : state.latest;
  }

  /** The earliest effective time of the key's accepted changes at or after {@code from}. */
  long oldestAcceptedSince(String key, long from) {
    long oldest = Long.MAX_VALUE;
    for (Accepted change : keys.get(key).accepted) {
      if (change.time() >= from) {
        oldest = Math.min(oldest, change.time());
      }
    }
    return oldest;
  }

  /** The key's history as a retract or upsert sink holds it now: the versions by validFrom. */
  List<Row> history(String key) {
    KeyState state = keys.get(key);
    return state == null ? List.of() : List.copyOf(state.table.values());
  }

  /** The versions an append sink must hold by now, by validFrom. */
  List<Row> finalHistory(String key) {
    KeyState state = keys.get(key);
    List<Row> rows = new ArrayList<>();
    if (state != null) {
      for (Long from : state.emittedFinal) {
        rows.add(state.table.get(from));
      }
    }
    rows.sort(Comparator.comparingLong(Row::validFrom));
    return rows;
  }

  Result process(Arrival a) {
    int index = arrivals++;
    boolean delete = a.kind() == Kind.DELETE;
    // -U and deletes under IGNORE are dropped before their key or time is read (docs/scd2.md, Hard
    // deletes: the docs left the order open until this model met the step)
    if (a.kind() == Kind.UPDATE_BEFORE || (delete && options.deletes() == HardDeletes.IGNORE)) {
      return new Result(Route.FILTERED, false, List.of());
    }
    if (a.key() == null) {
      return new Result(Route.DEAD_LETTER, false, List.of());
    }
    KeyState state = keys.computeIfAbsent(a.key(), k -> new KeyState());
    Long time;
    switch (options.time()) {
      case FIELD:
        time = a.value().ts() == null ? null : a.value().ts().toEpochMilli();
        break;
      case RECORD_TIMESTAMP:
        time = a.recordTimestamp();
        break;
      case CHANGE_EVENT_TIME:
        time = a.eventTime();
        break;
      default:
        time =
            state.latest == null ? a.processingTime() : Math.max(a.processingTime(), state.latest);
    }
    if (time == null
        || time < Scd2.MIN_EFFECTIVE_TIME.toEpochMilli()
        || time > Scd2.MAX_EFFECTIVE_TIME.toEpochMilli()
        || (options.validToCurrent() != null && time >= options.validToCurrent())) {
      return new Result(Route.DEAD_LETTER, false, List.of());
    }
    long seq;
    switch (options.tie()) {
      case FIELD:
        seq = a.value().seq();
        break;
      case SOURCE_POSITION:
        if (a.sourcePosition() == null) {
          return new Result(Route.DEAD_LETTER, false, List.of());
        }
        seq = a.sourcePosition();
        break;
      default:
        seq = 0L;
    }
    if (state.latest != null && time < state.latest - options.horizonMs()) {
      return new Result(Route.LATE, false, List.of());
    }
    state.accepted.add(new Accepted(time, seq, index, delete, a.value()));
    state.latest = state.latest == null ? time : Math.max(state.latest, time);
    TreeMap<Long, Row> before = state.table;
    TreeMap<Long, Row> after = recompute(a.key(), state.accepted);
    state.table = after;
    boolean changed = !after.equals(before);
    List<Out> out = new ArrayList<>();
    if (options.output() == Scd2Output.APPEND) {
      for (Row row : after.values()) {
        if (row.current() || row.validTo() == null) {
          continue;
        }
        if (row.validTo() < state.latest - options.horizonMs()
            && state.emittedFinal.add(row.validFrom())) {
          out.add(new Out(RowKind.INSERT, row));
        }
      }
      return new Result(Route.ACCEPTED, changed, out);
    }
    for (Row old : before.values()) {
      if (!after.containsKey(old.validFrom())) {
        out.add(new Out(RowKind.DELETE, old));
      }
    }
    for (Row old : before.values()) {
      Row now = after.get(old.validFrom());
      if (now != null && !now.equals(old)) {
        if (options.output() == Scd2Output.RETRACT) {
          out.add(new Out(RowKind.UPDATE_BEFORE, old));
        }
        out.add(new Out(RowKind.UPDATE_AFTER, now));
      }
    }
    for (Row now : after.values()) {
      if (!before.containsKey(now.validFrom())) {
        out.add(new Out(RowKind.INSERT, now));
      }
    }
    return new Result(Route.ACCEPTED, changed, out);
  }

  /** The history of all accepted changes, recomputed from scratch. */
  private TreeMap<Long, Row> recompute(String key, List<Accepted> accepted) {
    TreeMap<Long, Accepted> winners = new TreeMap<>();
    for (Accepted change : accepted) {
      Accepted kept = winners.get(change.time());
      // the higher sequence wins; equal sequences: the later arrival
      if (kept == null
          || change.seq() > kept.seq()
          || (change.seq() == kept.seq() && change.arrival() > kept.arrival())) {
        winners.put(change.time(), change);
      }
    }
    List<long[]> intervals = new ArrayList<>(); // {from, to or Long.MIN_VALUE for open}
    List<Item> values = new ArrayList<>();
    List<Boolean> markers = new ArrayList<>();
    int live = -1;
    for (Accepted change : winners.values()) {
      long t = change.time();
      if (change.delete()) {
        if (live >= 0 && !markers.get(live)) {
          intervals.get(live)[1] = t;
          Item closed = values.get(live);
          live = -1;
          if (options.deletes() == HardDeletes.NEW_RECORD) {
            intervals.add(new long[] {t, Long.MIN_VALUE});
            values.add(closed);
            markers.add(true);
            live = intervals.size() - 1;
          }
        }
        continue;
      }
      Item row = change.value();
      if (live < 0) {
        live = open(intervals, values, markers, t, row);
      } else if (markers.get(live) || differ(values.get(live), row, tracked)) {
        intervals.get(live)[1] = t;
        live = open(intervals, values, markers, t, row);
      } else if (differ(values.get(live), row, new LinkedHashSet<>(options.type1()))) {
        values.set(live, row);
      }
    }
    TreeMap<Long, Row> table = new TreeMap<>();
    for (int i = 0; i < intervals.size(); i++) {
      long from = intervals.get(i)[0];
      boolean open = intervals.get(i)[1] == Long.MIN_VALUE;
      Long to = open ? options.validToCurrent() : Long.valueOf(intervals.get(i)[1]);
      table.put(
          from, new Row(key, values.get(i), from, to, open, i + 1, markers.get(i), md5(key, from)));
    }
    return table;
  }

  private static int open(
      List<long[]> intervals, List<Item> values, List<Boolean> markers, long t, Item row) {
    intervals.add(new long[] {t, Long.MIN_VALUE});
    values.add(row);
    markers.add(false);
    return intervals.size() - 1;
  }

  private static boolean differ(Item a, Item b, Set<String> columns) {
    for (String column : columns) {
      Function<Item, Object> get = COLUMNS.get(column);
      if (!Objects.deepEquals(get.apply(a), get.apply(b))) {
        return true;
      }
    }
    return false;
  }

  /** md5(key + "|" + validFrom millis), lowercase hex, computed here rather than by the step. */
  static String md5(String key, long validFromMillis) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      return HexFormat.of()
          .formatHex(md5.digest((key + "|" + validFromMillis).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
