package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.types.RowKind;

/**
 * Seeded generator of keyed changelogs and their messy delivery: exact redeliveries, event times
 * out of order within a bound, late records behind the watermark, deletes and key-only tombstones.
 * The same settings and seed always give the same {@link GeneratedChangelog}, so a failing seed is
 * a reproducible test case (see {@link Soak}).
 *
 * <p>The source makes {@link #withLength length} changes over {@link #withKeys keys} keys: {@code
 * +I} for a key that is not live, else {@code -D} with probability {@link #withDeleteRate} (a
 * key-only tombstone with probability {@link #withTombstoneRate}) or {@code +U} with the next
 * version. Event times grow by 1 to {@link #MAX_EVENT_TIME_STEP} milliseconds per change, counted
 * from {@link #START_TIME}: the first change is 1 to {@code MAX_EVENT_TIME_STEP} ms after it.
 * Delivery then:
 *
 * <ul>
 *   <li>shuffles event times by up to {@link #withMaxOutOfOrderness} ms; watermarks every {@link
 *       #withWatermarkInterval} records trail the largest event time by that bound (Flink's
 *       bounded-out-of-orderness watermarks), so shuffling alone never makes a record late;
 *   <li>holds back a share {@link #withLateRate} of the records until a watermark has passed them
 *       (when one does), making them late;
 *   <li>redelivers a share {@link #withDuplicateRate} of the records up to {@link
 *       #MAX_DUPLICATE_DISTANCE} steps later.
 * </ul>
 *
 * <pre>{@code
 * GeneratedChangelog<String> changelog =
 *     ChangelogGenerator.strings()
 *         .withKeys(4)
 *         .withLength(40)
 *         .withDuplicateRate(0.1)
 *         .withMaxOutOfOrderness(20)
 *         .withLateRate(0.1)
 *         .withProcessingTimeStep(300)
 *         .generate(7L);
 * }</pre>
 *
 * @param <T> row type
 */
@PublicEvolving
public final class ChangelogGenerator<T> {

  /** Builds the rows of generated keys. */
  @PublicEvolving
  public interface Rows<T> {
    /** The row of key {@code key} (0-based) at {@code version} (1, 2, ...); distinct per pair. */
    T row(int key, int version);

    /** A row carrying only the key, as a key-only tombstone does. */
    T keyOnly(int key);
  }

  public static final int DEFAULT_KEYS = 8;
  public static final int DEFAULT_LENGTH = 100;
  public static final double DEFAULT_DELETE_RATE = 0.0;
  public static final double DEFAULT_TOMBSTONE_RATE = 0.0;
  public static final double DEFAULT_DUPLICATE_RATE = 0.0;
  public static final double DEFAULT_LATE_RATE = 0.0;
  public static final long DEFAULT_MAX_OUT_OF_ORDERNESS = 0L;

  /**
   * Largest {@link #withMaxOutOfOrderness}: a year of milliseconds, far beyond the event times a
   * changelog spans, and small enough that event time plus disorder never overflows.
   */
  public static final long MAX_OUT_OF_ORDERNESS = 31_536_000_000L;

  public static final int DEFAULT_WATERMARK_INTERVAL = 10;
  public static final long DEFAULT_PROCESSING_TIME_STEP = 0L;

  /**
   * Where event times are counted from, epoch milliseconds: every change is after it, the first 1
   * to {@link #MAX_EVENT_TIME_STEP} ms after it.
   */
  public static final long START_TIME = 1_000L;

  /** Event times grow by 1 to this many milliseconds per source change. */
  public static final int MAX_EVENT_TIME_STEP = 10;

  /** A redelivery comes at most this many steps after the record it repeats. */
  public static final int MAX_DUPLICATE_DISTANCE = 5;

  /** Among the watermarks that make a held-back record late, it goes after one of the first 3. */
  private static final int LATE_CANDIDATES = 3;

  private final Rows<T> rows;
  private final int keys;
  private final int length;
  private final double deleteRate;
  private final double tombstoneRate;
  private final double duplicateRate;
  private final double lateRate;
  private final long maxOutOfOrderness;
  private final int watermarkInterval;
  private final long processingTimeStep;

  private ChangelogGenerator(
      Rows<T> rows,
      int keys,
      int length,
      double deleteRate,
      double tombstoneRate,
      double duplicateRate,
      double lateRate,
      long maxOutOfOrderness,
      int watermarkInterval,
      long processingTimeStep) {
    this.rows = rows;
    this.keys = keys;
    this.length = length;
    this.deleteRate = deleteRate;
    this.tombstoneRate = tombstoneRate;
    this.duplicateRate = duplicateRate;
    this.lateRate = lateRate;
    this.maxOutOfOrderness = maxOutOfOrderness;
    this.watermarkInterval = watermarkInterval;
    this.processingTimeStep = processingTimeStep;
  }

