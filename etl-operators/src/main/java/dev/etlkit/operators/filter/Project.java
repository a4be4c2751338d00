package dev.etlkit.operators.filter;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.Steps;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.Names;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * A typed projection: maps each record to a (usually slimmer) record of a declared class, such as a
 * Java record with the fields a sink needs.
 *
 * <pre>{@code
 * orders.apply(Project.to("summary", OrderSummary.class, o -> new OrderSummary(o.id(), o.cents())));
 * }</pre>
 *
 * <p>The output type is {@code TypeInformation.of(outputClass)}, checked when the step is built: a
 * class Flink would serialize with Kryo (not a POJO or record, or with a field of such a type) is
 * rejected. A projection that throws or returns null dead-letters its input record (per the error
 * policy); every other record is passed on, one output per input.
 *
 * <p>{@code Project.to} is etl-core's {@link Steps#map} with a class-derived, Kryo-checked output
 * type: the same operator function and accounting. For output types a class cannot describe
 * (generics, {@code Row}), use {@code Steps.map} with an explicit {@link TypeInformation}. As
 * {@code Steps.map}, it keeps no state (no TTL applies), emits each output with its input's
 * timestamp in the order each subtask receives the inputs, and treats duplicates and late records
 * like any other.
 *
 * @param <I> input record type
 * @param <O> output record type
 */
@PublicEvolving
public final class Project<I, O> implements EtlStep<I, O> {

  private final Steps.MapStep<I, O> map;
  private final TypeInformation<O> outputType;

  private Project(Steps.MapStep<I, O> map, TypeInformation<O> outputType) {
    this.map = map;
    this.outputType = outputType;
  }

  /**
   * A step projecting every record with {@code projection} to an {@code outputClass} instance.
   *
   * @throws IllegalArgumentException if the name is invalid, {@code outputClass} (or one of its
   *     fields) would be serialized with Kryo, or Flink cannot type it from the class alone (a
   *     generic class such as {@code Tuple2})
   */
  public static <I, O> Project<I, O> to(
      String name, Class<O> outputClass, MapFunction<I, O> projection) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(outputClass, "outputClass");
    TypeInformation<O> type =
        KryoTypes.requireNoKryo(
            typeOf(name, outputClass), "output class of projection '" + name + "'");
    return new Project<>(Steps.map(name, projection, type), type);
  }

  private static <O> TypeInformation<O> typeOf(String name, Class<O> outputClass) {
    try {
      return TypeInformation.of(outputClass);
    } catch (FlinkRuntimeException e) { // Flink's: "generic parameters are missing"
      throw new IllegalArgumentException(
          "output class of projection '"
              + name
              + "' "
              + outputClass.getName()
              + " cannot be typed from the class alone (it has type parameters): use"
              + " Steps.map(name, function, typeInformation) with its full type",
          e);
    }
  }

  /**
   * Overrides the pipeline's error policy for this step. A second call replaces the policy; {@link
   * #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public Project<I, O> withErrorPolicy(ErrorPolicy policy) {
    return new Project<>(map.withErrorPolicy(policy), outputType);
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public Project<I, O> withPipelineErrorPolicy() {
    return new Project<>(map.withPipelineErrorPolicy(), outputType);
  }

  @Override
  public String name() {
    return map.name();
  }

  /** The declared output type. */
  public TypeInformation<O> outputType() {
    return outputType;
  }

  @Override
  public DataStream<O> expand(DataStream<I> input, StepContext context) {
    return map.expand(input, context);
  }

  @Override
  public String toString() {
    String mapped = map.toString(); // Steps.map(<name>, output=<type>[, errorPolicy=...])
    return "Project.to" + mapped.substring(mapped.indexOf('('));
  }
}
