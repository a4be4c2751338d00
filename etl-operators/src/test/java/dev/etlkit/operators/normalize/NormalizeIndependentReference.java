package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;

/**
 * An independent reference of {@link UpsertNormalize} and {@link ChangelogCheck}, written from
 * {@code docs/normalize.md}, {@code docs/concepts.md} (state TTL, record accounting, dead letters)
 * and the public Javadoc alone, without reading the steps' internals or the project's own models,
 * and from what Flink SQL's {@code ChangelogNormalize} does where the docs say the step matches it.
 *
 * <p>Plain Java: a map from key to what the step keeps, a processing-time clock (TTL, delete
 * retention), and the outcome of every input as strings ({@link Out}) plus the record accounting.
 */
final class NormalizeIndependentReference {

  private NormalizeIndependentReference() {}

  // ---- the test table ---------------------------------------------------------------------

  /**
   * An account row keyed by {@code id}; a key-only tombstone has {@code v == null}. {@code ver} is
   * a version column (the sequence of {@link Seq#VERSION}), null when the source has none.
   */
  public record Acct(String id, @Nullable String v, @Nullable Long ver) {
    @Override
    public String toString() {
      return id + "#" + v + (ver != null ? "/" + ver : "");
    }
  }

  /** The projection kept in projected state: the id and the first letter of the value. */
  public record AcctKey(String id, @Nullable String tag) {}

  /** A row the projection cannot handle (the projection throws). */
  static final String UNPROJECTABLE = "x!";

  /** A projected tag the retraction cannot handle (the retraction throws). */
  static final String UNRETRACTABLE_TAG = "z";

  static AcctKey project(Acct row) {
    if (UNPROJECTABLE.equals(row.v())) {
      throw new IllegalArgumentException("cannot project this row");
    }
    return new AcctKey(row.id(), row.v() == null ? null : row.v().substring(0, 1));
  }

  static Acct retract(AcctKey kept) {
    if (UNRETRACTABLE_TAG.equals(kept.tag())) {
      throw new IllegalStateException("cannot build a retraction from this projection");
    }
    return new Acct(kept.id(), kept.tag(), null);
  }

  // ---- configuration and script ---------------------------------------------------------

  /** Which sequence the versioned step uses. */
  enum Seq {
    NONE,
    SOURCE_POSITION,
    EVENT_TIME,
    VERSION
  }

  /**
   * One configuration of the normalizer; {@code unknown} and {@code stale} null for the defaults,
   * {@code ttl} and {@code deleteRetention} (milliseconds, with a sequence only) null for none.
   */
  record Config(
      Seq seq,
      boolean projected,
      @Nullable Route unknown,
      @Nullable Route stale,
      @Nullable Long ttl,
      @Nullable Long deleteRetention) {

    Config(
        Seq seq,
        boolean projected,
        @Nullable Route unknown,
        @Nullable Route stale,
        @Nullable Long ttl) {
      this(seq, projected, unknown, stale, ttl, null);
    }

    Route unknownRoute() {
      return unknown != null ? unknown : ttl == null ? Route.DROP : Route.EMIT;
    }

    Route staleRoute() {
      return stale != null ? stale : Route.SIDE_OUTPUT;
    }
  }

  /** A script event. */
  sealed interface Event permits In, Clock, Restore {}

  /** An input change with its record timestamp (null for none). */
  record In(Change<Acct> change, @Nullable Long timestamp) implements Event {
    @Override
    public String toString() {
      return "in " + change + (timestamp != null ? " ts=" + timestamp : "");
    }
  }

  /** The processing-time clock (also the state TTL's) moves to {@code time}. */
  record Clock(long time) implements Event {
    @Override
    public String toString() {
      return "clock " + time;
    }
  }

  /**
   * A snapshot, then a restore into a fresh operator (through a savepoint on the other backend).
   */
  record Restore(boolean otherBackend) implements Event {
    @Override
    public String toString() {
      return "restore" + (otherBackend ? " (savepoint, other backend)" : " (checkpoint)");
    }
  }