  /** A generator of rows built by {@code rows}, with the {@code DEFAULT_*} settings. */
  public static <T> ChangelogGenerator<T> of(Rows<T> rows) {
    return new ChangelogGenerator<>(
        Objects.requireNonNull(rows, "rows"),
        DEFAULT_KEYS,
        DEFAULT_LENGTH,
        DEFAULT_DELETE_RATE,
        DEFAULT_TOMBSTONE_RATE,
        DEFAULT_DUPLICATE_RATE,
        DEFAULT_LATE_RATE,
        DEFAULT_MAX_OUT_OF_ORDERNESS,
        DEFAULT_WATERMARK_INTERVAL,
        DEFAULT_PROCESSING_TIME_STEP);
  }

  /**
   * A generator of string rows {@code k<key>#v<version>} (for example {@code k3#v2}); a key-only
   * tombstone is {@code k<key>#}. {@link #stringKey} extracts the key.
   */
  public static ChangelogGenerator<String> strings() {
    return of(
        new Rows<>() {
          @Override
          public String row(int key, int version) {
            return "k" + key + "#v" + version;
          }

          @Override
          public String keyOnly(int key) {
            return "k" + key + "#";
          }
        });
  }

  /** The key of a row made by {@link #strings()}: {@code k3} for {@code k3#v2} and {@code k3#}. */
  public static String stringKey(String row) {
    int hash = row.indexOf('#');
    if (hash < 0) {
      throw new IllegalArgumentException("not a generated string row: " + row);
    }
    return row.substring(0, hash);
  }

  /** Number of distinct keys (default {@value #DEFAULT_KEYS}). */
  public ChangelogGenerator<T> withKeys(int keys) {
    if (keys < 1) {
      throw new IllegalArgumentException("keys must be >= 1, was " + keys);
    }
    return copy(keys, length, deleteRate, tombstoneRate, duplicateRate, lateRate);
  }

  /** Number of source changes, before duplicates (default {@value #DEFAULT_LENGTH}). */
  public ChangelogGenerator<T> withLength(int length) {
    if (length < 0) {
      throw new IllegalArgumentException("length must be >= 0, was " + length);
    }
    return copy(keys, length, deleteRate, tombstoneRate, duplicateRate, lateRate);
  }

  /** Probability that a change of a live key deletes it (default 0). */
  public ChangelogGenerator<T> withDeleteRate(double rate) {
    return copy(keys, length, rate("deleteRate", rate), tombstoneRate, duplicateRate, lateRate);
  }

  /** Probability that a delete carries only the key (default 0). */
  public ChangelogGenerator<T> withTombstoneRate(double rate) {
    return copy(keys, length, deleteRate, rate("tombstoneRate", rate), duplicateRate, lateRate);
  }

  /** Probability that a record is delivered a second time, exactly (default 0). */
  public ChangelogGenerator<T> withDuplicateRate(double rate) {
    return copy(keys, length, deleteRate, tombstoneRate, rate("duplicateRate", rate), lateRate);
  }

  /** Probability that a record is held back until a watermark has passed it (default 0). */
  public ChangelogGenerator<T> withLateRate(double rate) {
    return copy(keys, length, deleteRate, tombstoneRate, duplicateRate, rate("lateRate", rate));
  }

  /**
   * Maximum event-time disorder of records that are not late, ms (default 0: in order).
   *
   * @throws IllegalArgumentException if not in 0..{@value #MAX_OUT_OF_ORDERNESS} (a year)
   */
  public ChangelogGenerator<T> withMaxOutOfOrderness(long millis) {
    if (millis < 0 || millis > MAX_OUT_OF_ORDERNESS) {
      throw new IllegalArgumentException(
          "maxOutOfOrderness must be in 0.." + MAX_OUT_OF_ORDERNESS + " (a year), was " + millis);
    }
    return new ChangelogGenerator<>(
        rows,
        keys,
        length,
        deleteRate,
        tombstoneRate,
        duplicateRate,
        lateRate,
        millis,
        watermarkInterval,
        processingTimeStep);
  }

