package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.util.List;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link Project#to}: declared output type, dead letters for null results and exceptions. */
class ProjectTest {

  private static final String SECRET = "SECRET-4711";

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private EtlStream<Order> orders() {
    return Etl.from(env.fromData(Order.TYPE_INFO, new Order("o0", "EU", "PAID", 1)), "orders");
  }

  /** Summarizes an order; an order without id cannot be summarized. */
  static OrderSummary summarize(Order order) {
    if (order.id().isEmpty()) {
      return null;
    }
    return new OrderSummary(order.id(), order.cents());
  }

  // tag::project[]
  Project<Order, OrderSummary> summary =
      Project.to(
          "summary", OrderSummary.class, order -> new OrderSummary(order.id(), order.cents()));

  // end::project[]

  @Test
  void to_declaresThePojoTypeOfTheOutputClass() {
    EtlStream<OrderSummary> summaries = orders().apply(summary);

    assertThat(summaries.type()).isInstanceOf(PojoTypeInfo.class);
    assertThat(summaries.type().getTypeClass()).isEqualTo(OrderSummary.class);
    assertThat(summary.outputType()).isEqualTo(summaries.type());
    assertThat(summaries.pipeline().uids()).containsExactly("orders/summary");
  }

  @Test
  void project_nullResultAndException_areDeadLetters_andTheRestIsProjected() throws Exception {
    Project<Order, OrderSummary> checked =
        Project.to(
            "summary",
            OrderSummary.class,
            order -> {
              if (order.cents() < 0) {
                throw new ArithmeticException("negative amount");
              }
              return summarize(order);
            });
    try (OneInputStreamOperatorTestHarness<Order, OrderSummary> h =
        StepHarness.of(orders().apply(checked).toDataStream())) {
      h.processElement(new Order("o1", "EU", "PAID", 100), 1L);
      h.processElement(new Order("", "EU", "PAID", 100), 2L);
      h.processElement(new Order("o3", "EU", "PAID", -5), 3L);
      h.processElement(new Order("o4", "US", "OPEN", 7), 4L);

      assertThat(h.extractOutputValues())
          .containsExactly(new OrderSummary("o1", 100), new OrderSummary("o4", 7));
      assertThat(StepHarness.deadLetters(h))
          .extracting(l -> l.errorClass() + ": " + l.errorMessage())
          .containsExactly(
              "java.lang.NullPointerException: map function returned null",
              "java.lang.ArithmeticException: negative amount");
      RecordAccounting.StepCounts counts = StepHarness.counts(h, "orders", "summary");
      assertThat(counts.in()).isEqualTo(4);
      assertThat(counts.out()).isEqualTo(2);
      assertThat(counts.deadLettered()).isEqualTo(2);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void project_failJob_failsWithoutThePayloadInTheMessage() throws Exception {
    try (OneInputStreamOperatorTestHarness<Order, OrderSummary> h =
        StepHarness.of(
            orders()
                .apply(
                    Project.to("summary", OrderSummary.class, ProjectTest::summarize)
                        .withErrorPolicy(ErrorPolicy.failJob()))
                .toDataStream())) {
      assertThatThrownBy(() -> h.processElement(new Order("", SECRET, "PAID", 1), 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("orders/summary")
          .hasMessageNotContaining(SECRET);
    }
  }

  /** Not a POJO: no default constructor and no setters. */
  static final class Opaque {
    final int value;

    Opaque(int value) {
      this.value = value;
    }
  }

  /** A POJO, but one field has no Flink type of its own. */
  public static final class Holder {
    public Object payload;
  }

  @Test
  void to_outputClassSerializedWithKryo_failsNamingTheClass() {
    assertThatThrownBy(() -> Project.to("opaque", Opaque.class, (Order o) -> new Opaque(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output class of projection 'opaque'")
        .hasMessageContaining("the type " + Opaque.class.getName())
        .hasMessageContaining("would be serialized with Kryo");
  }

  @Test
  void to_outputClassWithAKryoField_failsNamingTheField() {
    assertThatThrownBy(() -> Project.to("holder", Holder.class, (Order o) -> new Holder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("field 'payload' of type java.lang.Object");
  }

  @Test
  @SuppressWarnings({"rawtypes", "unchecked"}) // the mistake under test: a generic class alone
  void to_genericOutputClass_failsNamingTheProjection_andPointsToStepsMap() {
    // Flink cannot type a Tuple2 (or any generic class) from its class alone; Project.to takes a
    // class only, so the way out is Steps.map with a TypeInformation, not Flink's TypeHint advice.
    assertThatThrownBy(() -> Project.to("pair", Tuple2.class, (Order o) -> Tuple2.of(o.id(), 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output class of projection 'pair'")
        .hasMessageContaining(Tuple2.class.getName())
        .hasMessageContaining("Steps.map");
  }

  @Test
  void to_invalidName_fails() {
    assertThatThrownBy(() -> Project.to("", OrderSummary.class, (Order o) -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name");
  }

  @Test
  void withErrorPolicy_returnsANewSpec_andKeepsTheOriginal() {
    Project<Order, OrderSummary> strict = summary.withErrorPolicy(ErrorPolicy.failJob());

    assertThat(strict).isNotSameAs(summary);
    assertThat(List.of(strict.name(), strict.outputType()))
        .containsExactly(summary.name(), summary.outputType());
  }
}
