package dev.etlkit.operators.enrich.join;

import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.testkit.HarnessInput;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.types.Either;
import org.apache.flink.types.RowKind;

/**
 * The reference model of both join variants: the documented semantics in plain Java, with the whole
 * history kept (no pruning, no TTL), lists instead of state and a sorted set of timer times per
 * key. Its output, grouped by key, must equal the operator's ({@link JoinHarness#lines}).
 */
final class DimensionJoinModel {

  private record Waiting(long deadline, boolean hasTimestamp, long timestamp, String fact) {}

  /**
   * Facts of the point-in-time join that leave together (released by a late version, or timed out
   * at once) leave in time order, equal times in the order they began to wait (a stable sort).
   */
  private static final Comparator<Waiting> BY_TIMESTAMP =
      Comparator.comparingLong(Waiting::timestamp);

  private record Version(long time, Change<String> change) {}

  private final JoinMode mode;
  private final List<String> out = new ArrayList<>();
  private long now;
  private long watermark = Long.MIN_VALUE;

  private final Map<String, Change<String>> rows = new HashMap<>();
  private final Map<String, List<Waiting>> waiting = new HashMap<>();
  private final Map<String, List<Version>> versions = new HashMap<>();
  private final Map<String, TreeMap<Long, List<String>>> held = new HashMap<>();
  private final Map<String, TreeSet<Long>> timers = new HashMap<>();

  private DimensionJoinModel(JoinMode mode) {
    this.mode = mode;
  }

  /** The lines the join emits for the script, per key in order (keys in no particular order). */
  static Map<String, List<String>> run(
      JoinMode mode, HarnessInput<Either<String, Change<String>>> script) {
    DimensionJoinModel model = new DimensionJoinModel(mode);
    for (HarnessInput.Step<Either<String, Change<String>>> step : script.steps()) {
      if (step instanceof HarnessInput.Element<Either<String, Change<String>>> e) {
        boolean hasTimestamp = e.timestamp() != null;
        long timestamp = hasTimestamp ? e.timestamp() : 0L;
        if (e.value().isLeft()) {
          model.fact(e.value().left(), hasTimestamp, timestamp);
        } else {
          model.dimension(e.value().right(), hasTimestamp, timestamp);
        }
      } else if (step instanceof HarnessInput.Watermark<Either<String, Change<String>>> w) {
        model.watermark(w.timestamp());
      } else if (step
          instanceof HarnessInput.AdvanceProcessingTime<Either<String, Change<String>>> p) {
        model.advance(p.millis());
      }
    }
    return JoinHarness.byKey(model.out);
  }

  // ---- facts ------------------------------------------------------------------------------

  private void fact(String fact, boolean hasTimestamp, long t) {
    String key = JoinHarness.key(fact);
    if (!mode.asOf()) {
      Change<String> row = rows.get(key);
      if (row != null) {
        matchedOrDeleted(fact, hasTimestamp, t, row, JoinStatus.FOUND);
      } else if (mode.maxWait() == 0) {
        unmatched(fact, hasTimestamp, t, JoinStatus.NOT_FOUND);
      } else {
        List<Waiting> list = waiting.computeIfAbsent(key, k -> new ArrayList<>());
        if (list.size() >= mode.maxBuffered()) {
          dead("BUFFER_FULL", fact, hasTimestamp, t);
        } else {
          list.add(new Waiting(now + mode.maxWait(), hasTimestamp, t, fact));
        }
      }
      return;
    }
    if (!hasTimestamp) {
      dead("NO_TIMESTAMP", fact, false, 0);
      return;
    }
    if (watermark != Long.MIN_VALUE && t < watermark - mode.lateness()) {
      dead("LATE", fact, true, t);
      return;
    }
    if (t <= watermark) {
      due(key, fact, t, versionAt(key, t));
      return;
    }
    held.computeIfAbsent(key, k -> new TreeMap<>())
        .computeIfAbsent(t, k -> new ArrayList<>())
        .add(fact);
    timers.computeIfAbsent(key, k -> new TreeSet<>()).add(t);
  }

  /** A due fact of the point-in-time join: joined, or waiting for a late version. */
  private void due(String key, String fact, long t, @Nullable Change<String> version) {
    List<Waiting> list = waiting.computeIfAbsent(key, k -> new ArrayList<>());
    long deadline = t + mode.maxWait();
    if (version != null) {
      matchedOrDeleted(fact, true, t, version, JoinStatus.FOUND);
    } else if (mode.maxWait() == 0) {
      unmatched(fact, true, t, JoinStatus.NOT_FOUND);
    } else if (deadline <= watermark) {
      unmatched(fact, true, t, JoinStatus.TIMED_OUT);
    } else if (list.size() >= mode.maxBuffered()) {
      dead("BUFFER_FULL", fact, true, t);
    } else {
      list.add(new Waiting(deadline, true, t, fact));
      timers.computeIfAbsent(key, k -> new TreeSet<>()).add(deadline);
    }
  }

