package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.SplitStreams;
import dev.etlkit.operators.filter.NamedPredicateTest.Quota;
import dev.etlkit.operators.filter.internal.BranchCounters;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** {@link Route}: routing semantics through the built operator, outputs, validation. */
class RouteTest {

  private static final String SECRET = "SECRET-4711";

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private EtlStream<Order> orders() {
    return Etl.from(env.fromData(Order.TYPE_INFO, new Order("o0", "EU", "PAID", 1)), "orders");
  }

  private static Order order(String id, String region) {
    return new Order(id, region, "PAID", 100);
  }

  /** Runs the route step on {@code input} and returns what each route received, by route name. */
  private static final class Routed implements AutoCloseable {
    final SplitStreams<Order> outputs;
    final OneInputStreamOperatorTestHarness<Order, Order> harness;

    Routed(SplitStreams<Order> outputs) throws Exception {
      this(outputs, StepHarness.of(outputs.get(outputs.names().get(0)).toDataStream()));
    }

    Routed(SplitStreams<Order> outputs, OneInputStreamOperatorTestHarness<Order, Order> harness) {
      this.outputs = outputs;
      this.harness = harness;
    }

    /** The route step restored from {@code snapshot}, as after a failure. */
    static Routed restored(SplitStreams<Order> outputs, OperatorSubtaskState snapshot)
        throws Exception {
      return new Routed(
          outputs,
          StepHarness.restored(outputs.get(outputs.names().get(0)).toDataStream(), snapshot));
    }

    Routed process(Order... input) throws Exception {
      for (Order o : input) {
        harness.processElement(o, 1L);
      }
      return this;
    }

    List<String> ids(String route) {
      return StepHarness.side(harness, StepHarness.tagOf(outputs.get(route).toDataStream()))
          .stream()
          .map(Order::id)
          .toList();
    }

    RecordAccounting.StepCounts counts() {
      return StepHarness.counts(harness, "orders", outputs.step());
    }

    Map<String, Long> perRoute() {
      return BranchCounters.read(
          StepHarness.accumulators(harness), BranchCounters.ROUTE, "orders", outputs.step());
    }

    @Override
    public void close() throws Exception {
      harness.close();
    }
  }

  // tag::route[]
  Route<Order> byRegion =
      Route.<Order>by("route-orders")
          .to("eu", order -> order.region().equals("EU"))
          .to("us", order -> order.region().equals("US"))
          .otherwise("rest");

  // end::route[]

