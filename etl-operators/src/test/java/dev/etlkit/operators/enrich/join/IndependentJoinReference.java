package dev.etlkit.operators.enrich.join;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import javax.annotation.Nullable;

/**
 * A second, independent reference of {@code DimensionJoin}, written from the specification (issue
 * #6), docs/enrichment-state.md and the public Javadoc only, without reading {@link
 * DimensionJoinModel}, the scripts or the operator's internals. Plain Java: full histories, no
 * pruning, no Flink. Where it first disagreed with the operator and the docs were silent, the
 * operator's rule was kept and written into the docs; those places say so in a comment.
 *
 * <p>Input is a list of {@link Event}s; the result is, per event, the records that event makes the
 * step emit (passed on or dead-lettered), in the order the reference emits them.
 */
final class IndependentJoinReference {

  /** A dimension change kind (the four {@code RowKind}s). */
  enum Kind {
    INSERT,
    UPDATE_BEFORE,
    UPDATE_AFTER,
    DELETE
  }

  /** Which input a watermark goes to. */
  enum Input {
    BOTH,
    FACTS,
    DIMENSION
  }

  sealed interface Event permits Dim, Fact, Watermark, ProcTime, End {}

  /** A dimension change; {@code ts} is its record timestamp (null: none). */
  record Dim(String key, Kind kind, String row, @Nullable Long ts) implements Event {}

  /** A fact with a unique id; {@code ts} is its record timestamp (null: none). */
  record Fact(int id, String key, @Nullable Long ts) implements Event {}

  /** A watermark to one or both inputs. */
  record Watermark(Input input, long time) implements Event {}

  /** The processing time (and the TTL clock) moves to {@code time}; never backwards. */
  record ProcTime(long time) implements Event {}

  /** End of both inputs. */
  record End() implements Event {}

  /**
   * The options the docs describe. {@code ttl} and {@code deleteRetention} null: none. Times in
   * milliseconds.
   */
  record Config(
      boolean asOf,
      long maxWait,
      int maxBufferedFacts,
      boolean deadLetterUnmatched,
      long allowedLateness,
      @Nullable Long ttl,
      @Nullable Long deleteRetention) {

    Config(
        boolean asOf,
        long maxWait,
        int maxBufferedFacts,
        boolean deadLetterUnmatched,
        long allowedLateness,
        @Nullable Long ttl) {
      this(asOf, maxWait, maxBufferedFacts, deadLetterUnmatched, allowedLateness, ttl, null);
    }
  }

  /**
   * One fact leaving the step. {@code outcome} is a {@code JoinStatus} name when it is passed on,
   * else {@code "DL:" + reason} (for {@code UNMATCHED}: {@code "DL:UNMATCHED(" + status + ")"}).
   * {@code row} is the dimension row a passed-on fact carries.
   */
  record Out(int factId, String key, String outcome, @Nullable String row, @Nullable Long ts) {}

  private final Config config;

  // time
  private long now = 0;
  private long factWatermark = Long.MIN_VALUE;
  private long dimWatermark = Long.MIN_VALUE;
  private long watermark = Long.MIN_VALUE; // combined, only ever increases

  // latest join
  private final Map<String, Row> rows = new HashMap<>();

  // point-in-time join
  private final Map<String, History> histories = new HashMap<>();
  private final Map<String, List<Held>> held = new LinkedHashMap<>();

  // both: facts waiting for their row, per key in the order they started to wait
  private final Map<String, List<Waiting>> waiting = new LinkedHashMap<>();

  private long seq = 0;
  private long deleteMarkersRemoved = 0;
  private List<Out> out;
  private final List<String> dimensionDeadLetters = new ArrayList<>();

  private record Row(@Nullable String row, long writtenAt) {} // row null: the delete marker

  private record Version(long time, long seq, @Nullable String row) {} // row null: a delete

  private static final class History {
    final List<Version> versions = new ArrayList<>();
    long writtenAt;

    /** When the delete that is the newest version was last written; null: the newest is live. */
    @Nullable Long deleteWrittenAt;
  }