  /** The version with the greatest time at or before {@code t}; ties go to the later arrival. */
  @Nullable
  private Change<String> versionAt(String key, long t) {
    Version best = null;
    for (Version v : versions.getOrDefault(key, List.of())) {
      if (v.time() <= t && (best == null || v.time() >= best.time())) {
        best = v;
      }
    }
    return best == null ? null : best.change();
  }

  // ---- dimension changes ------------------------------------------------------------------

  private void dimension(Change<String> change, boolean hasTimestamp, long v) {
    if (change.kind() == RowKind.UPDATE_BEFORE) {
      return;
    }
    String key = JoinHarness.key(change.value());
    if (!mode.asOf()) {
      rows.put(key, change);
      if (mode.maxWait() > 0) {
        List<Waiting> list = waiting.remove(key);
        for (Waiting w : list == null ? List.<Waiting>of() : list) {
          matchedOrDeleted(
              w.fact(), w.hasTimestamp(), w.timestamp(), change, JoinStatus.FOUND_AFTER_WAIT);
        }
      }
      return;
    }
    if (!hasTimestamp) {
      out.add(JoinHarness.deadLetterLine(EXCEPTION, "NO_TIMESTAMP: x", change.toString()));
      return;
    }
    versions.computeIfAbsent(key, k -> new ArrayList<>()).add(new Version(v, change));
    if (mode.maxWait() > 0) {
      Iterator<Waiting> it = waiting.getOrDefault(key, new ArrayList<>()).iterator();
      List<Waiting> matched = new ArrayList<>();
      while (it.hasNext()) {
        Waiting w = it.next();
        if (w.timestamp() >= v) {
          matched.add(w);
          it.remove();
        }
      }
      matched.sort(BY_TIMESTAMP);
      for (Waiting w : matched) {
        matchedOrDeleted(w.fact(), true, w.timestamp(), change, JoinStatus.FOUND_AFTER_WAIT);
      }
    }
  }

  // ---- time -------------------------------------------------------------------------------

  private void advance(long millis) {
    now += millis;
    if (mode.asOf()) {
      return;
    }
    for (List<Waiting> list : waiting.values()) {
      while (!list.isEmpty() && list.get(0).deadline() <= now) {
        Waiting w = list.remove(0);
        unmatched(w.fact(), w.hasTimestamp(), w.timestamp(), JoinStatus.TIMED_OUT);
      }
    }
  }

  private void watermark(long w) {
    if (!mode.asOf()) {
      return;
    }
    watermark = Math.max(watermark, w);
    for (Map.Entry<String, TreeSet<Long>> e : timers.entrySet()) {
      String key = e.getKey();
      TreeSet<Long> times = e.getValue();
      while (!times.isEmpty() && times.first() <= w) {
        fire(key, times.pollFirst());
      }
    }
  }

  private void fire(String key, long time) {
    List<Waiting> list = waiting.getOrDefault(key, new ArrayList<>());
    List<Waiting> expired = new ArrayList<>();
    for (Iterator<Waiting> it = list.iterator(); it.hasNext(); ) {
      Waiting w = it.next();
      if (w.deadline() <= time) {
        expired.add(w);
        it.remove();
      }
    }
    expired.sort(BY_TIMESTAMP);
    for (Waiting w : expired) {
      unmatched(w.fact(), true, w.timestamp(), JoinStatus.TIMED_OUT);
    }
    TreeMap<Long, List<String>> byTime = held.get(key);
    List<String> facts = byTime == null ? null : byTime.remove(time);
    if (facts != null) {
      Change<String> version = versionAt(key, time);
      for (String fact : facts) {
        due(key, fact, time, version);
      }
    }
  }

  // ---- output -----------------------------------------------------------------------------

  private static final String EXCEPTION = "dev.etlkit.operators.enrich.DimensionJoinException";

  private void matchedOrDeleted(
      String fact, boolean hasTimestamp, long t, Change<String> row, JoinStatus matched) {
    if (row.isAccumulate()) {
      out.add(JoinHarness.combine(fact, row.value(), matched) + time(hasTimestamp, t));
    } else {
      unmatched(fact, hasTimestamp, t, JoinStatus.DELETED);
    }
  }

  private void unmatched(String fact, boolean hasTimestamp, long t, JoinStatus status) {
    if (mode.unmatched() == UnmatchedFacts.EMIT) {
      out.add(JoinHarness.combine(fact, null, status) + time(hasTimestamp, t));
    } else {
      dead("UNMATCHED", fact, hasTimestamp, t);
    }
  }

  private void dead(String reason, String fact, boolean hasTimestamp, long t) {
    out.add(JoinHarness.deadLetterLine(EXCEPTION, reason + ": x", fact) + time(hasTimestamp, t));
  }

  private static String time(boolean hasTimestamp, long t) {
    return hasTimestamp ? " @" + t : "";
  }
}
