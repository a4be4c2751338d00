package dev.etlkit.operators.dedup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.types.RowKind;

/**
 * An independent reference of the dedup step, written from docs/dedup.md, docs/concepts.md (state
 * TTL, record accounting, dead letters) and the public Javadoc of {@link Dedup}, {@link
 * DedupOrder}, {@link DedupOutput} and {@link LateRecords} only, not from the operator or the
 * project's own model. Plain Java: a script of inputs, watermarks, processing-time advances,
 * checkpoints (snapshot and restore) and the end of input goes in; what the step emits per key, its
 * late-records side output, its dead letters and its record accounting come out.
 *
 * <p>Rules the docs did not state when this reference was written, settled by differential testing
 * and since written into docs/dedup.md:
 *
 * <ul>
 *   <li>a delete older than the kept row (ordered keep-last) is stale; a delete of a key that is
 *       not live leaves a tombstone, moved only by a newer delete;
 *   <li>an identical row that would win moves the kept ordering key (keep-first: an earlier one),
 *       one with an equal ordering key writes nothing (the TTL clock does not restart);
 *   <li>a record is checked for its timestamp, then lateness, then its ordering key; a record
 *       without a timestamp is an {@code IllegalStateException} dead letter;
 *   <li>output records carry the stream-record timestamp of the input behind them (a held row its
 *       own); on insert-only input, output changes carry no event time or source position;
 *   <li>a mini-batch reads state (and judges TTL) at the flush; its net change carries the metadata
 *       of the record behind the key's last change; of the records that changed state, that one
 *       counts as out and the others as deduplicated, all of them when the changes cancel out;
 *   <li>keep-first with upsert output on a changelog keeps a marker, so a bundle that deletes and
 *       re-inserts the same row emits it as {@code +U}.
 * </ul>
 *
 * <p>{@code withDeleteRetention} (keep-last with an ordering on a changelog): a tombstone goes at
 * the first whole second of processing time at or after its last write plus the retention, and is
 * counted in {@code deleteMarkersRemoved} unless its TTL removed it first (at that second too).
 * Processing time moves through every whole second on the way, where the removals are due, with the
 * TTL clock; a mini-batch due by then is flushed first, at that second (the test harness fires the
 * earlier timer first, its clock already there). A bundle due at the very second of a removal would
 * race with it, in a job too: the generated scripts do not reach one.
 */
final class DedupIndependentReference {

  enum Keep {
    FIRST,
    LAST
  }

  /** The orderings of the docs: arrival, event time, event time then a key, a key alone. */
  enum Ordering {
    PROCESSING_TIME,
    EVENT_TIME,
    EVENT_TIME_THEN_VERSION,
    VERSION;

    boolean eventTime() {
      return this == EVENT_TIME || this == EVENT_TIME_THEN_VERSION;
    }

    boolean ordered() {
      return this != PROCESSING_TIME;
    }

    boolean readsVersion() {
      return this == EVENT_TIME_THEN_VERSION || this == VERSION;
    }
  }

  /**
   * One configuration of the step; {@link #valid()} holds the docs' rules between options. {@code
   * ttlMillis} and {@code deleteRetentionMillis} null for none.
   */
  record Config(
      Keep keep,
      Ordering ordering,
      DedupOutput output,
      boolean changelog,
      @Nullable Long ttlMillis,
      @Nullable LateRecords late,
      int miniBatchRecords,
      long miniBatchDelayMillis,
      @Nullable Long deleteRetentionMillis) {

    Config(
        Keep keep,
        Ordering ordering,
        DedupOutput output,
        boolean changelog,
        @Nullable Long ttlMillis,
        @Nullable LateRecords late,
        int miniBatchRecords,
        long miniBatchDelayMillis) {
      this(
          keep,
          ordering,
          output,
          changelog,
          ttlMillis,
          late,
          miniBatchRecords,
          miniBatchDelayMillis,
          null);
    }

    boolean valid() {
      if (deleteRetentionMillis != null && !keepsTombstones()) {
        return false; // the only mode that keeps a tombstone
      }
      if (output == DedupOutput.APPEND
          && (keep == Keep.LAST || changelog || (ordering.ordered() && !ordering.eventTime()))) {
        return false;
      }
      if (keep == Keep.FIRST && changelog && ordering.ordered()) {
        return false;
      }
      return late == null || ordering.eventTime();
    }

    boolean miniBatch() {
      return miniBatchRecords > 0;
    }

    /** Keep-last with an ordering on a changelog: a deleted key keeps a tombstone. */
    boolean keepsTombstones() {
      return keep == Keep.LAST && ordering.ordered() && changelog;
    }

    /** Keep-first append in event time: rows are held until the watermark passes them. */
    boolean holds() {
      return keep == Keep.FIRST && output == DedupOutput.APPEND && ordering.eventTime();
    }

    LateRecords lateOrDefault() {
      return late == null ? LateRecords.SIDE_OUTPUT : late;
    }

    @Override
    public String toString() {
      return keep
          + "/"
          + ordering
          + "/"
          + output
          + (changelog ? "/changelog" : "")
          + (ttlMillis != null ? "/ttl=" + ttlMillis : "")
          + (late != null ? "/late=" + late : "")
          + (miniBatch() ? "/miniBatch=" + miniBatchRecords + "," + miniBatchDelayMillis : "")
          + (deleteRetentionMillis != null ? "/deleteRetention=" + deleteRetentionMillis : "");
    }
  }

