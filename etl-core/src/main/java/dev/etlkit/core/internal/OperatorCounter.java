package dev.etlkit.core.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * One count that is at once a Flink metric of one operator and a job accumulator, so one increment
 * feeds both.
 *
 * <p>Operators chained into one task share the task's accumulators: when two operators of one step
 * register the same accumulator name, both add to that one accumulator (a second {@code
 * addAccumulator} would fail), and the job result counts each record once. The metric, though,
 * reports only what its own operator counted, not the shared accumulator: otherwise each chained
 * operator would report the step's whole count and a reporter that sums a step's counter over its
 * operators would count every record twice. So the metrics read the same whether Flink chains the
 * operators or not.
 *
 * <p>Increments are allocation-free: two additions.
 */
@Internal
public final class OperatorCounter implements Counter {

  /** The task's accumulator, shared with any chained operator that registered the same name. */
  private final LongCounter accumulator;

  /** What this operator counted. */
  private long count;

  private OperatorCounter(LongCounter accumulator) {
    this.accumulator = accumulator;
  }

  /**
   * Joins (or adds) the task's accumulator {@code accumulatorName} and registers the new counter as
   * metric {@code metricName} in {@code group}.
   */
  public static OperatorCounter register(
      RuntimeContext context, MetricGroup group, String metricName, String accumulatorName) {
    Accumulator<?, ?> existing = context.getAccumulator(accumulatorName);
    LongCounter accumulator;
    if (existing instanceof LongCounter) {
      accumulator = (LongCounter) existing;
    } else {
      accumulator = new LongCounter();
      context.addAccumulator(accumulatorName, accumulator);
    }
    return group.counter(metricName, new OperatorCounter(accumulator));
  }

  @Override
  public void inc() {
    count++;
    accumulator.add(1L);
  }

  @Override
  public void inc(long n) {
    count += n;
    accumulator.add(n);
  }

  @Override
  public void dec() {
    inc(-1L);
  }

  @Override
  public void dec(long n) {
    inc(-n);
  }

  /** What this operator counted (the accumulator may also hold chained operators' counts). */
  @Override
  public long getCount() {
    return count;
  }
}
