package dev.etlkit.operators.enrich;

import static dev.etlkit.operators.ModeRuns.counts;
import static dev.etlkit.operators.ModeRuns.drain;
import static dev.etlkit.operators.ModeRuns.environment;
import static dev.etlkit.operators.ModeRuns.letters;
import static dev.etlkit.operators.ModeRuns.miniCluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.testkit.StateBackendKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lookup step with ordered and with unordered output, in {@code STREAMING} and {@code BATCH}
 * mode (parallelism 2, a cache per subtask): the same records, dead letters and counters. The step
 * keeps no keyed state, so the state backend does not matter.
 */
@Timeout(120)
class EnrichModesITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = miniCluster();

  /** Answers a key starting with "c" with its name, any other with nothing. */
  static final class Names implements Lookup<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      return CompletableFuture.completedFuture(
          key.startsWith("c") ? Optional.of("name-" + key) : Optional.empty());
    }
  }

  /** The part before '#'; none for "none". */
  static String key(String row) {
    String key = row.substring(0, row.indexOf('#'));
    return key.equals("none") ? null : key;
  }

  private record Run(
      List<String> ordered,
      List<String> unordered,
      List<String> letters,
      List<RecordAccounting.StepCounts> counts) {}

  private static Run run(RuntimeExecutionMode mode) throws Exception {
    StreamExecutionEnvironment env = environment(mode, StateBackendKind.HEAP);
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      rows.add((i % 5 == 4 ? "x" : "c") + (i % 7) + "#" + i);
    }
    rows.add("none#30");
    EtlPipeline pipeline = Etl.pipeline("rows");
    var in = pipeline.from(env.fromData(rows, Types.STRING).setParallelism(1));
    CloseableIterator<String> ordered =
        in.apply(step("ordered").withOrderedOutput()).toDataStream().collectAsync();
    CloseableIterator<String> unordered =
        in.apply(step("unordered").withUnorderedOutput()).toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("enrich-modes-" + mode);
    return new Run(
        found(drain(ordered)),
        found(drain(unordered)),
        letters(drain(deadLetters)),
        counts(result));
  }

  /**
   * The records sorted, a cache hit and a load both as FOUND: which one a record gets depends on
   * the subtask the rebalance sends it to (each has its own cache), in either mode.
   */
  private static List<String> found(List<String> records) {
    return records.stream()
        .map(r -> r.replace(" HIT ", " FOUND ").replace(" LOADED ", " FOUND "))
        .sorted()
        .toList();
  }

  private static Enrich.LookupStep<String, String, String, String> step(String name) {
    return Enrich.lookup(
            name,
            EnrichModesITCase::key,
            new Names(),
            (String row, String value, LookupStatus status) -> row + " " + status + " " + value,
            Types.STRING)
        .withCache(LookupCache.maxEntries(10));
  }

  @Test
  void orderedAndUnordered_sameRecordsDeadLettersAndCounters_inBatchAndStreaming()
      throws Exception {
    Run streaming = run(RuntimeExecutionMode.STREAMING);
    Run batch = run(RuntimeExecutionMode.BATCH);

    assertThat(streaming.ordered()).hasSize(30).isEqualTo(streaming.unordered());
    assertThat(streaming.ordered()).filteredOn(row -> row.startsWith("x")).hasSize(6);
    assertThat(streaming.letters()).hasSize(2);
    assertThat(batch).isEqualTo(streaming);
  }
}
