package dev.etlkit.operators.enrich;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import javax.annotation.Nullable;

/**
 * An independent reference of the async lookup step ({@link Enrich#lookup}), written from
 * docs/enrichment.md, docs/concepts.md and the public Javadoc of the enrich types only, without
 * reading the implementation: a discrete-event simulation on a millisecond clock of one subtask,
 * driven by a {@link Script} (records, watermarks, and each lookup call's reply).
 *
 * <p>Order of events within one millisecond (the driver of the real step follows it too): replies
 * due, then the step's own timers (attempt timeouts, retry backoffs, batch flushes, rate-limit
 * permits) by due time and creation, then step timeouts by arrival, then the inputs of that
 * millisecond (inputs held back by a full queue first).
 *
 * <p>The step's clock is continuous: the simulation keeps it in nanoseconds, while the world
 * (inputs, the lookup's replies, Flink's step timeouts, what comes out) moves by whole
 * milliseconds. A step timer that falls between two milliseconds (a rate-limit permit, and what
 * follows from a call made on one: its attempt timeout, a retry after it) acts at that instant,
 * before the replies of the next millisecond; the lookup sees the call, and the output the records
 * it answers, at that next millisecond. DECIDED (settled against the step with the rate limit on):
 * permits are {@code 1 s / callsPerSecond} apart, rounded down to the nanosecond, and the bucket
 * holds one second of them.
 *
 * <p>Where the docs are silent, the reference decides what an experienced Flink user would expect;
 * each such decision is marked {@code DECIDED} below and listed in the test.
 */
final class LookupIndependentReference {

  // ---------------------------------------------------------------- the script

  /** What one lookup call does. */
  enum ReplyKind {
    /** completes with a value after the delay */
    VALUE,
    /** completes with Optional.empty() (a miss) after the delay */
    EMPTY,
    /** completes exceptionally with a RuntimeException("boom") after the delay */
    FAIL,
    /** completes exceptionally with an IllegalArgumentException("bad request") after the delay */
    FAIL_ILLEGAL,
    /** never completes */
    NEVER,
    /** the lookup method itself throws RuntimeException("sync boom") */
    THROW,
    /** completes with null instead of an Optional after the delay */
    NULL_ANSWER
  }

  record Reply(ReplyKind kind, long delayMs) {}

  /** How the lookup answers: per key and the key's n-th call (from 1); batches by call number. */
  static final class Lookups {
    final long seed;
    final double pEmpty;
    final double pFail;
    final double pIllegal;
    final double pNever;
    final double pThrow;
    final double pNull;
    final int minDelay;
    final int maxDelay;

    Lookups(
        long seed,
        double pEmpty,
        double pFail,
        double pIllegal,
        double pNever,
        double pThrow,
        double pNull,
        int minDelay,
        int maxDelay) {
      this.seed = seed;
      this.pEmpty = pEmpty;
      this.pFail = pFail;
      this.pIllegal = pIllegal;
      this.pNever = pNever;
      this.pThrow = pThrow;
      this.pNull = pNull;
      this.minDelay = minDelay;
      this.maxDelay = maxDelay;
    }

    private SplittableRandom random(String key, int n, long salt) {
      return new SplittableRandom(seed * 1_000_003L + key.hashCode() * 7_919L + n * 131L + salt);
    }

    private ReplyKind kind(SplittableRandom r) {
      double x = r.nextDouble();
      if ((x -= pEmpty) < 0) {
        return ReplyKind.EMPTY;
      }
      if ((x -= pFail) < 0) {
        return ReplyKind.FAIL;
      }
      if ((x -= pIllegal) < 0) {
        return ReplyKind.FAIL_ILLEGAL;
      }
      if ((x -= pNever) < 0) {
        return ReplyKind.NEVER;
      }
      if ((x -= pThrow) < 0) {
        return ReplyKind.THROW;
      }
      if ((x -= pNull) < 0) {
        return ReplyKind.NULL_ANSWER;
      }
      return ReplyKind.VALUE;
    }

    Reply single(String key, int n) {
      SplittableRandom r = random(key, n, 1);
      ReplyKind kind = kind(r);
      return new Reply(kind, minDelay + r.nextInt(maxDelay - minDelay + 1));
    }

    /** The n-th lookupAll call (from 1): VALUE means it answers, with {@link #present} keys. */
    Reply batch(int n) {
      SplittableRandom r = random("<batch>", n, 2);
      ReplyKind kind = kind(r);
      if (kind == ReplyKind.EMPTY || kind == ReplyKind.NULL_ANSWER) {
        kind = ReplyKind.VALUE;
      }
      return new Reply(kind, minDelay + r.nextInt(maxDelay - minDelay + 1));
    }