  private record Held(Fact fact, long seq) {}

  private record Waiting(Fact fact, long deadline, long seq) {}

  IndependentJoinReference(Config config) {
    this.config = config;
  }

  /** Runs a script; element i of the result is what event i made the step emit. */
  static List<List<Out>> run(Config config, List<Event> events) {
    IndependentJoinReference ref = new IndependentJoinReference(config);
    List<List<Out>> result = new ArrayList<>();
    for (Event e : events) {
      result.add(ref.apply(e));
    }
    return result;
  }

  List<String> dimensionDeadLetters() {
    return dimensionDeadLetters;
  }

  /** The step's {@code deleteMarkersRemoved} after the events so far. */
  long deleteMarkersRemoved() {
    return deleteMarkersRemoved;
  }

  /** The facts in the step's state: held until the watermark passes them, or waiting. */
  int factsInState() {
    int n = 0;
    for (List<Held> h : held.values()) {
      n += h.size();
    }
    for (List<Waiting> w : waiting.values()) {
      n += w.size();
    }
    return n;
  }

  /** The watermark the step forwards after the events so far (Long.MIN_VALUE: none yet). */
  long forwardedWatermark() {
    if (watermark == Long.MIN_VALUE || watermark == Long.MAX_VALUE) {
      return watermark; // none yet, or the end of input (which must reach the steps after)
    }
    return config.asOf() ? saturatingSub(watermark, config.maxWait()) : watermark;
  }

