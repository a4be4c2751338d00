package dev.etlkit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * The record accounting of a finished job: per step, how many records came in and what became of
 * them, read from the accumulators {@link StepMetrics} registers. Use it to check that nothing was
 * lost: {@link #isBalanced()} holds when every step satisfies {@code in == out + filtered +
 * deduplicated + deadLettered}.
 *
 * <pre>{@code
 * JobExecutionResult result = env.execute("orders");
 * RecordAccounting accounting = RecordAccounting.of(result);
 * System.out.println(accounting.toTable());
 * }</pre>
 *
 * <p>A step without counts in the result (its stream left out of the job, a custom step whose
 * functions register no {@link StepMetrics}, or its tasks restored as finished by a failover) is
 * simply not there, and {@link #isBalanced()} checks only the steps that are. Name the pipelines
 * you built, with {@link #of(JobExecutionResult, EtlPipeline...)}, to have such steps listed
 * ({@link #missingSteps()}) and counted against {@link #isBalanced()}.
 */
@PublicEvolving
public final class RecordAccounting {

  /**
   * The counts of one step, summed over its parallel subtasks. A value: two are equal when their
   * pipeline, step and counts are, so a test can compare a step's counts with expected ones.
   */
  @PublicEvolving
  public static final class StepCounts {
    private final String pipeline;
    private final String step;
    private final long in;
    private final long out;
    private final long filtered;
    private final long deduplicated;
    private final long deadLettered;
    private final long emitted;

    public StepCounts(
        String pipeline,
        String step,
        long in,
        long out,
        long filtered,
        long deduplicated,
        long deadLettered,
        long emitted) {
      this.pipeline = Objects.requireNonNull(pipeline);
      this.step = Objects.requireNonNull(step);
      this.in = in;
      this.out = out;
      this.filtered = filtered;
      this.deduplicated = deduplicated;
      this.deadLettered = deadLettered;
      this.emitted = emitted;
    }

    public String pipeline() {
      return pipeline;
    }

    public String step() {
      return step;
    }

    public long in() {
      return in;
    }

    public long out() {
      return out;
    }

    public long filtered() {
      return filtered;
    }

    public long deduplicated() {
      return deduplicated;
    }

    public long deadLettered() {
      return deadLettered;
    }

    /** Output records, which can differ from {@link #out()} for steps that emit 0..n per input. */
    public long emitted() {
      return emitted;
    }

    /** {@code in == out + filtered + deduplicated + deadLettered}. */
    public boolean isBalanced() {
      return in == out + filtered + deduplicated + deadLettered;
    }

    @Override
    public boolean equals(Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof StepCounts)) {
        return false;
      }
      StepCounts that = (StepCounts) o;
      return in == that.in
          && out == that.out
          && filtered == that.filtered
          && deduplicated == that.deduplicated
          && deadLettered == that.deadLettered
          && emitted == that.emitted
          && pipeline.equals(that.pipeline)
          && step.equals(that.step);
    }

    @Override
    public int hashCode() {
      return Objects.hash(pipeline, step, in, out, filtered, deduplicated, deadLettered, emitted);
    }

    @Override
    public String toString() {
      return pipeline
          + "/"
          + step
          + ": in="
          + in
          + " out="
          + out
          + " filtered="
          + filtered
          + " deduplicated="
          + deduplicated
          + " deadLettered="
          + deadLettered
          + " emitted="
          + emitted;
    }
  }

  /**
   * Orders "<pipeline>/<step>" keys by pipeline, then step (a pipeline name has no '/'), a step's
   * name compared part by part between its '/'s, so that a join's "join/dimension" row follows
   * "join", before "join-2".
   */
  private static final Comparator<String> BY_PIPELINE_THEN_STEP =
      Comparator.comparing((String key) -> key.substring(0, key.indexOf('/')))
          .thenComparing(key -> key.substring(key.indexOf('/') + 1).replace('/', '\0'))
          .thenComparing(key -> key.substring(key.indexOf('/') + 1));

  private final List<StepCounts> steps;
  private final List<String> missingSteps;

  private RecordAccounting(List<StepCounts> steps, List<String> missingSteps) {
    this.steps = Collections.unmodifiableList(steps);
    this.missingSteps = List.copyOf(missingSteps);
  }

  /** Reads the accounting of every etlkit step from a finished job's accumulators. */
  public static RecordAccounting of(JobExecutionResult result) {
    return of(result.getAllAccumulatorResults());
  }

  /**
   * Reads the accounting of a finished job and checks that every step of {@code pipelines} has
   * counts in it: the ones that do not are its {@link #missingSteps()}, and make {@link
   * #isBalanced()} false, since what they did with their records is unknown. Pass the pipelines the
   * job was built from ({@link EtlStream#pipeline()}).
   *
   * @throws IllegalArgumentException if no pipeline is given, or two have the same name
   */
  public static RecordAccounting of(JobExecutionResult result, EtlPipeline... pipelines) {
    return of(result.getAllAccumulatorResults(), pipelines);
  }

  /**
   * Like {@link #of(JobExecutionResult, EtlPipeline...)}, from accumulator results (name to value).
   */
  public static RecordAccounting of(Map<String, Object> accumulators, EtlPipeline... pipelines) {
    Objects.requireNonNull(pipelines, "pipelines");
    if (pipelines.length == 0) {
      throw new IllegalArgumentException(
          "no pipelines given: use of(result) to read the counts without checking for steps");
    }
    RecordAccounting read = of(accumulators);
    Set<String> names = new HashSet<>();
    List<String> missing = new ArrayList<>();
    for (EtlPipeline pipeline : pipelines) {
      Objects.requireNonNull(pipeline, "pipeline");
      if (!names.add(pipeline.name())) {
        throw new IllegalArgumentException(
            "pipeline '" + pipeline.name() + "' given twice (or two pipelines of that name)");
      }
      for (String step : pipeline.stepNames()) {
        if (read.find(pipeline.name(), step) == null) {
          missing.add(pipeline.name() + "/" + step);
        }
      }
    }
    return new RecordAccounting(read.steps, missing);
  }

  /** Reads the accounting from accumulator results (name to value). */
  public static RecordAccounting of(Map<String, Object> accumulators) {
    // key: "<pipeline>/<step>" -> counter name -> value; sorted by pipeline, then step, for a
    // stable table (not as one string: '-' and '.' sort before '/', "orders-eu" before "orders").
    Map<String, Map<String, Long>> byStep = new TreeMap<>(BY_PIPELINE_THEN_STEP);
    for (Map.Entry<String, Object> e : accumulators.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(StepMetrics.ACCUMULATOR_PREFIX) || !(e.getValue() instanceof Long)) {
        continue;
      }
      // "<pipeline>/<step>/<counter>": a pipeline name has no '/', a step's may (a join's
      // "<step>/dimension"); a name without a pipeline, a step and a counter is not ours.
      String rest = name.substring(StepMetrics.ACCUMULATOR_PREFIX.length());
      int firstSlash = rest.indexOf('/');
      int lastSlash = rest.lastIndexOf('/');
      if (firstSlash <= 0 || lastSlash <= firstSlash + 1 || lastSlash == rest.length() - 1) {
        continue;
      }
      byStep
          .computeIfAbsent(rest.substring(0, lastSlash), k -> new TreeMap<>())
          .put(rest.substring(lastSlash + 1), (Long) e.getValue());
    }
    List<StepCounts> steps = new ArrayList<>();
    for (Map.Entry<String, Map<String, Long>> e : byStep.entrySet()) {
      String key = e.getKey();
      int slash = key.indexOf('/');
      Map<String, Long> c = e.getValue();
      steps.add(
          new StepCounts(
              key.substring(0, slash),
              key.substring(slash + 1),
              c.getOrDefault(StepMetrics.RECORDS_IN, 0L),
              c.getOrDefault(StepMetrics.RECORDS_OUT, 0L),
              c.getOrDefault(StepMetrics.RECORDS_FILTERED, 0L),
              c.getOrDefault(StepMetrics.RECORDS_DEDUPLICATED, 0L),
              c.getOrDefault(StepMetrics.RECORDS_DEAD_LETTERED, 0L),
              c.getOrDefault(StepMetrics.RECORDS_EMITTED, 0L)));
    }
    return new RecordAccounting(steps, List.of());
  }

  /** The counts of every step that has counts in the result, sorted by pipeline and step. */
  public List<StepCounts> steps() {
    return steps;
  }

  /**
   * The steps of the pipelines given to {@link #of(JobExecutionResult, EtlPipeline...)} that have
   * no counts in the result, as {@code "<pipeline>/<step>"} in the pipelines' order; empty when no
   * pipelines were given. A step is missing when it never ran in the job (its stream was not part
   * of the job graph), when it ran but counts nothing (a custom {@link EtlStep} whose functions
   * register no {@link StepMetrics}: every etlkit step and {@link Steps} registers them), or when a
   * failover restored all its tasks as finished (see {@link #step}).
   */
  public List<String> missingSteps() {
    return missingSteps;
  }

  /**
   * The counts of one step.
   *
   * @throws IllegalArgumentException if the accumulators hold no counts of the step: a name not in
   *     the job, a custom step whose functions register no {@link StepMetrics}, or a step whose
   *     tasks had all finished before the checkpoint a failover restored (Flink restores such a
   *     task as finished and never opens its operators again, so the last attempt has no counters
   *     of it)
   */
  public StepCounts step(String pipeline, String step) {
    StepCounts counts = find(pipeline, step);
    if (counts != null) {
      return counts;
    }
    throw new IllegalArgumentException(
        "no accounting for step '"
            + step
            + "' of pipeline '"
            + pipeline
            + "': no such step ran in the job, or it registers no StepMetrics (a custom step that"
            + " counts nothing), or its tasks had all finished before the checkpoint a failover"
            + " restored, and were restored as finished, without counters");
  }

  @Nullable
  private StepCounts find(String pipeline, String step) {
    for (StepCounts c : steps) {
      if (c.pipeline().equals(pipeline) && c.step().equals(step)) {
        return c;
      }
    }
    return null;
  }

  /**
   * True when every step's identity holds, and no step of the pipelines given to {@link
   * #of(JobExecutionResult, EtlPipeline...)} is {@linkplain #missingSteps() missing}.
   */
  public boolean isBalanced() {
    if (!missingSteps.isEmpty()) {
      return false;
    }
    for (StepCounts c : steps) {
      if (!c.isBalanced()) {
        return false;
      }
    }
    return true;
  }

  /**
   * A text table with one row per step and a "balanced" column; a missing step has a row of its
   * own, with "-" for its counts and "no counts" for balanced.
   */
  public String toTable() {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "pipeline",
          "step",
          "in",
          "out",
          "filtered",
          "deduplicated",
          "dead-lettered",
          "emitted",
          "balanced"
        });
    for (StepCounts c : steps) {
      rows.add(
          new String[] {
            c.pipeline(),
            c.step(),
            Long.toString(c.in()),
            Long.toString(c.out()),
            Long.toString(c.filtered()),
            Long.toString(c.deduplicated()),
            Long.toString(c.deadLettered()),
            Long.toString(c.emitted()),
            c.isBalanced() ? "yes" : "NO"
          });
    }
    for (String missing : missingSteps) {
      int slash = missing.indexOf('/');
      rows.add(
          new String[] {
            missing.substring(0, slash),
            missing.substring(slash + 1),
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
            "no counts"
          });
    }
    return TextTable.render(rows);
  }

  @Override
  public String toString() {
    return toTable();
  }
}
