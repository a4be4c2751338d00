package dev.etlkit.examples;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Runs the operator of a step from orders to orders in an operator harness, on records with or
 * without a timestamp, for the tests of {@link FutureOrders}.
 */
final class OrderStepRuns {

  private OrderStepRuns() {}

  /** What one step's operator emitted, and the step's accounting. */
  record StepRun(
      List<Order> output,
      List<StreamRecord<DeadLetter>> deadLetters,
      RecordAccounting accounting) {}

  /** Runs {@code step} as the one step of the orders pipeline on {@code records}. */
  static StepRun runStep(EtlStep<Order, Order> step, List<StreamRecord<Order>> records)
      throws Exception {
    DataStream<Order> input =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromData(
                records.stream().map(StreamRecord::getValue).collect(Collectors.toList()),
                Order.TYPE_INFO);
    return run(
        Etl.from(input, OrdersJob.PIPELINE).apply(step).toDataStream().getTransformation(),
        records);
  }

  /** Runs the operator of {@code transformation}, a step from orders to orders, on the records. */
  @SuppressWarnings("unchecked")
  static StepRun run(Transformation<?> transformation, List<StreamRecord<Order>> records)
      throws Exception {
    OneInputStreamOperator<Order, Order> operator =
        (OneInputStreamOperator<Order, Order>)
            ((SimpleOperatorFactory<Order>)
                    ((OneInputTransformation<Order, Order>) transformation).getOperatorFactory())
                .getOperator();
    try (OneInputStreamOperatorTestHarness<Order, Order> harness =
        new OneInputStreamOperatorTestHarness<>(operator)) {
      harness.setup(
          Order.TYPE_INFO.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.open();
      for (StreamRecord<Order> record : records) {
        harness.processElement(record);
      }
      List<StreamRecord<DeadLetter>> deadLetters =
          harness.getSideOutput(DeadLetter.OUTPUT_TAG) == null
              ? List.of()
              : new ArrayList<>(harness.getSideOutput(DeadLetter.OUTPUT_TAG));
      Map<String, Object> accumulators =
          harness.getEnvironment().getAccumulatorRegistry().getUserMap().entrySet().stream()
              .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getLocalValue()));
      return new StepRun(
          harness.extractOutputValues(), deadLetters, RecordAccounting.of(accumulators));
    }
  }
}
