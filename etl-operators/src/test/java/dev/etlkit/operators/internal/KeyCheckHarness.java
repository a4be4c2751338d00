package dev.etlkit.operators.internal;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepMetrics;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;

/**
 * Harnesses of the check a step runs before its shuffle ({@link KeyCheck}, or the join's fact
 * check), exactly as the step added it to the job graph: found by its uid among the operators
 * before the step's output, copied, opened.
 */
public final class KeyCheckHarness {

  private KeyCheckHarness() {}

  /** A harness of a fresh copy of the check with the uid {@code uid} before {@code output}. */
  @SuppressWarnings("unchecked")
  public static <I> OneInputStreamOperatorTestHarness<I, I> open(DataStream<?> output, String uid)
      throws Exception {
    for (Transformation<?> t : output.getTransformation().getTransitivePredecessors()) {
      if (uid.equals(t.getUid())) {
        return open(t);
      }
    }
    throw new IllegalArgumentException("no operator with uid " + uid + " before " + output);
  }

  /** A harness of a fresh copy of the check {@code transformation} runs, opened. */
  @SuppressWarnings("unchecked")
  public static <I> OneInputStreamOperatorTestHarness<I, I> open(Transformation<?> transformation)
      throws Exception {
    OneInputTransformation<I, I> check = (OneInputTransformation<I, I>) transformation;
    ProcessOperator<I, I> operator =
        (ProcessOperator<I, I>)
            ((SimpleOperatorFactory<I>) check.getOperatorFactory()).getOperator();
    TypeSerializer<I> serializer =
        check.getInputType().createSerializer(new SerializerConfigImpl());
    OneInputStreamOperatorTestHarness<I, I> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(
                InstantiationUtil.clone((ProcessFunction<I, I>) operator.getUserFunction())),
            serializer);
    harness.setup(serializer);
    harness.open();
    return harness;
  }

  /** The messages of the dead letters the check emitted. */
  public static List<String> deadLetters(OneInputStreamOperatorTestHarness<?, ?> harness) {
    var letters = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
    return letters == null
        ? List.of()
        : letters.stream()
            .map(StreamRecord::getValue)
            .map(l -> l.errorClass() + ": " + l.errorMessage())
            .toList();
  }

  /**
   * A counter of the check, e.g. {@code count(h, "test/dedup", StepMetrics.RECORDS_IN)}: {@code
   * path} is the pipeline and step the records are counted under.
   */
  public static long count(
      OneInputStreamOperatorTestHarness<?, ?> harness, String path, String name) {
    Object counter =
        ((AbstractStreamOperator<?>) harness.getOneInputOperator())
            .getRuntimeContext()
            .getAccumulator(StepMetrics.ACCUMULATOR_PREFIX + path + "/" + name);
    return counter == null ? 0L : ((LongCounter) counter).getLocalValuePrimitive();
  }
}
