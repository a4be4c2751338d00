package dev.etlkit.operators.filter.internal;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.OperatorCounter;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counters per branch of a step: per predicate of a filter (records it filtered) and per route of a
 * router (records sent to it). Like {@link StepMetrics}, each counter is a Flink metric and a job
 * accumulator at once:
 *
 * <ul>
 *   <li>metric {@code etlkit.<pipeline>.step.<step>.<kind>.<branch>.<counter>} (the branch is a
 *       variable {@code <kind>} for reporters that use variables);
 *   <li>accumulator {@code etlkit-<kind>/<pipeline>/<step>/<branch>}. The prefix is not {@code
 *       etlkit/} on purpose: these counts are a breakdown of the step's own counters, not a step.
 * </ul>
 */
@Internal
public final class BranchCounters {

  /** Branch kind of the per-predicate filtered counters. */
  public static final String PREDICATE = "predicate";

  /** Branch kind of the per-route counters. */
  public static final String ROUTE = "route";

  /** Counter name of the per-predicate counters. */
  public static final String RECORDS_FILTERED = StepMetrics.RECORDS_FILTERED;

  /** Counter name of the per-route counters. */
  public static final String RECORDS_ROUTED = "recordsRouted";

  private BranchCounters() {}

  /**
   * Registers (or joins, for chained operators of one step) the counter of one branch; its metric
   * reports this operator's count ({@link OperatorCounter}).
   */
  public static OperatorCounter register(
      RuntimeContext context, StepIdentity step, String kind, String branch, String counterName) {
    MetricGroup group =
        context
            .getMetricGroup()
            .addGroup(StepMetrics.GROUP, step.pipeline())
            .addGroup("step", step.step())
            .addGroup(kind, branch);
    return OperatorCounter.register(
        context, group, counterName, prefix(kind, step.pipeline(), step.step()) + branch);
  }

  /** The counts of one step's branches of {@code kind}, by branch name (sorted). */
  public static Map<String, Long> read(
      Map<String, Object> accumulators, String kind, String pipeline, String step) {
    String prefix = prefix(kind, pipeline, step);
    Map<String, Long> counts = new TreeMap<>();
    for (Map.Entry<String, Object> e : accumulators.entrySet()) {
      if (e.getKey().startsWith(prefix) && e.getValue() instanceof Long) {
        counts.put(e.getKey().substring(prefix.length()), (Long) e.getValue());
      }
    }
    return Collections.unmodifiableMap(counts);
  }

  private static String prefix(String kind, String pipeline, String step) {
    return "etlkit-" + kind + "/" + pipeline + "/" + step + "/";
  }
}
