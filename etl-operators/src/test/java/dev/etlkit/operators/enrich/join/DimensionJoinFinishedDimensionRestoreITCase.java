package dev.etlkit.operators.enrich.join;

import static dev.etlkit.operators.ModeRuns.drain;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.DimensionJoinStep;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.testkit.StateBackendKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.testutils.CommonTestUtils;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A join whose dimension source has <b>finished</b> when the job fails and is restored from a
 * checkpoint taken after it finished (Flink 2 takes checkpoints after tasks finished, {@code
 * execution.checkpointing.checkpoints-after-tasks-finish}, on by default), or when the job is
 * stopped with a savepoint and started again from it: the restored job deploys that source
 * "finished on restore" and does not read it again. The facts' source goes on before and after. The
 * join behaves as before: the facts of the customers the dimension sent are enriched, those of
 * customers it never sent time out after {@code maxWait} (a latest join by its processing-time
 * timers, a point-in-time join when the watermark passes their wait) while the facts still come,
 * every fact is in the output once, and none leaves after the final watermark
 * (docs/enrichment-state.md, "Facts that arrive before their row").
 *
 * <p>What makes it hold, in Flink 2.2.1: a source task deployed as finished gets a {@code
 * FinishedOperatorChain} and a {@code StreamTaskFinishedOnRestoreSourceInput}, which reports the
 * end of data at once; the task then emits {@code Watermark.MAX_WATERMARK} ({@code
 * SourceOperatorStreamTask.advanceToEndOfEventTime}) and the end of data to the join, as the source
 * did when it ended before. So the restored join learns again, from its second input's final
 * watermark, that the dimension ended, and its combined watermark follows the facts'.
 */
