package dev.etlkit.core;

import java.time.Duration;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * What a step sees of its pipeline while it expands: its identity and uids, the pipeline's
 * defaults, and where to report dead letters and state. One context exists per applied step.
 */
@PublicEvolving
public interface StepContext {

  /** Pipeline name, step name and the uid of the step's main operator. */
  StepIdentity identity();

  /** The uid of the step's main operator: {@code <pipeline>/<step>}. */
  String uid();

  /**
   * The uid of an additional operator of this step: {@code <pipeline>/<step>/<suffix>}.
   *
   * @throws IllegalArgumentException if the suffix is not a valid name
   */
  String uid(String suffix);

  /** Sets the main operator's name and uid ({@link #uid()}); returns the operator. */
  <T> SingleOutputStreamOperator<T> named(SingleOutputStreamOperator<T> operator);

  /** Sets an additional operator's name and uid ({@link #uid(String)}); returns the operator. */
  <T> SingleOutputStreamOperator<T> named(SingleOutputStreamOperator<T> operator, String suffix);

  /**
   * The state TTL this step must use: its own override when given, otherwise the pipeline default
   * ({@link EtlPipeline#defaultStateTtl(Duration)}), otherwise none (state kept until cleared). An
   * override of {@link Duration#ZERO} means no TTL for this step, whatever the pipeline default:
   * the result is then empty. Check the override when it is set with {@link
   * StateTtls#requireValidTtlOrZero}.
   */
  Optional<Duration> stateTtl(@Nullable Duration stepOverride);

  /** The error policy this step must use: its own override when given, else the pipeline's. */
  ErrorPolicy errorPolicy(@Nullable ErrorPolicy stepOverride);

  /**
   * A handler that turns rejected records into dead letters (or fails, per the resolved policy);
   * hand it to the step's function, which calls {@link ErrorHandler#open} in {@code open()}.
   */
  ErrorHandler errorHandler(@Nullable ErrorPolicy stepOverride);

  /**
   * Reports a stream of this step's dead letters; {@link EtlStream#deadLetters()} unions them with
   * every other step's.
   */
  void addDeadLetters(DataStream<DeadLetter> deadLetters);

  /**
   * Reports the {@link DeadLetter#OUTPUT_TAG} side output of {@code operator} as this step's dead
   * letters.
   */
  default void addDeadLettersOf(SingleOutputStreamOperator<?> operator) {
    addDeadLetters(operator.getSideOutput(DeadLetter.OUTPUT_TAG));
  }

  /**
   * Declares a state this step's main operator ({@link #named(SingleOutputStreamOperator)}) will
   * create, for the pipeline's state inventory.
   */
  void declareState(TypeInformation<?> keyType, StateDeclaration state);

  /**
   * Declares a state the additional operator {@code suffix} of this step ({@link
   * #named(SingleOutputStreamOperator, String)}) will create: the inventory lists it under that
   * operator's uid ({@link #uid(String)}), and {@link SavepointCheck} compares it with that
   * operator's saved states.
   *
   * @throws IllegalArgumentException if the suffix is not a valid name, or the operator already
   *     declares a state of that name
   */
  void declareState(String suffix, TypeInformation<?> keyType, StateDeclaration state);
}
