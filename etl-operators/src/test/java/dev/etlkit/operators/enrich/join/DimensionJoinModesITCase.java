package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.ModeRuns.counts;
import static dev.etlkit.operators.ModeRuns.drain;
import static dev.etlkit.operators.ModeRuns.environment;
import static dev.etlkit.operators.ModeRuns.letters;
import static dev.etlkit.operators.ModeRuns.miniCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The joins' waiting facts, their bound and state TTL in {@code STREAMING} and {@code BATCH} mode
 * (parallelism 2, heap and RocksDB; "In batch mode" in docs/enrichment-state.md). A latest join's
 * facts that wait for a row that never comes time out at the end of input in streaming and when
 * their key ends in batch mode, and the fact beyond {@code withMaxBufferedFacts} is a dead letter
 * in both: the same output, dead letters and counters. And batch mode has no state TTL
 * (docs/concepts.md): a point-in-time join with a TTL of one millisecond still finds every row.
 */
@Timeout(120)
class DimensionJoinModesITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = miniCluster();

  private static final int KEYS = 8;

  private record Run(
      List<String> out, List<String> letters, List<RecordAccounting.StepCounts> counts) {}

  /** Customers c0 to c{KEYS-1}, each inserted at 100. */
  private static DataStream<Change<Customer>> customers(StreamExecutionEnvironment env) {
    List<Change<Customer>> changes = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      changes.add(Change.insert(new Customer("c" + k, "N" + k, "gold")).withEventTime(100));
    }
    return env.fromData(changes, Change.typeInfo(Customer.TYPE_INFO))
        .setParallelism(1)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Change<Customer>>forMonotonousTimestamps()
                .withTimestampAssigner((change, ts) -> change.eventTime()))
        .setParallelism(1);
  }

  /** {@code perKey} orders of each of {@code customers}, at 1000 and on, in time order. */
  private static DataStream<Order> orders(
      StreamExecutionEnvironment env, List<String> customers, int perKey) {
    List<Order> orders = new ArrayList<>();
    long time = 1_000;
    for (int i = 0; i < perKey; i++) {
      for (String customer : customers) {
        time++;
        orders.add(new Order(customer + "-o" + i, customer, time, 100));
      }
    }
    orders.add(new Order("guest-o", null, time + 1, 100));
    return env.fromData(orders, Order.TYPE_INFO)
        .setParallelism(1)
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Order>forMonotonousTimestamps()
                .withTimestampAssigner((order, ts) -> order.time()))
        .setParallelism(1);
  }

  private static Run run(
      RuntimeExecutionMode mode,
      StateBackendKind backend,
      boolean asOf,
      List<String> customersOfOrders,
      int ordersPerKey,
      UnaryOperator<DimensionJoinStep<Order, Customer, String, EnrichedOrder>> options)
      throws Exception {
    StreamExecutionEnvironment env = environment(mode, backend);
    DataStream<Change<Customer>> customers = customers(env);
    DimensionJoinStep<Order, Customer, String, EnrichedOrder> step =
        asOf
            ? DimensionJoin.asOf(
                "customer",
                customers,
                Order::customerId,
                Customer::id,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO)
            : DimensionJoin.latest(
                "customer",
                customers,
                Order::customerId,
                Customer::id,
                EnrichedOrder::of,
                EnrichedOrder.TYPE_INFO);
    EtlPipeline pipeline = Etl.pipeline("shop");
    CloseableIterator<EnrichedOrder> out =
        pipeline
            .from(orders(env, customersOfOrders, ordersPerKey))
            .apply(options.apply(step))
            .toDataStream()
            .collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("dimension-join-modes-" + mode);
    return new Run(
        drain(out).stream().map(EnrichedOrder::toString).sorted().toList(),
        letters(drain(deadLetters)),
        counts(result));
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latestJoin_waitingFactsTimeOut_andBeyondTheBoundAreDeadLetters_inBatchAndStreaming(
      StateBackendKind backend) throws Exception {
    // customers that never come: every order waits; of each customer's three, the third finds the
    // buffer full
    List<String> unknown = List.of("x1", "x2", "x3");
    UnaryOperator<DimensionJoinStep<Order, Customer, String, EnrichedOrder>> waiting =
        step -> step.withMaxWait(Duration.ofHours(1)).withMaxBufferedFacts(2);
    Run streaming = run(RuntimeExecutionMode.STREAMING, backend, false, unknown, 3, waiting);
    Run batch = run(RuntimeExecutionMode.BATCH, backend, false, unknown, 3, waiting);

    assertThat(streaming.out())
        .containsExactly(
            "guest-o NULL_KEY",
            "x1-o0 TIMED_OUT",
            "x1-o1 TIMED_OUT",
            "x2-o0 TIMED_OUT",
            "x2-o1 TIMED_OUT",
            "x3-o0 TIMED_OUT",
            "x3-o1 TIMED_OUT");
    assertThat(streaming.letters())
        .hasSize(3)
        .allMatch(letter -> letter.contains("BUFFER_FULL") && letter.contains("-o2,"));
    assertThat(batch).isEqualTo(streaming);
  }

  /**
   * Batch mode has no state TTL: a point-in-time join with a TTL of one millisecond, whose rows
   * could expire before their orders in streaming, finds every one in batch mode, as without a TTL.
   */
  @Test
  void stateTtl_inBatch_forgetsNothing_theResultWithoutTtl() throws Exception {
    List<String> known = List.of("c0", "c3", "c5", "c6");
    Run withoutTtl =
        run(
            RuntimeExecutionMode.BATCH,
            StateBackendKind.HEAP,
            true,
            known,
            2,
            UnaryOperator.identity());
    Run withTtl =
        run(
            RuntimeExecutionMode.BATCH,
            StateBackendKind.HEAP,
            true,
            known,
            2,
            step -> step.withStateTtl(Duration.ofMillis(1)));

    assertThat(withoutTtl.out())
        .hasSize(2 * known.size() + 1)
        .filteredOn(order -> !order.startsWith("guest"))
        .allMatch(order -> order.contains(" FOUND "));
    assertThat(withTtl).isEqualTo(withoutTtl);
  }
}