  /** A step of a script. */
  sealed interface Event permits Input, Watermark, Advance, Checkpoint {}

  /**
   * A record: on insert-only input {@code kind} is {@link RowKind#INSERT} and the change fields are
   * null; {@code timestamp} is the stream record's timestamp, null for none.
   */
  record Input(
      RowKind kind,
      RefRow row,
      @Nullable Long timestamp,
      @Nullable Long changeEventTime,
      @Nullable Long changeSourcePosition)
      implements Event {
    @Override
    public String toString() {
      return kind.shortString()
          + " "
          + row
          + (timestamp == null ? " @-" : " @" + timestamp)
          + (changeEventTime == null ? "" : " et=" + changeEventTime)
          + (changeSourcePosition == null ? "" : " sp=" + changeSourcePosition);
    }
  }

  record Watermark(long timestamp) implements Event {
    @Override
    public String toString() {
      return "WM " + timestamp;
    }
  }

  /**
   * Processing time (and the TTL clock, as in a job) moves forward, through every whole second on
   * the way.
   */
  record Advance(long millis) implements Event {
    @Override
    public String toString() {
      return "PT +" + millis;
    }
  }

  /** A checkpoint, and a restore from it (on the same backend, or another through a savepoint). */
  record Checkpoint(boolean switchBackend) implements Event {
    @Override
    public String toString() {
      return switchBackend ? "SAVEPOINT+RESTORE(switch)" : "CHECKPOINT+RESTORE";
    }
  }

  /**
   * What the step did: comparable between the reference and the real step. Each output is prefixed
   * with {@code #i}, the index of the script step during which it left (the script's length for the
   * end of input), so that when a row is emitted counts, not only what.
   */
  record Observed(
      Map<String, List<String>> mainByKey,
      List<String> late,
      List<String> deadLetters,
      Map<String, Long> counts) {}

  /** Error classes of the dead letters the docs name. */
  static final String NULL_KEY = IllegalArgumentException.class.getName();

  static final String KEY_THREW = UnsupportedOperationException.class.getName();
  static final String LATE = LateRecordException.class.getName();
  static final String ORDER_KEY_THREW = ArithmeticException.class.getName();

  /** The error class of a record without a timestamp under event-time ordering. */
  static final String NO_TIMESTAMP = IllegalStateException.class.getName();

  /** The metric of tombstones removed by the delete retention (zero without it). */
  static final String DELETE_MARKERS_REMOVED = "deleteMarkersRemoved";

  // ---------------------------------------------------------------------------------------------

  /** The `dedup` state of one key (with TTL). */
  private static final class Entry {
    boolean live; // false: a keep-last tombstone (ordered changelog)
    @Nullable RefRow row;
    @Nullable long[] order;
    long writtenAt;
  }

  /** A held candidate of keep-first append in event time (`dedup-pending`, no TTL). */
  private record Held(RefRow row, long timestamp, long[] order) {}

