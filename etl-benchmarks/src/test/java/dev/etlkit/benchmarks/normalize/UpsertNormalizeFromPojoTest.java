package dev.etlkit.benchmarks.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.normalize.UpsertNormalizeBenchmark.Impl;
import dev.etlkit.core.Change;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link Impl#FLINK_SQL_FROM_POJO} measures a job of {@code Change<Account>} switched to Flink SQL:
 * its changes reach ChangelogNormalize as rows converted by Flink's converter, and what the job
 * gets back is the changelog etlkit's step emits, change for change.
 */
class UpsertNormalizeFromPojoTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  @ParameterizedTest
  @CsvSource({"HEAP", "ROCKSDB"})
  void convertedChangelog_equalsEtlkitsChangelog(Backend backend) throws Exception {
    List<Object> etlkit = outputs(Impl.ETLKIT, backend);
    List<Object> sql = outputs(Impl.FLINK_SQL_FROM_POJO, backend);

    assertThat(sql).containsExactlyElementsOf(etlkit);
    assertThat(sql)
        .extracting(change -> ((Change<?>) change).kind())
        .contains(RowKind.INSERT, RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER, RowKind.DELETE);
  }

  /** ChangelogNormalize gets the converter's rows, new per record, with the change's kind. */
  @Test
  void changes_reachChangelogNormalize_asRowsConvertedOnArrival() throws Exception {
    UpsertNormalizeBenchmark benchmark = benchmark(Impl.FLINK_SQL_FROM_POJO, Backend.HEAP);
    benchmark.setUpTrial();
    try {
      @SuppressWarnings("unchecked")
      Change<Account> change = (Change<Account>) benchmark.createInputs(new int[] {7, 7})[1];
      Object first = benchmark.arriving(change);
      Object second = benchmark.arriving(change);

      assertThat(first).isInstanceOf(GenericRowData.class).isNotSameAs(second).isEqualTo(second);
      RowData row = (RowData) first;
      assertThat(row.getRowKind()).isEqualTo(change.kind());
      assertThat(row.getLong(0)).isEqualTo(change.value().id());
      assertThat(row.getLong(1)).isEqualTo(change.value().version());
      assertThat(row.getString(2).toString()).isEqualTo(change.value().payload());
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private static List<Object> outputs(Impl impl, Backend backend) throws Exception {
    UpsertNormalizeBenchmark benchmark = benchmark(impl, backend);
    benchmark.setUpTrial();
    try {
      benchmark.normalize(BLACKHOLE);
      benchmark.normalize(BLACKHOLE);
      return List.copyOf(benchmark.keptOutputs());
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private static UpsertNormalizeBenchmark benchmark(Impl impl, Backend backend) {
    UpsertNormalizeBenchmark benchmark = UpsertNormalizeBenchmarkTest.benchmark(impl, backend);
    benchmark.keepOutputs = true;
    return benchmark;
  }
}
