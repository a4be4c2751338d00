package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.functions.util.FunctionUtils;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.checkpoint.ListCheckpointed;
import org.apache.flink.streaming.api.operators.StreamFilter;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Composition of named predicates, in plain Java (and in Flink's own filter operator). */
class NamedPredicateTest {

  private static final Order PAID_EU_BIG = new Order("o1", "EU", "PAID", 5_000);
  private static final Order OPEN_US_SMALL = new Order("o2", "US", "OPEN", 500);

  // tag::compose[]
  NamedPredicate<Order> paid = NamedPredicate.of("paid", Order::isPaid);
  NamedPredicate<Order> eu = NamedPredicate.of("eu", order -> order.region().equals("EU"));
  NamedPredicate<Order> vip = NamedPredicate.of("vip", order -> order.id().startsWith("vip-"));

  NamedPredicate<Order> wanted = paid.and(eu.or(vip)); // named "paid and (eu or vip)"

  // end::compose[]

  @Test
  void of_invalidName_failsNamingTheValue() {
    assertThatThrownBy(() -> NamedPredicate.of("paid?", Order::isPaid))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("predicate name")
        .hasMessageContaining("'paid?'");
  }

  @Test
  void and_namesTheCompositeAfterItsParts_andKeepsThemAsConjuncts() {
    assertThat(wanted.name()).isEqualTo("paid and (eu or vip)");
    assertThat(wanted.conjuncts())
        .extracting(NamedPredicate::name)
        .containsExactly("paid", "eu or vip");
  }

  @Test
  void and_ofAnAnd_isFlat() {
    NamedPredicate<Order> big = NamedPredicate.of("big", Order::isBig);

    NamedPredicate<Order> all = paid.and(eu).and(big);

    assertThat(all.name()).isEqualTo("paid and eu and big");
    assertThat(all.conjuncts())
        .extracting(NamedPredicate::name)
        .containsExactly("paid", "eu", "big");
  }

  @Test
  void orAndNot_areSingleConjuncts_namedWithParentheses() {
    NamedPredicate<Order> notEuOrVip = eu.or(vip).negate();
    NamedPredicate<Order> either = paid.and(eu).or(vip);

    assertThat(notEuOrVip.name()).isEqualTo("not (eu or vip)");
    assertThat(either.name()).isEqualTo("(paid and eu) or vip");
    assertThat(paid.negate().name()).isEqualTo("not paid");
    assertThat(either.conjuncts()).containsExactly(either);
  }

  @Test
  void named_turnsACompositeIntoOneConjunct() {
    NamedPredicate<Order> good = paid.and(eu).named("good");

    assertThat(good.name()).isEqualTo("good");
    assertThat(good.conjuncts()).extracting(NamedPredicate::name).containsExactly("good");
    assertThat(good.and(vip).conjuncts())
        .extracting(NamedPredicate::name)
        .containsExactly("good", "vip");
  }

  @Test
  void filter_evaluatesLikeTheBooleanOperators() throws Exception {
    assertThat(wanted.filter(PAID_EU_BIG)).isTrue();
    assertThat(wanted.filter(OPEN_US_SMALL)).isFalse();
    assertThat(paid.or(eu).filter(new Order("o3", "EU", "OPEN", 1))).isTrue();
    assertThat(eu.negate().filter(OPEN_US_SMALL)).isTrue();
    assertThat(paid.and(eu).named("x").filter(PAID_EU_BIG)).isTrue();
  }

  @Test
  void filter_shortCircuitsFromLeftToRight() throws Exception {
    NamedPredicate<Order> exploding =
        NamedPredicate.of(
            "exploding",
            order -> {
              throw new IllegalStateException("must not be evaluated");
            });

    assertThat(paid.and(exploding).filter(OPEN_US_SMALL)).isFalse();
    assertThat(paid.or(exploding).filter(PAID_EU_BIG)).isTrue();
    assertThatThrownBy(() -> paid.and(exploding).filter(PAID_EU_BIG))
        .isInstanceOf(IllegalStateException.class);
  }

  /** A rich predicate recording its lifecycle and the checkpoint notifications it gets. */
  static class Recording extends RichFilterFunction<Order> implements CheckpointListener {
    final List<String> calls = new ArrayList<>();

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      calls.add("complete " + checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) {
      calls.add("aborted " + checkpointId);
    }

    @Override
    public void open(OpenContext openContext) {
      calls.add("open");
    }

    @Override
    public boolean filter(Order value) {
      return true;
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }

  @Test
  void openAndClose_reachRichFunctionsInsideComposites() throws Exception {
    Recording recording = new Recording();
    NamedPredicate<Order> composite =
        paid.or(NamedPredicate.of("recording", recording).negate()).named("any");

    openAndClose(composite);

    assertThat(recording.calls).containsExactly("open", "close");
  }

  @Test
  void openAndClose_aRichPredicateInSeveralPlacesOfATree_reachItOnce() throws Exception {
    Recording recording = new Recording();
    NamedPredicate<Order> rich = NamedPredicate.of("recording", recording);
    NamedPredicate<Order> composite = rich.and(paid).or(rich.negate()).or(eu.and(rich));

    openAndClose(composite);

    assertThat(recording.calls).containsExactly("open", "close");
  }

  @Test
  void openAndClose_oneRichFunctionUnderTwoNames_reachItOnce() throws Exception {
    Recording recording = new Recording();
    NamedPredicate<Order> composite =
        NamedPredicate.of("first", recording).or(NamedPredicate.of("second", recording));

    openAndClose(composite);

    assertThat(recording.calls).containsExactly("open", "close");
  }

  /** Equal to every other one: only identity tells two apart. */
  static final class EqualToAll extends Recording {
    @Override
    public boolean equals(Object other) {
      return other instanceof EqualToAll;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }

  @Test
  void openAndClose_twoEqualRichFunctions_reachEach() throws Exception {
    EqualToAll first = new EqualToAll();
    EqualToAll second = new EqualToAll();
    NamedPredicate<Order> composite =
        NamedPredicate.of("first", first).and(NamedPredicate.of("second", second));

    openAndClose(composite);

    assertThat(first.calls).containsExactly("open", "close");
    assertThat(second.calls).containsExactly("open", "close");
  }

  /** A rich predicate whose close() fails. */
  static final class FailingClose extends Recording {
    @Override
    public void close() {
      super.close();
      throw new IllegalStateException("close failed");
    }
  }

  @Test
  void close_aFunctionThatFailsToClose_doesNotKeepTheOthersOpen() throws Exception {
    FailingClose first = new FailingClose();
    FailingClose second = new FailingClose();
    Recording third = new Recording();
    NamedPredicate<Order> composite =
        NamedPredicate.of("first", first)
            .and(NamedPredicate.of("second", second))
            .and(NamedPredicate.of("third", third));
    FunctionUtils.openFunction(composite, DefaultOpenContext.INSTANCE);

    assertThatThrownBy(() -> FunctionUtils.closeFunction(composite))
        .isInstanceOf(IllegalStateException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(third.calls).containsExactly("open", "close");
    assertThat(second.calls).containsExactly("open", "close");
  }

  /** What the step's operator does with its predicate over its life. */
  private static void openAndClose(NamedPredicate<Order> predicate) throws Exception {
    FunctionUtils.openFunction(predicate, DefaultOpenContext.INSTANCE);
    FunctionUtils.closeFunction(predicate);
  }

  // ---- Flink's checkpoint hooks -----------------------------------------------------------------

  /** Accepts the first {@code quota} records of its subtask, across restores (operator state). */
  static final class Quota implements FilterFunction<Order>, CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private final long quota;
    private transient ListState<Long> state;
    private transient long accepted;

    Quota(long quota) {
      this.quota = quota;
    }

    @Override
    public boolean filter(Order order) {
      if (accepted == quota) {
        return false;
      }
      accepted++;
      return true;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      state.update(List.of(accepted));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      state =
          context
              .getOperatorStateStore()
              .getListState(new ListStateDescriptor<>("accepted", Types.LONG));
      for (Long a : state.get()) {
        accepted += a;
      }
    }
  }

  /**
   * A predicate in Flink's own filter operator: Flink calls the hooks on the root, which passes
   * them on to the checkpointed function inside the tree.
   */
  @Test
  void checkpointedFunctionInsideATree_keepsItsStateAcrossARestore() throws Exception {
    Supplier<StreamFilter<Order>> operator =
        () -> new StreamFilter<>(paid.and(NamedPredicate.of("quota", new Quota(2))));
    OperatorSubtaskState snapshot;
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        new OneInputStreamOperatorTestHarness<>(operator.get())) {
      h.open();
      h.processElement(PAID_EU_BIG, 1L); // quota 1 of 2
      h.processElement(OPEN_US_SMALL, 1L); // not paid: the quota is not asked
      snapshot = h.snapshot(1L, 2L);
    }
    try (OneInputStreamOperatorTestHarness<Order, Order> h =
        new OneInputStreamOperatorTestHarness<>(operator.get())) {
      h.initializeState(snapshot);
      h.open();
      h.processElement(new Order("o3", "EU", "PAID", 1), 1L); // quota 2 of 2
      h.processElement(new Order("o4", "EU", "PAID", 1), 1L); // over quota

      assertThat(h.extractOutputValues()).extracting(Order::id).containsExactly("o3");
    }
  }

  @Test
  void checkpointNotifications_reachAListenerInSeveralPlacesOfATree_once() throws Exception {
    Recording recording = new Recording();
    NamedPredicate<Order> rich = NamedPredicate.of("recording", recording);
    NamedPredicate<Order> composite = rich.and(paid).or(rich.negate()).named("twice");

    composite.notifyCheckpointComplete(1L);
    composite.notifyCheckpointAborted(2L);

    assertThat(recording.calls).containsExactly("complete 1", "aborted 2");
  }

  @Test
  void and_ofTwoCheckpointedFunctions_failsSayingTheyWouldShareState() {
    NamedPredicate<Order> first = NamedPredicate.of("first", new Quota(1));
    NamedPredicate<Order> second = NamedPredicate.of("second", new Quota(2));

    assertThatThrownBy(() -> first.and(paid).or(second))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "2 functions of predicate '(first and paid) or second' implement"
                + " CheckpointedFunction ["
                + Quota.class.getName()
                + ", "
                + Quota.class.getName()
                + "], but one operator runs them all and their states would share its names: at"
                + " most one may keep checkpointed state; move the others into steps of their"
                + " own");
  }

  @Test
  void composite_oneCheckpointedFunctionInSeveralPlaces_isOneFunction() {
    NamedPredicate<Order> quota = NamedPredicate.of("quota", new Quota(1));

    assertThat(quota.and(paid).or(quota.negate()).name())
        .isEqualTo("(quota and paid) or not quota");
  }

  /** Flink's deprecated operator-state interface, which is not passed on. */
  @SuppressWarnings("deprecation")
  static final class ListCheckpointedPredicate
      implements FilterFunction<Order>, ListCheckpointed<Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean filter(Order order) {
      return true;
    }

    @Override
    public List<Long> snapshotState(long checkpointId, long timestamp) {
      return List.of();
    }

    @Override
    public void restoreState(List<Long> state) {}
  }

  @Test
  void of_listCheckpointedFunction_fails() {
    assertThatThrownBy(() -> NamedPredicate.of("old", new ListCheckpointedPredicate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the predicate 'old' (")
        .hasMessageEndingWith(
            "implements Flink's deprecated ListCheckpointed, which etlkit does not pass on:"
                + " implement CheckpointedFunction instead");
  }
}
