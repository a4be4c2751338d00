package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.StepMetrics;
import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The lookup step's own metrics, in the async operator's group {@code
 * etlkit.<pipeline>.step.<step>} beside nothing else (its record accounting lives in the output
 * operator, whose {@link StepMetrics} keep {@code in == out + deadLettered}). Names are the
 * constants below; docs/enrichment.md lists them.
 */
@Internal
public final class LookupMetrics {

  /** Records answered by a fresh cache entry (value or cached miss). */
  public static final String CACHE_HITS = "cacheHits";

  /** Records that found no fresh cache entry (every record without a cache). */
  public static final String CACHE_MISSES = "cacheMisses";

  /**
   * Keys sent to the lookup: every attempt of every key, each distinct key of a batch once (a key
   * asked once in one call). The unit of {@link #LOAD_FAILURES} and {@link #LOAD_TIMEOUTS} too.
   */
  public static final String LOADS = "loads";

  /**
   * Keys asked whose call failed with an exception (or that a {@code PartialLookupException} of a
   * batch failed alone), or whose answer could not be used (a retry condition threw); attempt
   * timeouts not included.
   */
  public static final String LOAD_FAILURES = "loadFailures";

  /** Keys asked whose call passed the attempt timeout. */
  public static final String LOAD_TIMEOUTS = "loadTimeouts";

  /** Attempts after the first one of a key, counted when their call is made. */
  public static final String RETRIES = "retries";

  /** Records that reached the step timeout before their key was answered. */
  public static final String TIMEOUTS = "timeouts";

  /** Records answered with an expired entry because the load failed or timed out. */
  public static final String STALE_SERVED = "staleServed";

  /** Records answered by the fallback (pass-through, default value or dead letter). */
  public static final String FALLBACKS = "fallbacks";

  /** Records that joined a load already in flight for their key (single-flight). */
  public static final String SHARED_LOADS = "sharedLoads";

  /** Background reloads started by refresh-ahead. */
  public static final String REFRESHES = "refreshes";

  /**
   * Refresh-ahead reloads not started because the records waiting for a load and the refreshes in
   * progress already reached the step's capacity (the entry was served as it was; a later read
   * tries again).
   */
  public static final String REFRESHES_SKIPPED = "refreshesSkipped";

  /** {@code lookupAll} calls of micro-batches. */
  public static final String BATCHES = "batches";

  /** Calls that had to wait for a permit of the rate limit. */
  public static final String RATE_LIMITED = "rateLimited";

  /** Gauge: records of this subtask waiting for an answer. */
  public static final String IN_FLIGHT = "inFlight";

  /** Histogram: microseconds from a call to its reply (timed-out calls not included). */
  public static final String LOAD_LATENCY = "loadLatencyMicros";

  /** Calls the latency histogram keeps for its statistics. */
  public static final int LATENCY_WINDOW = 1024;

  /** Its exact class, so the hit path's increment needs no type profile to be inlined. */
  final SimpleCounter cacheHits;

  final SimpleCounter cacheMisses;
  final Counter loads;
  final Counter loadFailures;
  final Counter loadTimeouts;
  final Counter retries;
  final Counter timeouts;
  final Counter staleServed;
  final Counter fallbacks;
  final SimpleCounter sharedLoads;
  final Counter refreshes;
  final SimpleCounter refreshesSkipped;
  final Counter batches;
  final Counter rateLimited;
  final Histogram loadLatency;
  private final MetricGroup group;

  private LookupMetrics(MetricGroup group) {
    this.group = group;
    // Hits, misses, shared loads and skipped refreshes are counted on the task thread only (probe
    // and load); the other counters on lookup and timer threads too.
    this.cacheHits = group.counter(CACHE_HITS, new SimpleCounter());
    this.cacheMisses = group.counter(CACHE_MISSES, new SimpleCounter());
    this.loads = group.counter(LOADS, new ThreadSafeSimpleCounter());
    this.loadFailures = group.counter(LOAD_FAILURES, new ThreadSafeSimpleCounter());
    this.loadTimeouts = group.counter(LOAD_TIMEOUTS, new ThreadSafeSimpleCounter());
    this.retries = group.counter(RETRIES, new ThreadSafeSimpleCounter());
    this.timeouts = group.counter(TIMEOUTS, new ThreadSafeSimpleCounter());
    this.staleServed = group.counter(STALE_SERVED, new ThreadSafeSimpleCounter());
    this.fallbacks = group.counter(FALLBACKS, new ThreadSafeSimpleCounter());
    this.sharedLoads = group.counter(SHARED_LOADS, new SimpleCounter());
    this.refreshes = group.counter(REFRESHES, new ThreadSafeSimpleCounter());
    this.refreshesSkipped = group.counter(REFRESHES_SKIPPED, new SimpleCounter());
    this.batches = group.counter(BATCHES, new ThreadSafeSimpleCounter());
    this.rateLimited = group.counter(RATE_LIMITED, new ThreadSafeSimpleCounter());
    this.loadLatency =
        group.histogram(LOAD_LATENCY, new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
  }

  /** Registers the metrics of {@code step} in the operator's group; once per subtask. */
  public static LookupMetrics register(
      MetricGroup operatorGroup, StepIdentity step, Gauge<Integer> inFlight) {
    MetricGroup group =
        operatorGroup.addGroup(StepMetrics.GROUP, step.pipeline()).addGroup("step", step.step());
    group.gauge(IN_FLIGHT, inFlight);
    return new LookupMetrics(group);
  }

  /** Metrics that count but are reported nowhere (tests, benchmarks). */
  public static LookupMetrics unregistered() {
    return new LookupMetrics(new UnregisteredMetricsGroup());
  }

  /** The step's metric group these metrics live in. */
  public MetricGroup group() {
    return group;
  }

  /** The value of the counter named by one of the constants above (for tests and reports). */
  public long count(String name) {
    switch (name) {
      case CACHE_HITS:
        return cacheHits.getCount();
      case CACHE_MISSES:
        return cacheMisses.getCount();
      case LOADS:
        return loads.getCount();
      case LOAD_FAILURES:
        return loadFailures.getCount();
      case LOAD_TIMEOUTS:
        return loadTimeouts.getCount();
      case RETRIES:
        return retries.getCount();
      case TIMEOUTS:
        return timeouts.getCount();
      case STALE_SERVED:
        return staleServed.getCount();
      case FALLBACKS:
        return fallbacks.getCount();
      case SHARED_LOADS:
        return sharedLoads.getCount();
      case REFRESHES:
        return refreshes.getCount();
      case REFRESHES_SKIPPED:
        return refreshesSkipped.getCount();
      case BATCHES:
        return batches.getCount();
      case RATE_LIMITED:
        return rateLimited.getCount();
      case LOAD_LATENCY:
        return loadLatency.getCount();
      default:
        throw new IllegalArgumentException("no counter named " + name);
    }
  }
}
