package dev.etlkit.core;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The unit of reuse: an immutable, validated spec of one transformation that knows how to expand
 * itself onto a {@link DataStream}. Modelled on Beam's {@code PTransform}.
 *
 * <p>A step is applied with {@link EtlStream#apply(EtlStep)}, which gives it a {@link StepContext}
 * and, after expansion, makes sure every operator it added carries a name and a stable uid derived
 * from the pipeline and step names (never from its position), collects its dead letters and records
 * the state it declared. Write your own steps by implementing this interface:
 *
 * <pre>{@code
 * final class UpperCase implements EtlStep<String, String> {
 *   public String name() {
 *     return "upper-case";
 *   }
 *
 *   public DataStream<String> expand(DataStream<String> input, StepContext context) {
 *     return context.named(input.map(String::toUpperCase).returns(Types.STRING));
 *   }
 * }
 * }</pre>
 *
 * <p>Contract: {@link #name()} is constant for a spec and unique within its pipeline; {@link
 * #expand} adds operators only (no sinks, no environment settings), returns the main output and
 * reports side outputs (dead letters, state) through the context. Specs are immutable: options are
 * {@code withX()} methods returning new specs, each validated when called; cross-option rules are
 * checked in {@code expand}.
 *
 * <p>Record accounting counts a step's records only where its functions register {@link
 * StepMetrics} under {@link StepContext#identity()}, as etlkit's steps do. The {@code UpperCase}
 * above counts nothing: {@link RecordAccounting#of(org.apache.flink.api.common.JobExecutionResult,
 * EtlPipeline...)} lists it among the {@linkplain RecordAccounting#missingSteps() missing steps}
 * and is then not balanced. To have such a step counted, expand it through {@link Steps}: {@code
 * Steps.map(name(), (String s) -> s.toUpperCase(), Types.STRING).expand(input, context)}.
 *
 * @param <I> input record type
 * @param <O> output record type
 */
@PublicEvolving
public interface EtlStep<I, O> {

  /**
   * The step's name within its pipeline: 1 to 64 characters of letters, digits, {@code . _ -},
   * starting with a letter or digit. It becomes part of the operators' uids, so renaming a step
   * detaches it from its state in existing savepoints.
   */
  String name();

  /** Adds this step's operators after {@code input} and returns the main output. */
  DataStream<O> expand(DataStream<I> input, StepContext context);
}
