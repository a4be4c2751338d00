package dev.etlkit.operators;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.testkit.Materializer;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

/**
 * Helpers of the tests that run one bounded job in {@code STREAMING} and in {@code BATCH} mode and
 * compare what each leaves behind: the final table, the dead letters and the record accounting.
 */
public final class ModeRuns {

  private ModeRuns() {}

  /** A MiniCluster with the two slots a parallelism-2 job needs. */
  public static MiniClusterExtension miniCluster() {
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());
  }

  /**
   * A parallelism-2 environment in {@code mode} on {@code backend}, generic types disabled, no
   * restarts. (In batch mode Flink keeps keyed state in its own per-key batch backend, whatever the
   * configured one.)
   */
  public static StreamExecutionEnvironment environment(
      RuntimeExecutionMode mode, StateBackendKind backend) {
    Configuration config = new Configuration();
    config.set(
        StateBackendOptions.STATE_BACKEND,
        backend == StateBackendKind.ROCKSDB ? "rocksdb" : "hashmap");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    config.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    return env;
  }

  /** Every element of {@code iterator}, in the order it gave them; closes it. */
  public static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> all = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(all::add);
    }
    return all;
  }

  /**
   * The table a keyed sink holds after {@code changelog}: the changes are grouped by key (each
   * key's in the order they came, as one subtask emitted them) and materialized.
   */
  public static <T> Map<String, T> table(
      List<Change<T>> changelog, Function<? super T, String> key) {
    List<Change<T>> byKey = new ArrayList<>(changelog);
    byKey.sort(Comparator.comparing(change -> key.apply(change.value()))); // stable
    return new TreeMap<>(Materializer.<String, T>byKey(key).materialize(byKey));
  }

  /** Each dead letter as "uid error: message | payload", sorted. */
  public static List<String> letters(List<DeadLetter> deadLetters) {
    return deadLetters.stream()
        .map(
            l ->
                l.uid()
                    + " "
                    + l.errorClass()
                    + ": "
                    + l.errorMessage()
                    + " | "
                    + l.payloadAsText())
        .sorted()
        .toList();
  }

  /** Every step's counts, by pipeline and step. */
  public static List<RecordAccounting.StepCounts> counts(JobExecutionResult result) {
    List<RecordAccounting.StepCounts> steps = new ArrayList<>(RecordAccounting.of(result).steps());
    steps.sort(
        Comparator.comparing(RecordAccounting.StepCounts::pipeline)
            .thenComparing(RecordAccounting.StepCounts::step));
    return steps;
  }
}
