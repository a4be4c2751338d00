package dev.etlkit.operators.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.Steps;
import dev.etlkit.operators.ChainedMutation;
import dev.etlkit.operators.MutableRow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * In a job with Flink's object reuse on, a function chained after the dedup step gets the very
 * object the step emitted and may change it in place: the rows the step keeps (retract output) must
 * not change with it, with or without mini-batches.
 */
class DedupObjectReuseITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = ChainedMutation.miniCluster();

  /** What each mode emits (a retraction carries the kept row: the function changed it once). */
  private static final Map<String, List<String>> EXPECTED =
      Map.of(
          "keep-last", List.of("+I v1!", "-U v1!", "+U v2!", "-U v2!", "+U v3!"),
          "keep-last, mini-batch", List.of("+I v2!", "-U v2!", "+U v3!"), // bundles of 2
          "keep-first on a changelog", List.of("+I v1!", "-D v1!")); // v3 deletes

  @ParameterizedTest
  @ValueSource(strings = {"keep-last", "keep-last, mini-batch", "keep-first on a changelog"})
  @Timeout(120)
  void chainedFunctionChangingTheOutputInPlace_leavesTheKeptRowAlone(String mode) throws Exception {
    Function<EtlStream<MutableRow>, EtlStream<Change<MutableRow>>> step =
        switch (mode) {
          case "keep-last" -> rows -> rows.apply(keepLast());
          case "keep-last, mini-batch" ->
              rows -> rows.apply(keepLast().withMiniBatch(2, Duration.ofHours(1)));
          default ->
              rows ->
                  rows.apply(
                          Steps.map("changes", DedupObjectReuseITCase::change, MutableRow.CHANGES))
                      .apply(
                          Dedup.keepFirst("dedup", MutableRow::key)
                              .withKeyType(Types.STRING)
                              .withRetractOutput()
                              .onChangelog());
        };
    List<String> withoutObjectReuse = ChainedMutation.run(step, false);

    assertThat(withoutObjectReuse).as(mode).isEqualTo(EXPECTED.get(mode));
    assertThat(ChainedMutation.run(step, true)).as(mode).isEqualTo(withoutObjectReuse);
  }

  private static Dedup.DedupStep<MutableRow, MutableRow, String, Change<MutableRow>> keepLast() {
    return Dedup.keepLast("dedup", MutableRow::key).withKeyType(Types.STRING).withRetractOutput();
  }

  /** The first version is an insert, the second an update, the third a delete. */
  private static Change<MutableRow> change(MutableRow row) {
    return row.version == 1
        ? Change.insert(row)
        : row.version == 2 ? Change.updateAfter(row) : Change.delete(row);
  }
}