  private final Config config;
  private final Map<String, Entry> state = new TreeMap<>();
  private final Map<String, Held> held = new TreeMap<>();
  private final Map<String, List<Input>> bundle = new LinkedHashMap<>();
  private int bundleSize;
  private long bundleDeadline;
  private long now;
  private long watermark = Long.MIN_VALUE;

  /** Index of the script step being processed: every output is tagged with it (when it left). */
  private int step;

  private final Map<String, List<String>> main = new TreeMap<>();
  private final List<String> late = new ArrayList<>();
  private final List<String> deadLetters = new ArrayList<>();
  private long in;
  private long out;
  private long filtered;
  private long deduplicated;
  private long deadLettered;
  private long emitted;
  private long markersRemoved;

  private DedupIndependentReference(Config config) {
    this.config = config;
  }

  static Observed run(Config config, List<Event> script) {
    if (!config.valid()) {
      throw new IllegalArgumentException("not a valid configuration: " + config);
    }
    DedupIndependentReference reference = new DedupIndependentReference(config);
    for (Event event : script) {
      reference.on(event);
      reference.step++;
    }
    reference.endOfInput();
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("recordsIn", reference.in);
    counts.put("recordsOut", reference.out);
    counts.put("recordsFiltered", reference.filtered);
    counts.put("recordsDeduplicated", reference.deduplicated);
    counts.put("recordsDeadLettered", reference.deadLettered);
    counts.put("recordsEmitted", reference.emitted);
    counts.put(DELETE_MARKERS_REMOVED, reference.markersRemoved);
    return new Observed(reference.main, reference.late, reference.deadLetters, counts);
  }

  private void on(Event event) {
    if (event instanceof Input input) {
      onInput(input);
    } else if (event instanceof Watermark w) {
      onWatermark(w.timestamp());
    } else if (event instanceof Advance a) {
      long target = now + a.millis();
      for (long second = Math.floorDiv(now, 1_000L) * 1_000L + 1_000L;
          second < target;
          second += 1_000L) {
        moveTo(second);
      }
      moveTo(target);
    } else if (event instanceof Checkpoint) {
      // The bundle is flushed before the barrier; state, held rows and the watermark are restored.
      // Counters restart at zero, and the held rows count in again in the restored attempt.
      flush();
      in += held.size();
    }
  }

  /** Processing time reaches {@code time}: a bundle due flushes, then tombstones due go. */
  private void moveTo(long time) {
    now = time;
    if (bundleSize > 0 && now >= bundleDeadline) {
      flush();
    }
    removeDueTombstones();
  }

  /**
   * withDeleteRetention: a tombstone goes at the first whole second at or after its last write plus
   * the retention, counted unless its TTL removed it first. Called at every whole second, so a due
   * tombstone is due now.
   */
  private void removeDueTombstones() {
    if (config.deleteRetentionMillis() == null) {
      return;
    }
    Iterator<Entry> entries = state.values().iterator();
    while (entries.hasNext()) {
      Entry entry = entries.next();
      if (entry.live) {
        continue;
      }
      long deadline = deadline(entry.writtenAt);
      if (deadline <= now) {
        entries.remove();
        if (!expiredAt(entry, deadline)) {
          markersRemoved++;
        }
      }
    }
  }

  /** The removal time of a tombstone written at {@code writtenAt}: rounded up to a whole second. */
  private long deadline(long writtenAt) {
    long due = writtenAt + config.deleteRetentionMillis();
    return Math.floorDiv(due + 999, 1_000L) * 1_000L;
  }

  private void endOfInput() {
    // The end-of-input watermark, then the end of input: everything buffered and held leaves.
    onWatermark(Long.MAX_VALUE);
    flush();
  }

  private void onWatermark(long timestamp) {
    flush(); // before it is forwarded and before timers fire
    watermark = timestamp;
    if (!config.holds()) {
      return;
    }
    List<Map.Entry<String, Held>> due = new ArrayList<>();
    for (Map.Entry<String, Held> e : held.entrySet()) {
      if (e.getValue().timestamp() <= timestamp) {
        due.add(Map.entry(e.getKey(), e.getValue()));
      }
    }
    for (Map.Entry<String, Held> e : due) {
      held.remove(e.getKey());
      Entry marker = new Entry();
      marker.live = true;
      marker.writtenAt = now;
      state.put(e.getKey(), marker);
      emit(e.getKey(), render(e.getValue().row(), e.getValue().timestamp()));
      out++;
    }
  }

