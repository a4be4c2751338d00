package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.SplitStreams;
import dev.etlkit.core.Steps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * parse → where → route → two sinks on a local MiniCluster (parallelism 2, generic types off):
 * every bad record is one dead letter, every dropped record is counted, the accounting balances.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FilteringITCase {

  private static final String[] LINES = {
    "o1,EU,PAID,5000", // -> eu
    "o2,US,PAID,2500", // -> us
    "o3,EU,OPEN,9000", // filtered by "paid"
    "o4,US,PAID,10", // filtered by "big"
    "broken", // parse: dead letter
    "o6,EU,PAID,abc", // parse: dead letter
    "o7,EU,PAID,-5", // paid-and-big: "big" throws, dead letter
    "o8,APAC,PAID,4000", // no route: filtered by route-region
    "o9,,PAID,3000", // route-region: the predicate throws, dead letter
    "o10,EU,PAID,1000", // -> eu
    "o11,US,OPEN,1", // filtered by "paid"
  };

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> result = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(result::add);
    }
    return result;
  }

  @Test
  void parseWhereRoute_deadLettersEveryBadRecord_andTheAccountingBalances() throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    DataStream<String> lines = env.fromData(Types.STRING, LINES);

    // tag::pipeline[]
    NamedPredicate<Order> paid = NamedPredicate.of("paid", Order::isPaid);
    NamedPredicate<Order> big = NamedPredicate.of("big", Order::isBig);

    EtlStream<Order> paidAndBig =
        Etl.from(lines, "orders")
            .apply(Steps.map("parse", Order::parse, Order.TYPE_INFO))
            .apply(Filters.where("paid-and-big", paid.and(big)));
    SplitStreams<Order> regions =
        paidAndBig.split(
            Route.<Order>by("route-region")
                .to("eu", order -> order.inRegion("EU"))
                .to("us", order -> order.inRegion("US")));

    CloseableIterator<Order> eu = regions.get("eu").toDataStream().collectAsync();
    CloseableIterator<Order> us = regions.get("us").toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = paidAndBig.deadLetters().collectAsync();
    // end::pipeline[]
    JobExecutionResult result = env.execute("filtering-it");

    assertThat(drain(eu)).extracting(Order::id).containsExactlyInAnyOrder("o1", "o10");
    assertThat(drain(us)).extracting(Order::id).containsExactly("o2");
    assertThat(drain(deadLetters))
        .extracting(l -> l.step() + ": " + l.errorClass())
        .containsExactlyInAnyOrder(
            "parse: java.lang.IllegalArgumentException",
            "parse: java.lang.NumberFormatException",
            "paid-and-big: java.lang.IllegalStateException",
            "route-region: java.lang.IllegalArgumentException");

    // tag::accounting[]
    RecordAccounting accounting = RecordAccounting.of(result);
    Map<String, Long> filteredBy = Filters.filteredByPredicate(result, "orders", "paid-and-big");
    Map<String, Long> perRoute = Route.recordsPerRoute(result, "orders", "route-region");
    // end::accounting[]
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    assertThat(accounting.step("orders", "parse").deadLettered()).isEqualTo(2);
    RecordAccounting.StepCounts where = accounting.step("orders", "paid-and-big");
    assertThat(where.in()).isEqualTo(9);
    assertThat(where.out()).isEqualTo(5);
    assertThat(where.filtered()).isEqualTo(3);
    assertThat(where.deadLettered()).isEqualTo(1);
    RecordAccounting.StepCounts route = accounting.step("orders", "route-region");
    assertThat(route.in()).isEqualTo(5);
    assertThat(route.out()).isEqualTo(3);
    assertThat(route.filtered()).isEqualTo(1);
    assertThat(route.deadLettered()).isEqualTo(1);
    assertThat(filteredBy).containsExactly(Map.entry("big", 1L), Map.entry("paid", 2L));
    assertThat(perRoute).containsExactly(Map.entry("eu", 2L), Map.entry("us", 1L));
  }
}
