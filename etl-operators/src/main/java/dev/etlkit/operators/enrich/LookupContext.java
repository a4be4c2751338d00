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

  /**
   * Runs {@code hook} once when the job's classes are released on this TaskManager, unless a hook
   * of the same {@code name} was registered already (by any subtask of the job): for clean-up that
   * {@link Lookup#close()} must not do because other subtasks of the job may still need what it
   * undoes, such as deregistering a JDBC driver loaded from the job's jar from {@link
   * java.sql.DriverManager}. In a Flink task this is Flink's user-code class loader release hook:
   * it runs after the last task of the job on the TaskManager has ended (the job finished, was
   * cancelled, or all its tasks there restart), before the loader is closed. A hook must not throw
   * and must not block.
   *
   * <p>The default ignores the hook: outside a Flink task nothing is released.
   *
   * @param name identifies the hook; one per name and class loader
   * @param hook what to run
   */
  default void registerReleaseHookIfAbsent(String name, Runnable hook) {}
}
