package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

/**
 * Review finding: BENCHMARKS.md ("Three variants in every operator benchmark") and
 * docs/benchmarks.md ("Operator benchmarks") say {@code FLINK_SQL} is fed pre-built {@code RowData}
 * "and once more fed rows converted from our POJOs". No dedup impl is: every {@code FLINK_SQL*}
 * variant gets pre-built binary rows only, so the figure with conversion (what replacing a
 * DataStream step by Flink SQL costs a POJO pipeline) is never measured.
 */
class ReviewFlinkSqlConvertedVariantTest {

  @Test
  void dedup_hasAFlinkSqlVariantFedRowsConvertedFromPojos() throws Exception {
    String[] impls = DedupBenchmarkBase.class.getField("impl").getAnnotation(Param.class).value();
    List<String> fedPojos = new ArrayList<>();
    List<String> fedRowData = new ArrayList<>();
    for (String name : impls) {
      if (!name.startsWith("FLINK_SQL")) {
        continue;
      }
      DedupKeepFirstBenchmark benchmark = new DedupKeepFirstBenchmark();
      benchmark.impl = DedupImpl.valueOf(name);
      benchmark.valueSize = 4;
      benchmark.dupRatio = 0.9;
      Object first = benchmark.createInputs(new int[] {0, 1})[0];
      (first instanceof BenchRow ? fedPojos : fedRowData).add(name);
    }

    assertThat(fedRowData).as("FLINK_SQL variants fed pre-built RowData").isNotEmpty();
    assertThat(fedPojos).as("FLINK_SQL variants fed our POJOs (converted to RowData)").isNotEmpty();
  }
}
