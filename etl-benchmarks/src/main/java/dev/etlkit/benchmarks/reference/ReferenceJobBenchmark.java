package dev.etlkit.benchmarks.reference;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.BenchmarkSettings;
import dev.etlkit.examples.OrdersJob;
import dev.etlkit.examples.ReferenceData;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The reference job end to end at parallelism 1 on a bounded input, beside the same logic written
 * in Flink SQL through the Table API, each with a pass-through job that only converts the input, so
 * that the conversion (and the cost of running a job at all) can be subtracted.
 *
 * <ul>
 *   <li>{@code impl=ETLKIT, job=PIPELINE}: the reference job's own steps from {@link OrdersJob}:
 *       JSON parse, dedup keep-first, filter; Debezium decode, upsert normalization; point-in-time
 *       customer join; exchange-rate lookup. Enriched orders and dead letters to discarding sinks.
 *   <li>{@code impl=FLINK_SQL, job=PIPELINE}: {@link FlinkSqlReferenceJob}: ROW_NUMBER dedup,
 *       ChangelogNormalize of an upsert source, event-time temporal join, lookup join.
 *   <li>{@code job=PASS_THROUGH}: source, conversion, discarding sink: etlkit's {@code Json.parse}
 *       and {@code Debezium.decode}; SQL's conversion into its two tables and back.
 * </ul>
 *
 * <p>Input: {@code ReferenceData.generate(Spec.of(orders))}: {@code orders} distinct orders of
 * 1,000 customers, 2% of them delivered twice, one customer change per 50 orders after a snapshot
 * of all customers. Event time is read from each line at the source by the reference job's own
 * watermark strategies ({@code EventTimes.orderLines}, {@code changeLines}), watermarks 5 s behind,
 * for both impls alike ({@link ReferenceJobs}). Generated once per trial and read from memory
 * ({@link InMemoryLines}), not serialized into the job graph.
 *
 * <p>One invocation runs one bounded job to the end on a MiniCluster started once per trial (one
 * TaskManager, one slot, {@value #MANAGED_MEMORY_MIB} MiB managed memory: RocksDB's block cache and
 * write buffers), from a job graph built once per trial, so SQL planning and cluster start are not
 * measured; task deployment, operator start (including SQL's code generation) and the job's end
 * are, in every variant alike. Score: input records (order lines + change lines) per second,
 * counted by the {@code records} aux counter, which the summary ({@code BenchmarkReport}) reports
 * instead of jobs per second; bytes per record = {@code gc.alloc.rate.norm} (bytes per job, every
 * thread of the JVM, the cluster's included) ÷ records per job.
 *
 * <p>Every job loads the SQL job's generated classes anew (a new user-code class loader per job),
 * so the JIT compiles them anew in every invocation; etlkit's classes and Flink's stay compiled. A
 * long-running job pays that once: larger {@code orders} shrink its share.
 */
public class ReferenceJobBenchmark extends BenchmarkSettings {

  /** Managed memory of the one TaskManager slot. */
  static final int MANAGED_MEMORY_MIB = 256;

  /** Who implements the job. */
  public enum Impl {
    ETLKIT,
    FLINK_SQL
  }

  /** Which job runs. */
  public enum Job {
    /** The whole reference logic. */
    PIPELINE,
    /** Source, conversion of the input, discarding sink. */
    PASS_THROUGH
  }

  @Param({"ETLKIT", "FLINK_SQL"})
  public Impl impl;

  @Param({"PIPELINE", "PASS_THROUGH"})
  public Job job;

  @Param({"HEAP", "ROCKSDB"})
  public Backend backend;

  /** Distinct valid orders of the generated input. */
  @Param({"200000"})
  public int orders;

  /**
   * Flink's {@code pipeline.object-reuse}. Off by default, as in the reference job's settings
   * ({@link OrdersJob#localEnvironment}): records are then copied between chained operators, which
   * costs the SQL job (several chained planner operators per record) more than the etlkit job.
   */
  @Param({"false"})
  public boolean objectReuse;

  /** Input records processed, reported by JMH as a rate: records per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Records {

    /** Input records of the jobs run in this iteration; JMH resets it before each iteration. */
    public long records;
  }

  private ReferenceJobs.Sources sources;
  private MiniCluster cluster;
  private JobGraph jobGraph;
  private long recordsPerJob;
  private Map<String, Long> lastOutputs;

  @Setup(Level.Trial)
  public void setUpTrial() throws Exception {
    ReferenceData data = ReferenceData.generate(ReferenceData.Spec.of(orders));
    recordsPerJob = (long) data.orders().size() + data.customerChanges().size();

    StreamExecutionEnvironment env = OrdersJob.localEnvironment(stateBackend(backend));
    env.setParallelism(1);
    if (objectReuse) {
      env.getConfig().enableObjectReuse();
    }
    sources = ReferenceJobs.Sources.of(env, data);
    for (Map.Entry<String, DataStream<?>> output :
        ReferenceJobs.wire(impl, job, sources).entrySet()) {
      discard(output.getKey(), output.getValue());
    }
    jobGraph = env.getStreamGraph().getJobGraph();

    cluster = new MiniCluster(clusterConfiguration(backend));
    cluster.start();
  }

  @TearDown(Level.Trial)
  public void tearDownTrial() throws Exception {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
    if (sources != null) {
      sources.release();
      sources = null;
    }
  }

  /** Runs the job once over the whole input; returns the number of output records. */
  @Benchmark
  public long runJob(Records counter) throws Exception {
    jobGraph.setJobID(new JobID()); // the same graph again, as a new job
    JobExecutionResult result = cluster.executeJobBlocking(jobGraph);
    counter.records += recordsPerJob;
    Map<String, Long> outputs = new LinkedHashMap<>();
    long total = 0;
    for (Map.Entry<String, Object> accumulator : result.getAllAccumulatorResults().entrySet()) {
      if (accumulator.getKey().startsWith(CountingDiscard.PREFIX)) {
        long count = (Long) accumulator.getValue();
        outputs.put(accumulator.getKey().substring(CountingDiscard.PREFIX.length()), count);
        total += count;
      }
    }
    if (lastOutputs != null && !outputs.equals(lastOutputs)) {
      throw new IllegalStateException("the job's outputs changed: " + lastOutputs + ", " + outputs);
    }
    lastOutputs = outputs;
    return total;
  }

  /** The records of each output of the last job, by output name; null before the first. */
  Map<String, Long> lastOutputs() {
    return lastOutputs;
  }

  /** Input records of one job. */
  long recordsPerJob() {
    return recordsPerJob;
  }

  private static <T> void discard(String name, DataStream<T> stream) {
    stream
        .flatMap(new CountingDiscard<T>(name))
        .returns(Types.VOID)
        .name("count-" + name)
        .uid("count-" + name)
        .sinkTo(new DiscardingSink<>())
        .name("discard-" + name)
        .uid("discard-" + name);
  }

  /**
   * The state backend of a run: the heap or RocksDB; the other {@link Backend}s (the changelog
   * variant) are refused rather than run on RocksDB under their name.
   */
  static String stateBackend(Backend backend) {
    switch (backend) {
      case HEAP:
        return "hashmap";
      case ROCKSDB:
        return "rocksdb";
      default:
        throw new IllegalArgumentException(
            "ReferenceJobBenchmark runs on HEAP or ROCKSDB only, not " + backend);
    }
  }

  private static MiniClusterConfiguration clusterConfiguration(Backend backend) {
    Configuration conf = new Configuration();
    conf.set(StateBackendOptions.STATE_BACKEND, stateBackend(backend));
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(MANAGED_MEMORY_MIB));
    conf.set(RestOptions.BIND_PORT, "0"); // other builds on this machine may run a cluster too
    return new MiniClusterConfiguration.Builder()
        .setConfiguration(conf)
        .setNumTaskManagers(1)
        .setNumSlotsPerTaskManager(1)
        .build();
  }
}
