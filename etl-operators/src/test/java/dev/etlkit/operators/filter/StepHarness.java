package dev.etlkit.operators.filter;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.transformations.SideOutputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.OutputTag;

/**
 * Runs the function a step really built (taken from the operator behind the step's output) in
 * Flink's ProcessFunction harness, and reads what it emitted and counted.
 */
final class StepHarness {
  private StepHarness() {}

  /** A harness around the process function of the operator that produced {@code stepOutput}. */
  static <I, O> OneInputStreamOperatorTestHarness<I, O> of(DataStream<?> stepOutput)
      throws Exception {
    OneInputStreamOperatorTestHarness<I, O> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(StepHarness.<I, O>functionOf(stepOutput));
    NoKryo.disableGenericTypes(harness.getExecutionConfig());
    return harness;
  }

  /**
   * A harness around the process function of the operator that produced {@code stepOutput},
   * restored from {@code snapshot} (a failure and restart, or a start from a savepoint) and open.
   */
  static <I, O> OneInputStreamOperatorTestHarness<I, O> restored(
      DataStream<?> stepOutput, OperatorSubtaskState snapshot) throws Exception {
    OneInputStreamOperatorTestHarness<I, O> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(StepHarness.<I, O>functionOf(stepOutput)));
    NoKryo.disableGenericTypes(harness.getExecutionConfig());
    harness.initializeState(snapshot);
    harness.open();
    return harness;
  }

  @SuppressWarnings("unchecked")
  private static <I, O> ProcessFunction<I, O> functionOf(DataStream<?> stepOutput) {
    Transformation<?> t = stepOutput.getTransformation();
    while (!(t instanceof OneInputTransformation)) {
      t = t.getInputs().get(0); // a side output: its input is the operator
    }
    AbstractUdfStreamOperator<?, ?> operator =
        (AbstractUdfStreamOperator<?, ?>) ((OneInputTransformation<?, ?>) t).getOperator();
    return (ProcessFunction<I, O>) operator.getUserFunction();
  }

  static <T> List<T> side(OneInputStreamOperatorTestHarness<?, ?> harness, OutputTag<T> tag) {
    Queue<StreamRecord<T>> records = harness.getSideOutput(tag);
    List<T> values = new ArrayList<>();
    if (records != null) {
      for (StreamRecord<T> r : records) {
        values.add(r.getValue());
      }
    }
    return values;
  }

  /** The side output a route's stream reads, to look it up in a harness. */
  @SuppressWarnings("unchecked")
  static <T> OutputTag<T> tagOf(DataStream<T> sideOutput) {
    return ((SideOutputTransformation<T>) sideOutput.getTransformation()).getOutputTag();
  }

  static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> harness) {
    return side(harness, DeadLetter.OUTPUT_TAG);
  }

  static Map<String, Object> accumulators(OneInputStreamOperatorTestHarness<?, ?> harness) {
    Map<String, Object> values = new HashMap<>();
    harness
        .getEnvironment()
        .getAccumulatorRegistry()
        .getUserMap()
        .forEach((name, acc) -> values.put(name, acc.getLocalValue()));
    return values;
  }

  static RecordAccounting.StepCounts counts(
      OneInputStreamOperatorTestHarness<?, ?> harness, String pipeline, String step) {
    return RecordAccounting.of(accumulators(harness)).step(pipeline, step);
  }
}
