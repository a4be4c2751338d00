package dev.etlkit.operators.cdc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/** A metric group that keeps its counters and the names of the groups added below it. */
final class RecordingMetricGroup extends UnregisteredMetricsGroup {
  final Map<String, Counter> counters = new HashMap<>();
  final List<String> groups = new ArrayList<>();

  @Override
  public Counter counter(String name) {
    return counter(name, new SimpleCounter());
  }

  @Override
  public <C extends Counter> C counter(String name, C counter) {
    counters.put(name, counter);
    return counter;
  }

  @Override
  public MetricGroup addGroup(String name) {
    groups.add(name);
    return this;
  }

  @Override
  public MetricGroup addGroup(String key, String value) {
    groups.add(key + "=" + value);
    return this;
  }

  long count(String name) {
    return counters.get(name).getCount();
  }
}
