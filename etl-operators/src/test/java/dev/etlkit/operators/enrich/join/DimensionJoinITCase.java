package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both joins as a pipeline expands them, in one job on a local cluster (parallelism 2, RocksDB,
 * generic types off): orders enriched with customers from a changelog, a guest order without
 * customer, an unknown customer, a deleted one, a broken dimension record; the record accounting of
 * facts and dimension records balances. The point-in-time join with waiting facts gives the same
 * result in batch and in streaming mode.
 */
class DimensionJoinITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @Test
  @Timeout(120)
  void pipeline_bothJoins_enrichEveryOrderOnce_andAccountForEveryRecord() throws Exception {
    StreamExecutionEnvironment env = environment(RuntimeExecutionMode.STREAMING);
    DataStream<Change<Customer>> customers = customers(env, List.of());
    DataStream<Order> orders = orders(env, List.of());

    EtlPipeline pipeline = Etl.pipeline("shop");
    EtlStream<Order> facts = pipeline.from(orders);
    EtlStream<EnrichedOrder> latest =
        facts.apply(
            DimensionJoin.latest(
                    "customer",
                    customers,
                    Order::customerId,
                    Customer::id,
                    EnrichedOrder::of,
                    EnrichedOrder.TYPE_INFO)
                .withMaxWait(Duration.ofMinutes(5)));
    EtlStream<EnrichedOrder> asOf =
        facts.apply(
            DimensionJoin.asOf(
                "customer-as-of",
                customers,
                Order::customerId,
                Customer::id,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO));
    CloseableIterator<EnrichedOrder> latestOut = latest.toDataStream().collectAsync();
    CloseableIterator<EnrichedOrder> asOfOut = asOf.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> letters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("dimension-join");

    Map<String, String> pointInTime = byOrder(asOfOut);
    assertThat(pointInTime)
        .containsOnly(
            Map.entry("o1", "o1 FOUND Ann/gold"),
            Map.entry("o2", "o2 FOUND Ann/platinum"),
            Map.entry("o3", "o3 DELETED"),
            Map.entry("o4", "o4 NULL_KEY"),
            Map.entry("o5", "o5 NOT_FOUND"));
    Map<String, String> current = byOrder(latestOut);
    // processing time: which version an order meets depends on arrival, the outcome kind does not
    assertThat(current.get("o1")).matches("o1 FOUND(_AFTER_WAIT)? Ann/(gold|platinum)");
    assertThat(current.get("o3")).matches("o3 (FOUND(_AFTER_WAIT)? Bob/silver|DELETED)");
    assertThat(current.get("o4")).isEqualTo("o4 NULL_KEY");
    assertThat(current.get("o5")).isEqualTo("o5 TIMED_OUT"); // released at the end of input
    assertThat(current).hasSize(5);

    List<String> rejected = new ArrayList<>();
    letters.forEachRemaining(l -> rejected.add(l.step() + ": " + l.errorMessage()));
    assertThat(rejected)
        .containsExactlyInAnyOrder(
            "customer/dimension: NULL_KEY: the dimension record's key is null",
            "customer-as-of/dimension: NULL_KEY: the dimension record's key is null");

    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).isTrue();
    for (String step : List.of("customer", "customer-as-of")) {
      RecordAccounting.StepCounts counts = accounting.step("shop", step);
      assertThat(counts.in()).isEqualTo(5);
      assertThat(counts.out()).isEqualTo(5);
      RecordAccounting.StepCounts dimension = accounting.step("shop", step + "/dimension");
      assertThat(dimension.in()).isEqualTo(6);
      assertThat(dimension.out()).isEqualTo(4);
      assertThat(dimension.filtered()).isEqualTo(1);
      assertThat(dimension.deadLettered()).isEqualTo(1);
      assertThat(dimension.emitted()).isZero();
    }
  }

  /**
   * Batch mode sorts both inputs by key and fires a key's timers when its records end, with the
   * watermark at its maximum, ignoring timers set meanwhile: a fact that starts to wait then must
   * time out at once, or it is never released. The same result per order in both modes.
   *
   * <p>With a delete retention, batch mode fires the removal of Bob's history when his key ends: it
   * must come after his held orders are joined ({@code o3 DELETED}), not before them. (The
   * retention of an hour never passes in the streaming run.)
   */
  @ParameterizedTest(name = "{0}, deleteRetention {1}")
  @CsvSource({"STREAMING, false", "BATCH, false", "STREAMING, true", "BATCH, true"})
  @Timeout(120)
  void asOfJoin_withMaxWait_emitsEveryOrderOnce_theSameInBatchAndStreaming(
      RuntimeExecutionMode mode, boolean deleteRetention) throws Exception {
    StreamExecutionEnvironment env = environment(mode);
    DataStream<Change<Customer>> customers =
        customers(
            env,
            List.of(
                Change.insert(new Customer("c3", "Cy", "gold")).withEventTime(500),
                // keys after c3 and c9 in batch mode's key order, on both subtasks
                Change.insert(new Customer("c10", "Di", "gold")).withEventTime(100),
                Change.insert(new Customer("c11", "Ed", "gold")).withEventTime(100),
                Change.insert(new Customer("c12", "Flo", "gold")).withEventTime(100),
                Change.insert(new Customer("c13", "Gil", "gold")).withEventTime(100)));
    DataStream<Order> orders =
        orders(
            env,
            List.of(
                new Order("o6", "c3", 400, 6_000), // before c3's first version
                new Order("o7", "c3", 600, 7_000),
                new Order("o8", "c10", 700, 8_000),
                new Order("o9", "c11", 700, 9_000),
                new Order("o10", "c12", 700, 10_000),
                new Order("o11", "c13", 700, 11_000)));

    EtlPipeline pipeline = Etl.pipeline("shop");
    DimensionJoinStep<Order, Customer, String, EnrichedOrder> step =
        DimensionJoin.asOf(
                "customer",
                customers,
                Order::customerId,
                Customer::id,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO)
            .withMaxWait(Duration.ofMillis(50));
    if (deleteRetention) {
      step = step.withDeleteRetention(Duration.ofHours(1));
    }
    EtlStream<EnrichedOrder> joined = pipeline.from(orders).apply(step);
    CloseableIterator<EnrichedOrder> out = joined.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> letters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("dimension-join-" + mode);

    assertThat(byOrder(out))
        .containsOnly(
            Map.entry("o1", "o1 FOUND Ann/gold"),
            Map.entry("o2", "o2 FOUND Ann/platinum"),
            Map.entry("o3", "o3 DELETED"),
            Map.entry("o4", "o4 NULL_KEY"),
            Map.entry("o5", "o5 TIMED_OUT"), // a customer that never comes
            Map.entry("o6", "o6 TIMED_OUT"),
            Map.entry("o7", "o7 FOUND Cy/gold"),
            Map.entry("o8", "o8 FOUND Di/gold"),
            Map.entry("o9", "o9 FOUND Ed/gold"),
            Map.entry("o10", "o10 FOUND Flo/gold"),
            Map.entry("o11", "o11 FOUND Gil/gold"));
    List<String> rejected = new ArrayList<>();
    letters.forEachRemaining(l -> rejected.add(l.step() + ": " + l.errorMessage()));
    assertThat(rejected)
        .containsExactly("customer/dimension: NULL_KEY: the dimension record's key is null");
    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    assertThat(accounting.step("shop", "customer").out()).isEqualTo(11);
  }

  private static StreamExecutionEnvironment environment(RuntimeExecutionMode mode) {
    Configuration config = new Configuration();
    config.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    config.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    return env;
  }

  /** Ann (gold, platinum from 200), Bob (deleted at 300), a row without key, and {@code more}. */
  private static DataStream<Change<Customer>> customers(
      StreamExecutionEnvironment env, List<Change<Customer>> more) {
    List<Change<Customer>> changes =
        new ArrayList<>(
            List.of(
                Change.insert(new Customer("c1", "Ann", "gold")).withEventTime(100),
                Change.insert(new Customer("c2", "Bob", "silver")).withEventTime(100),
                Change.insert(new Customer(null, "Nobody", "none")).withEventTime(110),
                Change.updateBefore(new Customer("c1", "Ann", "gold")).withEventTime(200),
                Change.updateAfter(new Customer("c1", "Ann", "platinum")).withEventTime(200),
                Change.delete(new Customer("c2", "Bob", "silver")).withEventTime(300)));
    changes.addAll(more);
    return env.fromData(changes, Change.typeInfo(Customer.TYPE_INFO))
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Change<Customer>>forBoundedOutOfOrderness(Duration.ofMillis(500))
                .withTimestampAssigner((change, ts) -> change.eventTime()));
  }

  /** Orders of Ann, Bob, a guest (no customer), an unknown customer, and {@code more}. */
  private static DataStream<Order> orders(StreamExecutionEnvironment env, List<Order> more) {
    List<Order> orders =
        new ArrayList<>(
            List.of(
                new Order("o1", "c1", 150, 1_000),
                new Order("o2", "c1", 250, 2_000),
                new Order("o3", "c2", 350, 3_000),
                new Order("o4", null, 360, 4_000),
                new Order("o5", "c9", 160, 5_000)));
    orders.addAll(more);
    return env.fromData(orders, Order.TYPE_INFO)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Order>forBoundedOutOfOrderness(Duration.ofMillis(500))
                .withTimestampAssigner((order, ts) -> order.time()));
  }

  private static Map<String, String> byOrder(CloseableIterator<EnrichedOrder> out)
      throws Exception {
    Map<String, String> byOrder = new HashMap<>();
    try (out) {
      out.forEachRemaining(
          e -> assertThat(byOrder.put(e.orderId(), e.toString())).as(e.orderId()).isNull());
    }
    return byOrder;
  }
}