@Timeout(120)
class DimensionJoinFinishedDimensionRestoreITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /** The name of the dimension source, which its task's name starts with. */
  private static final String DIMENSION_SOURCE = "customer-rows";

  /** Customers the dimension sends: c0 to c2; x0 and x1 never come. */
  private static final List<String> CUSTOMERS = List.of("c0", "c1", "c2", "x0", "x1");

  private static final int FACTS = 800;
  private static final int FACTS_PER_SECOND = 200;

  private static final Duration LATEST_MAX_WAIT = Duration.ofSeconds(1);
  private static final Duration AS_OF_MAX_WAIT = Duration.ofMillis(100);

  /** Whether the facts' map throws once after the dimension source finished. */
  static final AtomicBoolean FAIL_ONCE = new AtomicBoolean();

  /** Set by the test once the dimension source's task is FINISHED. */
  static final AtomicBoolean DIMENSION_FINISHED = new AtomicBoolean();

  /** Checkpoints the facts' map took part in after the dimension source's task finished. */
  static final Set<Long> CHECKPOINTS_AFTER_THE_DIMENSION = ConcurrentHashMap.newKeySet();

  /** Set when one of {@link #CHECKPOINTS_AFTER_THE_DIMENSION} completed. */
  static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();

  static final AtomicBoolean FAILED = new AtomicBoolean();

  /** Facts that passed the facts' map, over all attempts and jobs. */
  static final AtomicLong PASSED = new AtomicLong();

  /** The first fact a restored facts' map passed; -1 before a restore. */
  static final AtomicLong RESUMED_AT = new AtomicLong();

  /** Set when the last fact passed the facts' map: what leaves the join later left at the end. */
  static final AtomicBoolean FACTS_ENDED = new AtomicBoolean();

  /** How often the map after the dimension source was opened, over all attempts and jobs. */
  static final AtomicInteger DIMENSION_MAPS_OPENED = new AtomicInteger();

  /** The output published by {@link PublishedOnCheckpoint}. */
  static final Queue<String> PUBLISHED = new ConcurrentLinkedQueue<>();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latestJoin_failoverAfterTheDimensionFinished_enrichesAndTimesOutAsBefore(
      StateBackendKind backend, @InjectMiniCluster MiniCluster cluster) throws Exception {
    List<String> out = runWithFailover(cluster, backend, false);

    assertThat(FAILED).as("the job failed once and was restored").isTrue();
    assertOutput(out, false);
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOfJoin_failoverAfterTheDimensionFinished_enrichesAndTimesOutAsBefore(
      StateBackendKind backend, @InjectMiniCluster MiniCluster cluster) throws Exception {
    List<String> out = runWithFailover(cluster, backend, true);

    assertThat(FAILED).as("the job failed once and was restored").isTrue();
    assertOutput(out, true);
  }

  /**
   * The same after {@code flink stop} (a savepoint, without {@code --drain}) once the dimension
   * source finished, and a new job started from that savepoint: the savepoint holds the source as
   * finished, and the new job deploys it finished on restore.
   */
  @ParameterizedTest
  @CsvSource({"false, HEAP", "true, ROCKSDB"})
  void stoppedWithASavepointAfterTheDimensionFinished_theNewJobEnrichesAndTimesOutAsBefore(
      boolean asOf,
      StateBackendKind backend,
      @InjectMiniCluster MiniCluster cluster,
      @TempDir Path dir)
      throws Exception {
    List<String> out = runStoppedAndStartedAgain(cluster, backend, asOf, dir);

    assertThat(RESUMED_AT.get()).as("the second job restored the facts' source").isPositive();
    assertOutput(out, asOf);
  }

  /**
   * Each output line is {@code "o<i> <status>[ <name>/<tier>][ early][ after-final-watermark]"}:
   * every fact once, the dimension's customers found, the others timed out, some of those that came
   * after the restore before the facts ended, none after the final watermark.
   */
  private static void assertOutput(List<String> out, boolean asOf) {
    assertThat(DIMENSION_MAPS_OPENED)
        .as("the restored job deployed the dimension source finished: not opened, not read")
        .hasValue(1);
    assertThat(out.stream().map(line -> line.substring(0, line.indexOf(' '))).toList())
        .as("every fact once")
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, FACTS).mapToObj(i -> "o" + i).toList());
    assertThat(out).noneMatch(line -> line.endsWith(" after-final-watermark"));
    List<JoinStatus> found =
        asOf
            ? List.of(JoinStatus.FOUND)
            // a fact may reach the join before the rows did, and wait for them
            : List.of(JoinStatus.FOUND, JoinStatus.FOUND_AFTER_WAIT);
    long resumedAt = RESUMED_AT.get();
    boolean timedOutEarlyAfterTheRestore = false;
    for (String line : out) {
      String[] words = line.split(" ");
      int fact = Integer.parseInt(words[0].substring(1));
      String customer = CUSTOMERS.get(fact % CUSTOMERS.size());
      JoinStatus status = JoinStatus.valueOf(words[1]);
      if (customer.startsWith("c")) {
        assertThat(status).as(line).isIn(found);
        assertThat(words[2]).as(line).isEqualTo("N" + customer + "/gold");
      } else {
        assertThat(status).as(line).isEqualTo(JoinStatus.TIMED_OUT);
        timedOutEarlyAfterTheRestore |= fact >= resumedAt && line.endsWith(" early");
      }
    }
    assertThat(timedOutEarlyAfterTheRestore)
        .as(
            "a fact without a row that came after the restore timed out while the facts still came"
                + " (after maxWait, not at the end of input): %s",
            out)
        .isTrue();
  }

  /** Runs the job, fails it once after the dimension source finished, and returns its output. */
  private static List<String> runWithFailover(
      MiniCluster cluster, StateBackendKind backend, boolean asOf) throws Exception {
    reset(true);
    StreamExecutionEnvironment env = environment(backend, 1);
    // the collect sink gives every record once across the restore (checkpointing is on)
    CloseableIterator<String> out = build(env, asOf).collectAsync();
    JobClient job = env.executeAsync("dimension-join-finished-dimension-failover");
    List<String> lines;
    try {
      CommonTestUtils.waitUntilCondition(() -> dimensionFinished(cluster, job));
      DIMENSION_FINISHED.set(true);
      lines = drain(out);
    } finally {
      cancelIfRunning(job);
    }
    assertBalanced(job);
    return lines;
  }

  /**
   * Runs the job until the dimension source finished and a quarter of the facts passed, stops it
   * with a savepoint, runs it again from there to its end, and returns what both published.
   */
  private static List<String> runStoppedAndStartedAgain(
      MiniCluster cluster, StateBackendKind backend, boolean asOf, Path dir) throws Exception {
    reset(false);
    StreamExecutionEnvironment first = environment(backend, 0);
    build(first, asOf).process(new PublishedOnCheckpoint(), Types.STRING).setParallelism(1);
    JobClient job = first.executeAsync("dimension-join-finished-dimension-stopped");
    String savepoint;
    try {
      CommonTestUtils.waitUntilCondition(
          () -> dimensionFinished(cluster, job) && PASSED.get() >= FACTS / 4);
      savepoint =
          job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
              .get(60, TimeUnit.SECONDS);
    } finally {
      cancelIfRunning(job);
    }

    StreamExecutionEnvironment second = environment(backend, 0);
    Configuration restore = new Configuration();
    restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    second.configure(restore);
    build(second, asOf).process(new PublishedOnCheckpoint(), Types.STRING).setParallelism(1);
    JobClient again = second.executeAsync("dimension-join-finished-dimension-started-again");
    try {
      again.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    } finally {
      cancelIfRunning(again);
    }
    assertBalanced(again);
    return new ArrayList<>(PUBLISHED);
  }

  private static void reset(boolean failOnce) {
    FAIL_ONCE.set(failOnce);
    DIMENSION_FINISHED.set(false);
    CHECKPOINTS_AFTER_THE_DIMENSION.clear();
    CHECKPOINTED.set(false);
    FAILED.set(false);
    PASSED.set(0);
    RESUMED_AT.set(-1);
    FACTS_ENDED.set(false);
    DIMENSION_MAPS_OPENED.set(0);
    PUBLISHED.clear();
  }

  /**
   * Customers (three, at time 0, then the source ends) joined to {@value #FACTS} orders at {@value
   * #FACTS_PER_SECOND} a second (the wall clock their time, each of {@link #CUSTOMERS} in turn):
   * each joined order as a line of {@link Tagging}.
   */
  private static DataStream<String> build(StreamExecutionEnvironment env, boolean asOf) {
    DataStream<Change<Customer>> customers =
        env.fromData(
                List.of(
                    Change.insert(new Customer("c0", "Nc0", "gold")).withEventTime(0),
                    Change.insert(new Customer("c1", "Nc1", "gold")).withEventTime(0),
                    Change.insert(new Customer("c2", "Nc2", "gold")).withEventTime(0)),
                Change.typeInfo(Customer.TYPE_INFO))
            .name(DIMENSION_SOURCE)
            .setParallelism(1)
            .map(new CountingOpens(), Change.typeInfo(Customer.TYPE_INFO))
            .setParallelism(1)
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Change<Customer>>forMonotonousTimestamps()
                    .withTimestampAssigner((change, ts) -> change.eventTime()))
            .setParallelism(1);
    DataStream<Order> orders =
        env.fromSource(
                new DataGeneratorSource<>(
                    i ->
                        new Order(
                            "o" + i,
                            CUSTOMERS.get((int) (i % CUSTOMERS.size())),
                            System.currentTimeMillis(),
                            100),
                    FACTS,
                    RateLimiterStrategy.perSecond(FACTS_PER_SECOND),
                    Order.TYPE_INFO),
                // the latest join needs no watermark to pass the facts: keep it far behind them,
                // so that only the final one can find a fact late
                asOf
                    ? WatermarkStrategy.<Order>forMonotonousTimestamps()
                        .withTimestampAssigner((order, ts) -> order.time())
                    : WatermarkStrategy.<Order>forBoundedOutOfOrderness(Duration.ofDays(1))
                        .withTimestampAssigner((order, ts) -> order.time()),
                "orders")
            .setParallelism(1)
            .map(new FailingOnceAfterTheDimensionFinished(), Order.TYPE_INFO)
            .setParallelism(1);

    DimensionJoinStep<Order, Customer, String, EnrichedOrder> step =
        asOf
            ? DimensionJoin.asOf(
                    "customer",
                    customers,
                    Order::customerId,
                    Customer::id,
                    EnrichedOrder::of,
                    EnrichedOrder.TYPE_INFO)
                .withMaxWait(AS_OF_MAX_WAIT)
            : DimensionJoin.latest(
                    "customer",
                    customers,
                    Order::customerId,
                    Customer::id,
                    EnrichedOrder::of,
                    EnrichedOrder.TYPE_INFO)
                .withMaxWait(LATEST_MAX_WAIT);
    EtlPipeline pipeline = Etl.pipeline("shop");
    DataStream<String> out =
        pipeline.from(orders).apply(step).toDataStream().process(new Tagging(), Types.STRING);
    pipeline.deadLetters().sinkTo(new DiscardingSink<>());
    return out;
  }

  /** Parallelism 2, generic types off, {@code restarts} restarts, a checkpoint every 100 ms. */
  private static StreamExecutionEnvironment environment(StateBackendKind backend, int restarts) {
    Configuration conf = new Configuration();
    conf.set(
        StateBackendOptions.STATE_BACKEND,
        backend == StateBackendKind.ROCKSDB ? "rocksdb" : "hashmap");
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    if (restarts == 0) {
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    } else {
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restarts);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(10));
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    env.enableCheckpointing(100);
    return env;
  }

  /** Whether the dimension source's task is FINISHED; fails if the job ended before. */
  private static boolean dimensionFinished(MiniCluster cluster, JobClient job) throws Exception {
    JobID id = job.getJobID();
    assertThat(job.getJobStatus().get().isGloballyTerminalState())
        .as("the job ended before its dimension source finished")
        .isFalse();
    List<String> names = new ArrayList<>();
    for (AccessExecutionJobVertex vertex :
        cluster.getExecutionGraph(id).get().getAllVertices().values()) {
      if (vertex.getName().startsWith("Source: " + DIMENSION_SOURCE)) {
        return vertex.getAggregateState() == ExecutionState.FINISHED;
      }
      names.add(vertex.getName());
    }
    // none while the job is being scheduled
    assertThat(names).as("no task of the dimension source %s", DIMENSION_SOURCE).isEmpty();
    return false;
  }

  /** The join's counts of the job's last attempt balance. */
  private static void assertBalanced(JobClient job) throws Exception {
    JobExecutionResult result = job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    RecordAccounting.StepCounts counts = RecordAccounting.of(result).step("shop", "customer");
    // the restored attempt's counts: the facts after the snapshot, and those it restored waiting
    assertThat(counts.isBalanced()).as("%s", counts).isTrue();
  }

  private static void cancelIfRunning(JobClient job) throws Exception {
    if (!job.getJobStatus().get().isGloballyTerminalState()) {
      job.cancel().get(60, TimeUnit.SECONDS);
    }
  }

  /** Passes the dimension's changes on; counts how often it is opened. */
  static final class CountingOpens extends RichMapFunction<Change<Customer>, Change<Customer>> {
    private static final long serialVersionUID = 1L;

    @Override
    public void open(OpenContext context) {
      DIMENSION_MAPS_OPENED.incrementAndGet();
    }

    @Override
    public Change<Customer> map(Change<Customer> change) {
      return change;
    }
  }

  /**
   * Passes the facts on and counts them; notes the first fact it passes after a restore. With
   * {@link #FAIL_ONCE}, throws once, at the first fact after a checkpoint completed that was taken
   * after the dimension source's task finished.
   */
  static final class FailingOnceAfterTheDimensionFinished extends RichMapFunction<Order, Order>
      implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;

    private transient boolean restored;

    @Override
    public Order map(Order order) {
      long fact = Long.parseLong(order.orderId().substring(1));
      if (restored) {
        RESUMED_AT.compareAndSet(-1, fact);
      } else if (FAIL_ONCE.get() && CHECKPOINTED.get() && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure");
      }
      PASSED.incrementAndGet();
      if (fact == FACTS - 1) {
        FACTS_ENDED.set(true);
      }
      return order;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      if (DIMENSION_FINISHED.get()) {
        CHECKPOINTS_AFTER_THE_DIMENSION.add(context.getCheckpointId());
      }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
      restored = context.isRestored();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (CHECKPOINTS_AFTER_THE_DIMENSION.contains(checkpointId)) {
        CHECKPOINTED.set(true);
      }
    }
  }

  /**
   * The joined order as a line, with " early" if it left before the last fact passed the facts'
   * map, and " after-final-watermark" if it came after the final watermark (late for any event-time
   * step).
   */
  static final class Tagging extends ProcessFunction<EnrichedOrder, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(EnrichedOrder order, Context context, Collector<String> out) {
      out.collect(
          order
              + (FACTS_ENDED.get() ? "" : " early")
              + (context.timerService().currentWatermark() == Long.MAX_VALUE
                  ? " after-final-watermark"
                  : ""));
    }
  }

  /**
   * Adds its lines to {@link #PUBLISHED} once a checkpoint or savepoint taken after them completed,
   * as a transactional sink commits them: what a job stopped with a savepoint still emits after it
   * (its processing-time timers may fire until it ends) is left out, as the next job emits it
   * again. Keeps no state: for jobs without restarts.
   */
  static final class PublishedOnCheckpoint extends ProcessFunction<String, String>
      implements CheckpointedFunction, CheckpointListener {
    private static final long serialVersionUID = 1L;

    private transient List<String> pending;
    private transient TreeMap<Long, List<String>> snapshotted;

    @Override
    public void initializeState(FunctionInitializationContext context) {
      pending = new ArrayList<>();
      snapshotted = new TreeMap<>();
    }

    @Override
    public void processElement(String line, Context context, Collector<String> out) {
      pending.add(line);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
      snapshotted.put(context.getCheckpointId(), pending);
      pending = new ArrayList<>();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      Map<Long, List<String>> complete = snapshotted.headMap(checkpointId, true);
      complete.values().forEach(PUBLISHED::addAll);
      complete.clear();
    }
  }
}