  @Test
  void firstMatch_sendsEveryRecordToExactlyOneRoute() throws Exception {
    try (Routed r =
        new Routed(orders().split(byRegion))
            .process(
                order("o1", "EU"), order("o2", "US"), order("o3", "APAC"), order("o4", "EU"))) {
      assertThat(r.ids("eu")).containsExactly("o1", "o4");
      assertThat(r.ids("us")).containsExactly("o2");
      assertThat(r.ids("rest")).containsExactly("o3");
      assertThat(r.harness.extractOutputValues()).isEmpty();
      assertThat(r.perRoute())
          .containsExactly(Map.entry("eu", 2L), Map.entry("rest", 1L), Map.entry("us", 1L));
      RecordAccounting.StepCounts counts = r.counts();
      assertThat(counts.in()).isEqualTo(4);
      assertThat(counts.out()).isEqualTo(4);
      assertThat(counts.emitted()).isEqualTo(4);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void firstMatch_aRecordTwoRoutesAccept_goesToTheFirstDeclared() throws Exception {
    Route<Order> overlapping =
        Route.<Order>by("overlap").to("big", Order::isBig).to("eu", o -> o.region().equals("EU"));

    try (Routed r =
        new Routed(orders().split(overlapping))
            .process(new Order("o1", "EU", "PAID", 5_000), new Order("o2", "EU", "PAID", 5))) {
      assertThat(r.ids("big")).containsExactly("o1");
      assertThat(r.ids("eu")).containsExactly("o2");
    }
  }

  @Test
  void allMatches_sendsARecordToEveryRouteThatAcceptsIt() throws Exception {
    // tag::route-all[]
    Route<Order> overlapping =
        Route.<Order>by("overlap")
            .to("big", Order::isBig)
            .to("eu", o -> o.region().equals("EU"))
            .otherwise("rest")
            .withMatching(Route.Matching.ALL); // a big EU order goes to "big" and to "eu"
    // end::route-all[]

    try (Routed r =
        new Routed(orders().split(overlapping))
            .process(
                new Order("o1", "EU", "PAID", 5_000),
                new Order("o2", "EU", "PAID", 5),
                new Order("o3", "US", "PAID", 5))) {
      assertThat(r.ids("big")).containsExactly("o1");
      assertThat(r.ids("eu")).containsExactly("o1", "o2");
      assertThat(r.ids("rest")).containsExactly("o3");
      RecordAccounting.StepCounts counts = r.counts();
      assertThat(counts.out()).isEqualTo(3);
      assertThat(counts.emitted()).isEqualTo(4);
      assertThat(counts.isBalanced()).isTrue();
    }
  }

  @Test
  void noMatchAndNoOtherwise_isCountedAsFiltered() throws Exception {
    Route<Order> euOnly = Route.<Order>by("eu-only").to("eu", o -> o.region().equals("EU"));

    try (Routed r =
        new Routed(orders().split(euOnly)).process(order("o1", "EU"), order("o2", "US"))) {
      assertThat(r.ids("eu")).containsExactly("o1");
      assertThat(StepHarness.deadLetters(r.harness)).isEmpty();
      assertThat(r.counts().filtered()).isEqualTo(1);
      assertThat(r.counts().isBalanced()).isTrue();
    }
  }

  @Test
  void throwingPredicate_deadLettersTheRecord_beforeItReachesAnyRoute() throws Exception {
    Route<Order> risky =
        Route.<Order>by("risky")
            .to("eu", o -> o.region().equals("EU"))
            .to("big", Order::isBig)
            .withMatching(Route.Matching.ALL);

    try (Routed r =
        new Routed(orders().split(risky))
            .process(new Order("o1", "EU", "PAID", -1), new Order("o2", "EU", "PAID", 5_000))) {
      assertThat(r.ids("eu")).containsExactly("o2"); // o1 matched "eu", then "big" threw
      assertThat(r.ids("big")).containsExactly("o2");
      assertThat(StepHarness.deadLetters(r.harness))
          .singleElement()
          .satisfies(
              letter -> {
                assertThat(letter.uid()).isEqualTo("orders/risky");
                assertThat(letter.errorMessage()).isEqualTo("negative amount");
                assertThat(letter.payloadText()).contains("o1");
              });
      assertThat(r.counts().deadLettered()).isEqualTo(1);
      assertThat(r.counts().isBalanced()).isTrue();
    }
  }

  @Test
  void throwingPredicate_onAChangeWithASourcePosition_deadLetterKeepsThePosition()
      throws Exception {
    Route<Change<String>> failing =
        Route.<Change<String>>by("failing")
            .to(
                "all",
                change -> {
                  throw new IllegalStateException("predicate failed");
                });
    SplitStreams<Change<String>> outputs =
        Etl.from(env.fromData(Change.typeInfo(Types.STRING), Change.insert("c0")), "changes")
            .split(failing);
    try (OneInputStreamOperatorTestHarness<Change<String>, Change<String>> h =
        StepHarness.of(outputs.get("all").toDataStream())) {
      h.processElement(Change.insert("c1").withSourcePosition(41L), 1L);

      assertThat(StepHarness.deadLetters(h))
          .extracting(DeadLetter::sourcePosition)
          .containsExactly("41");
    }
  }

  @Test
  void aRichPredicateInSeveralRoutes_isOpenedAndClosedOnce() throws Exception {
    NamedPredicateTest.Recording recording = new NamedPredicateTest.Recording();
    NamedPredicate<Order> rich = NamedPredicate.of("recording", recording);
    Route<Order> shared =
        Route.<Order>by("shared")
            .to("rich", rich)
            .to("not-rich", rich.negate())
            .to("plain", recording)
            .withMatching(Route.Matching.ALL);

    try (Routed r = new Routed(orders().split(shared)).process(order("o1", "EU"))) {
      assertThat(r.ids("rich")).containsExactly("o1");
      assertThat(r.ids("plain")).containsExactly("o1");
    }

    assertThat(recording.calls).containsExactly("open", "close");
  }

  @Test
  void aCheckpointedPredicate_keepsItsStateAcrossARestore() throws Exception {
    // two builds of one step: the job before the failure, and the job restored from its checkpoint
    Supplier<Route<Order>> step =
        () ->
            Route.<Order>by("quota")
                .to("us", o -> o.region().equals("US"))
                .to("first-two", new Quota(2))
                .otherwise("rest");
    OperatorSubtaskState checkpoint;
    try (Routed r = new Routed(orders().split(step.get())).process(order("o1", "EU"))) {
      checkpoint = r.harness.snapshot(1L, 2L);
    }
    try (Routed r =
        Routed.restored(orders().split(step.get()), checkpoint)
            .process(order("o2", "EU"), order("o3", "EU"))) {
      assertThat(r.ids("first-two")).containsExactly("o2");
      assertThat(r.ids("rest")).containsExactly("o3");
    }
  }

  @Test
  void aCheckpointListenerInSeveralRoutes_isNotifiedOnce() throws Exception {
    NamedPredicateTest.Recording recording = new NamedPredicateTest.Recording();
    Route<Order> shared =
        Route.<Order>by("shared")
            .to("rich", NamedPredicate.of("recording", recording))
            .to("plain", recording)
            .withMatching(Route.Matching.ALL);

    try (Routed r = new Routed(orders().split(shared)).process(order("o1", "EU"))) {
      r.harness.snapshot(1L, 2L);
      r.harness.notifyOfCompletedCheckpoint(1L);
    }

    assertThat(recording.calls).containsExactly("open", "complete 1", "close");
  }

  @Test
  void to_aSecondCheckpointedPredicate_failsSayingTheyWouldShareState() {
    Route<Order> oneQuota = Route.<Order>by("quotas").to("first", new Quota(1));

    assertThatThrownBy(() -> oneQuota.to("second", NamedPredicate.of("q", new Quota(2)).negate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("2 functions of step 'quotas' implement CheckpointedFunction");
  }

  @Test
  void failJob_failsWithoutThePayloadInTheMessage() throws Exception {
    Route<Order> strict =
        Route.<Order>by("strict").to("big", Order::isBig).withErrorPolicy(ErrorPolicy.failJob());

    try (Routed r = new Routed(orders().split(strict))) {
      assertThatThrownBy(() -> r.process(new Order(SECRET, "EU", "PAID", -1)))
          .isInstanceOf(EtlException.class)
          .hasMessageContaining("orders/strict")
          .hasMessageNotContaining(SECRET);
    }
  }

  @Test
  void split_addsOneOperatorWithTheStepUid_andOneNamedStreamPerRoute() {
    SplitStreams<Order> regions = orders().split(byRegion);

    assertThat(regions.names()).containsExactly("eu", "us", "rest");
    assertThat(regions.get("eu").pipeline().uids()).containsExactly("orders/route-orders");
    assertThat(regions.get("us").type()).isEqualTo(Order.TYPE_INFO);
    assertThat(regions.get("rest").toDataStream().getTransformation().getName())
        .isEqualTo("orders/route-orders/rest");
  }

  @Test
  void otherwise_isTheLastOutput_whereverItWasDeclared() {
    FilterFunction<Order> eu = o -> o.region().equals("EU");

    Route<Order> late = Route.<Order>by("r").to("eu", eu).otherwise("rest");
    Route<Order> early = Route.<Order>by("r").otherwise("rest").to("eu", eu);

    assertThat(early.routes()).isEqualTo(late.routes()).containsExactly("eu", "rest");
  }

  @Test
  void to_duplicateRouteName_fails() {
    Route<Order> route = Route.<Order>by("r").to("eu", Order::isPaid).otherwise("rest");

    assertThatThrownBy(() -> route.to("eu", Order::isBig))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step 'r' already has a route named 'eu'");
    assertThatThrownBy(() -> route.to("rest", Order::isBig))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step 'r' already has a route named 'rest'");
  }

  @Test
  void otherwise_twice_fails() {
    Route<Order> route = Route.<Order>by("r").to("eu", Order::isPaid).otherwise("rest");

    assertThatThrownBy(() -> route.otherwise("other"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "step 'r' already has the otherwise route 'rest', cannot add 'other' as a second one");
  }

  @Test
  void to_invalidRouteName_fails() {
    assertThatThrownBy(() -> Route.<Order>by("r").to("e/u", Order::isPaid))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("route name")
        .hasMessageContaining("'e/u'");
  }

  @Test
  void by_invalidStepName_fails() {
    assertThatThrownBy(() -> Route.<Order>by("-route"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step name")
        .hasMessageContaining("'-route'");
  }

  @Test
  void split_withoutRoutes_failsWhenApplied() {
    EtlStream<Order> orders = orders();

    assertThatThrownBy(() -> orders.split(Route.<Order>by("empty")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step 'empty' has no routes: add at least one with to(route, predicate)");
    assertThatThrownBy(() -> orders.split(Route.<Order>by("only-rest").otherwise("rest")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("besides the otherwise route 'rest'");
  }

  /** Not a POJO: Flink would use Kryo. */
  static final class Opaque {
    final int value;

    Opaque(int value) {
      this.value = value;
    }
  }

  @Test
  void split_inputTypeSerializedWithKryo_failsWhenApplied() {
    EtlStream<Opaque> opaque =
        Etl.from(env.fromData(new GenericTypeInfo<>(Opaque.class), new Opaque(1)), "opaque");

    assertThatThrownBy(() -> opaque.split(Route.<Opaque>by("r").to("one", o -> o.value == 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input type of step 'r'");
  }
}
