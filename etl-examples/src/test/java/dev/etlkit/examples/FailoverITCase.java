package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Exactly once under failures: the reference job in real mode (Kafka in, Kafka exactly-once and
 * PostgreSQL out, checkpoints every 200 ms, RocksDB) over {@value #DEFAULT_ORDERS} generated
 * orders, once without failures and once with injected failures (exceptions at records, an
 * exception while a checkpoint is taken). The committed output of the run with failures must equal
 * the failure-free run's exactly: 0 lost, 0 duplicated. A negative control runs the same failures
 * with at-least-once Kafka sinks and must see duplicates, which proves the comparison can see them.
 *
 * <p>Sizes: {@code -Detlkit.failover.orders} (default {@value #DEFAULT_ORDERS}) and {@code
 * -Detlkit.failover.failures} (default {@value #DEFAULT_FAILURES}, a third of them during
 * checkpoints); the {@code soak} profile ({@code -Psoak}) runs 1,000,000 orders and 20 failures.
 *
 * <p>The broker runs Kafka's transactions version 1: on version 2, Flink's Kafka sink 5.0.0-2.2
 * lost the records of a recovered transaction in several runs of this test (FLINK-40689; see
 * docs/running-on-a-cluster.md).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@EnabledIf("enabled")
class FailoverITCase {

  /**
   * Off in the default build for now: the run with failures does not reliably get its three
   * failures (a restarted attempt sometimes finishes its bounded Kafka partition without a
   * completed checkpoint, or, restarted before the first checkpoint, without reading), so the test
   * is not yet a stable CI gate. Run it with {@code -Detlkit.failover=true} (or {@code -Psoak}).
   */
  static boolean enabled() {
    return Boolean.getBoolean("etlkit.failover") || Boolean.getBoolean("etlkit.soak");
  }

  static final int DEFAULT_ORDERS = 100_000;
  static final int DEFAULT_FAILURES = 3;

  private static final boolean SOAK = Boolean.getBoolean("etlkit.soak");
  private static final int ORDERS =
      Integer.getInteger("etlkit.failover.orders", SOAK ? 1_000_000 : DEFAULT_ORDERS);
  private static final int FAILURES =
      Integer.getInteger("etlkit.failover.failures", SOAK ? 20 : DEFAULT_FAILURES);

  private static RealSystems systems;
  private static ReferenceData data;

  @BeforeAll
  static void start() throws Exception {
    systems = RealSystems.start();
    data = ReferenceData.generate(ReferenceData.Spec.of(ORDERS));
  }

  @AfterAll
  static void stop() throws Exception {
    if (systems != null) {
      systems.close();
    }
  }

  @Test
  void injectedFailures_committedOutputEqualsTheFailureFreeRun_andAtLeastOnceDuplicates()
      throws Exception {
    RealSystems.Run reference = run("reference", DeliveryGuarantee.EXACTLY_ONCE, 0);
    List<String> expected = deterministic(reference.enrichedOrders());
    assertThat(expected)
        .as("every valid order, enriched; dead letters: %s", reference.deadLettersByReason())
        .hasSize(ORDERS);
    assertThat(Set.copyOf(expected)).as("each once").hasSize(ORDERS);

    RealSystems.Run failing = run("failures", DeliveryGuarantee.EXACTLY_ONCE, FAILURES);
    List<String> committed = deterministic(failing.enrichedOrders());
    List<String> lost = difference(expected, committed);
    List<String> extra = difference(committed, expected);
    assertThat(lost).as("lost: %d records in the failure-free run only", lost.size()).isEmpty();
    assertThat(extra).as("duplicated or wrong: %d extra records", extra.size()).isEmpty();
    assertThat(failing.deadLettersByReason()).isEqualTo(reference.deadLettersByReason());
    assertThat(failing.dimension())
        .as("the dimension table converges to the failure-free run's")
        .containsExactlyElementsOf(reference.dimension());
    failing.assertDimensionInvariants();

    RealSystems.Run control = run("at-least-once", DeliveryGuarantee.AT_LEAST_ONCE, FAILURES);
    List<String> replayed = deterministic(control.enrichedOrders());
    assertThat(difference(replayed, expected))
        .as("negative control: at-least-once sinks replay output after a restore")
        .isNotEmpty();
    assertThat(Set.copyOf(replayed)).as("... and lose nothing").isEqualTo(Set.copyOf(expected));
  }

  /** The multiset difference {@code a - b}: each element of a not matched by one of b. */
  private static List<String> difference(List<String> a, List<String> b) {
    Map<String, Integer> remaining = new HashMap<>();
    b.forEach(line -> remaining.merge(line, 1, Integer::sum));
    List<String> extra = new ArrayList<>();
    for (String line : a) {
      if (remaining.merge(line, -1, Integer::sum) < 0) {
        extra.add(line);
      }
    }
    return extra;
  }

  /** Runs the job over fresh topics and tables, with {@code failures} injected failures. */
  private static RealSystems.Run run(String name, DeliveryGuarantee guarantee, int failures)
      throws Exception {
    RealSystems.Run run = systems.newRun(name, data.customerChanges(), data.orders());
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, failures + 1);
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ofMillis(50));
    StreamExecutionEnvironment env = RealMode.environment(run.options(), conf);
    env.setParallelism(2);
    RealMode.Sources sources = RealMode.sources(env, run.options());
    int checkpointFailures = failures / 3;
    DataStream<RawRecord> orders =
        sources
            .orders()
            .map(
                new FailureInjector(
                    failures - checkpointFailures,
                    checkpointFailures,
                    data.orders().size() / 2 / (failures + 2)))
            .name("failure-injector")
            .uid("failure-injector");
    RealMode.sink(
        RealMode.wire(new RealMode.Sources(sources.customerChanges(), orders), run.options()),
        run.options(),
        guarantee);
    int before = FailureInjector.INJECTED.get();
    RecordAccounting accounting = RecordAccounting.of(env.execute(name));
    if (failures == 0) { // with restarts, the counts are the last attempt's
      assertThat(accounting.step(OrdersJob.PIPELINE, "parse").in())
          .as("the job read every order event")
          .isEqualTo(data.orders().size());
    }
    assertThat(FailureInjector.INJECTED.get() - before)
        .as("failures injected into run " + name)
        .isEqualTo(failures);
    return run;
  }

  /**
   * The enriched orders as comparable lines, sorted; without the FX lookup's status, which says
   * whether the rate came from the cache or the database and so depends on timing.
   */
  private static List<String> deterministic(List<EnrichedOrder> orders) {
    return orders.stream()
        .map(
            o ->
                new EnrichedOrder(
                        o.orderId(),
                        o.customerId(),
                        o.amount(),
                        o.currency(),
                        o.orderedAt(),
                        o.customerName(),
                        o.tier(),
                        o.city(),
                        o.customerStatus(),
                        o.amountEur(),
                        null)
                    .toString())
        .sorted()
        .toList();
  }
}
