package dev.etlkit.operators.enrich.jdbc;

import dev.etlkit.operators.enrich.LookupContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/**
 * A {@link LookupContext} for opening lookups without Flink: subtask 0 of 1, and a metric group
 * that remembers what was registered, by dotted path ({@code jdbcLookup.rejectedLookups}). Shared
 * by the JDBC and HTTP lookup tests.
 */
public final class RecordingLookupContext implements LookupContext {
  private final Map<String, Metric> metrics = new ConcurrentHashMap<>();
  private final Map<String, Runnable> releaseHooks = new LinkedHashMap<>();

  @Override
  public int subtaskIndex() {
    return 0;
  }

  @Override
  public int parallelism() {
    return 1;
  }

  @Override
  public MetricGroup metricGroup() {
    return new Group("");
  }

  @Override
  public synchronized void registerReleaseHookIfAbsent(String name, Runnable hook) {
    releaseHooks.putIfAbsent(name, hook);
  }

  /** The names of the release hooks registered so far. */
  public synchronized List<String> releaseHooks() {
    return List.copyOf(releaseHooks.keySet());
  }

  /** Runs the release hooks, as Flink does when it releases the job's class loader, once. */
  public void release() {
    List<Runnable> hooks;
    synchronized (this) {
      hooks = List.copyOf(releaseHooks.values());
      releaseHooks.clear();
    }
    for (Runnable hook : hooks) {
      hook.run();
    }
  }

  /** The counter's count registered under {@code path}. */
  public long count(String path) {
    return ((Counter) metric(path)).getCount();
  }

  /** The gauge's value registered under {@code path}. */
  public Object gauge(String path) {
    return ((Gauge<?>) metric(path)).getValue();
  }

  private Metric metric(String path) {
    Metric metric = metrics.get(path);
    if (metric == null) {
      throw new AssertionError("no metric " + path + " in " + metrics.keySet());
    }
    return metric;
  }

  private final class Group extends UnregisteredMetricsGroup {
    private final String prefix;

    Group(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public MetricGroup addGroup(String name) {
      return new Group(prefix + name + ".");
    }

    @Override
    public Counter counter(String name) {
      return counter(name, new SimpleCounter());
    }

    @Override
    public <C extends Counter> C counter(String name, C counter) {
      metrics.put(prefix + name, counter);
      return counter;
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
      metrics.put(prefix + name, gauge);
      return gauge;
    }
  }
}
