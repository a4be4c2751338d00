package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.Changelogs;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.RowMapping;
import dev.etlkit.core.StateInventory;
import dev.etlkit.core.Steps;
import dev.etlkit.operators.dedup.Dedup;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The code quoted by docs/getting-started.md and docs/concepts.md, compiled and run. The regions
 * between {@code tag::} and {@code end::} are what the pages show; {@code DocsSnippetsTest} keeps
 * them in sync.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DocsExamplesTest {

  private static final String ANNA = "o-1,c-anna,10.00,EUR,2026-11-02T09:00:00Z";
  private static final String BROKEN = "o-2,c-bob,12.x0,EUR,2026-11-02T09:01:00Z";
  private static final String REFUND = "o-3,c-anna,-4.00,EUR,2026-11-02T09:02:00Z";
  private static final String ANNA_JSON =
      "{\"orderId\":\"o-1\",\"customerId\":\"c-anna\",\"amount\":10.00,"
          + "\"currency\":\"EUR\",\"orderedAt\":\"2026-11-02T09:00:00Z\"}";

  @Test
  void firstJob_sinksOrdersAndDeadLetters_andPrintsABalancedAccounting() throws Exception {
    CollectingSink<Order> orderSink = new CollectingSink<>();
    CollectingSink<DeadLetter> deadLetterSink = new CollectingSink<>();

    // tag::first-job[]
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<String> lines = env.fromData(Types.STRING, ANNA, BROKEN, REFUND);

    EtlStream<Order> orders =
        Etl.from(lines, "orders")
            .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO))
            .apply(Steps.filter("valid-amount", Order::hasPositiveAmount));

    orders.toDataStream().sinkTo(orderSink).name("orders-sink").uid("orders-sink");
    // tag::sink-dead-letters[]
    orders.deadLetters().sinkTo(deadLetterSink).name("dead-letters").uid("dead-letters");
    // end::sink-dead-letters[]

    // tag::check-accounting[]
    JobExecutionResult result = env.execute("orders");
    RecordAccounting accounting = RecordAccounting.of(result, orders.pipeline());
    System.out.println(accounting.toTable());
    if (!accounting.isBalanced()) {
      throw new IllegalStateException("records went missing:\n" + accounting.toTable());
    }
    // end::check-accounting[]
    // end::first-job[]

    assertThat(orderSink.records()).extracting(Order::orderId).containsExactly("o-1");
    assertThat(deadLetterSink.records())
        .singleElement()
        .satisfies(l -> assertThat(l.errorClass()).isEqualTo("java.lang.NumberFormatException"))
        .satisfies(l -> assertThat(l.payloadText()).isEqualTo(BROKEN));
    assertThat(accounting.step("orders", "valid-amount").filtered()).isEqualTo(1);
  }

  @Test
  void oneStep_inAJobWrittenWithTheDataStreamApi() throws Exception {
    CollectingSink<String> orderIdSink = new CollectingSink<>();
    CollectingSink<DeadLetter> deadLetterSink = new CollectingSink<>();
    StreamExecutionEnvironment env = environment();

    // tag::one-step-in-a-job[]
    // your job as it is: Flink's own operators, your uids
    DataStream<Order> parsed =
        env.fromData(Types.STRING, ANNA, ANNA, REFUND)
            .map(Order::parseCsv, Order.TYPE_INFO)
            .name("parse")
            .uid("parse");

    // one etlkit step: uid orders/dedup, its state in the inventory, its counters
    EtlStream<Order> deduplicated =
        Etl.from(parsed, "orders")
            .apply(Dedup.keepFirst("dedup", Order::orderId).withKeyType(Types.STRING));

    // and back to the DataStream API
    deduplicated
        .toDataStream()
        .map(Order::orderId, Types.STRING)
        .name("order-ids")
        .uid("order-ids")
        .sinkTo(orderIdSink);
    deduplicated.deadLetters().sinkTo(deadLetterSink).name("dead-letters").uid("dead-letters");
    // end::one-step-in-a-job[]

    assertThat(deduplicated.pipeline().uids()).containsExactly("orders/dedup", "orders/dedup/keys");
    JobExecutionResult result = env.execute("one-step");
    assertThat(orderIdSink.records()).containsExactlyInAnyOrder("o-1", "o-3");
    assertThat(deadLetterSink.records()).isEmpty();
    assertThat(RecordAccounting.of(result).step("orders", "dedup").deduplicated()).isEqualTo(1);
  }

  @Test
  void stateInventory_isKnownBeforeTheJobRuns() {
    DataStream<String> lines = environment().fromData(Types.STRING, ANNA_JSON);
    EtlStream<CustomerRevenue> revenue = OrdersJob.revenue(OrdersJob.validOrders(lines));

    // tag::state-inventory[]
    StateInventory inventory = revenue.stateInventory(); // before env.execute(...)
    System.out.println(inventory.toTable());
    // end::state-inventory[]

    assertThat(inventory.entries())
        .extracting(StateInventory.Entry::uid)
        .contains("orders/dedup", "orders/revenue-per-customer");
  }

  @Test
  void uids_comeFromPipelineAndStepNames_notFromPositions() {
    DataStream<String> lines = environment().fromData(Types.STRING, ANNA);
    DataStream<String> sameLines = environment().fromData(Types.STRING, ANNA);

    // tag::stable-uids[]
    EtlStream<CustomerRevenue> v1 =
        Etl.from(lines, "orders")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO))
            .apply(Steps.filter("valid-amount", Order::hasPositiveAmount))
            .apply(RevenuePerCustomer.in("EUR"));
    assertThat(v1.pipeline().uids())
        .containsExactly("orders/parse", "orders/valid-amount", "orders/revenue-per-customer");

    // Version 2 of the job inserts a step: the other steps keep their uids, so their state in a
    // savepoint of version 1 is found again.
    EtlStream<CustomerRevenue> v2 =
        Etl.from(sameLines, "orders")
            .defaultStateTtl(Duration.ofDays(7))
            .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO))
            .apply(Steps.filter("known-customer", order -> order.customerId().startsWith("c-")))
            .apply(Steps.filter("valid-amount", Order::hasPositiveAmount))
            .apply(RevenuePerCustomer.in("EUR"));
    assertThat(v2.pipeline().uids())
        .containsExactly(
            "orders/parse",
            "orders/known-customer",
            "orders/valid-amount",
            "orders/revenue-per-customer");
    // end::stable-uids[]
  }

  @Test
  void duplicateStepName_failsWhenApplied() {
    EtlStream<Order> parsed =
        Etl.from(environment().fromData(Types.STRING, ANNA), "orders")
            .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO));

    // tag::duplicate-name[]
    assertThatThrownBy(() -> parsed.apply(Steps.filter("parse", Order::hasPositiveAmount)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipeline 'orders' already has a step named 'parse'");
    // end::duplicate-name[]
  }

  @Test
  void errorPolicies_perPipelineAndPerStep() {
    DataStream<String> lines = environment().fromData(Types.STRING, ANNA);

    // tag::error-policies[]
    EtlStream<Order> orders =
        Etl.from(lines, "orders")
            // every step: dead-letter while at most 1% of its records are bad (after 1000 records)
            .defaultErrorPolicy(ErrorPolicy.errorRateBudget(0.01, 1_000))
            // this step: dead-letter up to 100 bad records per subtask, then fail the job
            .apply(
                Steps.map("parse", Order::parseCsv, Order.TYPE_INFO)
                    .withErrorPolicy(ErrorPolicy.errorBudget(100)))
            // this step: any error fails the job
            .apply(
                Steps.filter("valid-amount", Order::hasPositiveAmount)
                    .withErrorPolicy(ErrorPolicy.failJob()));
    // end::error-policies[]

    assertThat(orders.pipeline().defaultErrorPolicy())
        .isEqualTo(ErrorPolicy.errorRateBudget(0.01, 1_000));
  }

  @Test
  void failJob_failsOnTheFirstBadRecord_namingTheStep() {
    StreamExecutionEnvironment env = environment();
    Etl.from(env.fromData(Types.STRING, ANNA, BROKEN), "orders")
        .defaultErrorPolicy(ErrorPolicy.failJob())
        .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO))
        .toDataStream()
        .sinkTo(new CollectingSink<>());

    assertThatThrownBy(() -> env.execute("fail-job"))
        .satisfies(
            e ->
                assertThat(ExceptionUtils.findThrowable(e, EtlException.class))
                    .hasValueSatisfying(
                        x -> {
                          assertThat(x.step().uid()).isEqualTo("orders/parse");
                          assertThat(x).hasCauseInstanceOf(NumberFormatException.class);
                          assertThat(x.getMessage()).doesNotContain("12.x0"); // no payload
                        }));
  }

  @Test
  void stepTtl_overridesThePipelineDefault() {
    DataStream<String> lines = environment().fromData(Types.STRING, ANNA);

    // tag::ttl-override[]
    EtlStream<CustomerRevenue> revenue =
        Etl.from(lines, "orders")
            .defaultStateTtl(Duration.ofDays(7)) // like table.exec.state.ttl
            .apply(Steps.map("parse", Order::parseCsv, Order.TYPE_INFO))
            .apply(RevenuePerCustomer.in("EUR").withStateTtl(Duration.ofDays(30)));
    // end::ttl-override[]

    assertThat(revenue.stateInventory().entries())
        .singleElement()
        .satisfies(e -> assertThat(e.state().ttl()).contains(Duration.ofDays(30)));
  }

  @Test
  void change_carriesKindValueAndMetadata() {
    Order order = new Order("o-1", "c-anna", BigDecimal.TEN, "EUR", Instant.EPOCH);
    Order corrected = new Order("o-1", "c-anna", BigDecimal.ONE, "EUR", Instant.EPOCH);

    // tag::change[]
    Change<Order> before = Change.updateBefore(order).withSourcePosition(41L);
    Change<Order> after = Change.updateAfter(corrected).withEventTime(1_762_074_000_000L);
    assertThat(before.isRetract()).isTrue();
    assertThat(after.kind()).isEqualTo(RowKind.UPDATE_AFTER);
    // end::change[]

    assertThat(after.isAccumulate()).isTrue();
    assertThat(after.withKind(RowKind.DELETE).value()).isEqualTo(corrected);
  }

  @Test
  void changelogs_turnChangesIntoRowsOfTheSameKind_inOrder() throws Exception {
    StreamExecutionEnvironment env = environment();
    env.setParallelism(1); // one subtask, so the collected rows keep their order
    CustomerRevenue first = new CustomerRevenue("c-anna", 1, new BigDecimal("10.00"), "EUR");
    CustomerRevenue second = new CustomerRevenue("c-anna", 2, new BigDecimal("15.00"), "EUR");
    DataStream<Change<CustomerRevenue>> changes =
        env.fromData(
            List.of(Change.insert(first), Change.updateBefore(first), Change.updateAfter(second)),
            Change.typeInfo(CustomerRevenue.TYPE_INFO));

    // tag::changelogs[]
    RowMapping<CustomerRevenue> mapping = RowMapping.pojo(CustomerRevenue.class);
    DataStream<Row> rows = Changelogs.toRows(changes, mapping); // same kinds, same order
    // end::changelogs[]

    assertThat(mapping.rowType().getFieldNames())
        .containsExactly("currency", "customerId", "orders", "total");
    assertThat(rows.executeAndCollect(10))
        .extracting(Row::getKind, r -> r.getField("orders"))
        .containsExactly(
            tuple(RowKind.INSERT, 1L),
            tuple(RowKind.UPDATE_BEFORE, 1L),
            tuple(RowKind.UPDATE_AFTER, 2L));
  }

  private static StreamExecutionEnvironment environment() {
    return OrdersJob.localEnvironment("hashmap");
  }
}
