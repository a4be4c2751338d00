package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.filter.NamedPredicateTest.Quota;
import dev.etlkit.operators.filter.internal.BranchCounters;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link Filters#where}: the step as built, run in Flink's harness. */
class FiltersTest {

  private static final String SECRET = "SECRET-4711";

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private EtlStream<Order> orders() {
    return Etl.from(env.fromData(Order.TYPE_INFO, new Order("o0", "EU", "PAID", 1)), "orders");
  }

  private static final NamedPredicate<Order> PAID = NamedPredicate.of("paid", Order::isPaid);
  private static final NamedPredicate<Order> BIG = NamedPredicate.of("big", Order::isBig);
  private static final NamedPredicate<Order> EU =
      NamedPredicate.of("eu", order -> order.region().equals("EU"));

  private OneInputStreamOperatorTestHarness<Order, Order> harness(Filters.Where<Order> step)
      throws Exception {
    return StepHarness.of(orders().apply(step).toDataStream());
  }

  @Test
  void where_rejectedRecord_isCountedAsFiltered_notDeadLettered() throws Exception {
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        harness(Filters.where("paid", Order::isPaid))) {
      h.processElement(new Order("o1", "EU", "PAID", 100), 1L);
      h.processElement(new Order("o2", "EU", "OPEN", 100), 2L);

      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o1");
      assertThat(StepHarness.deadLetters(h)).isEmpty();
      RecordAccounting.StepCounts counts = StepHarness.counts(h, "orders", "paid");
      assertThat(counts.in()).isEqualTo(2);
      assertThat(counts.out()).isEqualTo(1);
      assertThat(counts.filtered()).isEqualTo(1);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void where_combinedPredicates_countEachFilteredRecordAgainstTheFirstConjunctThatFailed()
      throws Exception {
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        harness(Filters.where("paid-big-eu", PAID.and(BIG).and(EU)))) {
      h.processElement(new Order("o1", "EU", "PAID", 5_000), 1L); // passes
      h.processElement(new Order("o2", "EU", "OPEN", 5_000), 1L); // paid fails
      h.processElement(new Order("o3", "US", "OPEN", 5), 1L); // paid fails first
      h.processElement(new Order("o4", "EU", "PAID", 5), 1L); // big fails
      h.processElement(new Order("o5", "US", "PAID", 5_000), 1L); // eu fails

      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o1");
      Map<String, Long> byPredicate =
          BranchCounters.read(
              StepHarness.accumulators(h), BranchCounters.PREDICATE, "orders", "paid-big-eu");
      assertThat(byPredicate)
          .containsExactly(Map.entry("big", 1L), Map.entry("eu", 1L), Map.entry("paid", 2L));
      assertThat(StepHarness.counts(h, "orders", "paid-big-eu").filtered()).isEqualTo(4);
    }
  }

