package dev.etlkit.operators.enrich.internal.join;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.operators.enrich.JoinStatus;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The join's own counters, beside the {@link StepMetrics} of facts and dimension records, in the
 * step's metric group {@code etlkit.<pipeline>.step.<step>}: one per {@link JoinStatus}, one per
 * join-specific rejection and one of the delete markers removed after their retention.
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
  private final Counter bufferFull;
  private final Counter late;
  private final Counter deleteMarkersRemoved;

  private JoinMetrics(MetricGroup group) {
    byStatus[JoinStatus.FOUND.ordinal()] = group.counter(FACTS_FOUND);
    byStatus[JoinStatus.FOUND_AFTER_WAIT.ordinal()] = group.counter(FACTS_FOUND_AFTER_WAIT);
    byStatus[JoinStatus.NOT_FOUND.ordinal()] = group.counter(FACTS_NOT_FOUND);
    byStatus[JoinStatus.TIMED_OUT.ordinal()] = group.counter(FACTS_TIMED_OUT);
    byStatus[JoinStatus.DELETED.ordinal()] = group.counter(FACTS_DELETED);
    byStatus[JoinStatus.NULL_KEY.ordinal()] = group.counter(FACTS_NULL_KEY);
    bufferFull = group.counter(FACTS_BUFFER_FULL);
    late = group.counter(FACTS_LATE);
    deleteMarkersRemoved = group.counter(DELETE_MARKERS_REMOVED);
  }

  /** Registers the counters in the step's metric group; call once per operator in open(). */
  public static JoinMetrics register(RuntimeContext context, StepIdentity step) {
    return new JoinMetrics(
        context
            .getMetricGroup()
            .addGroup(StepMetrics.GROUP, step.pipeline())
            .addGroup("step", step.step()));
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

  public long count(JoinStatus status) {
    return byStatus[status.ordinal()].getCount();
  }

  public long bufferFullCount() {
    return bufferFull.getCount();
  }

  public long lateCount() {
    return late.getCount();
  }

  public long deleteMarkersRemovedCount() {
    return deleteMarkersRemoved.getCount();
  }
}
