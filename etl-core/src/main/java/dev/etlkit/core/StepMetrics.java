package dev.etlkit.core;

import dev.etlkit.core.internal.OperatorCounter;
import java.util.Arrays;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.RuntimeContext;
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
 * <p>The counters begin at zero on every (re)start. A step that holds records in state (to wait for
 * a watermark or a dimension row) counts the records it restores from a checkpoint or savepoint in
 * again, with {@link #restored}: the attempt that counted them in has gone, and this one counts
 * them out, so without it the identity would never hold again.
 *
 * <p>Each counter is a Flink metric in the operator's metric group under {@code
 * etlkit.<pipeline>.step.<step>.<counter>} ({@code addGroup("etlkit", pipeline).addGroup("step",
 * step)}: reporters that use variables see {@code <etlkit>} = pipeline name and {@code <step>} =
 * step name), named by the constants below, and at the same time a job accumulator named {@code
 * etlkit/<pipeline>/<step>/<counter>} so {@link RecordAccounting#of} can check the identity from a
 * finished job's result. Create one per operator instance in {@code open()}; the increments are
 * allocation-free.
 *
 * <p>A step may count in several operators, each counting the records it finishes (a key check
 * before a shuffle, say, counts the records it drops; the operator after it, the others). Each
 * operator's metrics report what that operator counted, so a reporter that sums a step's counter
 * over its operators and subtasks counts every record once, whether Flink chains the operators into
 * one task or not; the accumulators add up all of them.
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

  private final OperatorCounter in;
  private final OperatorCounter out;
  private final OperatorCounter filtered;
  private final OperatorCounter deduplicated;
  private final OperatorCounter deadLettered;
  private final OperatorCounter emitted;

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

  private static OperatorCounter counter(
      RuntimeContext context, MetricGroup group, String prefix, String name) {
    return OperatorCounter.register(context, group, name, prefix + name);
  }

  /** One record entered the step. */
  public void in() {
    in.inc();
    if (in.getCount() >= checkBudgetsAt) {
      checkBudgets();
    }
  }

  /** Has {@code handler} check its rate budget when {@code recordsIn} reach {@code inputs}. */
  void checkBudgetAt(ErrorHandler handler, long inputs) {
    budgets = Arrays.copyOf(budgets, budgets.length + 1);
    budgets[budgets.length - 1] = handler;
    checkBudgetsAt = Math.min(checkBudgetsAt, inputs);
  }

  /** Has the budgets checked when {@code recordsIn} reach {@code inputs}, if not sooner. */
  void checkBudgetsAt(long inputs) {
    checkBudgetsAt = Math.min(checkBudgetsAt, inputs);
  }

  private void checkBudgets() {
    long next = Long.MAX_VALUE;
    for (ErrorHandler budget : budgets) {
      next = Math.min(next, budget.checkRate());
    }
    checkBudgetsAt = next;
  }

  /**
   * {@code records} held in state at a checkpoint, counted in by the attempt that took it, were
   * restored by this one: they count in again here, as they will leave this attempt as out,
   * deduplicated or dead-lettered. Call it at most once per record and attempt, before the records
   * leave (or as each leaves).
   */
  public void restored(long records) {
    in.inc(records);
  }

  /** One input record was passed on, as one output record. */
  public void out() {
    out.inc();
    emitted.inc();
  }

  /** One input record was passed on as {@code outputs} output records (0 or more). */
  public void out(int outputs) {
    out.inc();
    emitted.inc(outputs);
  }

  /** Output records emitted without a new input (timers, flushes, corrections). */
  public void emitted(int outputs) {
    emitted.inc(outputs);
  }

  /** One input record was dropped on purpose by a filter. */
  public void filtered() {
    filtered.inc();
  }

  /** One input record was dropped as a duplicate. */
  public void deduplicated() {
    deduplicated.inc();
  }

  /** One input record was routed to the dead-letter output. */
  public void deadLettered() {
    deadLettered.inc();
  }

  /** Records this operator counted as entering the step (likewise the other {@code *Count}s). */
  public long inCount() {
    return in.getCount();
  }

  public long outCount() {
    return out.getCount();
  }

  public long filteredCount() {
    return filtered.getCount();
  }

  public long deduplicatedCount() {
    return deduplicated.getCount();
  }

  public long deadLetteredCount() {
    return deadLettered.getCount();
  }

  public long emittedCount() {
    return emitted.getCount();
  }
}