    /** Whether a batch's answer holds the key on the key's n-th call. */
    boolean present(String key, int n) {
      ReplyKind kind = single(key, n).kind();
      return kind != ReplyKind.EMPTY && kind != ReplyKind.FAIL_ILLEGAL;
    }

    static String value(String key, int n) {
      return "v:" + key + ":" + n;
    }
  }

  /** An input: a record (key may be null) or a watermark, arriving at a millisecond. */
  record Input(long at, boolean watermark, @Nullable String key, long timestamp) {}

  /** Retry conditions the scripts use (they exist as real conditions in the test). */
  enum RetryOn {
    EVERY_FAILURE,
    /** {@code e -> !(e instanceof IllegalArgumentException)} */
    NOT_ILLEGAL,
    /**
     * {@code e -> !(((RuntimeException) e) instanceof IllegalArgumentException)}: throws on a
     * timeout
     */
    THROWS_ON_TIMEOUT
  }

  enum RetryOnResult {
    NONE,
    MISS,
    /** retries an answer of a key's first call: {@code found -> found.isPresent() && ...":1"} */
    FIRST_CALL_VALUE,
    /** {@code found -> found.get().endsWith(":1")}: throws on a miss */
    THROWS_ON_MISS
  }

  enum Fallback {
    DEAD_LETTER,
    PASS_THROUGH,
    DEFAULT
  }

  static final String DEFAULT_VALUE = "default";

  /** A cache spec; durations in ms, 0 = not set. */
  record Cache(
      long maxEntries,
      long expireAfterWrite,
      long expireAfterAccess,
      long refreshAfterWrite,
      long staleOnError,
      boolean missCaching) {}

  /** A step spec; durations in ms, 0 = not set. */
  record Spec(
      long timeout,
      int capacity,
      boolean ordered,
      boolean singleFlight,
      int maxAttempts,
      long initialBackoff,
      long maxBackoff,
      long attemptTimeout,
      RetryOn retryOn,
      RetryOnResult retryOnResult,
      Fallback fallback,
      @Nullable Cache cache,
      int batchKeys,
      long batchDelay,
      double rate) {

    long effectiveAttemptTimeout() {
      return attemptTimeout == 0 ? timeout : Math.min(attemptTimeout, timeout);
    }

    long backoff(int retry) {
      // retry n waits min(max, initial x 2^(n-1)); jitter 0 in every script
      long b = initialBackoff;
      for (int i = 1; i < retry && b < maxBackoff; i++) {
        b *= 2;
      }
      return Math.min(b, maxBackoff);
    }
  }

  // ---------------------------------------------------------------- results

  /** What one record got. */
  record Outcome(
      boolean deadLetter,
      @Nullable LookupStatus status,
      @Nullable String value,
      @Nullable String errorClass,
      @Nullable String errorMessage,
      int attempts) {

    static Outcome enriched(LookupStatus status, @Nullable String value) {
      return new Outcome(false, status, value, null, null, 0);
    }

    static Outcome dead(@Nullable String errorClass, @Nullable String message, int attempts) {
      return new Outcome(true, null, null, errorClass, message, attempts);
    }

    @Override
    public String toString() {
      return deadLetter
          ? "DL(" + errorClass + ": " + errorMessage + ", attempts=" + attempts + ")"
          : status + "(" + value + ")";
    }
  }

  /** One call made to the lookup: when and which keys (sorted); batch calls are lookupAll. */
  record Call(long at, boolean batch, List<String> keys) {
    @Override
    public String toString() {
      return at + (batch ? " lookupAll" : " lookup") + keys;
    }
  }

  /** The counters of docs/enrichment.md#metrics, plus the record accounting. */
  static final class Counters {
    long cacheHits;
    long cacheMisses;
    long loads;
    long loadFailures;
    long loadTimeouts;
    long retries;
    long timeouts;
    long staleServed;
    long fallbacks;
    long sharedLoads;
    long refreshes;
    long refreshesSkipped;
    long batches;
    long rateLimited;
    long latencyCount;
    long recordsIn;
    long recordsOut;
    long recordsDeadLettered;