  /** A watermark after every this many records (default {@value #DEFAULT_WATERMARK_INTERVAL}). */
  public ChangelogGenerator<T> withWatermarkInterval(int records) {
    if (records < 1) {
      throw new IllegalArgumentException("watermarkInterval must be >= 1, was " + records);
    }
    return new ChangelogGenerator<>(
        rows,
        keys,
        length,
        deleteRate,
        tombstoneRate,
        duplicateRate,
        lateRate,
        maxOutOfOrderness,
        records,
        processingTimeStep);
  }

  /** Processing time advances by this much after every watermark (default 0: never). */
  public ChangelogGenerator<T> withProcessingTimeStep(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("processingTimeStep must be >= 0, was " + millis);
    }
    return new ChangelogGenerator<>(
        rows,
        keys,
        length,
        deleteRate,
        tombstoneRate,
        duplicateRate,
        lateRate,
        maxOutOfOrderness,
        watermarkInterval,
        millis);
  }

  /** Generates the changelog for the seed; the same seed gives the same result. */
  public GeneratedChangelog<T> generate(long seed) {
    Random random = new Random(seed);
    List<Change<T>> source = new ArrayList<>(length);
    boolean[] tombstone = new boolean[length];
    generateSource(random, source, tombstone);

    // Delivery order of the records that are not held back: event time plus a bounded jitter.
    boolean[] heldBack = new boolean[length];
    List<long[]> order = new ArrayList<>(length); // {sortKey, sourceIndex}
    for (int i = 0; i < length; i++) {
      heldBack[i] = random.nextDouble() < lateRate;
      long jitter = maxOutOfOrderness > 0 ? random.nextLong(maxOutOfOrderness + 1) : 0L;
      if (!heldBack[i]) {
        order.add(new long[] {eventTime(source, i) + jitter, i});
      }
    }
    order.sort(Comparator.comparingLong(a -> a[0])); // stable: ties keep source order

    List<Slot> slots = new ArrayList<>();
    long maxSeen = Long.MIN_VALUE;
    long lastWatermark = Long.MIN_VALUE;
    int sinceWatermark = 0;
    for (long[] entry : order) {
      int index = (int) entry[1];
      slots.add(Slot.element(index, false));
      maxSeen = Math.max(maxSeen, eventTime(source, index));
      if (++sinceWatermark == watermarkInterval) {
        sinceWatermark = 0;
        long watermark = maxSeen - maxOutOfOrderness - 1;
        if (watermark > lastWatermark) {
          lastWatermark = watermark;
          slots.add(Slot.watermark(watermark));
        }
      }
    }
    slots = placeHeldBack(random, source, heldBack, slots);
    slots = addDuplicates(random, slots);
    return assemble(seed, source, tombstone, slots);
  }

  private void generateSource(Random random, List<Change<T>> source, boolean[] tombstone) {
    int[] versions = new int[keys];
    List<T> live = new ArrayList<>(keys);
    for (int k = 0; k < keys; k++) {
      live.add(null);
    }
    long time = START_TIME;
    for (int i = 0; i < length; i++) {
      time += 1 + random.nextInt(MAX_EVENT_TIME_STEP);
      int key = random.nextInt(keys);
      T current = live.get(key);
      RowKind kind;
      T value;
      if (current == null) {
        kind = RowKind.INSERT;
        value = rows.row(key, ++versions[key]);
        live.set(key, value);
      } else if (random.nextDouble() < deleteRate) {
        kind = RowKind.DELETE;
        tombstone[i] = random.nextDouble() < tombstoneRate;
        value = tombstone[i] ? rows.keyOnly(key) : current;
        live.set(key, null);
      } else {
        kind = RowKind.UPDATE_AFTER;
        value = rows.row(key, ++versions[key]);
        live.set(key, value);
      }
      source.add(Change.of(kind, value, time, (long) i));
    }
  }

  /**
   * Puts each held-back record right after one of the first watermarks at or past its event time
   * (making it late), or, when no watermark ever passes it, where it belongs in event-time order.
   */
  private List<Slot> placeHeldBack(
      Random random, List<Change<T>> source, boolean[] heldBack, List<Slot> slots) {
    List<List<Slot>> after = emptyInsertions(slots.size());
    for (int i = 0; i < heldBack.length; i++) {
      if (!heldBack[i]) {
        continue;
      }
      long time = eventTime(source, i);
      List<Integer> candidates = new ArrayList<>(LATE_CANDIDATES);
      for (int s = 0; s < slots.size() && candidates.size() < LATE_CANDIDATES; s++) {
        if (slots.get(s).isWatermark() && slots.get(s).watermark >= time) {
          candidates.add(s);
        }
      }
      int anchor;
      if (!candidates.isEmpty()) {
        anchor = candidates.get(random.nextInt(candidates.size()));
      } else {
        anchor = slots.size() - 1;
        for (int s = 0; s < slots.size(); s++) {
          if (!slots.get(s).isWatermark() && eventTime(source, slots.get(s).sourceIndex) > time) {
            anchor = s - 1;
            break;
          }
        }
      }
      after.get(anchor + 1).add(Slot.element(i, false));
    }
    return merge(slots, after);
  }

  private List<Slot> addDuplicates(Random random, List<Slot> slots) {
    List<List<Slot>> after = emptyInsertions(slots.size());
    for (int s = 0; s < slots.size(); s++) {
      Slot slot = slots.get(s);
      if (!slot.isWatermark() && random.nextDouble() < duplicateRate) {
        int anchor = Math.min(slots.size() - 1, s + 1 + random.nextInt(MAX_DUPLICATE_DISTANCE));
        after.get(anchor + 1).add(Slot.element(slot.sourceIndex, true));
      }
    }
    return merge(slots, after);
  }

  private GeneratedChangelog<T> assemble(
      long seed, List<Change<T>> source, boolean[] tombstone, List<Slot> slots) {
    List<Generated<T>> records = new ArrayList<>();
    HarnessInput.Builder<Change<T>> input = HarnessInput.builder();
    long maxSeen = Long.MIN_VALUE;
    long lastWatermark = Long.MIN_VALUE;
    for (Slot slot : slots) {
      if (slot.isWatermark()) {
        lastWatermark = slot.watermark;
        input.watermark(slot.watermark);
        if (processingTimeStep > 0) {
          input.advanceProcessingTime(processingTimeStep);
        }
        continue;
      }
      Change<T> change = source.get(slot.sourceIndex);
      long time = eventTime(source, slot.sourceIndex);
      EnumSet<Generated.Tag> tags = EnumSet.noneOf(Generated.Tag.class);
      if (slot.duplicate) {
        tags.add(Generated.Tag.DUPLICATE);
      }
      if (time < maxSeen) {
        tags.add(Generated.Tag.OUT_OF_ORDER);
      }
      if (time <= lastWatermark) {
        tags.add(Generated.Tag.LATE);
      }
      if (tombstone[slot.sourceIndex]) {
        tags.add(Generated.Tag.TOMBSTONE);
      }
      maxSeen = Math.max(maxSeen, time);
      records.add(new Generated<>(change, slot.sourceIndex, tags));
      input.element(change, time);
    }
    return new GeneratedChangelog<>(seed, source, records, input.build());
  }

  private static List<List<Slot>> emptyInsertions(int size) {
    List<List<Slot>> after = new ArrayList<>(size + 1);
    for (int s = 0; s <= size; s++) {
      after.add(new ArrayList<>());
    }
    return after;
  }

  /** {@code after.get(0)} goes first, {@code after.get(s + 1)} right after slot {@code s}. */
  private static List<Slot> merge(List<Slot> slots, List<List<Slot>> after) {
    List<Slot> merged = new ArrayList<>(after.get(0));
    for (int s = 0; s < slots.size(); s++) {
      merged.add(slots.get(s));
      merged.addAll(after.get(s + 1));
    }
    return merged;
  }

  private static long eventTime(List<? extends Change<?>> source, int index) {
    return source.get(index).eventTime();
  }

  private static double rate(String name, double rate) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], was " + rate);
    }
    return rate;
  }

  private ChangelogGenerator<T> copy(
      int keys,
      int length,
      double deleteRate,
      double tombstoneRate,
      double duplicateRate,
      double lateRate) {
    return new ChangelogGenerator<>(
        rows,
        keys,
        length,
        deleteRate,
        tombstoneRate,
        duplicateRate,
        lateRate,
        maxOutOfOrderness,
        watermarkInterval,
        processingTimeStep);
  }

  /** A delivery step: an element (a source index, maybe a redelivery) or a watermark. */
  private static final class Slot {
    final int sourceIndex;
    final boolean duplicate;
    final long watermark;

    private Slot(int sourceIndex, boolean duplicate, long watermark) {
      this.sourceIndex = sourceIndex;
      this.duplicate = duplicate;
      this.watermark = watermark;
    }

    static Slot element(int sourceIndex, boolean duplicate) {
      return new Slot(sourceIndex, duplicate, Long.MIN_VALUE);
    }

    static Slot watermark(long watermark) {
      return new Slot(-1, false, watermark);
    }

    boolean isWatermark() {
      return sourceIndex < 0;
    }
  }
}