  private void onInput(Input input) {
    in++;
    // The key check before the shuffle.
    if (config.changelog() && input.kind() == RowKind.UPDATE_BEFORE) {
      filtered++;
      return;
    }
    String key = input.row().key;
    if (key == null) {
      deadLetter(NULL_KEY);
      return;
    }
    if (RefRow.THROWING_KEY.equals(key)) {
      deadLetter(KEY_THREW);
      return;
    }
    // Decided on arrival: no timestamp, late, ordering key throws.
    if (config.ordering().eventTime()) {
      if (input.timestamp() == null) {
        deadLetter(NO_TIMESTAMP);
        return;
      }
      if (input.timestamp() <= watermark) {
        if (config.lateOrDefault() == LateRecords.SIDE_OUTPUT) {
          late.add("#" + step + " " + input);
          filtered++;
        } else {
          deadLetter(LATE);
        }
        return;
      }
    }
    if (config.ordering().readsVersion() && RefRow.THROWING_VERSION.equals(input.row().payload)) {
      deadLetter(ORDER_KEY_THREW);
      return;
    }
    if (!config.miniBatch()) {
      Applied applied = apply(key, input);
      for (String change : applied.changes()) {
        emit(key, change);
      }
      count(applied.outcome());
      return;
    }
    if (bundleSize == 0) {
      bundleDeadline = now + config.miniBatchDelayMillis();
    }
    bundle.computeIfAbsent(key, k -> new ArrayList<>()).add(input);
    bundleSize++;
    if (bundleSize >= config.miniBatchRecords()) {
      flush();
    }
  }

  private void deadLetter(String errorClass) {
    deadLetters.add("#" + step + " " + errorClass);
    deadLettered++;
  }

  private void emit(String key, String change) {
    main.computeIfAbsent(key, k -> new ArrayList<>()).add("#" + step + " " + change);
    emitted++;
  }

  // ---------------------------------------------------------------------------------------------
  // Mini-batches: each key's records are applied in arrival order at the flush (state read and
  // written then), and the net change between the key's state before and after is emitted.

  private void flush() {
    if (bundleSize == 0) {
      return;
    }
    for (Map.Entry<String, List<Input>> e : bundle.entrySet()) {
      String key = e.getKey();
      List<Input> records = reduce(e.getValue());
      if (config.holds()) {
        for (Input input : records) {
          count(apply(key, input).outcome());
        }
        continue;
      }
      Image before = image(key);
      Input cause = null;
      for (Input input : records) {
        Applied applied = apply(key, input);
        if (!applied.changes().isEmpty()) {
          cause = input;
        }
      }
      Image after = image(key);
      List<String> net = netChange(before, after, cause);
      for (String change : net) {
        emit(key, change);
      }
      if (!net.isEmpty()) {
        out++;
        deduplicated += records.size() - 1;
      } else {
        deduplicated += records.size();
      }
    }
    bundle.clear();
    bundleSize = 0;
  }

  /**
   * Consecutive rows of a key (no delete between them) are reduced to the one that would win as
   * they arrive; the others count as deduplicated. The winner's input is the one whose event time
   * and source position the net change carries.
   */
  private List<Input> reduce(List<Input> records) {
    List<Input> reduced = new ArrayList<>();
    for (Input input : records) {
      Input last = reduced.isEmpty() ? null : reduced.get(reduced.size() - 1);
      if (input.kind() == RowKind.DELETE || last == null || last.kind() == RowKind.DELETE) {
        reduced.add(input);
        continue;
      }
      deduplicated++;
      if (wins(input, last)) {
        reduced.set(reduced.size() - 1, input);
      }
    }
    return reduced;
  }

  /** Whether a later-arrived row wins over an earlier-arrived one. */
  private boolean wins(Input later, Input earlier) {
    if (!config.ordering().ordered()) {
      return config.keep() == Keep.LAST;
    }
    int c = compare(orderOf(later), orderOf(earlier));
    return config.keep() == Keep.LAST ? c >= 0 : c < 0;
  }

  private record Image(boolean live, @Nullable RefRow row) {}

