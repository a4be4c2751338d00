package dev.etlkit.core;

import dev.etlkit.core.internal.FilterStepFunction;
import dev.etlkit.core.internal.MapStepFunction;
import dev.etlkit.core.internal.Names;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Generic steps around your own functions, with etlkit's guarantees: a function that throws (or
 * returns null) turns the record into a {@link DeadLetter} instead of failing the job (per the
 * step's {@link ErrorPolicy}), and every record is accounted for ({@link StepMetrics}).
 *
 * <pre>{@code
 * Steps.map("parse", Order::parse, TypeInformation.of(Order.class))
 * Steps.filter("paid", Order::isPaid).withErrorPolicy(ErrorPolicy.failJob())
 * }</pre>
 *
 * <p>Rich functions are opened and closed with the step's operator.
 */
@PublicEvolving
public final class Steps {
  private Steps() {}

  /**
   * A step applying {@code function} to every record. Output type is required so no type extraction
   * (and no Kryo fallback) is involved.
   */
  public static <I, O> MapStep<I, O> map(
      String name, MapFunction<I, O> function, TypeInformation<O> outputType) {
    return new MapStep<>(
        Names.requireValid(name, "step name"),
        Objects.requireNonNull(function, "function"),
        Objects.requireNonNull(outputType, "outputType"),
        null);
  }

  /** A step keeping the records for which {@code predicate} is true; the rest count as filtered. */
  public static <T> FilterStep<T> filter(String name, FilterFunction<T> predicate) {
    return new FilterStep<>(
        Names.requireValid(name, "step name"),
        Objects.requireNonNull(predicate, "predicate"),
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

    /** Overrides the pipeline's error policy for this step. */
    public MapStep<I, O> withErrorPolicy(ErrorPolicy policy) {
      return new MapStep<>(name, function, outputType, Objects.requireNonNull(policy, "policy"));
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

    /** Overrides the pipeline's error policy for this step. */
    public FilterStep<T> withErrorPolicy(ErrorPolicy policy) {
      return new FilterStep<>(name, predicate, Objects.requireNonNull(policy, "policy"));
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
  }
}