  @Test
  void where_throwingPredicate_deadLettersTheRecordAndKeepsItsNeighbours() throws Exception {
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        harness(Filters.where("paid-big", PAID.and(BIG)))) {
      h.processElement(new Order("o1", "EU", "PAID", 5_000), 1L);
      h.processElement(new Order("o2", "EU", "PAID", -1), 2L);
      h.processElement(new Order("o3", "EU", "PAID", 2_000), 3L);

      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o1", "o3");
      assertThat(StepHarness.deadLetters(h))
          .singleElement()
          .satisfies(
              letter -> {
                assertThat(letter.step()).isEqualTo("paid-big");
                assertThat(letter.uid()).isEqualTo("orders/paid-big");
                assertThat(letter.errorClass()).isEqualTo(IllegalStateException.class.getName());
                assertThat(letter.errorMessage()).isEqualTo("negative amount");
                assertThat(letter.payloadText()).contains("o2");
                assertThat(letter.eventTime()).isEqualTo(2L);
              });
      RecordAccounting.StepCounts counts = StepHarness.counts(h, "orders", "paid-big");
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.filtered()).isZero();
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void where_failJob_failsWithoutThePayloadInTheMessage() throws Exception {
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        harness(Filters.where("big", BIG).withErrorPolicy(ErrorPolicy.failJob()))) {
      assertThatThrownBy(() -> h.processElement(new Order(SECRET, "EU", "PAID", -1), 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("orders/big")
          .hasMessageNotContaining(SECRET);
      assertThat(StepHarness.deadLetters(h)).isEmpty();
    }
  }

  /** A variant of a base with a policy of its own takes the pipeline's again: here failJob. */
  @Test
  void where_withPipelineErrorPolicy_failsAsThePipelinesDefaultSays() throws Exception {
    Filters.Where<Order> own = Filters.where("big", BIG).withErrorPolicy(ErrorPolicy.deadLetter());
    Order negative = new Order("o1", "EU", "PAID", -1);

    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        StepHarness.of(
            orders().defaultErrorPolicy(ErrorPolicy.failJob()).apply(own).toDataStream())) {
      h.processElement(negative, 1L);
      assertThat(StepHarness.deadLetters(h)).hasSize(1);
    }
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        StepHarness.of(
            orders()
                .defaultErrorPolicy(ErrorPolicy.failJob())
                .apply(own.withPipelineErrorPolicy())
                .toDataStream())) {
      assertThatThrownBy(() -> h.processElement(negative, 1L))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("orders/big");
      assertThat(StepHarness.deadLetters(h)).isEmpty();
    }
  }

  /** Reads its threshold in open(), as a predicate that loads a setting would. */
  static final class AtLeast extends RichFilterFunction<Order> {
    private final long cents;
    private transient long threshold;

    AtLeast(long cents) {
      this.cents = cents;
    }

    @Override
    public void open(OpenContext openContext) {
      threshold = cents + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    }

    @Override
    public boolean filter(Order value) {
      return value.cents() >= threshold;
    }
  }

  @Test
  void where_richPredicateInsideAComposite_isOpenedWithTheOperator() throws Exception {
    NamedPredicate<Order> atLeast = NamedPredicate.of("at-least", new AtLeast(100));
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        harness(Filters.where("paid-enough", PAID.and(atLeast)))) {
      h.processElement(new Order("o1", "EU", "PAID", 100), 1L);
      h.processElement(new Order("o2", "EU", "PAID", 99), 1L);

      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o1");
    }
  }

  @Test
  void where_richPredicateInTwoPlacesOfTheTree_isOpenedAndClosedOnce() throws Exception {
    NamedPredicateTest.Recording recording = new NamedPredicateTest.Recording();
    NamedPredicate<Order> rich = NamedPredicate.of("recording", recording);

    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        harness(Filters.where("checked", PAID.and(rich.or(BIG.and(rich)))))) {
      h.processElement(new Order("o1", "EU", "PAID", 100), 1L);
    }

    assertThat(recording.calls).containsExactly("open", "close");
  }

  @Test
  void where_checkpointedPredicate_keepsItsStateAcrossARestore() throws Exception {
    // two builds of one step: the job before the failure, and the job restored from its checkpoint
    Supplier<Filters.Where<Order>> step =
        () -> Filters.where("paid-quota", PAID.and(NamedPredicate.of("quota", new Quota(2))));
    OperatorSubtaskState checkpoint;
    try (OneInputStreamOperatorTestHarness<Order, Order> h = harness(step.get())) {
      h.processElement(new Order("o1", "EU", "PAID", 1), 1L); // quota 1 of 2
      checkpoint = h.snapshot(1L, 2L);
    }
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        StepHarness.restored(orders().apply(step.get()).toDataStream(), checkpoint)) {
      h.processElement(new Order("o2", "EU", "PAID", 1), 1L); // quota 2 of 2
      h.processElement(new Order("o3", "EU", "PAID", 1), 1L); // over quota

      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o2");
    }
  }

  @Test
  void where_checkpointListenerInTwoPlacesOfTheTree_isNotifiedOnce() throws Exception {
    NamedPredicateTest.Recording recording = new NamedPredicateTest.Recording();
    NamedPredicate<Order> rich = NamedPredicate.of("recording", recording);

    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        harness(Filters.where("checked", PAID.and(rich.or(BIG.and(rich)))))) {
      h.processElement(new Order("o1", "EU", "PAID", 100), 1L);
      h.snapshot(1L, 2L);
      h.notifyOfCompletedCheckpoint(1L);
    }

    assertThat(recording.calls).containsExactly("open", "complete 1", "close");
  }

  @Test
  void where_plainFunction_isOnePredicateNamedAfterTheStep() {
    FilterFunction<Order> paid = Order::isPaid;

    Filters.Where<Order> step = Filters.where("paid-only", paid);

    assertThat(step.predicate().name()).isEqualTo("paid-only");
    assertThat(step.predicate().conjuncts()).hasSize(1);
  }

  @Test
  void where_addsOneOperator_withTheStepUid() {
    EtlStream<Order> orders = orders();
    NamedPredicate<Order> big = BIG;
    NamedPredicate<Order> eu = EU;

    // tag::where[]
    EtlStream<Order> kept =
        orders
            .apply(Filters.where("paid", Order::isPaid)) // one predicate, named after the step
            .apply(Filters.where("big-in-eu", big.and(eu))); // one counter per predicate
    // end::where[]

    assertThat(kept.pipeline().uids()).containsExactly("orders/paid", "orders/big-in-eu");
    assertThat(kept.type()).isEqualTo(Order.TYPE_INFO);
  }

  @Test
  void where_twoPredicatesWithOneName_fails() {
    NamedPredicate<Order> otherPaid = NamedPredicate.of("paid", order -> order.cents() > 0);

    assertThatThrownBy(() -> Filters.where("checks", PAID.and(otherPaid)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "predicate names must be distinct within step 'checks', but 'paid' appears twice in"
                + " 'paid and paid'; rename one with named(...)");
  }

  @Test
  void where_invalidStepName_fails() {
    assertThatThrownBy(() -> Filters.where("paid orders", PAID))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name")
        .hasMessageContaining("'paid orders'");
  }

  /** Not a POJO (no default constructor, final field without setter): Flink would use Kryo. */
  static final class Opaque {
    final int value;

    Opaque(int value) {
      this.value = value;
    }
  }

  @Test
  void where_inputTypeSerializedWithKryo_failsWhenApplied() {
    EtlStream<Opaque> opaque =
        Etl.from(env.fromData(new GenericTypeInfo<>(Opaque.class), new Opaque(1)), "opaque");

    assertThatThrownBy(() -> opaque.apply(Filters.where("positive", o -> o.value > 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input type of step 'positive'")
        .hasMessageContaining("would be serialized with Kryo");
  }
}
