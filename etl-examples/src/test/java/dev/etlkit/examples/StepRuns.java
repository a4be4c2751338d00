package dev.etlkit.examples;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Runs the operator of a step from records to records of the same type in an operator harness, on
 * records with or without a timestamp, for the tests of {@link FutureTimes}.
 */
final class StepRuns {

  private StepRuns() {}

  /** What one step's operator emitted, and the step's accounting. */
  record StepRun<T>(
      List<T> output, List<StreamRecord<DeadLetter>> deadLetters, RecordAccounting accounting) {}

  /** Runs {@code step} as the one step of the orders pipeline on {@code records}. */
  static StepRun<Order> runStep(EtlStep<Order, Order> step, List<StreamRecord<Order>> records)
      throws Exception {
    return runStep(OrdersJob.PIPELINE, Order.TYPE_INFO, step, records);
  }

  /** Runs {@code step} as the one step of the pipeline {@code pipeline} on {@code records}. */
  static <T> StepRun<T> runStep(
      String pipeline, TypeInformation<T> type, EtlStep<T, T> step, List<StreamRecord<T>> records)
      throws Exception {
    DataStream<T> input =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromData(
                records.stream().map(StreamRecord::getValue).collect(Collectors.toList()), type);
    return run(
        Etl.from(input, pipeline).apply(step).toDataStream().getTransformation(), type, records);
  }

  /** The Kafka timestamp real mode's dead-letter sink writes {@code letter} with. */
  static Long writtenTimestamp(StreamRecord<DeadLetter> letter) {
    return new KafkaIo.DeadLetterSerializer("dead-letters")
        .serialize(letter.getValue(), null, letter.getTimestamp())
        .timestamp();
  }

  /**
   * The uids of the operators from the source (exclusive) to {@code last}, following each
   * operator's first input: a pipeline's steps in order, with null for a shuffle.
   */
  static List<String> uidsUpTo(Transformation<?> last) {
    List<String> uids = new ArrayList<>();
    for (Transformation<?> t = last; !t.getInputs().isEmpty(); t = t.getInputs().get(0)) {
      uids.add(0, t.getUid());
    }
    return uids;
  }

  /** The operator with the uid {@code uid} upstream of {@code last}, following first inputs. */
  static Transformation<?> upstream(Transformation<?> last, String uid) {
    for (Transformation<?> t = last; ; t = t.getInputs().get(0)) {
      if (uid.equals(t.getUid())) {
        return t;
      }
      if (t.getInputs().isEmpty()) {
        throw new AssertionError("no operator " + uid + " upstream of " + last.getUid());
      }
    }
  }

  /** Runs the operator of {@code transformation}, a step from orders to orders, on the records. */
  static StepRun<Order> run(Transformation<?> transformation, List<StreamRecord<Order>> records)
      throws Exception {
    return run(transformation, Order.TYPE_INFO, records);
  }

  /**
   * Runs the operator of {@code transformation}, a step from {@code type} to {@code type}, on the
   * records.
   */
  @SuppressWarnings("unchecked")
  static <T> StepRun<T> run(
      Transformation<?> transformation, TypeInformation<T> type, List<StreamRecord<T>> records)
      throws Exception {
    OneInputStreamOperator<T, T> operator =
        (OneInputStreamOperator<T, T>)
            ((SimpleOperatorFactory<T>)
                    ((OneInputTransformation<T, T>) transformation).getOperatorFactory())
                .getOperator();
    try (OneInputStreamOperatorTestHarness<T, T> harness =
        new OneInputStreamOperatorTestHarness<>(operator)) {
      harness.setup(type.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      for (StreamRecord<T> record : records) {
        harness.processElement(record);
      }
      List<StreamRecord<DeadLetter>> deadLetters =
          harness.getSideOutput(DeadLetter.OUTPUT_TAG) == null
              ? List.of()
              : new ArrayList<>(harness.getSideOutput(DeadLetter.OUTPUT_TAG));
      Map<String, Object> accumulators =
          harness.getEnvironment().getAccumulatorRegistry().getUserMap().entrySet().stream()
              .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getLocalValue()));
      return new StepRun<>(
          harness.extractOutputValues(), deadLetters, RecordAccounting.of(accumulators));
    }
  }
}
