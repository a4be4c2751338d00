package dev.etlkit.core;

import dev.etlkit.core.internal.FilterStepFunction;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.MapStepFunction;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.UserFunctionCheckpoints;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Generic steps around your own functions, with etlkit's guarantees: a function that throws an
 * {@code Exception} (or returns null) turns the record into a {@link DeadLetter} instead of failing
 * the job (per the step's {@link ErrorPolicy}), and every record is accounted for ({@link
 * StepMetrics}). A function interrupted while the task is cancelled (an {@code
 * InterruptedException} thrown, or among the causes, or the interrupt flag still set) fails the
 * task with an {@link EtlException} and keeps the flag: no dead letter. A {@code java.lang.Error}
 * fails the task, as in a plain Flink function.
 *
 * <pre>{@code
 * Steps.map("parse", Order::parse, TypeInformation.of(Order.class))
 * Steps.filter("paid", Order::isPaid).withErrorPolicy(ErrorPolicy.failJob())
 * }</pre>
 *
 * <p>Your function runs as the function of a plain Flink {@code map} or {@code filter} would:
 *
 * <ul>
 *   <li>a rich function gets the step operator's runtime context and is opened and closed with it;
 *   <li>a function that implements {@code CheckpointedFunction} gets {@code initializeState} (with
 *       the restored state after a failure or from a savepoint) and {@code snapshotState}: its
 *       operator state, and its keyed state when the step's input is a keyed stream, is part of the
 *       step's operator ({@code <pipeline>/<step>}), so it survives restores like any step's state;
 *   <li>a function that implements {@code CheckpointListener} gets the checkpoint notifications.
 * </ul>
 *
 * <p>Flink's deprecated {@code ListCheckpointed} is not supported (rejected when the step is
 * built): implement {@code CheckpointedFunction} instead.
 *
 * <p><b>State, order and time.</b> The steps keep no state of their own (a {@code
 * CheckpointedFunction}'s state is the function's), so nothing grows and no state TTL applies. Each
 * record is handled on its own and keeps its timestamp: duplicates and late records are treated
 * like any other. As Flink's {@code map} and {@code filter}, the operator runs at the job's default
 * parallelism, and each subtask emits records in the order it receives them.
 */
@PublicEvolving
public final class Steps {
  private Steps() {}

  /**
   * A step applying {@code function} to every record. Output type is required so no type extraction
   * is involved, and it must have no Kryo part (no {@code GenericTypeInfo} as the type or in any of
   * its fields, elements, keys or values), so no Kryo fallback is either.
   *
   * @throws IllegalArgumentException if the name is invalid, the output type has a Kryo part, or
   *     the function implements Flink's deprecated {@code ListCheckpointed} (implement {@code
   *     CheckpointedFunction} instead)
   */
  public static <I, O> MapStep<I, O> map(
      String name, MapFunction<I, O> function, TypeInformation<O> outputType) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(function, "function");
    return new MapStep<>(
        name,
        UserFunctionCheckpoints.requireForwardable(function, "function of step '" + name + "'"),
        KryoTypes.requireNoKryo(
            Objects.requireNonNull(outputType, "outputType"), "output type of step '" + name + "'"),
        null);
  }

  /**
   * A step keeping the records for which {@code predicate} is true; the rest count as filtered.
   *
   * @throws IllegalArgumentException if the name is invalid or the predicate implements Flink's
   *     deprecated {@code ListCheckpointed} (implement {@code CheckpointedFunction} instead)
   */
  public static <T> FilterStep<T> filter(String name, FilterFunction<T> predicate) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(predicate, "predicate");
    return new FilterStep<>(
        name,
        UserFunctionCheckpoints.requireForwardable(predicate, "predicate of step '" + name + "'"),
        null);
  }

  /** See {@link Steps#map}. Immutable. */
  @PublicEvolving
  public static final class MapStep<I, O> implements EtlStep<I, O> {
    private final String name;
    private final MapFunction<I, O> function;
    private final TypeInformation<O> outputType;
    @Nullable private final ErrorPolicy errorPolicy;

    private MapStep(
        String name,
        MapFunction<I, O> function,
        TypeInformation<O> outputType,
        @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.function = function;
      this.outputType = outputType;
      this.errorPolicy = errorPolicy;
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public MapStep<I, O> withErrorPolicy(ErrorPolicy policy) {
      return new MapStep<>(name, function, outputType, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public MapStep<I, O> withPipelineErrorPolicy() {
      return new MapStep<>(name, function, outputType, null);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public DataStream<O> expand(DataStream<I> input, StepContext context) {
      SingleOutputStreamOperator<O> mapped =
          context.named(
              input.process(
                  new MapStepFunction<>(function, context.errorHandler(errorPolicy)), outputType));
      context.addDeadLettersOf(mapped);
      return mapped;
    }

    @Override
    public String toString() {
      return "Steps.map("
          + name
          + ", output="
          + Names.describeType(outputType)
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + ")";
    }
  }

  /** See {@link Steps#filter}. Immutable. */
  @PublicEvolving
  public static final class FilterStep<T> implements EtlStep<T, T> {
    private final String name;
    private final FilterFunction<T> predicate;
    @Nullable private final ErrorPolicy errorPolicy;

    private FilterStep(
        String name, FilterFunction<T> predicate, @Nullable ErrorPolicy errorPolicy) {
      this.name = name;
      this.predicate = predicate;
      this.errorPolicy = errorPolicy;
    }

    /**
     * Overrides the pipeline's error policy for this step. A second call replaces the policy;
     * {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
     */
    public FilterStep<T> withErrorPolicy(ErrorPolicy policy) {
      return new FilterStep<>(name, predicate, Objects.requireNonNull(policy, "policy"));
    }

    /**
     * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
     * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has
     * it: the step is then the step that never had a policy of its own.
     */
    public FilterStep<T> withPipelineErrorPolicy() {
      return new FilterStep<>(name, predicate, null);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public DataStream<T> expand(DataStream<T> input, StepContext context) {
      SingleOutputStreamOperator<T> kept =
          context.named(
              input.process(
                  new FilterStepFunction<>(predicate, context.errorHandler(errorPolicy)),
                  input.getType()));
      context.addDeadLettersOf(kept);
      return kept;
    }

    @Override
    public String toString() {
      return "Steps.filter("
          + name
          + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
          + ")";
    }
  }
}