    Map<String, Long> asMap() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("cacheHits", cacheHits);
      m.put("cacheMisses", cacheMisses);
      m.put("loads", loads);
      m.put("loadFailures", loadFailures);
      m.put("loadTimeouts", loadTimeouts);
      m.put("retries", retries);
      m.put("timeouts", timeouts);
      m.put("staleServed", staleServed);
      m.put("fallbacks", fallbacks);
      m.put("sharedLoads", sharedLoads);
      m.put("refreshes", refreshes);
      m.put("refreshesSkipped", refreshesSkipped);
      m.put("batches", batches);
      m.put("rateLimited", rateLimited);
      m.put("loadLatencyMicros.count", latencyCount);
      m.put("recordsIn", recordsIn);
      m.put("recordsOut", recordsOut);
      m.put("recordsDeadLettered", recordsDeadLettered);
      return m;
    }
  }

  /** An emitted element: a record (by input index) or a watermark, and when. */
  record Emitted(long at, boolean watermark, int index, long timestamp) {
    @Override
    public String toString() {
      return watermark ? "W" + timestamp + "@" + at : "#" + index + "@" + at;
    }
  }

  // ---------------------------------------------------------------- the simulation state

  private final class Rec {
    final int index;
    final Input input;
    long admittedAt = -1;
    long deadline;
    @Nullable Load load;
    @Nullable Outcome outcome;
    boolean shortcut;
    boolean watermark;

    Rec(int index, Input input) {
      this.index = index;
      this.input = input;
      this.watermark = input.watermark();
    }
  }

  private final class Load {
    final String key;
    final List<Rec> waiting = new ArrayList<>();
    final boolean refresh;
    int attempts; // calls made
    boolean hadRecords;
    boolean finished;

    Load(String key, boolean refresh) {
      this.key = key;
      this.refresh = refresh;
    }
  }

  /** A call (single key or batch) from its creation to its reply or attempt timeout. */
  private final class PendingCall {
    final List<Load> loads = new ArrayList<>();
    final boolean batch;
    long madeAt = -1;
    boolean done; // answered, timed out, or dropped
    int batchNumber;
    final Map<String, Integer> callIndexOfKey = new HashMap<>();

    /** Keys whose outcome in this call could not be used (a retry condition threw), counted. */
    final Set<String> unusable = new HashSet<>();

    PendingCall(boolean batch) {
      this.batch = batch;
    }

    /**
     * Drops the loads nobody waits for any more (every record timed out) before the call is made;
     * returns whether none is left. DECIDED: a load is dropped when it had records and all of them
     * were answered; a refresh never is, also when records joined it (settled against the step: the
     * refresh serves the cache, like its retries, which no step timeout bounds). A batch is sent
     * with the keys still wanted.
     */
    boolean prune() {
      for (Iterator<Load> it = loads.iterator(); it.hasNext(); ) {
        Load l = it.next();
        if (!l.refresh && l.hadRecords && l.waiting.isEmpty()) {
          it.remove();
          dropLoad(l);
        }
      }
      return loads.isEmpty();
    }
  }

  private static final class Entry {
    @Nullable String value; // null = cached miss
    long writtenAt;
    long accessedAt;

    /** No refresh-ahead before then: set when a refresh of the entry failed for good. */
    long refreshNotBefore;

    Entry(@Nullable String value, long at) {
      this.value = value;
      this.writtenAt = at;
      this.accessedAt = at;
      this.refreshNotBefore = at;
    }
  }

  private abstract static class Timer implements Comparable<Timer> {
    final long due;
    final long seq;
    boolean cancelled;

    Timer(long due, long seq) {
      this.due = due;
      this.seq = seq;
    }

    abstract void fire();

    @Override
    public int compareTo(Timer o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
    }
  }

  private final Spec spec;
  private final Lookups lookups;
  private final List<Rec> recs = new ArrayList<>();
  private final Deque<Rec> pendingInputs = new ArrayDeque<>();
  private final List<Rec> queue = new ArrayList<>(); // the async queue, in arrival order
  private final Map<String, Load> loading = new HashMap<>(); // single-flight, and refresh per key
  private final Map<String, Entry> cache = new HashMap<>();
  private final Map<String, Integer> callsOfKey = new HashMap<>();
  private final TreeSet<Timer> timers = new TreeSet<>();
  private final TreeMap<Long, List<Runnable>> replies = new TreeMap<>();
  private final Deque<PendingCall> rateQueue = new ArrayDeque<>();
  private final List<Emitted> emitted = new ArrayList<>();
  private final List<Call> calls = new ArrayList<>();
  private final Counters counters = new Counters();
  private final TreeSet<Long> eventTimes = new TreeSet<>();
  @Nullable private PendingCall openBatch;
  @Nullable private Timer batchTimer;
  private int batchCalls;
  private long seq;
  private long now; // the step's clock, in nanoseconds
  private long tat = Long.MIN_VALUE; // rate limiter: theoretical arrival time of the next permit
  private boolean rateTimerSet;
  private long startedAt; // the step opened: the rate limiter's bucket fills from here

  /** Nanoseconds per millisecond: every duration of the spec and the script is in milliseconds. */
  private static final long MS = 1_000_000L;

  /** The millisecond at which the world sees what the step does at {@code nanos}. */
  private static long ms(long nanos) {
    return Math.floorDiv(nanos + MS - 1, MS);
  }

  LookupIndependentReference(Spec spec, Lookups lookups) {
    this.spec = spec;
    this.lookups = lookups;
  }

  // ---------------------------------------------------------------- running

  /**
   * Runs the inputs to the end (until nothing is in flight and no timer or reply that matters is
   * left), or, with {@code stopAt >= 0}, until the end of that millisecond.
   */
  void run(List<Input> inputs, long startAt, long stopAt) {
    now = startAt * MS;
    startedAt = now;
    int next = 0;
    for (int events = 0; ; events++) {
      if (events > 1_000_000) {
        throw new IllegalStateException("the reference does not settle (at " + ms(now) + " ms)");
      }
      long t = Long.MAX_VALUE;
      if (next < inputs.size()) {
        t = Math.min(t, Math.max(now, inputs.get(next).at() * MS));
      }
      if (!replies.isEmpty()) {
        t = Math.min(t, replies.firstKey());
      }
      Timer first = firstLiveTimer();
      if (first != null) {
        t = Math.min(t, first.due);
      }
      for (Rec r : queue) {
        if (!r.watermark && r.outcome == null) {
          t = Math.min(t, r.deadline);
        }
      }
      if (!pendingInputs.isEmpty() && now % MS != 0) {
        // a slot freed between two milliseconds: inputs are given at the next one
        t = Math.min(t, ms(now) * MS);
      }
      if (t == Long.MAX_VALUE || (stopAt >= 0 && t > stopAt * MS)) {
        break;
      }
      now = t;
      eventTimes.add(ms(t));
      // 1. replies due
      List<Runnable> due = replies.remove(t);
      if (due != null) {
        for (Runnable reply : due) {
          reply.run();
          emit();
        }
      }
      // 2. the step's timers
      while (true) {
        Timer timer = firstLiveTimer();
        if (timer == null || timer.due > t) {
          break;
        }
        timers.remove(timer);
        timer.fire();
        emit();
      }
      // 3. step timeouts
      for (Rec r : new ArrayList<>(queue)) {
        if (!r.watermark && r.outcome == null && r.deadline == t) {
          stepTimeout(r);
          emit();
        }
      }
      // 4. inputs
      while (next < inputs.size() && inputs.get(next).at() * MS <= t) {
        Rec r = new Rec(recs.size(), inputs.get(next++));
        recs.add(r);
        pendingInputs.add(r);
      }
      if (t % MS == 0) {
        admitInputs();
        emit();
      }
    }
  }

  /**
   * After {@link #run} with a stop time: the queue (records and watermarks), as a checkpoint holds
   * it.
   */
  List<Integer> inFlight() {
    List<Integer> held = new ArrayList<>();
    for (Rec r : queue) {
      held.add(r.index);
    }
    return held;
  }

  /** Inputs not yet taken (held back by a full queue) at a stop. */
  List<Integer> notAdmitted() {
    List<Integer> held = new ArrayList<>();
    for (Rec r : pendingInputs) {
      held.add(r.index);
    }
    return held;
  }

  private @Nullable Timer firstLiveTimer() {
    while (!timers.isEmpty() && timers.first().cancelled) {
      timers.pollFirst();
    }
    return timers.isEmpty() ? null : timers.first();
  }

  private Timer schedule(long due, Runnable action) {
    Timer timer =
        new Timer(due, seq++) {
          @Override
          void fire() {
            action.run();
          }
        };
    timers.add(timer);
    return timer;
  }

  // ---------------------------------------------------------------- input and queue

  private void admitInputs() {
    while (!pendingInputs.isEmpty()) {
      Rec r = pendingInputs.peekFirst();
      if (r.watermark) {
        // a watermark takes a queue slot (Flink's async queues count it)
        if (queue.size() >= spec.capacity()) {
          return;
        }
        pendingInputs.pollFirst();
        r.admittedAt = now / MS;
        queue.add(r);
        emit();
        continue;
      }
      boolean canShortcut = canShortcut();
      @Nullable Outcome immediate = immediateOutcome(r, false);
      if (!(immediate != null && canShortcut) && queue.size() >= spec.capacity()) {
        return; // backpressure: the record waits until a slot frees
      }
      pendingInputs.pollFirst();
      r.admittedAt = now / MS;
      counters.recordsIn++;
      immediate = immediateOutcome(r, true);
      if (immediate != null && canShortcut) {
        r.shortcut = true;
        r.outcome = immediate;
        output(r);
        continue;
      }
      queue.add(r);
      r.deadline = now + spec.timeout() * MS;
      if (immediate != null) {
        r.outcome = immediate;
      } else {
        startOrJoin(r);
      }
      emit();
    }
  }

  /** Ordered: the queue is empty; unordered: no watermark waits in it. */
  private boolean canShortcut() {
    if (spec.ordered()) {
      return queue.isEmpty();
    }
    for (Rec q : queue) {
      if (q.watermark) {
        return false;
      }
    }
    return true;
  }

  /**
   * A null key (dead letter) or a fresh cache entry, else null. With {@code apply}, counts the hit
   * or the miss and starts refresh-ahead.
   */
  private @Nullable Outcome immediateOutcome(Rec r, boolean apply) {
    String key = r.input.key();
    if (key == null) {
      // DECIDED: the dead letter of a null key carries no attempts; no lookup metric counts it.
      return Outcome.dead(null, null, 0);
    }
    if (spec.cache() == null) {
      if (apply) {
        counters.cacheMisses++;
      }
      return null;
    }
    Entry e = cache.get(key);
    if (e != null && !fresh(e)) {
      if (!staleUsable(e)) {
        cache.remove(key);
      } else if (apply) {
        // DECIDED (settled against the step): a record finding a stale entry read it too, so it
        // keeps the entry from expiring for idleness while its key is still wanted
        e.accessedAt = now;
      }
      e = null;
    }
    if (e == null) {
      if (apply) {
        counters.cacheMisses++;
      }
      return null;
    }
    if (apply) {
      counters.cacheHits++;
      e.accessedAt = now;
      Cache c = spec.cache();
      if (c.refreshAfterWrite() > 0
          && now - e.writtenAt >= c.refreshAfterWrite() * MS
          && now >= e.refreshNotBefore
          && !loading.containsKey(key)) {
        // "a refresh-ahead call starts only while the records waiting for a load and the
        // refreshes in flight are fewer than the capacity" (docs/enrichment.md)
        if (recordsWaitingForALoad() + refreshesInFlight() >= spec.capacity()) {
          counters.refreshesSkipped++;
        } else {
          counters.refreshes++;
          Load refresh = new Load(key, true);
          loading.put(key, refresh);
          startAttempt(refresh);
        }
      }
    }
    return e.value == null
        ? Outcome.enriched(LookupStatus.MISS, null)
        : Outcome.enriched(LookupStatus.HIT, e.value);
  }

  /** Records given to a load (their own, or one they joined) and not answered yet. */
  private int recordsWaitingForALoad() {
    int n = 0;
    for (Rec q : queue) {
      if (!q.watermark && q.load != null && q.outcome == null) {
        n++;
      }
    }
    return n;
  }

  /** Refreshes started and not finished (also those records joined). */
  private int refreshesInFlight() {
    int n = 0;
    for (Load l : loading.values()) {
      if (l.refresh) {
        n++;
      }
    }
    return n;
  }

  private boolean fresh(Entry e) {
    Cache c = spec.cache();
    return (c.expireAfterWrite() == 0 || now - e.writtenAt < c.expireAfterWrite() * MS)
        && (c.expireAfterAccess() == 0 || now - e.accessedAt < c.expireAfterAccess() * MS);
  }

  private boolean staleUsable(Entry e) {
    Cache c = spec.cache();
    return c.staleOnError() > 0
        && now - e.writtenAt < (c.expireAfterWrite() + c.staleOnError()) * MS
        && (c.expireAfterAccess() == 0 || now - e.accessedAt < c.expireAfterAccess() * MS);
  }

  private void emit() {
    if (spec.ordered()) {
      while (!queue.isEmpty() && (queue.get(0).watermark || queue.get(0).outcome != null)) {
        output(queue.remove(0));
      }
      return;
    }
    // unordered: the first segment (up to the first watermark) leaves as answered
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < queue.size(); i++) {
        Rec q = queue.get(i);
        if (q.watermark) {
          if (i == 0) {
            output(queue.remove(0));
            progress = true;
          }
          break;
        }
        if (q.outcome != null) {
          output(queue.remove(i));
          progress = true;
          break;
        }
      }
    }
  }

  private void output(Rec r) {
    if (r.watermark) {
      emitted.add(new Emitted(ms(now), true, r.index, r.input.timestamp()));
      return;
    }
    emitted.add(new Emitted(ms(now), false, r.index, r.input.timestamp()));
    if (r.outcome.deadLetter()) {
      counters.recordsDeadLettered++;
    } else {
      counters.recordsOut++;
    }
  }

  // ---------------------------------------------------------------- loads

  private void startOrJoin(Rec r) {
    String key = r.input.key();
    Load load = loading.get(key);
    if (load != null && spec.singleFlight()) {
      // DECIDED: a record whose entry is no longer fresh joins a refresh of its key in flight;
      // without single-flight it loads for itself (settled against the step: off means no record
      // shares a load)
      counters.sharedLoads++;
      join(load, r);
      return;
    }
    load = new Load(key, false);
    if (spec.singleFlight()) {
      loading.put(key, load);
    }
    join(load, r);
    startAttempt(load);
  }

  private void join(Load load, Rec r) {
    load.waiting.add(r);
    load.hadRecords = true;
    r.load = load;
  }

  /** Starts the next attempt: into the open batch, or a call (through the rate limit). */
  private void startAttempt(Load load) {
    if (spec.batchKeys() > 0) {
      if (openBatch == null) {
        openBatch = new PendingCall(true);
        PendingCall batch = openBatch;
        batchTimer = schedule(now + spec.batchDelay() * MS, () -> closeBatch(batch));
      }
      openBatch.loads.add(load);
      if (distinctKeys(openBatch) >= spec.batchKeys()) {
        batchTimer.cancelled = true;
        closeBatch(openBatch);
      }
      return;
    }
    PendingCall call = new PendingCall(false);
    call.loads.add(load);
    throughRateLimit(call);
  }

  private static int distinctKeys(PendingCall call) {
    TreeSet<String> keys = new TreeSet<>();
    for (Load l : call.loads) {
      keys.add(l.key);
    }
    return keys.size();
  }

  private void closeBatch(PendingCall batch) {
    if (openBatch == batch) {
      openBatch = null;
      batchTimer = null;
      throughRateLimit(batch);
    }
  }

  private void throughRateLimit(PendingCall call) {
    if (spec.rate() <= 0) {
      make(call);
      return;
    }
    if (rateQueue.isEmpty() && permitNow()) {
      make(call);
      return;
    }
    counters.rateLimited++;
    rateQueue.add(call);
    armRateTimer();
  }

  /** Nanoseconds between permits: 1 s / rate, rounded down (see the class comment). */
  private long interval() {
    return Math.max(1L, (long) (1e9 / spec.rate()));
  }

  private long tau() {
    // bursts of up to one second's worth (at least one call)
    return Math.max(0L, 1_000_000_000L - interval());
  }

  /**
   * GCRA token bucket. DECIDED first as full at the start; the step starts with one permit and
   * gathers up to one second's worth while idle, from when the step opened (now in
   * docs/enrichment.md).
   */
  private boolean permitNow() {
    if (tat == Long.MIN_VALUE) {
      tat = startedAt + tau();
    }
    if (now >= tat - tau()) {
      tat = Math.max(now, tat) + interval();
      return true;
    }
    return false;
  }

  private void armRateTimer() {
    if (rateTimerSet || rateQueue.isEmpty()) {
      return;
    }
    rateTimerSet = true;
    schedule(Math.max(tat - tau(), now), this::onPermitTimer);
  }

  private void onPermitTimer() {
    // Only the head is pruned here. The step also prunes every queued call on a tick that found no
    // permit (ticks a step timeout apart, for rates below one per step timeout); at the scripts'
    // rates (20/s and more against step timeouts of 100 ms and more) its ticks fall on permit
    // times, so that never shows and is not modelled.
    rateTimerSet = false;
    while (!rateQueue.isEmpty()) {
      PendingCall head = rateQueue.peekFirst();
      if (head.prune()) {
        rateQueue.pollFirst();
        head.done = true;
        continue;
      }
      if (!permitNow()) {
        break;
      }
      rateQueue.pollFirst();
      make(head);
    }
    armRateTimer();
  }

  private void dropLoad(Load l) {
    if (!l.finished) {
      l.finished = true;
      if (loading.get(l.key) == l) {
        loading.remove(l.key);
      }
    }
  }

  /** The call is made now. */
  private void make(PendingCall call) {
    if (call.prune()) {
      call.done = true;
      return;
    }
    call.madeAt = now;
    TreeSet<String> keys = new TreeSet<>();
    for (Load l : call.loads) {
      keys.add(l.key);
    }
    calls.add(new Call(ms(now), call.batch, List.copyOf(keys)));
    for (Load l : call.loads) {
      l.attempts++;
      if (l.attempts > 1) {
        counters.retries++;
      }
    }
    for (String k : keys) {
      counters.loads++;
      int n = callsOfKey.merge(k, 1, Integer::sum);
      call.callIndexOfKey.put(k, n);
    }
    Reply reply;
    if (call.batch) {
      counters.batches++;
      call.batchNumber = ++batchCalls;
      reply = lookups.batch(call.batchNumber);
    } else {
      String key = call.loads.get(0).key;
      reply = lookups.single(key, call.callIndexOfKey.get(key));
    }
    if (reply.kind() == ReplyKind.THROW) {
      call.done = true;
      // DECIDED: a lookup that throws at once is no reply: not in the latency histogram
      failCall(call, "java.lang.RuntimeException", "sync boom", false);
      return;
    }
    Timer attemptTimer =
        schedule(
            now + spec.effectiveAttemptTimeout() * MS,
            () -> {
              if (!call.done) {
                call.done = true;
                failCall(call, TimeoutException.class.getName(), null, true);
              }
            });
    if (reply.kind() == ReplyKind.NEVER) {
      return;
    }
    long at = (ms(now) + reply.delayMs()) * MS; // the lookup answers on its millisecond clock
    replies
        .computeIfAbsent(at, t -> new ArrayList<>())
        .add(
            () -> {
              if (call.done) {
                return; // a late reply: dropped
              }
              call.done = true;
              attemptTimer.cancelled = true;
              counters.latencyCount++;
              answerCall(call, reply);
            });
  }

  private void answerCall(PendingCall call, Reply reply) {
    switch (reply.kind()) {
      case FAIL -> failCall(call, "java.lang.RuntimeException", "boom", false);
      case FAIL_ILLEGAL ->
          failCall(call, "java.lang.IllegalArgumentException", "bad request", false);
      case NULL_ANSWER -> failCall(call, null, null, false);
      case EMPTY -> answerLoad(call, call.loads.get(0), Optional.empty());
      case VALUE -> {
        for (Load l : call.loads) {
          int n = call.callIndexOfKey.get(l.key);
          boolean present = !call.batch || lookups.present(l.key, n);
          answerLoad(call, l, present ? Optional.of(Lookups.value(l.key, n)) : Optional.empty());
        }
      }
      default -> throw new AssertionError(reply);
    }
  }

  /**
   * loadFailures and loadTimeouts count keys asked, like loads: a key twice in one batch (no
   * single-flight) counts once (docs/enrichment.md#metrics).
   */
  private void failCall(
      PendingCall call, @Nullable String errorClass, @Nullable String message, boolean timeout) {
    long keysAsked = call.callIndexOfKey.size();
    if (timeout) {
      counters.loadTimeouts += keysAsked;
    } else {
      counters.loadFailures += keysAsked;
    }
    for (Load l : call.loads) {
      failAttempt(call, l, errorClass, message, timeout);
    }
  }

  private void answerLoad(PendingCall call, Load load, Optional<String> answer) {
    if (load.finished) {
      return;
    }
    if (load.attempts < spec.maxAttempts() && spec.retryOnResult() != RetryOnResult.NONE) {
      boolean retry;
      switch (spec.retryOnResult()) {
        case MISS -> retry = answer.isEmpty();
        case FIRST_CALL_VALUE -> retry = answer.isPresent() && answer.get().endsWith(":1");
        case THROWS_ON_MISS -> {
          if (answer.isEmpty()) {
            if (call.unusable.add(load.key)) {
              counters.loadFailures++;
            }
            finalFailure(
                load,
                IllegalStateException.class.getName(),
                "the LookupRetry.withRetryOnResult condition threw java.util.NoSuchElementException");
            return;
          }
          retry = answer.get().endsWith(":1");
        }
        default -> throw new AssertionError();
      }
      if (retry && scheduleRetry(load)) {
        return;
      }
    }
    // final answer
    load.finished = true;
    if (loading.get(load.key) == load) {
      loading.remove(load.key);
    }
    Cache c = spec.cache();
    if (c != null) {
      if (answer.isPresent() || c.missCaching()) {
        cache.put(load.key, new Entry(answer.orElse(null), now));
      } else {
        cache.remove(load.key);
      }
    }
    Outcome outcome =
        answer.isPresent()
            ? Outcome.enriched(LookupStatus.LOADED, answer.get())
            : Outcome.enriched(LookupStatus.MISS, null);
    for (Rec r : load.waiting) {
      r.outcome = outcome;
    }
    load.waiting.clear();
  }

  private void failAttempt(
      PendingCall call,
      Load load,
      @Nullable String errorClass,
      @Nullable String message,
      boolean timeout) {
    if (load.finished) {
      return;
    }
    if (load.attempts < spec.maxAttempts()) {
      boolean retry;
      switch (spec.retryOn()) {
        case EVERY_FAILURE -> retry = true;
        case NOT_ILLEGAL -> retry = !"java.lang.IllegalArgumentException".equals(errorClass);
        case THROWS_ON_TIMEOUT -> {
          if (timeout) {
            // DECIDED: an attempt timeout whose condition throws counts as a timeout and a failure
            if (call.unusable.add(load.key)) {
              counters.loadFailures++;
            }
            finalFailure(
                load,
                IllegalStateException.class.getName(),
                "the LookupRetry.withRetryOn condition threw java.lang.ClassCastException");
            return;
          }
          retry = !"java.lang.IllegalArgumentException".equals(errorClass);
        }
        default -> throw new AssertionError();
      }
      if (retry && scheduleRetry(load)) {
        return;
      }
    }
    finalFailure(load, errorClass, message);
  }

  /** Schedules the next attempt if its backoff ends before the last waiting record's timeout. */
  private boolean scheduleRetry(Load load) {
    long at = now + spec.backoff(load.attempts) * MS;
    long lastDeadline = Long.MIN_VALUE;
    for (Rec r : load.waiting) {
      lastDeadline = Math.max(lastDeadline, r.deadline);
    }
    // DECIDED (settled against the step): a refresh follows the retry policy like a load; it
    // serves the cache, not only the records that joined it, so no step timeout bounds it
    if (!load.refresh && (load.waiting.isEmpty() || at >= lastDeadline)) {
      return false;
    }
    schedule(
        at,
        () -> {
          if (load.waiting.isEmpty() && !load.refresh) {
            dropLoad(load); // every record was answered meanwhile: the retry is dropped
          } else {
            startAttempt(load);
          }
        });
    return true;
  }

  private void finalFailure(Load load, @Nullable String errorClass, @Nullable String message) {
    load.finished = true;
    if (loading.get(load.key) == load) {
      loading.remove(load.key);
    }
    if (load.refresh && cache.get(load.key) != null) {
      // "once a refresh has failed for good, no read refreshes that entry again before the wait a
      // next retry would have had" (docs/enrichment.md); the scripts' failures name no Retry-After
      cache.get(load.key).refreshNotBefore = now + spec.backoff(load.attempts) * MS;
    }
    for (Rec r : load.waiting) {
      if (r.deadline <= now) {
        // the step timeout has come too (its timer runs later in this millisecond): it wins
        counters.timeouts++;
        r.outcome =
            staleOrFallback(
                r, load, TimeoutException.class.getName(), null, LookupStatus.TIMED_OUT);
      } else {
        r.outcome = staleOrFallback(r, load, errorClass, message, LookupStatus.FAILED);
      }
    }
    load.waiting.clear();
  }

  private Outcome staleOrFallback(
      Rec r,
      Load load,
      @Nullable String errorClass,
      @Nullable String message,
      LookupStatus passThrough) {
    if (spec.cache() != null) {
      Entry e = cache.get(r.input.key());
      if (e != null && spec.cache().staleOnError() > 0 && staleUsable(e)) {
        counters.staleServed++;
        return Outcome.enriched(LookupStatus.STALE, e.value);
      }
    }
    counters.fallbacks++;
    return switch (spec.fallback()) {
      // DECIDED: the calls made for the record's load, at least 1 (a DeadLetter's attempt count
      // is never 0, also for a record whose first call still waited for a rate-limit permit)
      case DEAD_LETTER -> Outcome.dead(errorClass, message, Math.max(1, load.attempts));
      case PASS_THROUGH -> Outcome.enriched(passThrough, null);
      case DEFAULT -> Outcome.enriched(LookupStatus.DEFAULT, DEFAULT_VALUE);
    };
  }

  private void stepTimeout(Rec r) {
    counters.timeouts++;
    Load load = r.load;
    load.waiting.remove(r);
    r.outcome =
        staleOrFallback(r, load, TimeoutException.class.getName(), null, LookupStatus.TIMED_OUT);
  }

  // ---------------------------------------------------------------- results

  Outcome outcome(int index) {
    return recs.get(index).outcome;
  }

  int records() {
    return recs.size();
  }

  boolean shortcut(int index) {
    return recs.get(index).shortcut;
  }

  long admittedAt(int index) {
    return recs.get(index).admittedAt;
  }

  List<Emitted> emitted() {
    return emitted;
  }

  List<Call> calls() {
    return calls;
  }

  Counters counters() {
    return counters;
  }

  /** Every millisecond at which something happened. */
  TreeSet<Long> eventTimes() {
    return eventTimes;
  }

  /** The millisecond of the last event. */
  long now() {
    return ms(now);
  }

  Spec spec() {
    return spec;
  }

  static String describe(Spec spec) {
    return Objects.toString(spec);
  }
}
