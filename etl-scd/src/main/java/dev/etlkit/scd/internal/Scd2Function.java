package dev.etlkit.scd.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.core.internal.ObjectReuseCopies;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.scd.EffectiveTime;
import dev.etlkit.scd.HardDeletes;
import dev.etlkit.scd.LateChangeException;
import dev.etlkit.scd.LateChanges;
import dev.etlkit.scd.Scd2;
import dev.etlkit.scd.Scd2Row;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The SCD2 step's function: reads key, effective time and sequence of a change, hands it to {@link
 * KeyHistory} over the key's Flink state, and turns the versions it emits into {@code
 * Change<Scd2Row<T>>}. Bad changes become dead letters (also one whose comparison with the key's
 * history throws: a column's {@code equals} threw, and one that would emit a current version that
 * does not start before {@code validToCurrent}: a sentinel set or lowered at a restore); late ones
 * go where the step says.
 *
 * <p>State per key (names are part of the savepoint layout: never rename them): {@value
 * #CURSOR_STATE} ({@link KeyCursor}: current version, latest effective time and change, prune
 * point, the base and a candidate base, the times of the kept changes when few, the open chunk of
 * kept changes and the index of the sealed ones), {@value #CHUNKS_STATE} (first time to {@link
 * ChangeChunk}: the sealed chunks, {@value KeyHistory#CHUNK_SIZE} changes each when sealed, {@value
 * KeyHistory#HEAP_CHUNK_SIZE} on the heap unless under the changelog state backend), {@value
 * #CHANGES_STATE} (effective time to {@link StoredChange}: the kept changes of a key restored from
 * state format 1 or 2, until its next change moves them into chunks) and {@value #BASE_STATE}
 * ({@link KeyCursor}: the version in force at the prune point, only for a key restored from state
 * format 1, whose cursor did not hold it, until its next prune). The map's iteration order is not
 * relied upon (heap maps are unordered).
 *
 * <p>State TTL is kept by one processing-time timer per key instead of Flink's per-entry TTL, so a
 * key's three states always expire together (an entry of the map written long ago must not expire
 * while the key is still written) and heap map states pay no per-access cleanup: each write records
 * its processing time in the cursor; the timer, when it fires, forgets the key if it was not
 * written for the TTL, else moves itself to when that will be. Semantics as everywhere in etlkit:
 * processing time, the clock restarts on writes, an expired key is treated as never seen. The same
 * timer keeps the delete retention: for a key whose latest change is a delete it is due at the
 * earlier of its TTL and its delete deadline (the last write plus the retention, rounded up to a
 * whole second), and forgets the key at the deadline, counted in {@value #DELETE_MARKERS_REMOVED}.
 */
@Internal
public final class Scd2Function<I, T> extends KeyedProcessFunction<String, I, Change<Scd2Row<T>>> {
  private static final long serialVersionUID = 1L;

  /** The key's cursor. Part of the savepoint layout: never rename. */
  static final String CURSOR_STATE = "cursor";

  /** The key's replay base. Part of the savepoint layout: never rename. */
  static final String BASE_STATE = "base";

  /**
   * The key's kept changes by effective time, state formats 1 and 2 (read to move them into
   * chunks). Part of the savepoint layout: never rename.
   */
  static final String CHANGES_STATE = "changes";

  /**
   * The key's sealed chunks of kept changes by their first time, state format 3. Part of the
   * savepoint layout: never rename.
   */
  static final String CHUNKS_STATE = "chunks";

  /** Id of the late-changes side output. */
  public static final String LATE_CHANGES_OUTPUT_ID = "etlkit-scd2-late";

  /** Counter of late changes, whatever their route, beside the step's record accounting. */
  public static final String LATE_CHANGES = "lateChanges";

  /** Counter of deleted keys forgotten by the delete retention (zero without it). */
  public static final String DELETE_MARKERS_REMOVED = "deleteMarkersRemoved";

  /**
   * The range of effective times, in epoch milliseconds, inclusive. Within it no difference of two
   * times, or of a time and a lateness horizon, comes near overflowing a {@code long}, and {@code
   * Version.OPEN} ({@code Long.MAX_VALUE}, an open end) is never an effective time.
   */
  private static final long MIN_EFFECTIVE_MILLIS = Scd2.MIN_EFFECTIVE_TIME.toEpochMilli();

  private static final long MAX_EFFECTIVE_MILLIS = Scd2.MAX_EFFECTIVE_TIME.toEpochMilli();

  private final Scd2Config<I, T> config;
  private final ErrorHandler errors;
  private final Scd2KeySelector<I, T> keySelector;

  private transient StepMetrics metrics;
  private transient Counter lateCount;
  private transient Counter deleteMarkersRemoved;
  private transient OutputTag<I> lateTag;
  private transient KeyHistory<T> history;
  private transient FlinkHistoryStore<T> store;
  private transient EmittingSink<T> sink;
  private transient ServiceCleanupTimers timers;
  private transient ObjectReuseCopies<T> rowCopies;

  /**
   * Whether a record needs the processing time: for state TTL, delete retention or as its effective
   * time.
   */
  private transient boolean readsProcessingTime;

  /**
   * Whether the function runs in a {@code BATCH} job ({@link #inBatchMode}, before {@link #open}):
   * it then ignores its state TTL and delete retention, as batch mode ignores Flink's state TTL.
   */
  private transient boolean batch;

  private transient ValueStateDescriptor<KeyCursor<T>> cursorDescriptor;

  /**
   * The output of {@link #onTimer}, given by {@link Scd2Operator}: Flink's {@code
   * KeyedProcessOperator} erases the timestamp of what a processing-time timer emits; through this
   * one a forgotten key's rows get one. Null when the function runs in another operator.
   */
  @Nullable private transient TimestampedCollector<Change<Scd2Row<T>>> timerOutput;

  public Scd2Function(Scd2Config<I, T> config, ErrorHandler errors) {
    this.config = Objects.requireNonNull(config, "config");
    this.errors = Objects.requireNonNull(errors, "errors");
    this.keySelector = new Scd2KeySelector<>(config.key(), config.changelog());
  }

  /**
   * Sets the output the cleanup timer emits through (a forgotten key's closed versions, append
   * output), called by {@link Scd2Operator#open()}: each row carries the effective time of the
   * key's latest change as its timestamp.
   */
  void timerOutput(TimestampedCollector<Change<Scd2Row<T>>> output) {
    timerOutput = output;
  }

  /** The late-changes side output of a step with the given input type. */
  public static <I> OutputTag<I> lateChangesTag(TypeInformation<I> inputType) {
    return new OutputTag<>(LATE_CHANGES_OUTPUT_ID, inputType);
  }

  /** Declares this function's state for the pipeline's state inventory. */
  public void declareState(StepContext context) {
    Scd2StateInventory.declare(context, config);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    lateCount =
        getRuntimeContext()
            .getMetricGroup()
            .addGroup(StepMetrics.GROUP, errors.step().pipeline())
            .addGroup("step", errors.step().step())
            .counter(LATE_CHANGES);
    deleteMarkersRemoved =
        getRuntimeContext()
            .getMetricGroup()
            .addGroup(StepMetrics.GROUP, errors.step().pipeline())
            .addGroup("step", errors.step().step())
            .counter(DELETE_MARKERS_REMOVED);
    lateTag = lateChangesTag(config.inputType());
    history = batch ? config.batchHistory() : config.history();
    cursorDescriptor =
        new ValueStateDescriptor<>(
            CURSOR_STATE, KeyCursor.typeInfo(config.valueType(), config.output()));
    ValueStateDescriptor<KeyCursor<T>> base =
        new ValueStateDescriptor<>(
            BASE_STATE, KeyCursor.typeInfo(config.valueType(), config.output()));
    ValueState<KeyCursor<T>> cursorState;
    ValueState<KeyCursor<T>> baseState;
    try { // the restore of a state of the other output class fails here
      cursorState = getRuntimeContext().getState(cursorDescriptor);
      baseState = getRuntimeContext().getState(base);
    } catch (RuntimeException e) {
      throw OutputModeRefusal.explain(e, errors.step(), config.output());
    }
    MapStateDescriptor<Long, StoredChange<T>> changes =
        new MapStateDescriptor<>(
            CHANGES_STATE, Types.LONG, StoredChange.typeInfo(config.valueType()));
    MapStateDescriptor<Long, ChangeChunk<T>> chunks =
        new MapStateDescriptor<>(
            CHUNKS_STATE, Types.LONG, ChangeChunk.typeInfo(config.valueType()));
    store =
        new FlinkHistoryStore<>(
            cursorState,
            baseState,
            getRuntimeContext().getMapState(changes),
            getRuntimeContext().getMapState(chunks));
    // The history keeps rows (heap state) and emits them: with object reuse the upstream may
    // change an input later, and a function after the step may change an emitted row in place.
    rowCopies = ObjectReuseCopies.of(config.valueType(), getRuntimeContext());
    sink = new EmittingSink<>(config.validToCurrent(), rowCopies);
    timers = new ServiceCleanupTimers(deleteMarkersRemoved);
    readsProcessingTime =
        (!batch && (config.ttl() != null || config.deleteRetention() != null))
            || config.effectiveTime().source() == EffectiveTime.Source.PROCESSING_TIME;
  }

  /**
   * Called by {@link Scd2Operator} before {@link #open} when the job runs in {@code BATCH} mode:
   * the function then ignores its state TTL and delete retention, as batch mode ignores Flink's
   * state TTL (every other etlkit step keeps a key until its records end). No cleanup timer is set
   * and no key is found expired at its next change, so the output is the one without them, whatever
   * the wall clock does while the run spends time on a key.
   */
  void inBatchMode() {
    batch = true;
  }

  /** Whether the step has a state TTL (cleanup timers). */
  boolean hasTtl() {
    return config.ttl() != null;
  }

  /** The TTL in milliseconds; 0 without one. */
  long ttlMillis() {
    return config.ttl() == null ? 0L : config.ttl().toMillis();
  }

  /** Whether the step has a delete retention. */
  boolean hasDeleteRetention() {
    return config.deleteRetention() != null;
  }

  /** The delete retention in milliseconds; 0 without one. */
  long deleteRetentionMillis() {
    return config.deleteRetention() == null ? 0L : config.deleteRetention().toMillis();
  }

  /**
   * Called once after a restore, when the function is open, gives the keys the cleanup timers the
   * restored state lacks ({@link RestoredCleanupTimers}); returns the number of keys given one.
   */
  long registerMissingCleanupTimers(
      KeyedStateBackend<String> backend,
      InternalTimerService<VoidNamespace> timers,
      long now,
      boolean forTtl,
      boolean forDeleteRetention)
      throws Exception {
    long ttl = forTtl ? Objects.requireNonNull(config.ttl(), "ttl").toMillis() : 0L;
    long retention =
        forDeleteRetention
            ? Objects.requireNonNull(config.deleteRetention(), "deleteRetention").toMillis()
            : 0L;
    return RestoredCleanupTimers.register(
        backend, timers, cursorDescriptor, now, ttl, retention, ttlMillis());
  }

  /** The step's record accounting (for tests). */
  public StepMetrics stepMetrics() {
    return metrics;
  }

  /** Late changes since the operator (re)started (for tests). */
  public long lateCount() {
    return lateCount.getCount();
  }

  /** Deleted keys forgotten by the delete retention since the operator (re)started (for tests). */
  public long deleteMarkersRemoved() {
    return deleteMarkersRemoved.getCount();
  }

  @Override
  @SuppressWarnings("unchecked")
  public void processElement(I record, Context ctx, Collector<Change<Scd2Row<T>>> out)
      throws Exception {
    metrics.in();
    if (config.changelog() && isSkipped(((Change<?>) record).kind())) {
      metrics.filtered();
      return;
    }
    String key = ctx.getCurrentKey();
    if (Scd2KeySelector.NO_KEY.equals(key)) {
      reject(keySelector.whyNoKey(record), record, ctx);
      return;
    }
    T value;
    T row;
    Long changeEventTime = null;
    Long sourcePosition = null;
    if (config.changelog()) {
      Change<T> change = (Change<T>) record;
      value = change.value();
      changeEventTime = change.eventTime();
      sourcePosition = change.sourcePosition();
      row = change.kind() == RowKind.DELETE ? null : value;
    } else {
      value = (T) record;
      row = value;
    }
    long now = readsProcessingTime ? ctx.timerService().currentProcessingTime() : 0L;
    long time;
    long sequence;
    try {
      // A source without a timestamp assigner stamps Long.MIN_VALUE (NO_TIMESTAMP): no time.
      time =
          config
              .effectiveTime()
              .millisOf(value, changeEventTime, EventTimes.known(ctx.timestamp()), now);
      sequence = config.tieBreak().sequenceOf(value, sourcePosition);
    } catch (Exception e) {
      reject(e, record, ctx);
      return;
    }
    if (time < MIN_EFFECTIVE_MILLIS || time > MAX_EFFECTIVE_MILLIS) {
      reject(
          new IllegalArgumentException(
              "effective time "
                  + Instant.ofEpochMilli(time)
                  + " is outside ["
                  + Scd2.MIN_EFFECTIVE_TIME
                  + ", "
                  + Scd2.MAX_EFFECTIVE_TIME
                  + "]"),
          record,
          ctx);
      return;
    }
    Long sentinel = config.validToCurrent();
    if (sentinel != null && time >= sentinel) {
      reject(
          new IllegalArgumentException(
              "effective time "
                  + Instant.ofEpochMilli(time)
                  + " is not before validToCurrent "
                  + Instant.ofEpochMilli(sentinel)),
          record,
          ctx);
      return;
    }
    sink.start(key, out);
    timers.use(ctx.timerService());
    KeyHistory.Outcome outcome;
    try {
      outcome = history.apply(store, time, sequence, rowCopies.copy(row), sink, now, timers);
    } catch (Columns.ComparisonException e) {
      // a column's equals threw: nothing was emitted, and the key's state is as it was
      reject(
          new IllegalArgumentException(
              "the change cannot be compared with the key's history: " + e.getMessage(),
              e.getCause()),
          record,
          ctx);
      return;
    } catch (ValidToCurrentException e) {
      // a sentinel set or lowered at a restore: nothing was emitted, the key's state is as it was
      reject(new IllegalArgumentException(e.getMessage()), record, ctx);
      return;
    }
    int emitted = sink.emitted();
    switch (outcome) {
      case CHANGED:
        metrics.out(emitted);
        break;
      case UNCHANGED:
        metrics.deduplicated();
        if (emitted > 0) {
          metrics.emitted(emitted);
        }
        break;
      default:
        late(record, time, ctx);
    }
  }

  /**
   * Whether a change of this kind is skipped (counted as filtered) before anything of it is read,
   * its key included: a {@code -U} (the {@code +U} carries the new state), and a delete under
   * {@link HardDeletes#IGNORE}. A before-image may carry only the primary key (MySQL's {@code
   * binlog_row_image=MINIMAL}, a key-only tombstone), so a business key read from another column
   * can be missing: a skipped change is still never a dead letter.
   */
  private boolean isSkipped(RowKind kind) {
    return isSkipped(kind, config.hardDeletes());
  }

  /** Whether a change of this kind is skipped unread under these hard deletes (see above). */
  static boolean isSkipped(RowKind kind, HardDeletes hardDeletes) {
    return kind == RowKind.UPDATE_BEFORE
        || (kind == RowKind.DELETE && hardDeletes == HardDeletes.IGNORE);
  }

  /**
   * The key's cleanup timer (state TTL, delete retention): forgets the key if it was not written
   * for the TTL, or if its latest change is a delete that was not written for the retention.
   */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Change<Scd2Row<T>>> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    if (timestamp > now) {
      if (ctx.timerService().currentWatermark() == Long.MAX_VALUE) {
        // Batch mode fires a key's timers before their time, when its records end (its watermark
        // reads Long.MAX_VALUE then). Flink drops the key's state then, and would ignore (with a
        // warning per key) the timer set again. (In batch mode the step sets no cleanup timer.)
        return;
      }
      // Streaming mode fires a timer when its scheduler's monotonic clock reaches it; the wall
      // clock read here lags behind after a step back. The timer is due (set again for its time,
      // it would fire again at once, and it is gone otherwise): the cleanup runs at its time.
      now = timestamp;
    }
    timers.use(ctx.timerService());
    if (timerOutput != null) {
      // no input record: a forgotten key's rows carry its latest effective time (see forgetting)
      sink.startTimer(ctx.getCurrentKey(), timerOutput);
    } else {
      sink.start(ctx.getCurrentKey(), out);
    }
    history.onCleanupTimer(store, now, timers, sink);
    int emitted = sink.emitted(); // append output: a forgotten deleted key's closed versions
    if (emitted > 0) {
      metrics.emitted(emitted);
    }
  }

  private void late(I record, long time, Context ctx) throws Exception {
    lateCount.inc();
    if (config.lateChanges() == LateChanges.SIDE_OUTPUT) {
      ctx.output(lateTag, record);
      metrics.filtered();
    } else {
      KeyCursor<T> cursor = store.cursor();
      Duration horizon = config.horizon();
      LateChangeException error;
      if (cursor != null && cursor.latest - time <= horizon.toMillis()) {
        // within the horizon: a key restored with a longer one than it pruned under
        error = LateChangeException.beforePrunePoint(time, cursor.pruneTime, horizon);
      } else {
        error = new LateChangeException(time, cursor == null ? time : cursor.latest, horizon);
      }
      reject(error, record, ctx);
    }
  }

  /** Makes {@code record} a dead letter (or fails the job, per the error policy). */
  private void reject(Exception error, I record, Context ctx) {
    Long eventTime = config.changelog() ? ((Change<?>) record).eventTime() : null;
    if (eventTime == null) {
      eventTime = ctx.timestamp();
    }
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error,
            record,
            eventTime,
            SourcePositions.of(record),
            ctx.timerService().currentProcessingTime()));
  }
}