  List<Out> apply(Event e) {
    out = new ArrayList<>();
    if (e instanceof Dim d) {
      onDim(d);
    } else if (e instanceof Fact f) {
      onFact(f);
    } else if (e instanceof Watermark w) {
      onWatermark(w);
    } else if (e instanceof ProcTime p) {
      onProcTime(p.time());
    } else if (e instanceof End) {
      onEnd();
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // dimension changes

  private void onDim(Dim d) {
    if (d.kind() == Kind.UPDATE_BEFORE) {
      // filtered: the +U that follows carries the row. Checked before the timestamp: a -U is
      // ignored, so one without a timestamp is not a bad record (the operator's rule, now in the
      // docs; a first reading dead-lettered it as NO_TIMESTAMP)
      return;
    }
    if (config.asOf() && d.ts() == null) {
      dimensionDeadLetters.add(d.key() + ":NO_TIMESTAMP");
      return;
    }
    @Nullable String row = d.kind() == Kind.DELETE ? null : d.row();
    if (!config.asOf()) {
      rows.put(d.key(), new Row(row, now));
      // the key's waiting facts leave in arrival order: the row, or DELETED
      List<Waiting> ws = waiting.remove(d.key());
      if (ws != null) {
        for (Waiting w : ws) {
          emit(w.fact(), row == null ? "DELETED" : "FOUND_AFTER_WAIT", row);
        }
      }
      return;
    }
    History h = liveHistory(d.key());
    if (h == null) {
      h = new History();
      histories.put(d.key(), h);
    }
    Version added = new Version(d.ts(), seq++, row);
    h.versions.add(added);
    h.writtenAt = now;
    Version newest = newest(h);
    if (newest.row() != null) {
      h.deleteWrittenAt = null; // a live row cancels the removal
    } else if (newest == added || h.deleteWrittenAt == null) {
      h.deleteWrittenAt = now; // a newer delete restarts the clock
    } // else a late version before the delete: the clock keeps running
    // waiting facts with t >= v are released by this (late) version, in time order (equal times
    // in the order they started to wait: docs/enrichment-state.md, "order")
    List<Waiting> ws = waiting.get(d.key());
    if (ws != null) {
      List<Waiting> stay = new ArrayList<>();
      List<Waiting> byTime = new ArrayList<>(ws);
      byTime.sort(
          Comparator.comparingLong((Waiting w) -> w.fact().ts()).thenComparingLong(Waiting::seq));
      for (Waiting w : byTime) {
        if (d.ts() <= w.fact().ts()) {
          Version v = inForce(h, w.fact().ts());
          Objects.requireNonNull(v);
          emit(w.fact(), v.row() == null ? "DELETED" : "FOUND_AFTER_WAIT", v.row());
        } else {
          stay.add(w);
        }
      }
      if (stay.isEmpty()) {
        waiting.remove(d.key());
      } else {
        waiting.put(d.key(), stay);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // facts

  private void onFact(Fact f) {
    if (!config.asOf()) {
      Row r = liveRow(f.key());
      if (r != null) {
        emit(f, r.row() == null ? "DELETED" : "FOUND", r.row());
      } else {
        waitOrNotFound(f, saturatingAdd(now, config.maxWait()));
      }
      return;
    }
    if (f.ts() == null) {
      deadLetter(f, "NO_TIMESTAMP");
      return;
    }
    long t = f.ts();
    if (watermark != Long.MIN_VALUE && t < saturatingSub(watermark, config.allowedLateness())) {
      deadLetter(f, "LATE");
      return;
    }
    if (t <= watermark) {
      joinDue(f);
      // a wait that is already over in event time
      fireDue();
    } else {
      held.computeIfAbsent(f.key(), k -> new ArrayList<>()).add(new Held(f, seq++));
    }
  }

  /** Point in time: the fact's time has been reached by the watermark. */
  private void joinDue(Fact f) {
    History h = liveHistory(f.key());
    Version v = h == null ? null : inForce(h, f.ts());
    if (v != null) {
      emit(f, v.row() == null ? "DELETED" : "FOUND", v.row());
    } else if (config.maxWait() > 0 && saturatingAdd(f.ts(), config.maxWait()) <= watermark) {
      // its wait is over in event time before it began (a watermark jump, or a fact within the
      // allowed lateness): it times out at once and takes no place among the waiting facts (the
      // operator's rule, which the docs did not state; a first reading let it wait and time out)
      emit(f, "TIMED_OUT", null);
    } else {
      waitOrNotFound(f, saturatingAdd(f.ts(), config.maxWait()));
    }
  }

  private void waitOrNotFound(Fact f, long deadline) {
    if (config.maxWait() == 0) {
      emit(f, "NOT_FOUND", null);
      return;
    }
    List<Waiting> ws = waiting.computeIfAbsent(f.key(), k -> new ArrayList<>());
    if (ws.size() >= config.maxBufferedFacts()) {
      if (ws.isEmpty()) {
        waiting.remove(f.key());
      }
      deadLetter(f, "BUFFER_FULL");
      return;
    }
    ws.add(new Waiting(f, deadline, seq++));
  }

  // ---------------------------------------------------------------------------------------------
  // time

  private void onWatermark(Watermark w) {
    if (w.input() == Input.BOTH) {
      // a watermark for both inputs arrives on one, then on the other (as in Flink and the
      // harness): the combined watermark may stop in between
      onWatermark(new Watermark(Input.FACTS, w.time()));
      onWatermark(new Watermark(Input.DIMENSION, w.time()));
      return;
    }
    if (w.input() == Input.FACTS) {
      factWatermark = Math.max(factWatermark, w.time());
    } else {
      dimWatermark = Math.max(dimWatermark, w.time());
    }
    long combined = Math.min(factWatermark, dimWatermark);
    if (combined > watermark) {
      watermark = combined;
      if (config.asOf()) {
        fireDue();
      } else if (watermark == Long.MAX_VALUE) {
        // latest: both inputs ended, no row can come, so the waiting facts time out before the
        // final watermark goes on (docs: "Waiting for the row", at the end of input)
        timeOutAllWaiting();
      }
    }
  }

  /**
   * Point in time: per key, in time order, join the held facts whose time the watermark reached and
   * time out the waiting facts whose deadline it reached (a fact that starts to wait in this loop
   * may time out in it too).
   */
  private void fireDue() {
    TreeSet<String> keys = new TreeSet<>();
    keys.addAll(held.keySet());
    keys.addAll(waiting.keySet());
    for (String key : keys) {
      while (true) {
        Held nextHeld = null;
        for (Held h : held.getOrDefault(key, List.of())) {
          if (h.fact().ts() <= watermark
              && (nextHeld == null || order(h.fact().ts(), h.seq(), nextHeld) < 0)) {
            nextHeld = h;
          }
        }
        Waiting nextWait = null;
        for (Waiting w : waiting.getOrDefault(key, List.of())) {
          if (w.deadline() <= watermark
              && (nextWait == null
                  || w.deadline() < nextWait.deadline()
                  || (w.deadline() == nextWait.deadline() && w.seq() < nextWait.seq()))) {
            nextWait = w;
          }
        }
        if (nextHeld == null && nextWait == null) {
          break;
        }
        // at equal times the waits that end go first, then the held facts are joined (the
        // operator's order, now in the docs; they said only "by time, in timer order")
        if (nextHeld != null && (nextWait == null || nextHeld.fact().ts() < nextWait.deadline())) {
          held.get(key).remove(nextHeld);
          if (held.get(key).isEmpty()) {
            held.remove(key);
          }
          joinDue(nextHeld.fact());
        } else {
          waiting.get(key).remove(nextWait);
          if (waiting.get(key).isEmpty()) {
            waiting.remove(key);
          }
          emit(nextWait.fact(), "TIMED_OUT", null);
        }
      }
    }
  }

  private static int order(long time, long seq, Held other) {
    int c = Long.compare(time, other.fact().ts());
    return c != 0 ? c : Long.compare(seq, other.seq());
  }

  private void onProcTime(long time) {
    if (time < now) {
      throw new IllegalArgumentException("processing time goes backwards");
    }
    if (config.asOf()) {
      removeDeletedHistories(time);
      now = time;
      return;
    }
    removeDeletedUpTo(time);
    now = time;
    // latest: waiting facts whose deadline passed time out, per key in arrival order
    for (String key : new ArrayList<>(waiting.keySet())) {
      List<Waiting> ws = waiting.get(key);
      List<Waiting> stay = new ArrayList<>();
      for (Waiting w : ws) {
        if (w.deadline() <= now) {
          emit(w.fact(), "TIMED_OUT", null);
        } else {
          stay.add(w);
        }
      }
      if (stay.isEmpty()) {
        waiting.remove(key);
      } else {
        waiting.put(key, stay);
      }
    }
  }

  private void onEnd() {
    onWatermark(new Watermark(Input.BOTH, Long.MAX_VALUE));
    if (config.asOf()) {
      return;
    }
    timeOutAllWaiting(); // also the facts that arrived after the final watermark
  }

  /** Latest join: every waiting fact times out, per key in arrival order. */
  private void timeOutAllWaiting() {
    for (List<Waiting> ws : waiting.values()) {
      for (Waiting w : ws) {
        emit(w.fact(), "TIMED_OUT", null);
      }
    }
    waiting.clear();
  }

  /**
   * Latest join, withDeleteRetention (docs/enrichment-state.md, "Deletes"): a delete's marker goes
   * once the retention has passed in processing time since the delete was last written, at the
   * first whole second at or after that, and is counted then, unless its TTL removed it first. A
   * newer delete restarts the clock (a new marker), a live row replaces the marker. After that the
   * key is like a key never seen.
   */
  private void removeDeletedUpTo(long time) {
    if (config.deleteRetention() == null) {
      return;
    }
    for (var it = rows.entrySet().iterator(); it.hasNext(); ) {
      Row r = it.next().getValue();
      if (r.row() != null) {
        continue;
      }
      long deadline = removalDeadline(r.writtenAt());
      if (deadline <= time) {
        it.remove();
        // the TTL, when it ends at the deadline or before, removed the marker first
        if (config.ttl() == null || deadline < saturatingAdd(r.writtenAt(), config.ttl())) {
          deleteMarkersRemoved++;
        }
      }
    }
  }

  /**
   * Point in time, withDeleteRetention (docs/enrichment-state.md, "Deletes"): a history whose
   * newest version is a delete goes once the retention has passed since that delete was last
   * written and the watermark minus the allowed lateness has reached the delete, at the first
   * processing-time tick when both hold (the step's processing time passes each whole second on its
   * way to {@code time}, and then {@code time}); counted unless its TTL ended by that tick.
   */
  private void removeDeletedHistories(long time) {
    if (config.deleteRetention() == null) {
      return;
    }
    long horizon = saturatingSub(watermark, config.allowedLateness());
    for (var it = histories.entrySet().iterator(); it.hasNext(); ) {
      History h = it.next().getValue();
      if (h.deleteWrittenAt == null || newest(h).time() > horizon) {
        continue;
      }
      long deadline = removalDeadline(h.deleteWrittenAt);
      long tick = firstTickAtOrAfter(deadline, time);
      if (tick == Long.MIN_VALUE) {
        continue;
      }
      it.remove();
      if (config.ttl() == null || tick < saturatingAdd(h.writtenAt, config.ttl())) {
        deleteMarkersRemoved++;
      }
    }
  }

  /**
   * The first processing-time tick on the way from {@code now} to {@code time} (the whole seconds
   * after {@code now} before {@code time}, then {@code time}) at or after {@code deadline}; a
   * deadline already passed: the first tick. {@code Long.MIN_VALUE}: none.
   */
  private long firstTickAtOrAfter(long deadline, long time) {
    long second = Math.floorDiv(now, 1_000L) * 1_000L + 1_000L;
    long first = second < time ? second : time;
    if (deadline <= first) {
      return first;
    }
    if (deadline <= time) {
      return deadline; // a whole second after now: passed on the way
    }
    return Long.MIN_VALUE;
  }

  /** The version with the greatest time; equal times: the later arrival. */
  private static Version newest(History h) {
    Version best = null;
    for (Version v : h.versions) {
      if (best == null
          || v.time() > best.time()
          || (v.time() == best.time() && v.seq() > best.seq())) {
        best = v;
      }
    }
    return best;
  }

  /** The write time plus the retention, rounded up to a whole second (saturating). */
  private long removalDeadline(long writtenAt) {
    long due = saturatingAdd(writtenAt, config.deleteRetention());
    long up = Math.floorDiv(due, 1_000L) * 1_000L;
    return up == due ? due : saturatingAdd(up, 1_000L);
  }

  // ---------------------------------------------------------------------------------------------
  // state with TTL (processing time, restarted by writes only; expired = never seen)

  private boolean expired(long writtenAt) {
    return config.ttl() != null && now >= saturatingAdd(writtenAt, config.ttl());
  }

  @Nullable
  private Row liveRow(String key) {
    Row r = rows.get(key);
    if (r != null && expired(r.writtenAt())) {
      rows.remove(key);
      return null;
    }
    return r;
  }

  @Nullable
  private History liveHistory(String key) {
    History h = histories.get(key);
    if (h != null && expired(h.writtenAt)) {
      histories.remove(key);
      return null;
    }
    return h;
  }

  /** The version with the greatest time {@code <= t}; equal times: the later arrival. */
  @Nullable
  private static Version inForce(History h, long t) {
    Version best = null;
    for (Version v : h.versions) {
      if (v.time() <= t
          && (best == null
              || v.time() > best.time()
              || (v.time() == best.time() && v.seq() > best.seq()))) {
        best = v;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------------------------------------
  // output

  private void emit(Fact f, String status, @Nullable String row) {
    boolean matched = status.equals("FOUND") || status.equals("FOUND_AFTER_WAIT");
    if (!matched && config.deadLetterUnmatched()) {
      out.add(new Out(f.id(), f.key(), "DL:UNMATCHED(" + status + ")", null, f.ts()));
    } else {
      out.add(new Out(f.id(), f.key(), status, matched ? row : null, f.ts()));
    }
  }

  private void deadLetter(Fact f, String reason) {
    out.add(new Out(f.id(), f.key(), "DL:" + reason, null, f.ts()));
  }

  static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }

  static long saturatingSub(long a, long b) {
    long r = a - b;
    return ((a ^ b) & (a ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }
}
