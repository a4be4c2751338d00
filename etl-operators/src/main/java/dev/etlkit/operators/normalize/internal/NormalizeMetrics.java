package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The normalize family's own counters, beside the step's {@link StepMetrics} in the same metric
 * group ({@code etlkit.<pipeline>.step.<step>}). They say why records were filtered or
 * dead-lettered; the record accounting identity is kept by {@code StepMetrics}.
 */
@Internal
public final class NormalizeMetrics {

  /** Upsert normalizer: changes not newer than the stored version (whatever their route). */
  public static final String STALE_CHANGES = "staleChanges";

  /** Upsert normalizer: deletes of keys that were not live (whatever their route). */
  public static final String UNKNOWN_KEY_DELETES = "unknownKeyDeletes";

  /**
   * Upsert normalizer with {@code withDeleteRetention}: delete markers (deleted keys' sequences)
   * removed once the retention had passed.
   */
  public static final String DELETE_MARKERS_REMOVED = "deleteMarkersRemoved";

  /** Changelog check: records of sampled keys, checked against the rules. */
  public static final String RECORDS_CHECKED = "recordsChecked";

  /** Changelog check: violations found (each one also a dead letter, unless the job failed). */
  public static final String VIOLATIONS = "violations";

  private final MetricGroup group;

  private NormalizeMetrics(MetricGroup group) {
    this.group = group;
  }

  /** The step's metric group; create once per operator instance in {@code open()}. */
  public static NormalizeMetrics of(RuntimeContext context, StepIdentity step) {
    return new NormalizeMetrics(
        context
            .getMetricGroup()
            .addGroup(StepMetrics.GROUP, step.pipeline())
            .addGroup("step", step.step()));
  }

  /** Registers a counter named by one of the constants above. */
  public Counter counter(String name) {
    return group.counter(name);
  }
}