  // ---- outcomes ---------------------------------------------------------------------------

  /**
   * One record the step emitted: {@code main}, {@code side} (the rejected side output) or {@code
   * dl} (a dead letter: the change as its text with its event time and source position, and the
   * error class and message in {@code what}).
   */
  record Out(
      String where, String key, String record, @Nullable Long timestamp, @Nullable String what) {
    static Out main(Change<Acct> c, @Nullable Long ts) {
      return new Out("main", c.value().id(), c.toString(), ts, null);
    }

    static Out side(Change<Acct> c, @Nullable Long ts) {
      return new Out("side", c.value().id(), c.toString(), sideTimestamp(ts), null);
    }

    static Out dl(Change<Acct> c, @Nullable Long ts, String what) {
      // the letter's event time: the change's, else the record's timestamp
      Long eventTime = c.eventTime() != null ? c.eventTime() : ts;
      return new Out(
          "dl",
          c.value().id(),
          letter(c.toString(), eventTime, c.sourcePosition()),
          sideTimestamp(ts),
          what);
    }

    /**
     * Flink's process context gives a side-output record the input's timestamp, and {@code
     * Long.MIN_VALUE} when the input had none (its {@code StreamRecord#getTimestamp()}).
     */
    static Long sideTimestamp(@Nullable Long ts) {
      return ts != null ? ts : Long.MIN_VALUE;
    }

    static String letter(String payload, @Nullable Long eventTime, @Nullable Object position) {
      return payload + " {et=" + eventTime + " pos=" + position + "}";
    }

    @Override
    public String toString() {
      return where
          + " "
          + record
          + (timestamp != null ? " ts=" + timestamp : "")
          + (what != null ? " <" + what + ">" : "");
    }
  }

  /** Accounting counter names (as in {@code StepMetrics}) plus the step's own counters. */
  static final String IN = "recordsIn";

  static final String OUT = "recordsOut";
  static final String FILTERED = "recordsFiltered";
  static final String DEDUPLICATED = "recordsDeduplicated";
  static final String DEAD_LETTERED = "recordsDeadLettered";
  static final String EMITTED = "recordsEmitted";
  static final String UNKNOWN_KEY_DELETES = "unknownKeyDeletes";
  static final String STALE_CHANGES = "staleChanges";
  static final String RECORDS_CHECKED = "recordsChecked";
  static final String VIOLATIONS = "violations";
  static final String DELETE_MARKERS_REMOVED = "deleteMarkersRemoved";

  static Map<String, Long> zeroCounts(String... extra) {
    Map<String, Long> m = new TreeMap<>();
    for (String n : List.of(IN, OUT, FILTERED, DEDUPLICATED, DEAD_LETTERED, EMITTED)) {
      m.put(n, 0L);
    }
    for (String n : extra) {
      m.put(n, 0L);
    }
    return m;
  }

  static String errorOf(Throwable t) {
    return t.getClass().getName() + ": " + t.getMessage();
  }

  private static final String VIOLATION = ChangelogViolationException.class.getName() + ": ";

  // ---- upsert normalization ---------------------------------------------------------------

  /**
   * The normalizer: per key, nothing, a live row (its projection when projected) with its sequence,
   * or a deleted key's sequence; each entry with the processing time it was last written at.
   */
  static final class Normalizer {
    private final Config config;
    private final Map<String, Entry> state = new HashMap<>();
    private Map<String, Long> counts =
        zeroCounts(UNKNOWN_KEY_DELETES, STALE_CHANGES, DELETE_MARKERS_REMOVED);
    private long now;
    private final List<String> reasons = new ArrayList<>();

    /** {@code row == null} for a deleted key (versioned only); {@code seq == null} unversioned. */
    private record Entry(@Nullable Acct row, @Nullable AcctKey kept, @Nullable Long seq, long at) {}

    Normalizer(Config config) {
      this.config = config;
    }

    Map<String, Long> counts() {
      return counts;
    }

    /** What the reference saw in the last event (for the test's statistics). */
    List<String> reasons() {
      return reasons;
    }

