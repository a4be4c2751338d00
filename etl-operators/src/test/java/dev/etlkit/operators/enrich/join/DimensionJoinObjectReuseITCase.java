package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.Steps;
import dev.etlkit.operators.ChainedMutation;
import dev.etlkit.operators.MutableRow;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.JoinStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * In a job with Flink's object reuse on, a function after the dimension join may change the records
 * it gets in place. A combiner may put a part of the dimension row into its output (here the row's
 * nested note, as an order may take its customer's address): the row the step keeps must not change
 * with it. It does not, as the step's output is the union of the join's output and the facts
 * without a key, and Flink chains no operator to a union: every record the join emits is
 * serialized. This pins that, so that a change of the wiring does not silently share the kept rows.
 */
class DimensionJoinObjectReuseITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = ChainedMutation.miniCluster();

  @Test
  @Timeout(120)
  void chainedFunctionChangingTheOutputInPlace_leavesTheKeptRowAlone() throws Exception {
    List<String> withoutObjectReuse = run(false);

    assertThat(withoutObjectReuse)
        .containsExactly("o1 note of gold!", "o2 note of gold!", "o3 note of gold!");
    assertThat(run(true)).isEqualTo(withoutObjectReuse);
  }

  /** Three facts of one key and its dimension row; each output's note changed after the step. */
  private static List<String> run(boolean objectReuse) throws Exception {
    StreamExecutionEnvironment env = ChainedMutation.environment(objectReuse);
    List<MutableRow> facts =
        List.of(
            new MutableRow("c1", "o1", 1),
            new MutableRow("c1", "o2", 2),
            new MutableRow("c1", "o3", 3));
    List<Change<MutableRow>> customers = List.of(Change.insert(new MutableRow("c1", "gold", 1)));
    CloseableIterator<MutableRow> output =
        Etl.pipeline("p")
            .from(env.fromData(facts, MutableRow.TYPE))
            .apply(
                DimensionJoin.latest(
                        "customer",
                        env.fromData(customers, MutableRow.CHANGES),
                        MutableRow::key,
                        MutableRow::key,
                        DimensionJoinObjectReuseITCase::withCustomerNote,
                        MutableRow.TYPE)
                    .withMaxWait(Duration.ofMinutes(10)))
            .apply(Steps.map("append", DimensionJoinObjectReuseITCase::append, MutableRow.TYPE))
            .toDataStream()
            .collectAsync();
    env.execute("join-object-reuse-" + objectReuse);
    List<String> emitted = new ArrayList<>();
    output.forEachRemaining(row -> emitted.add(row.text + " " + row.note.text));
    return emitted;
  }

  /** The order with its customer's note: the note object itself. */
  private static MutableRow withCustomerNote(
      MutableRow order, @Nullable MutableRow customer, JoinStatus status) {
    MutableRow out = new MutableRow(order.key, order.text, order.version);
    out.note = customer == null ? new MutableRow.Note("none") : customer.note;
    return out;
  }

  /** Changes the output's note in place. */
  private static MutableRow append(MutableRow row) {
    row.note.text = row.note.text + "!";
    return row;
  }
}
