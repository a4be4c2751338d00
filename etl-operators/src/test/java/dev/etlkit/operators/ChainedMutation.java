package dev.etlkit.operators;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.Steps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

/**
 * A job where a function chained after a step changes each record the step emits in place (it
 * appends {@code !} to the row's text), as a function may with Flink's object reuse on, where it
 * gets the very object the step emitted: three versions of one key through the step, on the heap
 * backend, at parallelism 1. A step that emits an object it also keeps in state sees its state
 * change with it.
 */
public final class ChainedMutation {

  private ChainedMutation() {}

  /** The MiniCluster the job runs on: register it in the test class. */
  public static MiniClusterExtension miniCluster() {
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());
  }

  /** The changes the job emits, as {@code "+U v2!"}, with object reuse on or off. */
  public static List<String> run(
      Function<EtlStream<MutableRow>, EtlStream<Change<MutableRow>>> step, boolean objectReuse)
      throws Exception {
    StreamExecutionEnvironment env = environment(objectReuse);
    List<MutableRow> rows =
        List.of(
            new MutableRow("k1", "v1", 1),
            new MutableRow("k1", "v2", 2),
            new MutableRow("k1", "v3", 3));
    EtlStream<Change<MutableRow>> changed =
        step.apply(Etl.pipeline("p").from(env.fromData(rows, MutableRow.TYPE)))
            .apply(Steps.map("append", ChainedMutation::append, MutableRow.CHANGES));
    CloseableIterator<Change<MutableRow>> output = changed.toDataStream().collectAsync();
    env.execute("chained-mutation-" + objectReuse);
    List<String> emitted = new ArrayList<>();
    output.forEachRemaining(c -> emitted.add(c.kind().shortString() + " " + c.value().text));
    return emitted;
  }

  /** The job's environment: heap state, parallelism 1, no Kryo, no restarts. */
  public static StreamExecutionEnvironment environment(boolean objectReuse) {
    Configuration config = new Configuration();
    config.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(1);
    if (objectReuse) {
      env.getConfig().enableObjectReuse();
    }
    return env;
  }

  /** Changes the record in place. */
  private static Change<MutableRow> append(Change<MutableRow> change) {
    change.value().text = change.value().text + "!";
    return change;
  }
}
