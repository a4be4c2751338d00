package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.JoinStatus;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The join's own counters, beside the {@link StepMetrics} of facts and dimension records, in the
 * step's metric group {@code etlkit.<pipeline>.step.<step>}: one per {@link JoinStatus}, one per
 * join-specific rejection and one of the delete markers removed after their retention. Each
 * operator registers the counters it can count: the {@code fact-keys} operator {@code factsNullKey}
 * only ({@link #registerNullKeys}: facts with a null key never reach the join), the join the others
 * ({@link #register}).
 */
@Internal
public final class JoinMetrics {

  public static final String FACTS_FOUND = "factsFound";
  public static final String FACTS_FOUND_AFTER_WAIT = "factsFoundAfterWait";
  public static final String FACTS_NOT_FOUND = "factsNotFound";
  public static final String FACTS_TIMED_OUT = "factsTimedOut";
  public static final String FACTS_DELETED = "factsDeleted";
  public static final String FACTS_NULL_KEY = "factsNullKey";
  public static final String FACTS_BUFFER_FULL = "factsBufferFull";
  public static final String FACTS_LATE = "factsLate";
  public static final String DELETE_MARKERS_REMOVED = "deleteMarkersRemoved";

  private final Counter[] byStatus = new Counter[JoinStatus.values().length];
  @Nullable private final Counter bufferFull;
  @Nullable private final Counter late;
  @Nullable private final Counter deleteMarkersRemoved;

  private JoinMetrics(MetricGroup group, boolean nullKeysOnly) {
    if (nullKeysOnly) {
      byStatus[JoinStatus.NULL_KEY.ordinal()] = group.counter(FACTS_NULL_KEY);
      bufferFull = null;
      late = null;
      deleteMarkersRemoved = null;
      return;
    }
    byStatus[JoinStatus.FOUND.ordinal()] = group.counter(FACTS_FOUND);
    byStatus[JoinStatus.FOUND_AFTER_WAIT.ordinal()] = group.counter(FACTS_FOUND_AFTER_WAIT);
    byStatus[JoinStatus.NOT_FOUND.ordinal()] = group.counter(FACTS_NOT_FOUND);
    byStatus[JoinStatus.TIMED_OUT.ordinal()] = group.counter(FACTS_TIMED_OUT);
    byStatus[JoinStatus.DELETED.ordinal()] = group.counter(FACTS_DELETED);
    bufferFull = group.counter(FACTS_BUFFER_FULL);
    late = group.counter(FACTS_LATE);
    deleteMarkersRemoved = group.counter(DELETE_MARKERS_REMOVED);
  }

  /**
   * Registers the join's counters, all but {@code factsNullKey}, in the step's metric group; call
   * once in the join's open().
   */
  public static JoinMetrics register(RuntimeContext context, StepIdentity step) {
    return new JoinMetrics(group(context, step), false);
  }

  /**
   * Registers {@code factsNullKey} only, in the step's metric group; call once in the {@code
   * fact-keys} operator's open(). Only {@link #status}{@code (NULL_KEY)} may be counted then.
   */
  public static JoinMetrics registerNullKeys(RuntimeContext context, StepIdentity step) {
    return new JoinMetrics(group(context, step), true);
  }

  private static MetricGroup group(RuntimeContext context, StepIdentity step) {
    return context
        .getMetricGroup()
        .addGroup(StepMetrics.GROUP, step.pipeline())
        .addGroup("step", step.step());
  }

  /** One fact left the join with this status (passed on or dead-lettered). */
  public void status(JoinStatus status) {
    byStatus[status.ordinal()].inc();
  }

  public void bufferFull() {
    bufferFull.inc();
  }

  public void late() {
    late.inc();
  }

  /** A deleted key's marker (or history ending in the delete) was removed: its retention passed. */
  public void deleteMarkerRemoved() {
    deleteMarkersRemoved.inc();
  }

  /** The count so far; 0 for a counter this operator does not register. */
  public long count(JoinStatus status) {
    return countOf(byStatus[status.ordinal()]);
  }

  public long bufferFullCount() {
    return countOf(bufferFull);
  }

  public long lateCount() {
    return countOf(late);
  }

  public long deleteMarkersRemovedCount() {
    return countOf(deleteMarkersRemoved);
  }

  private static long countOf(@Nullable Counter counter) {
    return counter == null ? 0 : counter.getCount();
  }
}
