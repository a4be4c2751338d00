package dev.etlkit.operators.enrich;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.metrics.MetricGroup;

/** What a {@link Lookup} learns about the subtask it runs in when it is opened. */
@PublicEvolving
public interface LookupContext {

  /** The index of the parallel subtask, from 0. */
  int subtaskIndex();

  /** The parallelism of the step. */
  int parallelism();

  /** A metric group of the step where a lookup may register its own metrics. */
  MetricGroup metricGroup();
}