    private void why(String reason) {
      reasons.add(reason);
    }

    /** The outcome of one event. */
    List<Out> apply(Event event) {
      if (event instanceof Clock c) {
        removeDeletedUpTo(c.time());
        now = c.time();
        return List.of();
      }
      if (event instanceof Restore) {
        // state survives; counters are not part of a snapshot and start again at zero
        counts = zeroCounts(UNKNOWN_KEY_DELETES, STALE_CHANGES, DELETE_MARKERS_REMOVED);
        return List.of();
      }
      In in = (In) event;
      count(IN);
      reasons.clear();
      List<Out> outs = new ArrayList<>();
      process(in.change(), in.timestamp(), outs);
      return outs;
    }

    private void process(Change<Acct> c, @Nullable Long ts, List<Out> outs) {
      if (c.kind() == RowKind.UPDATE_BEFORE) {
        why("-U ignored");
        count(FILTERED); // an upsert changelog has no -U: the step keeps the before-image
        return;
      }
      Long seq = null;
      if (config.seq() != Seq.NONE) {
        try {
          seq = sequenceOf(c);
        } catch (RuntimeException e) {
          why("sequence threw");
          deadLetter(c, ts, errorOf(e), outs);
          return;
        }
      }
      String key = c.value().id();
      Entry e = state.get(key);
      boolean expiredNow = false;
      if (e != null && expired(e)) {
        why(now == e.at() + config.ttl() ? "expired exactly at the TTL" : "expired");
        expiredNow = true;
        state.remove(key); // an expired key is treated exactly like a key never seen
        e = null;
      }
      boolean live = e != null && e.row() != null;
      boolean upsert = c.kind() == RowKind.INSERT || c.kind() == RowKind.UPDATE_AFTER;
      if (seq != null && e != null) {
        long stored = e.seq();
        if (seq < stored
            || (seq == stored
                && !(upsert && live && e.row().equals(c.value()))
                && !(!upsert && !live))) {
          why(seq < stored ? "stale (older)" : "stale (equal sequence, other change)");
          stale(c, ts, seq, stored, outs);
          return;
        }
        if (seq == stored) {
          why(upsert ? "redelivery (equal sequence)" : "redelivered delete (equal sequence)");
          count(DEDUPLICATED); // the same event again: identical live row, or a deleted key
          return;
        }
      }
      if (upsert) {
        if (!live) {
          AcctKey kept = null;
          if (config.projected()) {
            try {
              kept = project(c.value());
            } catch (RuntimeException x) {
              why("projection threw");
              deadLetter(c, ts, errorOf(x), outs);
              return;
            }
          }
          why(expiredNow ? "upsert of an expired key" : "upsert of a key not live");
          emit(Change.of(RowKind.INSERT, c.value(), c.eventTime(), c.sourcePosition()), ts, outs);
          count(OUT);
          state.put(key, new Entry(c.value(), kept, seq, now));
        } else if (e.row().equals(c.value())) {
          why(seq == null ? "identical row" : "identical row, newer sequence stored");
          count(DEDUPLICATED);
          if (seq != null) { // seq > stored: the newer sequence is written
            state.put(key, new Entry(e.row(), e.kept(), seq, now));
          }
        } else {
          Acct before;
          AcctKey kept = null;
          try {
            if (config.projected()) {
              kept = project(c.value()); // the new row first (checked: either order would do)
            }
            before = retraction(e);
          } catch (RuntimeException x) {
            why("projection or retraction threw on an update");
            deadLetter(c, ts, errorOf(x), outs);
            return;
          }
          why("changed row");
          emit(
              Change.of(RowKind.UPDATE_BEFORE, before, c.eventTime(), c.sourcePosition()),
              ts,
              outs);
          emit(
              Change.of(RowKind.UPDATE_AFTER, c.value(), c.eventTime(), c.sourcePosition()),
              ts,
              outs);
          count(OUT);
          state.put(key, new Entry(c.value(), kept, seq, now));
        }
        return;
      }
      // a delete
      if (!live) {
        why(seq == null ? "unknown-key delete" : "unknown-key delete, sequence kept");
        count(UNKNOWN_KEY_DELETES);
        switch (config.unknownRoute()) {
          case DROP -> count(FILTERED);
          case EMIT -> {
            emit(c, ts, outs);
            count(OUT);
          }
          case SIDE_OUTPUT -> {
            outs.add(Out.side(c, ts));
            count(FILTERED);
          }
          case DEAD_LETTER -> deadLetter(c, ts, VIOLATION + "delete of unknown key: ...", outs);
        }
        if (seq != null) {
          state.put(key, new Entry(null, null, seq, now)); // its sequence is kept
        }
        return;
      }
      Acct before;
      try {
        before = retraction(e);
      } catch (RuntimeException x) {
        why("retraction threw");
        deadLetter(c, ts, errorOf(x), outs);
        return;
      }
      why("delete of a live key");
      emit(Change.of(RowKind.DELETE, before, c.eventTime(), c.sourcePosition()), ts, outs);
      count(OUT);
      if (seq != null) {
        state.put(key, new Entry(null, null, seq, now));
      } else {
        state.remove(key);
      }
    }

