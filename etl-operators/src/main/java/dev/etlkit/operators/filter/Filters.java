package dev.etlkit.operators.filter;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.Steps;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.Names;
import dev.etlkit.operators.filter.internal.BranchCounters;
import dev.etlkit.operators.filter.internal.PredicateFilterFunction;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Filter steps: keep the records a {@link NamedPredicate} accepts, count the others as filtered,
 * and say which predicate filtered them.
 *
 * <pre>{@code
 * orders.apply(Filters.where("paid", Order::isPaid));
 * orders.apply(Filters.where("paid-in-eu", paid.and(eu))); // per-predicate filtered counters
 * }</pre>
 *
 * <p>{@code Filters.where} is etl-core's {@link Steps#filter} with names: the same operator
 * function and accounting underneath (a rejected record counts as {@code filtered}; a predicate
 * that throws dead-letters the record per the error policy), plus one filtered counter per
 * {@linkplain NamedPredicate#conjuncts() conjunct} of the predicate, read with {@link
 * #filteredByPredicate}, and a check that the input type has no Kryo part (which {@code
 * Steps.filter} does not make). Use {@code Steps.filter} when one anonymous condition is all you
 * need. As {@code Steps.filter}, it keeps no state (no TTL applies), passes the records it keeps
 * with their timestamps in the order each subtask receives them, and treats duplicates and late
 * records like any other.
 */
@PublicEvolving
public final class Filters {
  private Filters() {}

  /**
   * A step keeping the records for which {@code predicate} holds.
   *
   * <p>If {@code predicate} is a {@link NamedPredicate}, each of its conjuncts gets a filtered
   * counter under its own name; otherwise the predicate is named after the step. Conjunct names
   * must be distinct.
   *
   * @throws IllegalArgumentException if the step name is invalid or two conjuncts share a name
   */
  public static <T> Where<T> where(String name, FilterFunction<T> predicate) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(predicate, "predicate");
    NamedPredicate<T> named =
        predicate instanceof NamedPredicate
            ? (NamedPredicate<T>) predicate
            : NamedPredicate.of(name, predicate);
    Set<String> seen = new HashSet<>();
    for (NamedPredicate<T> conjunct : named.conjuncts()) {
      if (!seen.add(conjunct.name())) {
        throw new IllegalArgumentException(
            "predicate names must be distinct within step '"
                + name
                + "', but '"
                + conjunct.name()
                + "' appears twice in '"
                + named.name()
                + "'; rename one with named(...)");
      }
    }
    return new Where<>(name, named, null);
  }

  /**
   * How many records each predicate of a {@link #where} step filtered in a finished job, by
   * predicate name, summed over the step's subtasks. The counts add up to the step's {@code
   * filtered} count in {@link dev.etlkit.core.RecordAccounting}.
   *
   * @return empty if the job ran no such step
   */
  public static Map<String, Long> filteredByPredicate(
      JobExecutionResult result, String pipeline, String step) {
    return BranchCounters.read(
        result.getAllAccumulatorResults(), BranchCounters.PREDICATE, pipeline, step);
  }

  /**
   * See {@link Filters#where}. Immutable.
   *
   * <p>Metrics: besides the step's counters ({@link dev.etlkit.core.StepMetrics}), {@code
   * etlkit.<pipeline>.step.<step>.predicate.<predicate>.recordsFiltered} per conjunct.
   */
  @PublicEvolving
  public static final class Where<T> implements EtlStep<T, T> {
    private final String name;
    private final NamedPredicate<T> predicate;
    @Nullable private final ErrorPolicy errorPolicy;

    private Where(String name, NamedPredicate<T> predicate, @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.predicate = predicate;
      this.errorPolicy = errorPolicy;
    }

    /**
     * Overrides the pipeline's error policy for this step (for predicates that throw). A second
     * call replaces the policy; {@link #withPipelineErrorPolicy()} gives the pipeline's default
     * back.
     */
    public Where<T> withErrorPolicy(ErrorPolicy policy) {
      return new Where<>(name, predicate, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public Where<T> withPipelineErrorPolicy() {
      return new Where<>(name, predicate, null);
    }

    @Override
    public String name() {
      return name;
    }

    /** The predicate, named. */
    public NamedPredicate<T> predicate() {
      return predicate;
    }

    /**
     * @throws IllegalArgumentException if the input type would be serialized with Kryo
     */
    @Override
    public DataStream<T> expand(DataStream<T> input, StepContext context) {
      KryoTypes.requireNoKryo(input.getType(), "input type of step '" + name + "'");
      Steps.FilterStep<T> filter =
          Steps.filter(name, new PredicateFilterFunction<>(predicate, context.identity()));
      return (errorPolicy == null ? filter : filter.withErrorPolicy(errorPolicy))
          .expand(input, context);
    }

    @Override
    public String toString() {
      return "Filters.where("
          + name
          + ", predicate="
          + predicate.name()
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + ")";
    }
  }
}
