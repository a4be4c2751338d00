package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.DeleteDeadlines;
import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.core.internal.ObjectReuseCopies;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinException;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.UnmatchedFacts;
import dev.etlkit.operators.internal.ChangeKeySelector;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import dev.etlkit.operators.internal.HeldRecords;
import dev.etlkit.operators.internal.KeyCheck;
import dev.etlkit.operators.internal.RestoredUnionStates;
import dev.etlkit.operators.internal.StoredWatermark;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.RowKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dimension join: input 1 are the facts, input 2 the dimension changelog, both keyed by the
 * join key. The rules of the variant live in {@link LatestJoin} or {@link AsOfJoin}; this class
 * wires Flink to them and owns output, accounting and rejections.
 *
 * <p>A custom operator rather than a {@code KeyedCoProcessFunction}: the point-in-time join keeps
 * its watermark in operator state (so lateness is decided the same way after a restore), holds back
 * the output watermark by the maximum wait (so facts released after waiting are not late
 * downstream) and keeps facts in a list state per event time (one append per fact, no read).
 *
 * <p>Accounting: every fact counts in once and, when it leaves, out (passed on) or dead-lettered.
 * The facts held or waiting in state at a checkpoint count in again in the attempt that restores
 * them ({@link HeldRecords}), as the attempt that counted them in is gone. Dimension records count
 * under the {@code <step>/dimension} identity: out (applied, emitting nothing), filtered ({@code
 * -U}) or dead-lettered.
 *
 * @param <K> key type
 * @param <F> fact type
 * @param <D> dimension row type
 * @param <O> output type
 */