  private Image image(String key) {
    Entry entry = visible(key);
    return entry != null && entry.live ? new Image(true, entry.row) : new Image(false, null);
  }

  private List<String> netChange(Image before, Image after, @Nullable Input cause) {
    List<String> changes = new ArrayList<>();
    if (!before.live() && after.live()) {
      changes.add(
          config.output() == DedupOutput.APPEND
              ? render(after.row(), cause.timestamp())
              : change(RowKind.INSERT, after.row(), cause));
    } else if (before.live()
        && after.live()
        && (!RefRow.identical(before.row(), after.row()) || marksOnly() && cause != null)) {
      // The documented exception: keep-first with upsert output on a changelog keeps a marker, not
      // the row: a bundle that deletes the key and inserts a row again emits it as +U, even the
      // same row.
      if (config.output() == DedupOutput.RETRACT) {
        changes.add(change(RowKind.UPDATE_BEFORE, before.row(), cause));
      }
      changes.add(change(RowKind.UPDATE_AFTER, after.row(), cause));
    } else if (before.live() && !after.live()) {
      // Upsert output: the value of the delete that deleted the row (a later delete of the then
      // deleted key changes nothing).
      RefRow deleted = config.output() == DedupOutput.RETRACT ? before.row() : cause.row();
      changes.add(change(RowKind.DELETE, deleted, cause));
    }
    return changes;
  }

  /** Keep-first with upsert output on a changelog: the key's state is a marker. */
  private boolean marksOnly() {
    return config.keep() == Keep.FIRST
        && config.changelog()
        && config.output() == DedupOutput.UPSERT;
  }

  // ---------------------------------------------------------------------------------------------
  // The rules, one record at a time.

  private enum Outcome {
    OUT,
    DEDUPLICATED,
    HELD
  }

  private record Applied(Outcome outcome, List<String> changes) {}

  private static final Applied DEDUPLICATED = new Applied(Outcome.DEDUPLICATED, List.of());

  private void count(Outcome outcome) {
    if (outcome == Outcome.OUT) {
      out++;
    } else if (outcome == Outcome.DEDUPLICATED) {
      deduplicated++;
    }
  }

  @Nullable
  private Entry visible(String key) {
    Entry entry = state.get(key);
    if (entry == null) {
      return null;
    }
    if (expiredAt(entry, now)) {
      state.remove(key);
      return null;
    }
    return entry;
  }

  private boolean expiredAt(Entry entry, long time) {
    // Written at w, gone from w + TTL on.
    return config.ttlMillis() != null && time - entry.writtenAt >= config.ttlMillis();
  }

  private long[] orderOf(Input input) {
    return switch (config.ordering()) {
      case PROCESSING_TIME -> null;
      case EVENT_TIME -> new long[] {input.timestamp()};
      case EVENT_TIME_THEN_VERSION -> new long[] {input.timestamp(), input.row().version};
      case VERSION -> new long[] {input.row().version};
    };
  }

  private static int compare(long[] a, long[] b) {
    return Arrays.compare(a, b); // component by component, as signed longs
  }

  private void write(String key, boolean live, @Nullable RefRow row, @Nullable long[] order) {
    Entry entry = new Entry();
    entry.live = live;
    entry.row = row;
    entry.order = order;
    entry.writtenAt = now;
    state.put(key, entry);
  }

  private Applied apply(String key, Input input) {
    if (config.holds()) {
      return hold(key, input);
    }
    if (input.kind() == RowKind.DELETE) {
      return delete(key, input);
    }
    return config.keep() == Keep.FIRST ? keepFirst(key, input) : keepLast(key, input);
  }

  /** Keep-first append in event time: the earliest row waits for the watermark. */
  private Applied hold(String key, Input input) {
    if (visible(key) != null) {
      return DEDUPLICATED; // the key's row was emitted
    }
    long[] order = orderOf(input);
    Held candidate = held.get(key);
    if (candidate == null) {
      held.put(key, new Held(input.row(), input.timestamp(), order));
      return new Applied(Outcome.HELD, List.of());
    }
    if (compare(order, candidate.order()) < 0) {
      held.put(key, new Held(input.row(), input.timestamp(), order));
      deduplicated++; // the displaced row
      return new Applied(Outcome.HELD, List.of());
    }
    return DEDUPLICATED; // equal: the earlier arrival stays
  }

