package dev.etlkit.operators.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Steps;
import dev.etlkit.operators.ChainedMutation;
import dev.etlkit.operators.MutableRow;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * In a job with Flink's object reuse on, a function chained after the normalizer gets the very
 * object the step emitted and may change it in place: the step's state must not change with it.
 */
class NormalizeObjectReuseITCase {

  @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = ChainedMutation.miniCluster();

  @Test
  @Timeout(120)
  void chainedFunctionChangingTheOutputInPlace_leavesTheKeptRowAlone() throws Exception {
    for (boolean objectReuse : new boolean[] {false, true}) {
      assertThat(
              ChainedMutation.run(
                  rows ->
                      rows.apply(Steps.map("upserts", Change::updateAfter, MutableRow.CHANGES))
                          .apply(Normalize.upserts("normalize", MutableRow::key, Types.STRING)),
                  objectReuse))
          .as("object reuse %s", objectReuse)
          .containsExactly("+I v1!", "-U v1!", "+U v2!", "-U v2!", "+U v3!");
    }
  }
}
