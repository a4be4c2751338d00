package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.SplitStreams;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * The "each function once" lifecycle also holds for the function as a task manager gets it, a
 * Java-serialized copy (the other tests run the built function itself).
 */
class FilterSerializedCopyTest {

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private EtlStream<Order> orders() {
    return Etl.from(env.fromData(Order.TYPE_INFO, new Order("o0", "EU", "PAID", 1)), "orders");
  }

  /** Fails a record it is asked about before it was opened. */
  static final class MustBeOpen extends RichFilterFunction<Order> {
    private transient boolean open;

    @Override
    public void open(OpenContext openContext) {
      if (open) {
        throw new IllegalStateException("opened twice");
      }
      open = true;
    }

    @Override
    public boolean filter(Order value) {
      if (!open) {
        throw new IllegalStateException("not opened");
      }
      return value.isPaid();
    }
  }

  @SuppressWarnings("unchecked")
  private static <I, O> OneInputStreamOperatorTestHarness<I, O> serializedCopyOf(
      DataStream<?> stepOutput) throws Exception {
    Transformation<?> t = stepOutput.getTransformation();
    while (!(t instanceof OneInputTransformation)) {
      t = t.getInputs().get(0);
    }
    ProcessFunction<I, O> function =
        (ProcessFunction<I, O>)
            ((AbstractUdfStreamOperator<?, ?>) ((OneInputTransformation<?, ?>) t).getOperator())
                .getUserFunction();
    ProcessFunction<I, O> copy =
        InstantiationUtil.clone(function, FilterSerializedCopyTest.class.getClassLoader());
    OneInputStreamOperatorTestHarness<I, O> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(copy);
    NoKryo.disableGenericTypes(harness.getExecutionConfig());
    return harness;
  }

  @Test
  void route_serializedCopy_opensAFunctionUsedInSeveralRoutesOnce_andEvaluatesTheOpenedOne()
      throws Exception {
    MustBeOpen paid = new MustBeOpen();
    SplitStreams<Order> routes =
        orders()
            .split(
                Route.<Order>by("shared")
                    .to("named", NamedPredicate.of("paid", paid).and(NamedPredicate.of("p2", paid)))
                    .to("plain", paid)
                    .otherwise("rest")
                    .withMatching(Route.Matching.ALL));
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        serializedCopyOf(routes.get("named").toDataStream())) {
      h.processElement(new Order("o1", "EU", "PAID", 1), 1L);
      h.processElement(new Order("o2", "EU", "OPEN", 1), 1L);

      assertThat(StepHarness.deadLetters(h)).isEmpty();
      assertThat(StepHarness.side(h, StepHarness.tagOf(routes.get("named").toDataStream())))
          .extracting(Order::id)
          .containsExactly("o1");
      assertThat(StepHarness.side(h, StepHarness.tagOf(routes.get("plain").toDataStream())))
          .extracting(Order::id)
          .containsExactly("o1");
      assertThat(StepHarness.side(h, StepHarness.tagOf(routes.get("rest").toDataStream())))
          .extracting(Order::id)
          .containsExactly("o2");
    }
  }

  @Test
  void where_serializedCopy_opensAFunctionUsedTwiceInTheTreeOnce_andEvaluatesTheOpenedOne()
      throws Exception {
    MustBeOpen paid = new MustBeOpen();
    NamedPredicate<Order> p = NamedPredicate.of("paid", paid);
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        serializedCopyOf(
            orders()
                .apply(
                    Filters.where("twice", p.and(p.or(NamedPredicate.of("p2", paid)).named("x"))))
                .toDataStream())) {
      h.processElement(new Order("o1", "EU", "PAID", 1), 1L);
      h.processElement(new Order("o2", "EU", "OPEN", 1), 1L);

      assertThat(StepHarness.deadLetters(h)).isEmpty();
      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o1");
    }
  }
}
