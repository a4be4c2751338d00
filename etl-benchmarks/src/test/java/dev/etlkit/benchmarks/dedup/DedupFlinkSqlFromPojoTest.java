package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.core.Change;
import dev.etlkit.operators.dedup.DedupOutput;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link DedupImpl#FLINK_SQL_FROM_POJO} measures a job of {@link BenchRow}s switched to Flink SQL:
 * its records reach the SQL function as rows converted by Flink's converter, and what a job gets
 * back are the same {@link BenchRow}s (or changes of them) that etlkit's step emits.
 */
class DedupFlinkSqlFromPojoTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  @ParameterizedTest(name = "on {0}")
  @EnumSource(
      value = Backend.class,
      names = {"HEAP", "ROCKSDB"})
  void keepFirst_convertedOutputs_equalEtlkitsOutputs(Backend backend) throws Exception {
    List<Object> etlkit = keepFirstOutputs(DedupImpl.ETLKIT, backend);
    List<Object> sql = keepFirstOutputs(DedupImpl.FLINK_SQL_FROM_POJO, backend);

    assertThat(etlkit).hasSizeBetween(150, 250); // ~10% fresh keys in 2,000 records
    assertThat(sql).allSatisfy(row -> assertThat(row).isExactlyInstanceOf(BenchRow.class));
    assertThat(sql).containsExactlyElementsOf(etlkit);
  }

  @Test
  void keepLast_onRocksDb_convertedChangelog_equalsEtlkitsChangelog() throws Exception {
    List<Object> etlkit = keepLastOutputs(DedupImpl.ETLKIT, Backend.ROCKSDB);
    List<Object> sql = keepLastOutputs(DedupImpl.FLINK_SQL_FROM_POJO, Backend.ROCKSDB);

    assertThat(etlkit).hasSizeBetween(2_000, 3_600);
    assertThat(sql).containsExactlyElementsOf(etlkit);
    assertThat(sql)
        .extracting(change -> ((Change<?>) change).kind())
        .contains(RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER);
  }

  /**
   * On the heap Flink SQL's keep-last re-emits an identical row after an update as {@code
   * -U}/{@code +U} (it changed the kind of the row object it stored; docs/dedup.md): apart from
   * those pairs, the changelog is etlkit's.
   */
  @Test
  void keepLast_onTheHeap_convertedChangelog_isEtlkitsPlusFlinkSqlsReEmits() throws Exception {
    List<Object> etlkit = keepLastOutputs(DedupImpl.ETLKIT, Backend.HEAP);
    List<Object> sql = keepLastOutputs(DedupImpl.FLINK_SQL_FROM_POJO, Backend.HEAP);

    List<Object> withoutReEmits = new ArrayList<>();
    int reEmits = 0;
    for (int i = 0; i < sql.size(); i++) {
      if (i + 1 < sql.size() && isReEmit((Change<?>) sql.get(i), (Change<?>) sql.get(i + 1))) {
        reEmits++;
        i++;
      } else {
        withoutReEmits.add(sql.get(i));
      }
    }
    assertThat(reEmits).isPositive();
    assertThat(withoutReEmits).containsExactlyElementsOf(etlkit);
  }

  private static boolean isReEmit(Change<?> first, Change<?> second) {
    return first.kind() == RowKind.UPDATE_BEFORE
        && second.kind() == RowKind.UPDATE_AFTER
        && first.value().equals(second.value());
  }

  /** The SQL function gets the converter's rows (not pre-built binary ones), new per record. */
  @Test
  void records_reachTheSqlFunction_asRowsConvertedOnArrival() throws Exception {
    DedupKeepLastBenchmark benchmark = keepLast(DedupImpl.FLINK_SQL_FROM_POJO, Backend.HEAP);
    benchmark.setUpTrial();
    try {
      Object input = benchmark.inputs()[0];
      assertThat(input).isInstanceOf(BenchRow.class);
      Object first = benchmark.arriving(input);
      Object second = benchmark.arriving(input);

      assertThat(first).isInstanceOf(GenericRowData.class).isNotSameAs(second).isEqualTo(second);
      BenchRow row = (BenchRow) input;
      RowData converted = (RowData) first;
      assertThat(converted.getLong(0)).isEqualTo(row.key);
      assertThat(converted.getLong(1)).isEqualTo(row.version);
      assertThat(converted.getString(2).toString()).isEqualTo(row.payload);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private static List<Object> keepFirstOutputs(DedupImpl impl, Backend backend) throws Exception {
    DedupKeepFirstBenchmark benchmark = new DedupKeepFirstBenchmark();
    configure(benchmark, impl, backend);
    benchmark.dupRatio = 0.9;
    benchmark.setUpTrial();
    try {
      int preload = benchmark.keptOutputs().size();
      benchmark.keepFirst(BLACKHOLE);
      benchmark.keepFirst(BLACKHOLE);
      return List.copyOf(benchmark.keptOutputs().subList(preload, benchmark.keptOutputs().size()));
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private static List<Object> keepLastOutputs(DedupImpl impl, Backend backend) throws Exception {
    DedupKeepLastBenchmark benchmark = keepLast(impl, backend);
    benchmark.setUpTrial();
    try {
      int preload = benchmark.keptOutputs().size();
      benchmark.keepLast(BLACKHOLE);
      benchmark.keepLast(BLACKHOLE);
      return List.copyOf(benchmark.keptOutputs().subList(preload, benchmark.keptOutputs().size()));
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private static DedupKeepLastBenchmark keepLast(DedupImpl impl, Backend backend) {
    DedupKeepLastBenchmark benchmark = new DedupKeepLastBenchmark();
    configure(benchmark, impl, backend);
    benchmark.dupRatio = 0.5;
    benchmark.output = DedupOutput.RETRACT;
    return benchmark;
  }

  private static void configure(DedupBenchmarkBase benchmark, DedupImpl impl, Backend backend) {
    DedupBenchmarksTest.configure(benchmark, impl, backend);
    benchmark.keepOutputs = true;
  }
}
