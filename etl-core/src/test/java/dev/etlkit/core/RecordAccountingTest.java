package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordAccountingTest {

  @Test
  void of_accumulators_groupsCountersByStep() {
    RecordAccounting accounting =
        RecordAccounting.of(
            Map.of(
                "etlkit/orders/parse/recordsIn", 10L,
                "etlkit/orders/parse/recordsOut", 8L,
                "etlkit/orders/parse/recordsDeadLettered", 2L,
                "etlkit/orders/parse/recordsEmitted", 8L,
                "some-other-accumulator", 5L));

    RecordAccounting.StepCounts parse = accounting.step("orders", "parse");
    assertThat(parse.in()).isEqualTo(10);
    assertThat(parse.out()).isEqualTo(8);
    assertThat(parse.deadLettered()).isEqualTo(2);
    assertThat(parse.isBalanced()).isTrue();
    assertThat(accounting.steps()).hasSize(1);
  }

  @Test
  void isBalanced_aRecordUnaccountedFor_isFalse() {
    RecordAccounting accounting =
        RecordAccounting.of(
            Map.of(
                "etlkit/orders/paid/recordsIn", 10L,
                "etlkit/orders/paid/recordsOut", 6L,
                "etlkit/orders/paid/recordsFiltered", 3L));

    assertThat(accounting.isBalanced()).isFalse();
    assertThat(accounting.toTable()).contains("| NO");
  }

  @Test
  void step_unknown_failsNamingIt() {
    assertThatThrownBy(() -> RecordAccounting.of(Map.of()).step("orders", "parse"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no accounting for step 'parse' of pipeline 'orders': ");
  }
}