    private Acct retraction(Entry e) {
      return config.projected() ? retract(e.kept()) : e.row();
    }

    private void stale(Change<Acct> c, @Nullable Long ts, long seq, long stored, List<Out> outs) {
      count(STALE_CHANGES);
      switch (config.staleRoute()) {
        case DROP -> count(FILTERED);
        case SIDE_OUTPUT -> {
          outs.add(Out.side(c, ts));
          count(FILTERED);
        }
        case DEAD_LETTER ->
            deadLetter(
                c,
                ts,
                VIOLATION
                    + "stale change: sequence "
                    + seq
                    + " is not newer than the stored sequence "
                    + stored,
                outs);
        case EMIT -> throw new IllegalStateException("EMIT is refused for stale changes");
      }
    }

    private boolean expired(Entry e) {
      return expiredAt(e, now);
    }

    private boolean expiredAt(Entry e, long time) {
      if (config.ttl() == null) {
        return false;
      }
      long ttl = config.ttl();
      // written at w, gone from w + ttl on; never, where w + ttl overflows
      return e.at() <= Long.MAX_VALUE - ttl && time >= e.at() + ttl;
    }

    /**
     * withDeleteRetention (docs/normalize.md): a deleted key's sequence goes once the retention has
     * passed since it was last written, at the first whole second at or after that, and is counted
     * then, unless its TTL removed it first.
     */
    private void removeDeletedUpTo(long time) {
      if (config.deleteRetention() == null) {
        return;
      }
      List<Map.Entry<String, Long>> due = new ArrayList<>();
      for (Map.Entry<String, Entry> kv : state.entrySet()) {
        Entry e = kv.getValue();
        if (e.row() == null) {
          long deadline = deadline(e.at());
          if (deadline > now && deadline <= time) {
            due.add(Map.entry(kv.getKey(), deadline));
          }
        }
      }
      due.sort(Map.Entry.comparingByValue());
      for (Map.Entry<String, Long> d : due) {
        Entry e = state.remove(d.getKey());
        if (!expiredAt(e, d.getValue())) {
          count(DELETE_MARKERS_REMOVED);
        }
      }
    }

    private long deadline(long writtenAt) {
      long due = writtenAt + config.deleteRetention();
      return Math.floorDiv(due + 999, 1_000) * 1_000; // rounded up to a whole second
    }

    private Long sequenceOf(Change<Acct> c) {
      return switch (config.seq()) {
        case SOURCE_POSITION -> {
          if (c.sourcePosition() == null) {
            throw new IllegalArgumentException("change has no source position to order it by");
          }
          yield c.sourcePosition();
        }
        case EVENT_TIME -> {
          if (c.eventTime() == null) {
            throw new IllegalArgumentException("change has no event time to order it by");
          }
          yield c.eventTime();
        }
        case VERSION -> {
          if (c.value().ver() == null) {
            throw new IllegalArgumentException("row has no version");
          }
          yield c.value().ver();
        }
        case NONE -> throw new IllegalStateException();
      };
    }