  private Applied keepFirst(String key, Input input) {
    Entry entry = visible(key);
    long[] order = orderOf(input);
    if (entry == null || !entry.live) {
      write(key, true, input.row(), order);
      return new Applied(
          Outcome.OUT,
          List.of(
              config.output() == DedupOutput.APPEND
                  ? render(input.row(), input.timestamp())
                  : change(RowKind.INSERT, input.row(), input)));
    }
    if (!config.ordering().ordered() || compare(order, entry.order) >= 0) {
      return DEDUPLICATED;
    }
    // An earlier row replaces the kept one (upsert or retract output).
    if (RefRow.identical(input.row(), entry.row)) {
      write(key, true, entry.row, order); // moves the kept ordering key, emits nothing
      return DEDUPLICATED;
    }
    RefRow previous = entry.row;
    write(key, true, input.row(), order);
    return new Applied(Outcome.OUT, updated(previous, input));
  }

  private Applied keepLast(String key, Input input) {
    Entry entry = visible(key);
    long[] order = orderOf(input);
    boolean ordered = config.ordering().ordered();
    if (entry == null || !entry.live) {
      if (entry != null && ordered && compare(order, entry.order) < 0) {
        return DEDUPLICATED; // older than the tombstone: stays deleted
      }
      write(key, true, input.row(), order);
      return new Applied(Outcome.OUT, List.of(change(RowKind.INSERT, input.row(), input)));
    }
    if (ordered && compare(order, entry.order) < 0) {
      return DEDUPLICATED; // stale
    }
    if (RefRow.identical(input.row(), entry.row)) {
      if (ordered && compare(order, entry.order) > 0) {
        write(key, true, entry.row, order); // moves the kept ordering key, emits nothing
      }
      return DEDUPLICATED;
    }
    RefRow previous = entry.row;
    write(key, true, input.row(), order);
    return new Applied(Outcome.OUT, updated(previous, input));
  }

  private Applied delete(String key, Input input) {
    Entry entry = visible(key);
    long[] order = orderOf(input);
    boolean tombstones = config.keep() == Keep.LAST && config.ordering().ordered();
    if (entry == null || !entry.live) {
      // A delete of a key that is not live still leaves a tombstone under an ordered keep-last (or
      // moves it forward when newer), so an older row arriving afterwards stays deleted; a delete
      // as old as the tombstone writes nothing, like an identical row.
      if (tombstones && (entry == null || compare(order, entry.order) > 0)) {
        write(key, false, null, order);
      }
      return DEDUPLICATED;
    }
    if (tombstones && compare(order, entry.order) < 0) {
      return DEDUPLICATED; // a delete older than the kept row is stale
    }
    RefRow kept = entry.row;
    if (tombstones) {
      write(key, false, null, order);
    } else {
      state.remove(key);
    }
    RefRow deleted = config.output() == DedupOutput.RETRACT ? kept : input.row();
    return new Applied(Outcome.OUT, List.of(change(RowKind.DELETE, deleted, input)));
  }

  private List<String> updated(RefRow previous, Input input) {
    if (config.output() == DedupOutput.RETRACT) {
      return List.of(
          change(RowKind.UPDATE_BEFORE, previous, input),
          change(RowKind.UPDATE_AFTER, input.row(), input));
    }
    return List.of(change(RowKind.UPDATE_AFTER, input.row(), input));
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering, shared with the driver of the real step.

  /**
   * An output record: the row, and the timestamp of its stream record (that of the input record
   * behind it; a held row's own).
   */
  static String render(RefRow row, @Nullable Long timestamp) {
    return row + (timestamp == null ? " @-" : " @" + timestamp);
  }

  /** Output changes carry the event time and source position of the input change behind them. */
  static String renderChange(
      RowKind kind,
      RefRow row,
      @Nullable Long eventTime,
      @Nullable Long sourcePosition,
      @Nullable Long timestamp) {
    return kind.shortString()
        + " "
        + render(row, timestamp)
        + " et="
        + eventTime
        + " sp="
        + sourcePosition;
  }

  private String change(RowKind kind, RefRow row, Input cause) {
    return renderChange(
        kind, row, cause.changeEventTime(), cause.changeSourcePosition(), cause.timestamp());
  }
}