@Internal
public class DimensionJoinOperator<K, F, D, O> extends AbstractStreamOperator<O>
    implements TwoInputStreamOperator<F, Change<D>, O>, Triggerable<K, VoidNamespace> {
  private static final long serialVersionUID = 1L;

  private static final Logger LOG = LoggerFactory.getLogger(DimensionJoinOperator.class);

  private final JoinConfig<F, D, O> config;

  private transient JoinLogic<F, D> logic;
  private transient StepMetrics facts;
  private transient StepMetrics dimensions;
  private transient JoinMetrics joins;
  private transient DimensionJoin.Combiner<F, D, O> combiner;
  private transient StreamRecord<O> reuse;
  private transient ObjectReuseCopies<F> factCopies;
  private transient ObjectReuseCopies<Change<D>> changeCopies;
  @Nullable private transient StoredWatermark watermarkState;
  private transient HeldRecords heldFacts;
  private transient long watermark = Long.MIN_VALUE;
  private transient boolean dimensionEnded;
  private transient boolean restored;
  private transient boolean restoredWaitingFacts;
  private transient long restoredWait;
  private transient long restoredDeadline;
  private transient DeleteDeadlinePass deadlinePass;
  private transient long markersGivenDeadlines;

  public DimensionJoinOperator(JoinConfig<F, D, O> config) {
    this.config = config;
  }

  /** The configuration this operator runs with (for tests and benchmarks to rebuild it). */
  public JoinConfig<F, D, O> config() {
    return config;
  }

  /** The identity the dimension records of a step are counted and dead-lettered under. */
  public static StepIdentity dimensionIdentity(StepIdentity step) {
    return new StepIdentity(step.pipeline(), step.step() + "/dimension", step.uid());
  }

  /**
   * The check of a step's dimension records before they are keyed ({@link KeyCheck}): drops {@code
   * -U} records (the join ignores them) and dead-letters records whose key is {@code null}, has a
   * {@code null} tuple field, also inside a POJO, record or row ({@link KeyCheck#nullField(Object,
   * dev.etlkit.core.internal.NestedNullFields)}) or whose key selector throws, or whose row holds a
   * tuple with a {@code null} field its serializer cannot write ({@link
   * KeyCheck#unwritableRecord}), counted under {@code errors}' identity ({@link
   * #dimensionIdentity}).
   *
   * @param dimensionType the type of the dimension records, {@code Change.typeInfo(...)}
   */
  public static <D, K> KeyCheck<Change<D>, K> dimensionKeyCheck(
      KeySelector<D, K> key,
      TypeInformation<K> keyType,
      TypeInformation<Change<D>> dimensionType,
      ErrorHandler errors) {
    return new KeyCheck<>(
        new ChangeKeySelector<>(key),
        keyType,
        dimensionType,
        true,
        errors,
        DimensionJoinOperator::nullDimensionKey);
  }

  static DimensionJoinException nullDimensionKey(@Nullable String field) {
    return new DimensionJoinException(
        DimensionJoinException.Reason.NULL_KEY,
        KeyCheck.nullKeyMessage("the dimension record's key", field));
  }

  /**
   * How many delete markers the pass after the restore gave a deadline (or another one); -1 if no
   * pass ran (for tests).
   */
  @VisibleForTesting
  public long markersGivenDeadlines() {
    return markersGivenDeadlines;
  }

  @VisibleForTesting
  public JoinMetrics joinMetrics() {
    return joins;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    watermark = Long.MIN_VALUE;
    restored = context.isRestored();
    refuseOtherVariantsState();
    deadlinePass =
        DeleteDeadlinePass.register(
            context,
            JoinConfig.DELETE_DEADLINES_COMPLETE_STATE,
            JoinConfig.DELETE_RETENTION_STATE,
            config.deleteRetentionMillis());
    markersGivenDeadlines = -1L;
    restoredWaitingFacts = restoredAny(JoinConfig.WAITING_STATE);
    restoredDeadline = Long.MIN_VALUE;
    // A latest join without a wait keeps its rows only, unless it restored waiting facts (from a
    // savepoint taken with a wait), which must still leave and be counted.
    if (holdsFacts()) {
      // Before the other operator state: tells the writer's variant by what it restored.
      Boolean writtenByAsOf = VariantMark.register(context, config.asOf());
      if (restoredWaitingFacts && writtenByAsOf != null && writtenByAsOf != config.asOf()) {
        throw otherVariantsWaitingFacts();
      }
      heldFacts = new HeldRecords(JoinConfig.HELD_FACTS_STATE, this);
      heldFacts.initializeState(context, getRuntimeContext().getTaskInfo());
    }
    if (config.asOf()) {
      watermarkState =
          StoredWatermark.register(
              context,
              JoinConfig.WATERMARK_STATE,
              JoinConfig.WATERMARK_RANGES_STATE,
              getRuntimeContext().getTaskInfo());
      watermark = watermarkState.restored();
    }
    // The union states of another configuration (a wait, or the point-in-time join, before a
    // restore): cleared, as carried on they would multiply with every restore. (The held facts'
    // counts have no entries where no fact waits, and where one does, this join registers them.)
    if (!holdsFacts()) {
      RestoredUnionStates.clear(
          context, new ListStateDescriptor<>(JoinConfig.VARIANT_STATE, Types.STRING));
    }
    if (!config.asOf()) {
      RestoredUnionStates.clear(
          context,
          new ListStateDescriptor<>(JoinConfig.WATERMARK_STATE, Types.LONG),
          new ListStateDescriptor<>(
              JoinConfig.WATERMARK_RANGES_STATE, StoredWatermark.RANGE_ENTRY_TYPE));
    }
  }

  /**
   * Whether this attempt may hold facts in state: a point-in-time join holds them until the
   * watermark passes them, a join that waits lets them wait, and any join may have restored waiting
   * facts.
   */
  private boolean holdsFacts() {
    return config.asOf() || config.waits() || restoredWaitingFacts;
  }

  /**
   * Fails the restore of a savepoint in which the other variant left rows, versions or held facts:
   * this variant keeps its state under other names, so it would start without the dimension's rows
   * and, with a dimension source resuming from its offsets, never get them. Once per restore, it
   * reads the keys of the other variant's state up to the first, without registering that state
   * (which would put it, empty, into the snapshots of every job that never had it): a savepoint
   * where it is empty or absent restores.
   */
  private void refuseOtherVariantsState() {
    List<String> otherStates =
        config.asOf()
            ? List.of(JoinConfig.ROW_STATE)
            : List.of(JoinConfig.VERSIONS_STATE, JoinConfig.HELD_STATE);
    for (String state : otherStates) {
      if (restoredAny(state)) {
        throw otherVariant(
            "holds its state '"
                + state
                + "'. The variants keep their state under different names: this one would start"
                + " without the dimension's rows, and the facts of every key the dimension does not"
                + " send again would go unmatched",
            "give it a new name (fresh state) and replay the dimension from its beginning");
      }
    }
  }

  /**
   * The refusal of the other variant's waiting facts: both variants keep them in one state, but
   * their deadlines are processing time in one and event time in the other, so this variant would
   * release them at the wrong time or not at all. {@link VariantMark} says which variant wrote
   * them.
   */
  private IllegalStateException otherVariantsWaitingFacts() {
    String theirs = config.asOf() ? "processing time" : "event time";
    String ours = config.asOf() ? "event time" : "processing time";
    return otherVariant(
        "holds facts waiting for their dimension row (state '"
            + JoinConfig.WAITING_STATE
            + "'), whose waits end in "
            + theirs
            + ". This one measures waits in "
            + ours
            + " and would release them at the wrong time or not at all",
        "stop it with --drain before the switch: its waiting facts leave as timed out, and the"
            + " savepoint it writes then restores");
  }

  private IllegalStateException otherVariant(String what, String remedy) {
    String latest = "latest join (DimensionJoin.latest)";
    String asOf = "point-in-time join (DimensionJoin.asOf)";
    String now = config.asOf() ? asOf : latest;
    String before = config.asOf() ? latest : asOf;
    return new IllegalStateException(
        "dimension join step '"
            + config.factErrors().step()
            + "' is a "
            + now
            + ", but the savepoint it restores was written by a "
            + before
            + " and "
            + what
            + ". Keep the step a "
            + before
            + ", or "
            + remedy);
  }

  @Override
  public void open() throws Exception {
    super.open();
    StepIdentity step = config.factErrors().step();
    facts = StepMetrics.register(getRuntimeContext(), step);
    dimensions = StepMetrics.register(getRuntimeContext(), config.dimensionErrors().step());
    config.factErrors().open(facts);
    config.dimensionErrors().open(dimensions);
    if (heldFacts != null) {
      heldFacts.open(facts);
    }
    joins = JoinMetrics.register(getRuntimeContext(), step);
    combiner = config.combiner();
    FunctionUtils.setFunctionRuntimeContext(combiner, getRuntimeContext());
    FunctionUtils.openFunction(combiner, DefaultOpenContext.INSTANCE);
    reuse = new StreamRecord<>(null);
    // With object reuse, an input object may be reused upstream: copy what stays in heap state.
    factCopies = ObjectReuseCopies.of(config.factType(), getRuntimeContext());
    changeCopies =
        ObjectReuseCopies.of(Change.typeInfo(config.dimensionType()), getRuntimeContext());
    logic = config.asOf() ? new AsOfJoin<>(this, config) : new LatestJoin<>(this, config);
    logic.open();
    if (deadlinePass.due()) {
      markersGivenDeadlines = logic.giveRestoredDeadlines(deadlinePass);
      LOG.info(
          "{}: restored without withDeleteRetention or with another retention; {} delete markers got a"
              + " removal deadline for the retention",
          getOperatorName(),
          markersGivenDeadlines);
    }
  }

  @Override
  public void processElement1(StreamRecord<F> element) throws Exception {
    facts.in();
    // A source without a timestamp assigner stamps Long.MIN_VALUE (NO_TIMESTAMP): no time either.
    logic.fact(element.getValue(), EventTimes.hasTimestamp(element), element.getTimestamp());
  }

  @Override
  public void processElement2(StreamRecord<Change<D>> element) throws Exception {
    dimensions.in();
    Change<D> change = element.getValue();
    if (change.kind() == RowKind.UPDATE_BEFORE) {
      dimensions.filtered(); // the update-after that follows carries the new row
      return;
    }
    logic.dimension(change, EventTimes.hasTimestamp(element), element.getTimestamp());
  }

  @Override
  public void onEventTime(InternalTimer<K, VoidNamespace> timer) throws Exception {
    logic.onEventTime(timer.getTimestamp());
  }

  @Override
  public void onProcessingTime(InternalTimer<K, VoidNamespace> timer) throws Exception {
    logic.onProcessingTime(timer.getTimestamp());
  }

  /**
   * The point-in-time join remembers the watermark and holds back the one it forwards by the
   * maximum wait: a fact released after waiting keeps its own timestamp and must not be late
   * downstream. Facts restored waiting may have a longer wait (a savepoint taken with a longer
   * {@code maxWait}): until the watermark passes their last deadline, it holds back by their
   * longest wait if that is longer ({@link #holdBackForRestoredFacts}). The latest join forwards
   * watermarks as they are, but times its waiting facts out before the final one once the dimension
   * input has ended ({@link #processWatermark2}).
   */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    if (!config.asOf()) {
      if (mark.getTimestamp() == Long.MAX_VALUE && dimensionEnded) {
        logic.finish(); // no row can come: the waiting facts leave before the final watermark
      }
      super.processWatermark(mark);
      return;
    }
    long time = mark.getTimestamp();
    if (time > watermark) {
      watermark = time;
    }
    watermarkState.advance(time);
    if (timeServiceManager != null) {
      timeServiceManager.advanceWatermark(mark);
    }
    long wait =
        time < restoredDeadline
            ? Math.max(restoredWait, config.maxWaitMillis())
            : config.maxWaitMillis();
    output.emitWatermark(
        wait == 0 || time == Long.MAX_VALUE
            ? mark
            : new Watermark(Math.max(Long.MIN_VALUE + wait, time) - wait));
  }

  /**
   * Notes the dimension input's final watermark ({@code Long.MAX_VALUE}: it ended). Once the
   * combined watermark is final too, the latest join times its waiting facts out before it forwards
   * that watermark, as at the end of input, so that an event-time window after the join does not
   * find them late. A dimension input that is only idle may still send rows: its facts wait on.
   */
  @Override
  public void processWatermark2(Watermark mark) throws Exception {
    if (mark.getTimestamp() == Long.MAX_VALUE) {
      dimensionEnded = true;
    }
    super.processWatermark2(mark);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    deadlinePass.snapshot();
    if (watermarkState != null) {
      watermarkState.snapshot();
    }
    if (heldFacts != null) {
      heldFacts.snapshotState();
    }
  }

  @Override
  public void finish() throws Exception {
    logic.finish();
    super.finish();
  }

  @Override
  public void close() throws Exception {
    try {
      if (combiner != null) {
        FunctionUtils.closeFunction(combiner);
      }
    } finally {
      super.close();
    }
  }

  // ---- services for the join logic ---------------------------------------------------------

  /** The highest watermark seen (also across restores), {@code Long.MIN_VALUE} before any. */
  long watermark() {
    return watermark;
  }

  /** The count of the facts in state (held or waiting); only where {@link #holdsFacts()}. */
  HeldRecords heldFacts() {
    if (heldFacts == null) {
      throw new IllegalStateException("a latest join without a wait holds no facts");
    }
    return heldFacts;
  }

  long now() {
    return getProcessingTimeService().getCurrentProcessingTime();
  }

  InternalTimerService<VoidNamespace> timers() {
    return getInternalTimerService(JoinConfig.TIMERS, VoidNamespaceSerializer.INSTANCE, this);
  }

  /**
   * The latest join's timers of pending marker removals ({@link JoinConfig#DELETE_TIMERS}), which
   * fire {@code target} with the key context set: a service of their own, apart from the waiting
   * facts' deadlines, which are deleted by time.
   */
  InternalTimerService<VoidNamespace> deleteTimers(Triggerable<K, VoidNamespace> target) {
    return getInternalTimerService(
        JoinConfig.DELETE_TIMERS, VoidNamespaceSerializer.INSTANCE, target);
  }

  /**
   * Whether a latest join without a delete retention must open {@link #deleteTimers} all the same:
   * restored where Flink restores every timer service of the snapshot and cannot checkpoint one
   * nobody opened ({@link DeleteDeadlines#mustOpenRestoredTimers}).
   */
  boolean mustOpenRestoredDeleteTimers() {
    return DeleteDeadlines.mustOpenRestoredTimers(getKeyedStateBackend(), restored);
  }

  /**
   * Opens the timer service {@code name}, which this attempt sets no timers in, where it may have
   * been restored all the same: where Flink restores every timer service of the snapshot and cannot
   * checkpoint one nobody opened ({@link DeleteDeadlines#mustOpenRestoredTimers}). Its timers,
   * fired, do nothing: they belong to a wait or a variant this attempt does not run.
   */
  void openRestoredTimers(String name) {
    if (DeleteDeadlines.mustOpenRestoredTimers(getKeyedStateBackend(), restored)) {
      getInternalTimerService(name, VoidNamespaceSerializer.INSTANCE, new IgnoredTimers<K>());
    }
  }

  /** The target of timers this attempt does not own ({@link #openRestoredTimers}). */
  private static final class IgnoredTimers<K> implements Triggerable<K, VoidNamespace> {

    @Override
    public void onEventTime(InternalTimer<K, VoidNamespace> timer) {
      // not this attempt's
    }

    @Override
    public void onProcessingTime(InternalTimer<K, VoidNamespace> timer) {
      // not this attempt's
    }
  }

  /**
   * Holds the forwarded watermark back by {@code wait} (if longer than the step's own) until the
   * watermark reaches {@code deadline}: the longest wait and the last deadline of the facts this
   * attempt restored waiting.
   */
  void holdBackForRestoredFacts(long wait, long deadline) {
    restoredWait = wait;
    restoredDeadline = deadline;
  }

  /** Whether this attempt restored facts waiting for their row (of any key). */
  boolean restoredWaitingFacts() {
    return restoredWaitingFacts;
  }

  /**
   * Whether this attempt restored an entry of the keyed state {@code name}, registered or not (the
   * backend holds every state of the snapshot, also those no one asked for yet). Reads only the
   * keys and namespaces of the restored state, and only until the first: cheap when it is empty.
   */
  private boolean restoredAny(String name) {
    if (!restored) {
      return false;
    }
    try (Stream<?> entries = getKeyedStateBackend().getKeysAndNamespaces(name)) {
      return entries.findAny().isPresent();
    }
  }

  /** The keys with facts waiting for their row. */
  List<K> waitingKeys() {
    try (Stream<K> keys =
        this.<K>getKeyedStateBackend().getKeys(JoinConfig.WAITING_STATE, VoidNamespace.INSTANCE)) {
      return keys.collect(Collectors.toList());
    }
  }

  <N, S extends State, T> S keyedState(
      TypeSerializer<N> namespaceSerializer, StateDescriptor<S, T> descriptor) throws Exception {
    return getOrCreateKeyedState(namespaceSerializer, descriptor);
  }

  /** The fact as it may be kept in state (a copy when object reuse is on). */
  F keep(F fact) {
    return factCopies.copy(fact);
  }

  /** The change as it may be kept in state (a copy when object reuse is on). */
  Change<D> keep(Change<D> change) {
    return changeCopies.copy(change);
  }

  /** One dimension record was applied to state. */
  void applied() {
    dimensions.out(0);
  }

  JoinMetrics joins() {
    return joins;
  }

  /** Passes a fact on with its row ({@code null} unless matched) and status. */
  void emit(F fact, boolean hasTimestamp, long timestamp, @Nullable D dimension, JoinStatus status)
      throws Exception {
    O result;
    try {
      result = combiner.combine(fact, dimension, status);
      if (result == null) {
        throw new NullPointerException("combiner returned null");
      }
    } catch (Exception e) {
      rejectFact(e, fact, hasTimestamp, timestamp);
      return;
    }
    joins.status(status);
    facts.out();
    if (hasTimestamp) {
      output.collect(reuse.replace(result, timestamp));
    } else {
      reuse.replace(result);
      reuse.eraseTimestamp();
      output.collect(reuse);
    }
  }

  /** A fact without a row: passed on with a null row, or dead-lettered. */
  void unmatched(F fact, boolean hasTimestamp, long timestamp, JoinStatus status) throws Exception {
    if (config.unmatched() == UnmatchedFacts.EMIT) {
      emit(fact, hasTimestamp, timestamp, null, status);
      return;
    }
    joins.status(status);
    rejectFact(unmatchedError(status), fact, hasTimestamp, timestamp);
  }

  /** A fact that would exceed its key's buffer. */
  void bufferFull(F fact, boolean hasTimestamp, long timestamp) {
    joins.bufferFull();
    rejectFact(
        new DimensionJoinException(
            DimensionJoinException.Reason.BUFFER_FULL,
            "the fact's key already has "
                + config.maxBufferedFacts()
                + " facts waiting for its dimension row (maxBufferedFacts)"),
        fact,
        hasTimestamp,
        timestamp);
  }

  void rejectFact(Exception error, F fact, boolean hasTimestamp, long timestamp) {
    Long eventTime = hasTimestamp ? timestamp : null;
    DeadLetter letter =
        config.factErrors().reject(error, fact, eventTime, SourcePositions.of(fact), now());
    output.collect(DeadLetter.OUTPUT_TAG, record(letter, hasTimestamp, timestamp));
  }

  void rejectDimension(Exception error, Change<D> change, boolean hasTimestamp, long timestamp) {
    Long eventTime = hasTimestamp ? timestamp : null;
    DeadLetter letter =
        config
            .dimensionErrors()
            .reject(error, change, eventTime, SourcePositions.of(change), now());
    output.collect(DeadLetter.OUTPUT_TAG, record(letter, hasTimestamp, timestamp));
  }

  private static StreamRecord<DeadLetter> record(
      DeadLetter letter, boolean hasTimestamp, long timestamp) {
    return hasTimestamp ? new StreamRecord<>(letter, timestamp) : new StreamRecord<>(letter);
  }

  static DimensionJoinException unmatchedError(JoinStatus status) {
    return new DimensionJoinException(
        DimensionJoinException.Reason.UNMATCHED,
        "the fact got no dimension row (" + status + ") and unmatched facts are dead-lettered");
  }

  static DimensionJoinException noTimestamp(String what) {
    return new DimensionJoinException(
        DimensionJoinException.Reason.NO_TIMESTAMP,
        what
            + " has no timestamp, but the point-in-time join needs one: assign timestamps with a"
            + " WatermarkStrategy before it");
  }
}
