package dev.etlkit.core;

import java.util.Arrays;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Record accounting of one step's operator: what came in and what became of it.
 *
 * <p>Every input record ends as exactly one of: passed on ({@code recordsOut}, possibly as several
 * output records, see {@code recordsEmitted}), filtered on purpose, deduplicated, or dead-lettered.
 * So, once a step has no records buffered (for example at the end of bounded input),
 *
 * <pre>{@code in == out + filtered + deduplicated + deadLettered}</pre>
 *
 * <p>Each counter is a Flink metric in the operator's metric group under {@code
 * etlkit.<pipeline>.step.<step>.<counter>} ({@code addGroup("etlkit", pipeline).addGroup("step",
 * step)}: reporters that use variables see {@code <etlkit>} = pipeline name and {@code <step>} =
 * step name), named by the constants below, and at the same time a job accumulator named {@code
 * etlkit/<pipeline>/<step>/<counter>} so {@link RecordAccounting#of} can check the identity from a
 * finished job's result. Create one per operator instance in {@code open()}; the increments are
 * allocation-free.
 */
@PublicEvolving
public final class StepMetrics {

  /** Metric group of all etlkit counters. */
  public static final String GROUP = "etlkit";

  /** Prefix of the accumulator names. */
  public static final String ACCUMULATOR_PREFIX = "etlkit/";

  public static final String RECORDS_IN = "recordsIn";
  public static final String RECORDS_OUT = "recordsOut";
  public static final String RECORDS_FILTERED = "recordsFiltered";
  public static final String RECORDS_DEDUPLICATED = "recordsDeduplicated";
  public static final String RECORDS_DEAD_LETTERED = "recordsDeadLettered";
  public static final String RECORDS_EMITTED = "recordsEmitted";

  private final LongCounter in;
  private final LongCounter out;
  private final LongCounter filtered;
  private final LongCounter deduplicated;
  private final LongCounter deadLettered;
  private final LongCounter emitted;

  // Error handlers with a rate budget to check when recordsIn reach a count (ErrorHandler.open).
  private ErrorHandler[] budgets = new ErrorHandler[0];
  private long checkBudgetsAt = Long.MAX_VALUE;

  private StepMetrics(RuntimeContext context, StepIdentity step) {
    MetricGroup group =
        context.getMetricGroup().addGroup(GROUP, step.pipeline()).addGroup("step", step.step());
    String prefix = accumulatorPrefix(step);
    this.in = counter(context, group, prefix, RECORDS_IN);
    this.out = counter(context, group, prefix, RECORDS_OUT);
    this.filtered = counter(context, group, prefix, RECORDS_FILTERED);
    this.deduplicated = counter(context, group, prefix, RECORDS_DEDUPLICATED);
    this.deadLettered = counter(context, group, prefix, RECORDS_DEAD_LETTERED);
    this.emitted = counter(context, group, prefix, RECORDS_EMITTED);
  }

  /** Registers the counters of {@code step} with the operator's metric group and accumulators. */
  public static StepMetrics register(RuntimeContext context, StepIdentity step) {
    return new StepMetrics(context, step);
  }

  static String accumulatorPrefix(StepIdentity step) {
    return ACCUMULATOR_PREFIX + step.pipeline() + "/" + step.step() + "/";
  }

  private static LongCounter counter(
      RuntimeContext context, MetricGroup group, String prefix, String name) {
    String accumulatorName = prefix + name;
    Accumulator<?, ?> existing = context.getAccumulator(accumulatorName);
    LongCounter counter;
    if (existing instanceof LongCounter) {
      // Two operators of one step chained into one task share the step's counters.
      counter = (LongCounter) existing;
    } else {
      counter = new LongCounter();
      context.addAccumulator(accumulatorName, counter);
    }
    group.counter(name, new AccumulatorCounter(counter));
    return counter;
  }

  /** One record entered the step. */
  public void in() {
    in.add(1L);
    if (in.getLocalValuePrimitive() >= checkBudgetsAt) {
      checkBudgets();
    }
  }

  /** Has {@code handler} check its rate budget when {@code recordsIn} reach {@code inputs}. */
  void checkBudgetAt(ErrorHandler handler, long inputs) {
    budgets = Arrays.copyOf(budgets, budgets.length + 1);
    budgets[budgets.length - 1] = handler;
    checkBudgetsAt = Math.min(checkBudgetsAt, inputs);
  }

  private void checkBudgets() {
    long next = Long.MAX_VALUE;
    for (ErrorHandler budget : budgets) {
      next = Math.min(next, budget.checkRate());
    }
    checkBudgetsAt = next;
  }

  /** One input record was passed on, as one output record. */
  public void out() {
    out.add(1L);
    emitted.add(1L);
  }

  /** One input record was passed on as {@code outputs} output records (0 or more). */
  public void out(int outputs) {
    out.add(1L);
    emitted.add(outputs);
  }

  /** Output records emitted without a new input (timers, flushes, corrections). */
  public void emitted(int outputs) {
    emitted.add(outputs);
  }

  /** One input record was dropped on purpose by a filter. */
  public void filtered() {
    filtered.add(1L);
  }

  /** One input record was dropped as a duplicate. */
  public void deduplicated() {
    deduplicated.add(1L);
  }

  /** One input record was routed to the dead-letter output. */
  public void deadLettered() {
    deadLettered.add(1L);
  }

  public long inCount() {
    return in.getLocalValuePrimitive();
  }

  public long outCount() {
    return out.getLocalValuePrimitive();
  }

  public long filteredCount() {
    return filtered.getLocalValuePrimitive();
  }

  public long deduplicatedCount() {
    return deduplicated.getLocalValuePrimitive();
  }

  public long deadLetteredCount() {
    return deadLettered.getLocalValuePrimitive();
  }

  public long emittedCount() {
    return emitted.getLocalValuePrimitive();
  }

  /** A Flink counter view of an accumulator, so one increment feeds metrics and the job result. */
  private static final class AccumulatorCounter implements Counter {
    private final LongCounter counter;

    AccumulatorCounter(LongCounter counter) {
      this.counter = counter;
    }

    @Override
    public void inc() {
      counter.add(1L);
    }

    @Override
    public void inc(long n) {
      counter.add(n);
    }

    @Override
    public void dec() {
      counter.add(-1L);
    }

    @Override
    public void dec(long n) {
      counter.add(-n);
    }

    @Override
    public long getCount() {
      return counter.getLocalValuePrimitive();
    }
  }
}
