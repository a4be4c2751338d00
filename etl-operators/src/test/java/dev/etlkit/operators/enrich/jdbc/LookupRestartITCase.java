package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupContext;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.enrich.StartedThreads;
import dev.etlkit.operators.enrich.http.HangingServer;
import dev.etlkit.operators.enrich.http.HttpLookup;
import dev.etlkit.operators.enrich.lookup.EnrichedOrder;
import dev.etlkit.operators.enrich.lookup.Order;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.FlinkUserCodeClassLoader;
import org.apache.flink.util.FlinkUserCodeClassLoaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lookup step in real jobs (MiniCluster, parallelism 2) that fail and restart, or are
 * cancelled, with a JDBC lookup (real PostgreSQL) and an HTTP lookup (the JDK's server on
 * loopback): what a restart or a cancel leaves behind on the TaskManager and on the database.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LookupRestartITCase {

  /** Flink's own scheduler for delayed futures: one per JVM, started with the first job. */
  private static final String FLINK_DELAY_SCHEDULER = "FlinkCompletableFutureDelayScheduler";

  /** The JDK's HttpClient has no shutdown before Java 21: its selector ends once it is garbage. */
  private static final boolean HTTP_CLIENT_CAN_SHUT_DOWN = Runtime.version().feature() >= 21;

  private static final String APPLICATION = "lookup-restart-it";
  private static final AtomicInteger FAILURES_LEFT = new AtomicInteger();
  private static final CountDownLatch RELEASED = new CountDownLatch(1);

  @RegisterExtension static final DatabaseExtension DATABASE = new DatabaseExtension();

  /** Scores by customer: a number at once, or never for {@code c-13} when the test says so. */
  private HangingServer server;

  private void startServer(boolean hangOnC13) throws IOException {
    server =
        new HangingServer(
            "/scores", key -> hangOnC13 && key.equals("c-13"), key -> String.valueOf(key.length()));
  }

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static StreamExecutionEnvironment environment(int restarts) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restarts);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(10));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    return env;
  }

  private static DataStream<Order> orders(StreamExecutionEnvironment env, int count) {
    List<Order> input = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      input.add(new Order("o" + i, "c-" + (i % 40 + 1), i));
    }
    return env.fromData(Order.TYPE_INFO, input.toArray(new Order[0]));
  }

  /** Names from the database, with a cache. */
  private static Enrich.LookupStep<Order, String, String, EnrichedOrder> names(String query) {
    return Enrich.lookup(
            "customer",
            Order::customerId,
            JdbcLookup.query(
                    DATABASE.get().url(), query, "id", JdbcKey.text(), r -> r.getString("name"))
                .withCredentials(
                    JdbcCredentials.of(TestDatabase.READER, TestDatabase.READER_PASSWORD))
                .withPoolSize(2)
                .withQueryTimeout(Duration.ofMinutes(5))
                .withDriverProperty("ApplicationName", APPLICATION),
            EnrichedOrder::of,
            EnrichedOrder.TYPE_INFO)
        .withCache(LookupCache.maxEntries(100))
        .withTimeout(Duration.ofMinutes(5));
  }

  /** Scores from the HTTP server; the order passes unchanged. */
  private Enrich.LookupStep<Order, String, Integer, Order> scores() {
    return Enrich.lookup(
            "score",
            Order::customerId,
            HttpLookup.get(server.urlTemplate(), String.class, Integer.class)
                .withRequestTimeout(Duration.ofMinutes(5)),
            (Order order, Integer score, LookupStatus status) -> order,
            Order.TYPE_INFO)
        .withTimeout(Duration.ofMinutes(5));
  }

  /**
   * The threads that hold a job's classes: those started from the job's code (a task thread, or a
   * thread such a thread started) have the job's user-code class loader as context class loader.
   * Flink's own delay scheduler (one per JVM, maybe started from a task) is not the job's, nor, on
   * Java 17, are the HTTP clients' selectors, which end once the client is garbage ({@code
   * HttpLookupCloseTest} checks that).
   */
  private static final Predicate<Thread> JOB_THREADS =
      t ->
          isUserCodeClassLoader(t.getContextClassLoader())
              && !t.getName().startsWith(FLINK_DELAY_SCHEDULER)
              && (HTTP_CLIENT_CAN_SHUT_DOWN || !t.getName().endsWith("-SelectorManager"));

  private static boolean isUserCodeClassLoader(@Nullable ClassLoader loader) {
    return loader instanceof FlinkUserCodeClassLoader
        || (loader != null
            && loader.getClass().getName().startsWith(FlinkUserCodeClassLoaders.class.getName()));
  }

  @Test
  void restarts_leaveNoThreadOfTheJobBehind() throws Exception {
    FAILURES_LEFT.set(3);
    startServer(false);
    StartedThreads threads = StartedThreads.since();
    StreamExecutionEnvironment env = environment(3);
    DataStream<Order> orders =
        orders(env, 200).map(new FailsWhileFailuresLeft()).returns(Order.TYPE_INFO);
    EtlStream<EnrichedOrder> enriched =
        Etl.from(orders, "orders")
            .apply(scores())
            .apply(
                names("SELECT id, name FROM customers") // micro-batches, rate limit: on timers
                    .withMicroBatch(10, Duration.ofMillis(5))
                    .withRateLimit(10_000));
    enriched.toDataStream().sinkTo(new DiscardingSink<>());

    env.execute("lookup-restarts");

    assertThat(FAILURES_LEFT.get()).as("failures left").isNegative();
    assertThat(threads.stillRunningAfter(Duration.ofSeconds(10), JOB_THREADS))
        .as("threads started while the job ran (4 attempts) and still running 10 s after it")
        .isEmpty();
  }

  @Test
  void cancel_withQueriesAndRequestsHanging_endsWithinSeconds_andStopsTheQueries()
      throws Exception {
    startServer(true);
    StartedThreads threads = StartedThreads.since();
    StreamExecutionEnvironment env = environment(0);
    EtlStream<EnrichedOrder> enriched =
        Etl.from(orders(env, 40), "orders")
            .apply(scores())
            .apply(names("SELECT c.id, c.name FROM customers c CROSS JOIN pg_sleep(60) AS s"));
    enriched.toDataStream().sinkTo(new DiscardingSink<>());
    JobClient job = env.executeAsync("lookup-cancel");
    boolean inFlight = false;
    try {
      assertThat(server.awaitHanging(1, Duration.ofSeconds(30))).as("request hanging").isTrue();
      assertThat(DATABASE.get().awaitRunningQueries(APPLICATION, 4, Duration.ofSeconds(30)))
          .as("queries running (2 subtasks, 2 connections each)")
          .isEqualTo(4);
      inFlight = true;
    } finally {
      if (!inFlight) {
        job.cancel().get(30, TimeUnit.SECONDS); // the next test must not see this job
      }
    }

    long start = System.nanoTime();
    job.cancel().get(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> job.getJobExecutionResult().get(30, TimeUnit.SECONDS))
        .hasStackTraceContaining("cancel");
    Duration cancelling = Duration.ofNanos(System.nanoTime() - start);

    assertThat(cancelling).isLessThan(Duration.ofSeconds(10));
    assertThat(DATABASE.get().awaitRunningQueries(APPLICATION, 0, Duration.ofSeconds(5)))
        .as("queries still running on the database after the cancel")
        .isZero();
    assertThat(threads.stillRunningAfter(Duration.ofSeconds(10), JOB_THREADS))
        .as("threads started while the job ran and still running 10 s after the cancel")
        .isEmpty();
  }

  @Test
  void releaseHook_ofALookup_runsWhenTheJobsClassLoaderIsReleased() throws Exception {
    StreamExecutionEnvironment env = environment(0);
    EtlStream<EnrichedOrder> enriched =
        Etl.from(orders(env, 10), "orders")
            .apply(
                Enrich.lookup(
                    "customer",
                    Order::customerId,
                    new ReleaseWatchingLookup(),
                    EnrichedOrder::of,
                    EnrichedOrder.TYPE_INFO));
    enriched.toDataStream().sinkTo(new DiscardingSink<>());

    env.execute("lookup-release-hook");

    assertThat(RELEASED.await(10, TimeUnit.SECONDS)).as("release hook ran").isTrue();
  }

  /** Fails the job on its 50th order while failures are left. */
  private static final class FailsWhileFailuresLeft implements MapFunction<Order, Order> {
    @Override
    public Order map(Order order) {
      if (order.orderId().equals("o50") && FAILURES_LEFT.getAndDecrement() > 0) {
        throw new IllegalStateException("injected failure");
      }
      return order;
    }
  }

  /** Answers every key with its own name and counts the release of the job's class loader. */
  private static final class ReleaseWatchingLookup implements Lookup<String, String> {
    @Override
    public void open(LookupContext context) {
      context.registerReleaseHookIfAbsent("release-watch", RELEASED::countDown);
    }

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      return CompletableFuture.completedFuture(Optional.of(key));
    }
  }
}
