package dev.etlkit.operators.enrich.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.FaultyLookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupRetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lookup step in a real job (MiniCluster, parallelism 2, checkpoints every 100 ms, no restarts
 * allowed) against a lookup that fails 20% of calls, never answers 10% and is down for 300 ms: the
 * job finishes, every order comes out exactly once (enriched or dead-lettered), and the record
 * accounting balances.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnrichITCase {

  private static final int ORDERS = 1_000;
  private static final Pattern ORDER_ID = Pattern.compile("orderId=(o\\d+)");

  @AfterEach
  void resetCalls() {
    FaultyLookup.reset();
  }

  @Test
  void faultyLookup_everyOrderOnce_accountingBalances_noRestart() throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // any failure fails the test
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    List<Order> input = new ArrayList<>();
    for (int i = 0; i < ORDERS; i++) {
      input.add(new Order("o" + i, "k" + (i * 7919 % 300), i));
    }
    DataStream<Order> orders =
        env.fromData(Order.TYPE_INFO, input.toArray(new Order[0]))
            .map(new Throttle())
            .returns(Order.TYPE_INFO);

    EtlStream<EnrichedOrder> enriched =
        Etl.from(orders, "orders")
            .apply(
                Enrich.lookup(
                        "customer",
                        Order::customerId,
                        new FaultyLookup(7L, 0.2, 0.1, 5, 200, 500),
                        EnrichedOrder::of,
                        EnrichedOrder.TYPE_INFO)
                    .withCapacity(50)
                    .withTimeout(Duration.ofMillis(400))
                    .withRetry(
                        LookupRetry.attempts(4)
                            .withBackoff(Duration.ofMillis(5), Duration.ofMillis(40))
                            .withAttemptTimeout(Duration.ofMillis(50)))
                    .withCache(
                        LookupCache.maxEntries(1_000)
                            .withExpireAfterWrite(Duration.ofMillis(200))
                            .withStaleOnError(Duration.ofSeconds(5)))
                    .withUnorderedOutput());
    CloseableIterator<EnrichedOrder> out = enriched.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = enriched.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("enrich-it");

    List<String> seen = new ArrayList<>();
    Set<String> statuses = new HashSet<>();
    try (out) {
      out.forEachRemaining(
          e -> {
            seen.add(e.orderId());
            statuses.add(e.lookup());
          });
    }
    int lettered = 0;
    try (deadLetters) {
      while (deadLetters.hasNext()) {
        DeadLetter letter = deadLetters.next();
        Matcher m = ORDER_ID.matcher(letter.payloadAsText());
        assertThat(m.find()).as(letter.toString()).isTrue();
        seen.add(m.group(1));
        lettered++;
      }
    }
    assertThat(seen).hasSize(ORDERS).doesNotHaveDuplicates();
    // How many are dead-lettered depends on timing (a loaded machine delays every timer).
    assertThat(lettered).isPositive();
    assertThat(statuses).contains("LOADED");
    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    RecordAccounting.StepCounts step = accounting.step("orders", "customer");
    assertThat(step.in()).isEqualTo(ORDERS);
    assertThat(step.deadLettered()).isEqualTo(lettered);
  }

  /** Slows the source to about one record per millisecond per subtask, so the outage is hit. */
  private static final class Throttle implements MapFunction<Order, Order> {
    @Override
    public Order map(Order order) throws Exception {
      Thread.sleep(1);
      return order;
    }
  }
}
