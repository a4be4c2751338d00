package dev.etlkit.core;

import java.util.Map;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * A step with several named outputs of one type, such as a router that sends each record to one of
 * a few streams. Applied with {@link EtlStream#split(SplitStep)}, which returns the outputs as
 * {@link SplitStreams}; otherwise it is a step like any {@link EtlStep}: one name, operators named
 * and given uids from the pipeline and step names, dead letters and state reported through the
 * {@link StepContext}.
 *
 * <p>The usual way to build one is a single operator with one side output ({@code OutputTag}) per
 * named output, each tag declared with the output's {@code TypeInformation}:
 *
 * <pre>{@code
 * public Map<String, DataStream<Integer>> expand(DataStream<Integer> input, StepContext context) {
 *   SingleOutputStreamOperator<Integer> op =
 *       context.named(input.process(new EvenOddFunction(EVEN, ODD), Types.INT));
 *   return Map.of("even", op.getSideOutput(EVEN), "odd", op.getSideOutput(ODD));
 * }
 * }</pre>
 *
 * <p>Contract: as for {@link EtlStep#expand}; in addition, {@link #expand} returns at least one
 * output, each under a valid name (the rules of step names) and with a non-null stream. The outputs
 * keep the iteration order of the returned map. Operators the step does not name get their uids
 * visiting the outputs in the order of their names, so they do not depend on how the map iterates
 * ({@code Map.of} iterates in another order in every JVM).
 *
 * @param <I> input record type
 * @param <O> record type of every output
 */
@PublicEvolving
public interface SplitStep<I, O> {

  /** The step's name within its pipeline; the same rules as {@link EtlStep#name()}. */
  String name();

  /** Adds this step's operators after {@code input} and returns its outputs by name. */
  Map<String, DataStream<O>> expand(DataStream<I> input, StepContext context);
}
