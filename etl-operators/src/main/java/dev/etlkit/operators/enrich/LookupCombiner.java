package dev.etlkit.operators.enrich;

import java.io.Serializable;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Builds an enrichment step's output from the input record and what the lookup found. Called once
 * per input record, on the task thread (never on a lookup's thread), after the lookup answered or a
 * fallback stood in. Return a new object; do not modify the input.
 *
 * <p>An exception or a null result turns the record into a dead letter (per the step's {@link
 * dev.etlkit.core.ErrorPolicy}); an {@link InterruptedException} (the task is being cancelled),
 * thrown or among the causes, or a failure with the interrupt flag set, does not: the step restores
 * the interrupt flag and fails the task with an {@code EtlException}.
 *
 * <p>Do not modify the looked-up value either: the cache hands the same object to every record of
 * its key. Putting it, or a part of it, into the output is safe: with Flink's object reuse on, the
 * step emits a copy of each result, so a function after the step that changes its input in place
 * never reaches the cached value; without object reuse Flink copies records between operators.
 *
 * <p>A combiner keeps no checkpointed state: one implementing Flink's {@code CheckpointedFunction},
 * {@code ListCheckpointed} or {@code CheckpointListener} is rejected when the step is built (the
 * step would not pass those hooks on). Keep state in a step of its own.
 *
 * @param <I> input record type
 * @param <V> looked-up value type
 * @param <O> output record type
 */
@PublicEvolving
@FunctionalInterface
public interface LookupCombiner<I, V, O> extends Serializable {

  /**
   * @param input the input record
   * @param value the value found, or null for {@link LookupStatus#MISS}, {@link
   *     LookupStatus#FAILED}, {@link LookupStatus#TIMED_OUT} and a stale miss
   * @param status how the value was found
   * @return the output record, never null
   */
  O combine(I input, @Nullable V value, LookupStatus status) throws Exception;
}