    private void emit(Change<Acct> c, @Nullable Long ts, List<Out> outs) {
      outs.add(Out.main(c, ts));
      count(EMITTED);
    }

    private void deadLetter(Change<Acct> c, @Nullable Long ts, String what, List<Out> outs) {
      outs.add(Out.dl(c, ts, what));
      count(DEAD_LETTERED);
    }

    private void count(String name) {
      counts.merge(name, 1L, Long::sum);
    }
  }

  // ---- the changelog check ----------------------------------------------------------------

  /**
   * The contract check for one key of the sample (a key outside the sample passes everything): per
   * key nothing, a live row, or a live row whose {@code -U} waits for its {@code +U}.
   */
  static final class Checker {
    private final boolean full;
    @Nullable private final Long ttl;
    private final Map<String, Status> state = new HashMap<>();
    private Map<String, Long> counts = zeroCounts(RECORDS_CHECKED, VIOLATIONS);
    private long now;

    private record Status(Acct row, boolean pending, long at) {}

    Checker(boolean full, @Nullable Long ttl) {
      this.full = full;
      this.ttl = ttl;
    }

    Map<String, Long> counts() {
      return counts;
    }

    List<Out> apply(Event event) {
      if (event instanceof Clock c) {
        now = c.time();
        return List.of();
      }
      if (event instanceof Restore) {
        counts = zeroCounts(RECORDS_CHECKED, VIOLATIONS);
        return List.of();
      }
      In in = (In) event;
      count(IN);
      count(RECORDS_CHECKED);
      Change<Acct> c = in.change();
      String violation = check(c);
      if (violation == null) {
        count(OUT);
        count(EMITTED);
        return List.of(Out.main(c, in.timestamp()));
      }
      count(DEAD_LETTERED);
      count(VIOLATIONS);
      return List.of(Out.dl(c, in.timestamp(), VIOLATION + violation));
    }

    /** The violation of {@code c}, or null when it is valid (then the state is updated). */
    @Nullable
    private String check(Change<Acct> c) {
      String key = c.value().id();
      Status s = state.get(key);
      if (s != null && ttl != null && s.at() <= Long.MAX_VALUE - ttl && now >= s.at() + ttl) {
        state.remove(key);
        s = null;
      }
      RowKind kind = c.kind();
      if (s != null && s.pending()) {
        if (kind != RowKind.UPDATE_AFTER) {
          state.remove(key); // the -U was passed on: the broken pair is closed, the key not live
          return "UPDATE_BEFORE not followed by its UPDATE_AFTER: the key's next change is " + kind;
        }
        state.put(key, new Status(c.value(), false, now));
        return null;
      }
      boolean live = s != null;
      switch (kind) {
        case INSERT -> {
          if (live) {
            return "duplicate INSERT: the key is already live";
          }
          state.put(key, new Status(c.value(), false, now));
          return null;
        }
        case UPDATE_AFTER -> {
          if (live && full) {
            return "UPDATE_AFTER of a live key without an UPDATE_BEFORE (full changelog)";
          }
          state.put(key, new Status(c.value(), false, now));
          return null;
        }
        case UPDATE_BEFORE, DELETE -> {
          if (!live) {
            return kind == RowKind.DELETE
                ? "DELETE of a key that is not live"
                : "UPDATE_BEFORE of a key that is not live";
          }
          if (full && !Objects.equals(s.row(), c.value())) {
            return "retraction does not carry the live row of its key (full changelog)";
          }
          if (kind == RowKind.DELETE) {
            state.remove(key);
          } else {
            state.put(key, new Status(s.row(), true, now));
          }
          return null;
        }
      }
      throw new IllegalStateException("unknown kind " + kind);
    }

    private void count(String name) {
      counts.merge(name, 1L, Long::sum);
    }
  }
}
