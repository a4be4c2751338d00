package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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

  private static final Map<String, Object> PARSE_ONLY =
      Map.of(
          "etlkit/orders/parse/recordsIn", 10L,
          "etlkit/orders/parse/recordsOut", 10L,
          "etlkit/orders/parse/recordsEmitted", 10L);

  private static EtlPipeline orders() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    return Etl.from(env.fromData("1", "2"), "orders")
        .apply(Steps.map("parse", Integer::parseInt, Types.INT))
        .apply(Steps.filter("positive", (Integer i) -> i > 0))
        .pipeline();
  }

  @Test
  void of_withPipelines_listsTheStepsWithoutCounts_andIsNotBalanced() {
    RecordAccounting accounting = RecordAccounting.of(PARSE_ONLY, orders());

    assertThat(accounting.missingSteps()).containsExactly("orders/positive");
    assertThat(accounting.step("orders", "parse").isBalanced()).isTrue();
    assertThat(accounting.isBalanced()).as("a step's records unaccounted for").isFalse();
    assertThat(accounting.toTable())
        .containsPattern("(?m)^orders +\\| positive +\\| - .*\\| no counts$");
    assertThat(RecordAccounting.of(PARSE_ONLY).isBalanced())
        .as("without the pipelines, only the steps present are checked")
        .isTrue();
  }

  @Test
  void of_withPipelines_everyStepCounted_isBalanced() {
    Map<String, Object> both = new HashMap<>(PARSE_ONLY);
    both.put("etlkit/orders/positive/recordsIn", 10L);
    both.put("etlkit/orders/positive/recordsOut", 7L);
    both.put("etlkit/orders/positive/recordsFiltered", 3L);

    RecordAccounting accounting = RecordAccounting.of(both, orders());

    assertThat(accounting.missingSteps()).isEmpty();
    assertThat(accounting.isBalanced()).isTrue();
    assertThat(accounting.toTable()).doesNotContain("no counts");
  }

  @Test
  void of_withPipelines_noneOrTheSameNameTwice_isRefused() {
    assertThatThrownBy(() -> RecordAccounting.of(PARSE_ONLY, new EtlPipeline[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no pipelines given");
    assertThatThrownBy(() -> RecordAccounting.of(PARSE_ONLY, orders(), orders()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pipeline 'orders' given twice (or two pipelines of that name)");
  }

  @Test
  void stepCounts_sameCounts_areEqual_soTestsCanCompareThem() {
    RecordAccounting accounting = RecordAccounting.of(PARSE_ONLY);
    RecordAccounting.StepCounts expected =
        new RecordAccounting.StepCounts("orders", "parse", 10, 10, 0, 0, 0, 10);

    assertThat(accounting.steps()).containsExactly(expected);
    assertThat(accounting.step("orders", "parse")).hasSameHashCodeAs(expected);
    assertThat(expected)
        .isNotEqualTo(new RecordAccounting.StepCounts("orders", "parse", 10, 10, 0, 0, 0, 9))
        .isNotEqualTo(new RecordAccounting.StepCounts("orders", "parsed", 10, 10, 0, 0, 0, 10));
  }

  @Test
  void steps_areSortedByPipelineThenStep_alsoWhenOnePipelineNameStartsAnother() {
    // '-' and '.' sort before '/': sorted as "<pipeline>/<step>" strings, "orders-eu/parse" came
    // before "orders/parse", so the table listed the pipeline "orders-eu" before "orders".
    Map<String, Object> counts = new HashMap<>();
    for (String key :
        new String[] {"orders/parse", "orders/dedup", "orders-eu/parse", "orders.us/parse"}) {
      counts.put("etlkit/" + key + "/recordsIn", 1L);
      counts.put("etlkit/" + key + "/recordsOut", 1L);
    }

    RecordAccounting accounting = RecordAccounting.of(counts);

    assertThat(accounting.steps())
        .extracting(c -> c.pipeline() + "/" + c.step())
        .containsExactly("orders/dedup", "orders/parse", "orders-eu/parse", "orders.us/parse");
    assertThat(accounting.toTable().lines().skip(2).map(line -> line.split(" +\\| ")[0]))
        .containsExactly("orders", "orders", "orders-eu", "orders.us");
  }

  @Test
  void aJoinsDimensionRow_followsItsStep_beforeAStepWhoseNameStartsTheSame() {
    // A join counts its dimension input as "<step>/dimension". Sorted as strings, '-' sorts before
    // '/': "join-2" came between "join" and "join/dimension".
    Map<String, Object> counts = new HashMap<>();
    for (String step : new String[] {"join", "join/dimension", "join-2", "join-2/dimension"}) {
      counts.put("etlkit/orders/" + step + "/recordsIn", 1L);
    }

    assertThat(RecordAccounting.of(counts).steps())
        .extracting(RecordAccounting.StepCounts::step)
        .containsExactly("join", "join/dimension", "join-2", "join-2/dimension");
  }
}
