package dev.etlkit.operators.dedup.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.DeleteDeadlines;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.operators.dedup.DedupOrder;
import dev.etlkit.operators.dedup.DedupOutput;
import dev.etlkit.operators.dedup.LateRecords;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.HeldRecords;
import dev.etlkit.operators.internal.KeyCheck;
import dev.etlkit.operators.internal.RestoredUnionStates;
import dev.etlkit.operators.internal.StoredFingerprintKey;
import dev.etlkit.operators.internal.StoredWatermark;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.sorted.state.BatchExecutionKeyedStateBackend;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dedup operator: applies {@link DedupRules} to each record of a keyed stream, with the key's
 * {@link DedupEntry} in one {@code ValueState}, and emits rows ({@code APPEND}) or changes.
 *
 * <p>A custom operator rather than a {@code KeyedProcessFunction} for three reasons: mini-batches
 * must be flushed before the checkpoint barrier ({@link #prepareSnapshotPreBarrier}) to stay
 * exactly-once, the watermark must survive a restore (operator state) so lateness is decided the
 * same way after a failover, and the output of a flush needs per-key context outside of {@code
 * processElement}.
 *
 * <p>Accounting: an emitted change counts as out; a duplicate, no-op, stale record, delete of a key
 * that is not live, or a row superseded inside a mini-batch counts as deduplicated; an
 * update-before and a late record sent to the side output count as filtered; a late record sent to
 * the dead letters, a record without timestamp under event-time ordering and a record the ordering
 * key throws for count as dead-lettered. Records without a usable key, and the {@code -U} records
 * of a changelog, never get here: the step's {@link #keyCheck} counts them before the shuffle. A
 * held candidate (keep-first append in event time) counts as out when it is emitted, or
 * deduplicated when an earlier row displaces it; the held candidates restored from a checkpoint
 * count in again ({@link HeldRecords}), as the attempt that counted them in is gone.
 *
 * <p>This class holds the operator's life cycle (state, metrics, watermark, snapshots) and the path
 * of a record applied at once; four helpers hold the other paths: {@link DedupBundles} the
 * mini-batch, {@link HeldCandidates} the held candidates, {@link DedupRejects} late records and
 * dead letters, {@link DeleteRetention} the removal of tombstones after the delete retention.
 *
 * @param <K> key type
 * @param <I> input type: {@code T} or {@code Change<T>}
 * @param <T> row type
 * @param <O> output type: {@code T} (append) or {@code Change<T>}
 */
@Internal
public final class DedupOperator<K, I, T, O> extends AbstractStreamOperator<O>
    implements OneInputStreamOperator<I, O>, Triggerable<K, VoidNamespace> {
  private static final long serialVersionUID = 1L;

  private static final Logger LOG = LoggerFactory.getLogger(DedupOperator.class);

  /** Name of the late-records counter, beside the {@link StepMetrics} counters. */
  public static final String RECORDS_LATE = "recordsLate";

  /**
   * Name of the counter of tombstones removed by the delete retention, beside the {@link
   * StepMetrics} counters (registered by every dedup operator, as {@value #RECORDS_LATE} is).
   */
  public static final String DELETE_MARKERS_REMOVED = "deleteMarkersRemoved";

  static final String NO_TIMESTAMP =
      "record has no timestamp, but the dedup step orders by event time:"
          + " assign timestamps with a WatermarkStrategy before it";

  private final DedupConfig<T> config;

  private transient ValueState<DedupEntry<T>> state;
  @Nullable private transient StoredWatermark watermarkState;
  @Nullable private transient HeldRecords heldRecords;
  private transient long watermark = Long.MIN_VALUE;
  private transient StepMetrics metrics;
  private transient Counter late;
  private transient Counter markersRemoved;
  private transient DedupRules<T> rules;
  private transient TypeSerializer<T> rowSerializer;
  private transient boolean copyKeptRows;
  @Nullable private transient long[] scratchOrder;
  private transient StreamRecord<O> reuse;
  private transient DedupRejects<I> rejects;
  @Nullable private transient DedupBundles<K, T> bundles;
  @Nullable private transient HeldCandidates<K, T> held;
  @Nullable private transient DeleteRetention<T> retention;
  private transient DeleteDeadlinePass deadlinePass;
  private transient long markersGivenDeadlines;
  private transient boolean restored;

  private transient long stateReads;
  @Nullable private transient DedupOrder<T> order;
  private transient boolean changelogInput;
  private transient boolean ordered;
  private transient boolean eventTime;
  private transient boolean holds;
  private transient boolean keepsHash;
  private transient boolean keepsRow;
  private transient boolean append;
  private transient boolean retract;
  private transient FingerprintKey fingerprintKey;

  public DedupOperator(DedupConfig<T> config) {
    this.config = config;
  }

  /** True when the transformation runs a dedup operator (to find a dedup step's output again). */
  public static boolean isDedup(Transformation<?> transformation) {
    return dedupOf(transformation) != null;
  }

  /**
   * Whether the transformation is a dedup step's operator that sends late records to its side
   * output ({@link #lateRecordsTag}): ordered by event time, with {@link LateRecords#SIDE_OUTPUT}.
   */
  public static boolean hasLateRecordsOutput(Transformation<?> transformation) {
    DedupOperator<?, ?, ?, ?> dedup = dedupOf(transformation);
    return dedup != null
        && dedup.config.isEventTime()
        && dedup.config.lateRecords() == LateRecords.SIDE_OUTPUT;
  }

  @Nullable
  private static DedupOperator<?, ?, ?, ?> dedupOf(Transformation<?> transformation) {
    if (!(transformation instanceof OneInputTransformation)) {
      return null;
    }
    StreamOperatorFactory<?> factory =
        ((OneInputTransformation<?, ?>) transformation).getOperatorFactory();
    return factory instanceof SimpleOperatorFactory
            && ((SimpleOperatorFactory<?>) factory).getOperator() instanceof DedupOperator
        ? (DedupOperator<?, ?, ?, ?>) ((SimpleOperatorFactory<?>) factory).getOperator()
        : null;
  }

  /**
   * The check of a dedup step's input before it is keyed ({@link KeyCheck}): a record whose key is
   * {@code null}, has a {@code null} tuple field (also inside a POJO, record or row) or whose key
   * selector throws, or that holds a tuple with a {@code null} field its serializer cannot write
   * ({@link KeyCheck#unwritableRecord}), becomes a dead letter of the step (or fails the job, as
   * its error policy says) instead of failing the job in Flink's partitioner or network serializer;
   * on changelog input the {@code -U} records are dropped there, as filtered, instead of here.
   *
   * @param key the selector the step's input is keyed with
   * @param keyType the type the step's input is keyed with
   * @param inputType the type of the step's input
   */
  public static <I, K> KeyCheck<I, K> keyCheck(
      KeySelector<I, K> key,
      TypeInformation<K> keyType,
      TypeInformation<I> inputType,
      DedupConfig<?> config) {
    return new KeyCheck<>(
        key, keyType, inputType, config.changelogInput(), config.errors(), DedupOperator::nullKey);
  }

  static IllegalArgumentException nullKey(@Nullable String field) {
    return new IllegalArgumentException(KeyCheck.nullKeyMessage("the dedup key", field));
  }

  /** The late-records side output of a dedup step whose input has the given type. */
  public static <I> OutputTag<I> lateRecordsTag(TypeInformation<I> inputType) {
    return new OutputTag<>(DedupConfig.LATE_RECORDS_TAG_ID, inputType);
  }

  /** Late records seen by this operator instance (the {@value #RECORDS_LATE} metric). */
  @VisibleForTesting
  public long lateRecordCount() {
    return late.getCount();
  }

  /** Tombstones removed by this operator instance (the {@value #DELETE_MARKERS_REMOVED} metric). */
  @VisibleForTesting
  public long deleteMarkersRemovedCount() {
    return markersRemoved.getCount();
  }

  /**
   * How many tombstones the pass after the restore gave a deadline (or another one); -1 if no pass
   * ran (for tests).
   */
  @VisibleForTesting
  public long markersGivenDeadlines() {
    return markersGivenDeadlines;
  }

  /** Reads of the per-key state by this operator instance (to test mini-batches). */
  @VisibleForTesting
  public long stateReadCount() {
    return stateReads
        + (bundles != null ? bundles.stateReads() : 0L)
        + (held != null ? held.stateReads() : 0L);
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    restored = context.isRestored();
    watermark = Long.MIN_VALUE;
    deadlinePass =
        DeleteDeadlinePass.register(
            context,
            DedupConfig.DELETE_DEADLINES_COMPLETE_STATE,
            DedupConfig.DELETE_RETENTION_STATE,
            config.deleteRetention() == null ? 0L : config.deleteRetention().toMillis());
    markersGivenDeadlines = -1L;
    fingerprintKey =
        config.keepsFingerprints()
            ? StoredFingerprintKey.register(
                context,
                DedupConfig.FINGERPRINT_KEY_STATE,
                config.fingerprintKey(),
                config.rowType().createSerializer(getExecutionConfig().getSerializerConfig()))
            : config.fingerprintKey();
    if (config.holdsCandidates()) {
      heldRecords = new HeldRecords(DedupConfig.HELD_RECORDS_STATE, this);
      heldRecords.initializeState(context, getRuntimeContext().getTaskInfo());
    }
    if (config.isEventTime()) {
      watermarkState =
          StoredWatermark.register(
              context,
              DedupConfig.WATERMARK_STATE,
              DedupConfig.WATERMARK_RANGES_STATE,
              getRuntimeContext().getTaskInfo());
      watermark = watermarkState.restored();
    } else {
      // A savepoint of format 1 (which did not record what the ordering is) of an event-time step
      // restores into another ordering: its watermarks, carried on, would multiply every restore.
      RestoredUnionStates.clear(
          context,
          new ListStateDescriptor<>(DedupConfig.WATERMARK_STATE, Types.LONG),
          new ListStateDescriptor<>(
              DedupConfig.WATERMARK_RANGES_STATE, StoredWatermark.RANGE_ENTRY_TYPE));
    }
    if (!config.holdsCandidates()) {
      RestoredUnionStates.clear(
          context,
          new ListStateDescriptor<>(DedupConfig.HELD_RECORDS_STATE, HeldRecords.ENTRY_TYPE));
    }
  }

  /**
   * Fails the restore of rows held for the watermark ({@link DedupConfig#PENDING_STATE}) into a
   * step that holds none, which would never emit them. Only a savepoint of format 1 gets here (it
   * did not record that rows are held, and its markers have the shape of keep-first's in processing
   * time): the state's serializer, registered before, refuses later formats. Reads the restored
   * keys up to the first, without registering the state: cheap where it is empty or absent.
   */
  private void refuseRestoredHeldRows() {
    if (!restored) {
      return;
    }
    try (Stream<?> held = getKeyedStateBackend().getKeysAndNamespaces(DedupConfig.PENDING_STATE)) {
      if (held.findAny().isPresent()) {
        throw new IllegalStateException(
            "dedup step '"
                + config.errors().step().step()
                + "' restores rows that keep-first append in event time held for the watermark"
                + " (state '"
                + DedupConfig.PENDING_STATE
                + "', a savepoint of etlkit state format 1), which this step, not holding rows for"
                + " the watermark, would never emit. Restore the savepoint into the event-time"
                + " step and stop that job with --drain (the watermark then emits them) before the"
                + " change, or give the step a new name (fresh state)");
      }
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    StepIdentity identity = config.errors().step();
    metrics = StepMetrics.register(getRuntimeContext(), identity);
    config.errors().open(metrics);
    if (heldRecords != null) {
      heldRecords.open(metrics);
    }
    MetricGroup stepGroup =
        getRuntimeContext()
            .getMetricGroup()
            .addGroup(StepMetrics.GROUP, identity.pipeline())
            .addGroup("step", identity.step());
    late = stepGroup.counter(RECORDS_LATE);
    markersRemoved = stepGroup.counter(DELETE_MARKERS_REMOVED);

    DedupLayout layout = config.layout();
    order = config.order();
    changelogInput = config.changelogInput();
    ordered = order != null;
    eventTime = config.isEventTime();
    holds = config.holdsCandidates();
    keepsHash = layout.hash();
    keepsRow = layout.row();
    append = config.output() == DedupOutput.APPEND;
    retract = config.output() == DedupOutput.RETRACT;

    rowSerializer = config.rowType().createSerializer(getExecutionConfig().getSerializerConfig());
    // With object reuse, the input object may be reused upstream: copy rows that outlive the call.
    // And a function chained after the step gets the emitted object itself and may change it:
    // emit the input, or a copy of a bundle's row, rather than the row state keeps.
    copyKeptRows =
        getExecutionConfig().isObjectReuseEnabled()
            && (keepsRow || holds || config.miniBatchRecords() > 0);
    boolean copyEmittedRows = getExecutionConfig().isObjectReuseEnabled() && keepsRow;
    // Rows are compared where entries keep fingerprints, and where they keep the row: a
    // mini-batch compares the kept row before and after the bundle (keep-first on a changelog
    // with retract output keeps the row but no fingerprint).
    RowIdentity<T> rows =
        keepsHash || keepsRow
            ? RowIdentity.of(
                config.rowType(),
                getExecutionConfig().getSerializerConfig(),
                fingerprintKey,
                keepsRow)
            : null;
    rules = new DedupRules<>(config.keepLast(), holds ? config.pendingLayout() : layout, rows);
    scratchOrder = ordered ? new long[config.order().size()] : null;
    reuse = new StreamRecord<>(null);

    ValueStateDescriptor<DedupEntry<T>> descriptor =
        new ValueStateDescriptor<>(
            DedupConfig.STATE, new DedupEntryTypeInfo<>(layout, config.rowType()));
    if (config.ttl() != null) {
      descriptor.enableTimeToLive(StateTtls.config(config.ttl()));
    }
    state = getRuntimeContext().getState(descriptor);
    if (holds) {
      held = new HeldCandidates<>(this, config, rules, state, metrics, heldRecords);
    } else {
      refuseRestoredHeldRows(); // after the state's serializer, which refuses later formats
    }
    if (config.deleteRetention() != null) {
      retention =
          new DeleteRetention<>(this, config.deleteRetention().toMillis(), state, markersRemoved);
      if (deadlinePass.due()) {
        markersGivenDeadlines =
            retention.giveRestoredDeadlines(getKeyedStateBackend(), descriptor, deadlinePass);
        LOG.info(
            "{}: restored without withDeleteRetention or with another retention; {} tombstones got a"
                + " removal deadline for the retention",
            getOperatorName(),
            markersGivenDeadlines);
      }
    } else if (config.keepLast()
        && ordered
        && DeleteDeadlines.mustOpenRestoredTimers(getKeyedStateBackend(), restored)) {
      // The option removed at a restore (also with the changelog input, which it needs): its
      // timers may be restored all the same (fired, they do nothing: onProcessingTime), and Flink
      // cannot checkpoint them unopened.
      getInternalTimerService(DedupConfig.DELETE_TIMERS, VoidNamespaceSerializer.INSTANCE, this);
    }
    rejects = new DedupRejects<>(config, output, getProcessingTimeService(), metrics, late);
    // Batch mode sorts the input by key and keeps the state of the current key only, dropping it
    // when the key changes: a bundle holding the end of one key and the start of the next would
    // lose the first key's state between two flushes (and emit its first row again). Each key's
    // records come together there anyway, so batch mode applies them one by one.
    if (config.miniBatchRecords() > 0
        && !(getKeyedStateBackend() instanceof BatchExecutionKeyedStateBackend)) {
      bundles =
          new DedupBundles<>(
              this,
              config,
              rules,
              state,
              metrics,
              getProcessingTimeService(),
              rowSerializer,
              copyEmittedRows,
              held,
              retention);
    }
  }

  @Override
  public void processElement(StreamRecord<I> element) throws Exception {
    metrics.in();
    I input = element.getValue();
    T row;
    boolean delete;
    Object source = null;
    if (changelogInput) {
      @SuppressWarnings("unchecked")
      Change<T> change = (Change<T>) input;
      RowKind kind = change.kind();
      if (kind == RowKind.UPDATE_BEFORE) {
        metrics.filtered(); // the update-after that follows carries the new row
        return;
      }
      delete = kind == RowKind.DELETE;
      row = change.value();
      source = change;
    } else {
      @SuppressWarnings("unchecked")
      T value = (T) input;
      row = value;
      delete = false;
    }
    // A source without a timestamp assigner stamps Long.MIN_VALUE (NO_TIMESTAMP): no time either.
    boolean hasTimestamp = EventTimes.hasTimestamp(element);
    long timestamp = hasTimestamp ? element.getTimestamp() : Long.MIN_VALUE;
    if (eventTime) {
      if (!hasTimestamp) {
        rejects.reject(new IllegalStateException(NO_TIMESTAMP), element);
        return;
      }
      if (timestamp <= watermark) {
        rejects.routeLate(element, watermark);
        return;
      }
    }
    long[] key = null;
    if (ordered) {
      try {
        order.extract(row, timestamp, scratchOrder);
      } catch (Exception e) {
        rejects.reject(e, element);
        return;
      }
      key = scratchOrder;
    }
    T kept = copyKeptRows ? rowSerializer.copy(row) : row;
    if (bundles != null) {
      bundles.buffer(delete, kept, key, hasTimestamp, timestamp, source);
    } else if (holds) {
      held.hold(key, kept);
    } else {
      apply(delete, kept, row, key, hasTimestamp, timestamp, source);
    }
  }

  /**
   * Applies a record at once. {@code kept} is what state may keep; {@code row}, the input, is what
   * is emitted: with object reuse on they differ, so that a function after the step that changes
   * the record it gets in place does not change the kept copy.
   */
  private void apply(
      boolean delete,
      T kept,
      T row,
      @Nullable long[] order,
      boolean hasTimestamp,
      long timestamp,
      @Nullable Object source) {
    DedupEntry<T> current = readState();
    DedupRules.Outcome outcome = rules.apply(current, delete, order, kept);
    if (outcome == DedupRules.Outcome.DUPLICATE && !rules.mustWrite()) {
      // A dedup step's most common record. Kept apart from the writes and emits below, so that
      // this path stays small enough for the JIT to inline it with the state read into the
      // caller: when it does not, the step ran at 0.6-0.7 of its LIMIT on the heap at 10^6 keys.
      metrics.deduplicated();
      return;
    }
    applyOutcome(outcome, current, row, hasTimestamp, timestamp, source);
  }

  @Nullable
  private DedupEntry<T> readState() {
    try {
      stateReads++;
      return state.value();
    } catch (Exception e) {
      throw new IllegalStateException(stateError(), e);
    }
  }

  /** Writes the key's state as the rules decided, and emits the outcome. */
  private void applyOutcome(
      DedupRules.Outcome outcome,
      @Nullable DedupEntry<T> current,
      T row,
      boolean hasTimestamp,
      long timestamp,
      @Nullable Object source) {
    try {
      writeState(current);
    } catch (Exception e) {
      throw new IllegalStateException(stateError(), e);
    }
    switch (outcome) {
      case INSERT:
        emit(RowKind.INSERT, row, hasTimestamp, timestamp, source);
        metrics.out();
        break;
      case UPDATE:
        if (retract) {
          emit(RowKind.UPDATE_BEFORE, rules.retracted(), hasTimestamp, timestamp, source);
        }
        emit(RowKind.UPDATE_AFTER, row, hasTimestamp, timestamp, source);
        metrics.out(retract ? 2 : 1);
        break;
      case DELETE:
        emit(RowKind.DELETE, rules.retracted(), hasTimestamp, timestamp, source);
        metrics.out();
        break;
      default:
        metrics.deduplicated();
    }
  }

  /** The watermark passed a held candidate: emit it, once. */
  @Override
  public void onEventTime(InternalTimer<K, VoidNamespace> timer) throws Exception {
    held.release(timer.getTimestamp());
  }

  /**
   * A tombstone's deadline passed ({@link DeleteRetention}), the only keyed processing-time timers
   * (the mini-batch delay uses the processing-time service).
   */
  @Override
  public void onProcessingTime(InternalTimer<K, VoidNamespace> timer) throws Exception {
    if (retention != null) {
      retention.onTimer(timer.getTimestamp());
    }
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    flushBatch();
    if (mark.getTimestamp() > watermark) {
      watermark = mark.getTimestamp();
    }
    if (watermarkState != null) {
      watermarkState.advance(mark.getTimestamp());
    }
    super.processWatermark(mark);
  }

  /**
   * An idle input: the bundle is flushed before the status is passed on, as before a watermark.
   * Downstream an idle channel leaves the watermark to the others, which may move it past rows
   * flushed into the channel later.
   */
  @Override
  public void processWatermarkStatus(WatermarkStatus watermarkStatus) throws Exception {
    if (watermarkStatus.isIdle()) {
      flushBatch();
    }
    super.processWatermarkStatus(watermarkStatus);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    flushBatch(); // every buffered record reaches state and output before the barrier
    super.prepareSnapshotPreBarrier(checkpointId);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    deadlinePass.snapshot();
    if (watermarkState != null) {
      watermarkState.snapshot();
    }
    if (heldRecords != null) {
      heldRecords.snapshotState();
    }
  }

  @Override
  public void finish() throws Exception {
    flushBatch();
    super.finish();
  }

  private void writeState(@Nullable DedupEntry<T> current) throws Exception {
    if (rules.mustWrite()) {
      DedupEntry<T> entry = rules.entry(current);
      if (entry == null) {
        state.clear();
      } else {
        state.update(entry);
        if (retention != null && !entry.live) {
          retention.tombstoneWritten();
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  void emit(RowKind kind, T row, boolean hasTimestamp, long timestamp, @Nullable Object source) {
    O value;
    if (append) {
      value = (O) row;
    } else if (source != null) {
      Change<?> change = (Change<?>) source;
      value = (O) Change.of(kind, row, change.eventTime(), change.sourcePosition());
    } else {
      value = (O) Change.of(kind, row);
    }
    if (hasTimestamp) {
      output.collect(reuse.replace(value, timestamp));
    } else {
      reuse.replace(value);
      reuse.eraseTimestamp();
      output.collect(reuse);
    }
  }

  private String stateError() {
    return "dedup step '" + config.errors().step().step() + "' could not read or write its state";
  }

  /** Flushes the mini-batch, if the step has one. */
  private void flushBatch() throws Exception {
    if (bundles != null) {
      bundles.flushBatch();
    }
  }
}
