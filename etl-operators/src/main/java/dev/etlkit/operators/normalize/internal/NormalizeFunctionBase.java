package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.SourcePositions;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.operators.internal.DeleteDeadlinePass;
import dev.etlkit.operators.internal.RowKinds;
import dev.etlkit.operators.normalize.ChangelogViolationException;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * What both upsert normalizer functions share: accounting, routing of the changes they do not apply
 * (stale changes, unknown-key deletes), dead letters and the emission of the normalized records.
 * The rules themselves are {@link UpsertRules}.
 */
@Internal
public abstract class NormalizeFunctionBase<K, T>
    extends KeyedProcessFunction<K, Change<T>, Change<T>> {
  private static final long serialVersionUID = 1L;

  /** Id of the side output of routed changes (see {@code Normalize.rejected}). */
  public static final String REJECTED_OUTPUT_ID = "etlkit-normalize-rejected";

  protected final TypeInformation<T> valueType;
  @Nullable protected final Duration ttl;
  private final Route unknownKeyDeletes;
  private final Route staleChanges;
  private final ErrorHandler errors;

  protected transient StepMetrics metrics;
  private transient Counter staleCount;
  private transient Counter unknownKeyDeleteCount;
  private transient Counter deleteMarkersRemovedCount;
  private transient OutputTag<Change<T>> rejectedTag;

  protected NormalizeFunctionBase(
      TypeInformation<T> valueType,
      @Nullable Duration ttl,
      Route unknownKeyDeletes,
      Route staleChanges,
      ErrorHandler errors) {
    this.valueType = Objects.requireNonNull(valueType, "valueType");
    this.ttl = ttl;
    this.unknownKeyDeletes = Objects.requireNonNull(unknownKeyDeletes, "unknownKeyDeletes");
    this.staleChanges = Objects.requireNonNull(staleChanges, "staleChanges");
    this.errors = Objects.requireNonNull(errors, "errors");
  }

  /** The states this function creates, for the pipeline's state inventory. */
  public abstract List<StateDeclaration> stateDeclarations();

  @Override
  public void open(OpenContext openContext) throws Exception {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
    NormalizeMetrics counters = NormalizeMetrics.of(getRuntimeContext(), errors.step());
    staleCount = counters.counter(NormalizeMetrics.STALE_CHANGES);
    unknownKeyDeleteCount = counters.counter(NormalizeMetrics.UNKNOWN_KEY_DELETES);
    deleteMarkersRemovedCount = counters.counter(NormalizeMetrics.DELETE_MARKERS_REMOVED);
    rejectedTag = new OutputTag<>(REJECTED_OUTPUT_ID, Change.typeInfo(valueType));
  }

  /** The delete retention in milliseconds, 0 without one (markers are kept). */
  public long deleteRetentionMillis() {
    return 0L;
  }

  /**
   * The pass after a restore ({@link NormalizeOperator}): gives every delete marker the deadline
   * {@code pass} says, reading every key once; nothing without a delete retention.
   *
   * @param timers the operator's timer service, which {@code onTimer} is called from
   * @return how many markers got a deadline or another one
   */
  public long giveRestoredDeadlines(
      KeyedStateBackend<K> backend,
      InternalTimerService<VoidNamespace> timers,
      DeleteDeadlinePass pass,
      long now)
      throws Exception {
    return 0L;
  }

  /** Applies the step's TTL, if any, to a state descriptor. */
  protected final void applyTtl(StateDescriptor<?, ?> descriptor) {
    if (ttl != null) {
      descriptor.enableTimeToLive(StateTtls.config(ttl));
    }
  }

  /** Stale changes seen since the operator (re)started. */
  public final long staleCount() {
    return staleCount.getCount();
  }

  /** Unknown-key deletes seen since the operator (re)started. */
  public final long unknownKeyDeleteCount() {
    return unknownKeyDeleteCount.getCount();
  }

  /** Delete markers removed after their retention since the operator (re)started. */
  public final long deleteMarkersRemovedCount() {
    return deleteMarkersRemovedCount.getCount();
  }

  /** Counts a delete marker removed after its retention. */
  protected final void deleteMarkerRemoved() {
    deleteMarkersRemovedCount.inc();
  }

  /** The step this function runs. */
  protected final StepIdentity step() {
    return errors.step();
  }

  /** The step's record accounting. */
  public final StepMetrics stepMetrics() {
    return metrics;
  }

  /** {@code +I}(new row). */
  protected final void emitInsert(Change<T> change, Collector<Change<T>> out) {
    out.collect(change.kind() == RowKind.INSERT ? change : change.withKind(RowKind.INSERT));
    metrics.out(1);
  }

  /** {@code -U}(before), {@code +U}(new row). */
  protected final void emitUpdate(T before, Change<T> change, Collector<Change<T>> out) {
    out.collect(
        Change.of(RowKind.UPDATE_BEFORE, before, change.eventTime(), change.sourcePosition()));
    out.collect(
        change.kind() == RowKind.UPDATE_AFTER ? change : change.withKind(RowKind.UPDATE_AFTER));
    metrics.out(2);
  }

  /** {@code -D}(before). */
  protected final void emitDelete(T before, Change<T> change, Collector<Change<T>> out) {
    out.collect(Change.of(RowKind.DELETE, before, change.eventTime(), change.sourcePosition()));
    metrics.out(1);
  }

  /** A delete of a key that is not live: counted and routed. */
  protected final void unknownKeyDelete(Change<T> change, Context ctx, Collector<Change<T>> out) {
    unknownKeyDeleteCount.inc();
    if (unknownKeyDeletes == Route.DEAD_LETTER) {
      reject(
          new ChangelogViolationException(
              "delete of unknown key: the key has no live row (never seen, already deleted, or"
                  + " its state expired)"),
          change,
          ctx);
    } else {
      route(unknownKeyDeletes, change, ctx, out);
    }
  }

  /** A change not newer than the key's stored version: counted and routed. */
  protected final void stale(
      Change<T> change, long sequence, long storedSequence, Context ctx, Collector<Change<T>> out) {
    staleCount.inc();
    if (staleChanges == Route.DEAD_LETTER) {
      reject(
          new ChangelogViolationException(
              "stale change: sequence "
                  + sequence
                  + " is not newer than the stored sequence "
                  + storedSequence),
          change,
          ctx);
    } else {
      route(staleChanges, change, ctx, out);
    }
  }

  private void route(Route route, Change<T> change, Context ctx, Collector<Change<T>> out) {
    switch (route) {
      case DROP:
        metrics.filtered();
        break;
      case EMIT:
        out.collect(change);
        metrics.out(1);
        break;
      case SIDE_OUTPUT:
        ctx.output(rejectedTag, change);
        metrics.filtered();
        break;
      default:
        throw new IllegalStateException("route " + route + " is not handled here");
    }
  }

  /** Makes {@code change} a dead letter (or fails the job, per the error policy). */
  protected final void reject(Exception error, Change<T> change, Context ctx) {
    Long eventTime = change.eventTime() != null ? change.eventTime() : ctx.timestamp();
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error,
            change,
            eventTime,
            SourcePositions.of(change),
            ctx.timerService().currentProcessingTime()));
  }

  /**
   * Value equality of rows: {@code equals}, element-wise for arrays; a {@code Row}'s own kind is
   * not compared ({@link RowKinds}).
   */
  protected static boolean sameRow(Object stored, Object row) {
    return Objects.deepEquals(RowKinds.compared(stored), RowKinds.compared(row));
  }

  /**
   * Fails when the value type cannot tell equal rows apart: a part of it that {@code equals}
   * compares by identity (a concrete class that inherits {@code Object.equals}, also nested in a
   * record, tuple, list or map, or an array inside one of those) would make every update look like
   * a change and every redelivery like news.
   *
   * @throws IllegalArgumentException naming the part and what to do
   */
  public static void requireValueEquality(TypeInformation<?> valueType) {
    ValueEquality.identityComparedPart(valueType, valueType.getTypeClass().getSimpleName(), true)
        .ifPresent(
            part -> {
              throw new IllegalArgumentException(
                  "value type "
                      + valueType.getTypeClass().getName()
                      + " has no value equality: part "
                      + part
                      + " is compared by identity (it has no equals of its own, or is an array in"
                      + " a part whose equals compares arrays by identity), so equal rows differ."
                      + " The upsert normalizer compares rows to drop no-op updates and"
                      + " redeliveries. Implement equals and hashCode (or use a Java record"
                      + " without array components), or keep projected state"
                      + " (withProjectedState), which compares hashes of the serialized rows");
            });
  }
}
