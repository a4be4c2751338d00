package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.filter.internal.RouteSelector;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.FilterFunction;
import org.junit.jupiter.api.Test;

/** The routing rule, in plain Java: routes 0 = even, 1 = divisible by 3, 2 = otherwise. */
class RouteSelectorTest {

  private static final FilterFunction<Integer> EVEN = n -> n % 2 == 0;
  private static final FilterFunction<Integer> BY_THREE = n -> n % 3 == 0;

  private static int[] select(RouteSelector<Integer> selector, int value) throws Exception {
    int[] into = new int[selector.routeCount()];
    int n = selector.select(value, into);
    return Arrays.copyOf(into, n);
  }

  @Test
  void firstMatch_picksTheFirstRouteThatAccepts() throws Exception {
    RouteSelector<Integer> first = new RouteSelector<>(List.of(EVEN, BY_THREE), false, false);

    assertThat(select(first, 6)).containsExactly(0);
    assertThat(select(first, 9)).containsExactly(1);
    assertThat(select(first, 5)).isEmpty();
  }

  @Test
  void firstMatch_doesNotEvaluateLaterPredicates() throws Exception {
    FilterFunction<Integer> exploding =
        n -> {
          throw new IllegalStateException("must not be evaluated");
        };
    RouteSelector<Integer> first = new RouteSelector<>(List.of(EVEN, exploding), false, false);

    assertThat(select(first, 2)).containsExactly(0);
    assertThatThrownBy(() -> select(first, 3)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void allMatches_picksEveryRouteThatAccepts() throws Exception {
    RouteSelector<Integer> all = new RouteSelector<>(List.of(EVEN, BY_THREE), false, true);

    assertThat(select(all, 6)).containsExactly(0, 1);
    assertThat(select(all, 4)).containsExactly(0);
    assertThat(select(all, 5)).isEmpty();
  }

  @Test
  void noMatch_goesToTheOtherwiseRoute_inBothModes() throws Exception {
    RouteSelector<Integer> first = new RouteSelector<>(List.of(EVEN, BY_THREE), true, false);
    RouteSelector<Integer> all = new RouteSelector<>(List.of(EVEN, BY_THREE), true, true);

    assertThat(first.routeCount()).isEqualTo(3);
    assertThat(select(first, 5)).containsExactly(2);
    assertThat(select(all, 5)).containsExactly(2);
    assertThat(select(all, 6)).containsExactly(0, 1);
  }

  @Test
  void noPredicates_isRejected() {
    assertThatThrownBy(() -> new RouteSelector<Integer>(List.of(), true, false))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
