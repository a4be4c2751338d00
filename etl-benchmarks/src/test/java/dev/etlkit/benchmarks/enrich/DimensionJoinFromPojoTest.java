package dev.etlkit.benchmarks.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.Backend;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Enriched;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Event;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Order;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchmark.Impl;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchmark.Output;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchmark.Variant;
import dev.etlkit.core.Change;
import dev.etlkit.operators.enrich.JoinStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Impl#FLINK_SQL_FROM_POJO} measures a job of {@link Order}s and {@code Change<Customer>}s
 * switched to Flink SQL: its records reach the temporal join as rows converted by Flink's
 * converters, and what the job gets back are the {@link Enriched} records etlkit's step emits,
 * record for record. The latest joins emit them in the same order; the point-in-time joins emit the
 * same records at each watermark, but in another order: etlkit's in time order (a timer per fact
 * time), Flink SQL's key by key (a timer per key, which releases all the key's due facts).
 */
class DimensionJoinFromPojoTest {

  static Stream<Arguments> combinations() {
    List<Arguments> combinations = new ArrayList<>();
    for (Variant variant : Variant.values()) {
      for (Output output : Output.values()) {
        for (Backend backend : new Backend[] {Backend.HEAP, Backend.ROCKSDB}) {
          combinations.add(Arguments.of(variant, output, backend));
        }
      }
    }
    return combinations.stream();
  }

  @ParameterizedTest(name = "{0}, {1} output, on {2}")
  @MethodSource("combinations")
  void convertedOutputs_equalEtlkitsOutputs(Variant variant, Output output, Backend backend)
      throws Exception {
    Kept etlkit = outputs(Impl.ETLKIT, variant, output, backend, true);
    Kept sql = outputs(Impl.FLINK_SQL_FROM_POJO, variant, output, backend, true);

    // about 90 % of the 2 × 1000 records are facts, each joined once (AS_OF: up to the last
    // watermark), every key having its row
    assertThat(etlkit.records()).hasSizeBetween(1_500, 2_000);
    assertThat(etlkit.records())
        .extracting(e -> ((Enriched) e).status)
        .containsOnly(JoinStatus.FOUND);
    // the preloaded rows all have the first name: more names come from the measured updates
    assertThat(etlkit.records().stream().map(e -> ((Enriched) e).customerName).distinct().count())
        .isGreaterThan(1);
    assertThat(sql.records()).allSatisfy(e -> assertThat(e).isExactlyInstanceOf(Enriched.class));
    assertSameOutputs(variant, sql, etlkit);
  }

  /** Without preloaded rows, facts of keys not changed yet find none: the status says so. */
  @ParameterizedTest(name = "{0}, on {1}")
  @MethodSource("variantsAndBackends")
  void withoutPreload_notFoundFacts_convertToNotFound(Variant variant, Backend backend)
      throws Exception {
    Kept etlkit = outputs(Impl.ETLKIT, variant, Output.NEW, backend, false);
    Kept sql = outputs(Impl.FLINK_SQL_FROM_POJO, variant, Output.NEW, backend, false);

    assertThat(etlkit.records())
        .extracting(e -> ((Enriched) e).status)
        .contains(JoinStatus.FOUND, JoinStatus.NOT_FOUND);
    assertSameOutputs(variant, sql, etlkit);
  }

  private static void assertSameOutputs(Variant variant, Kept sql, Kept etlkit) {
    if (variant == Variant.LATEST) {
      assertThat(sql.records()).containsExactlyElementsOf(etlkit.records());
      return;
    }
    assertThat(etlkit.atWatermarks()).hasSizeGreaterThan(10);
    assertThat(sql.atWatermarks()).isEqualTo(etlkit.atWatermarks());
    List<List<Object>> sqlReleases = sql.releases();
    List<List<Object>> etlkitReleases = etlkit.releases();
    for (int i = 0; i < etlkitReleases.size(); i++) {
      assertThat(sqlReleases.get(i))
          .as("outputs released by watermark %d", i)
          .containsExactlyInAnyOrderElementsOf(etlkitReleases.get(i));
    }
  }

  /**
   * The outputs of the measured records, and how many of them came before each watermark the join
   * emitted.
   */
  private record Kept(List<Object> records, List<Integer> atWatermarks) {

    /** The outputs between one watermark and the next (the last: after the last watermark). */
    List<List<Object>> releases() {
      List<List<Object>> releases = new ArrayList<>();
      int from = 0;
      for (int to : atWatermarks) {
        releases.add(records.subList(from, to));
        from = to;
      }
      releases.add(records.subList(from, records.size()));
      return releases;
    }
  }

  static Stream<Arguments> variantsAndBackends() {
    List<Arguments> combinations = new ArrayList<>();
    for (Variant variant : Variant.values()) {
      for (Backend backend : new Backend[] {Backend.HEAP, Backend.ROCKSDB}) {
        combinations.add(Arguments.of(variant, backend));
      }
    }
    return combinations.stream();
  }

  /**
   * The join gets the converters' rows (not pre-built binary ones), new per record, in {@code
   * FLINK_SQL}'s layout (key, time, value), a fact's refilled for the latest join, which keeps no
   * facts.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Variant.class)
  void records_reachTheJoin_asRowsConvertedOnArrival(Variant variant) throws Exception {
    DimensionJoinBenchmark benchmark =
        benchmark(Impl.FLINK_SQL_FROM_POJO, variant, Output.NEW, Backend.HEAP, true);
    benchmark.setUpTrial();
    try {
      int[] keyIndexes = new int[64];
      Arrays.fill(keyIndexes, 7);
      Event[] events = benchmark.createInputs(keyIndexes);
      Event fact = first(events, DimensionJoinBenchData.FACT);
      Order order = (Order) fact.payload;
      RowData first = (RowData) benchmark.arriving(fact).payload;
      RowData second = (RowData) benchmark.arriving(fact).payload;

      assertThat(first).isInstanceOf(GenericRowData.class);
      if (variant == Variant.AS_OF) {
        assertThat(first).isNotSameAs(second).isEqualTo(second);
      } else {
        assertThat(first).isSameAs(second);
      }
      assertThat(first.getLong(0)).isEqualTo(order.customerId);
      assertThat(first.getLong(DimensionJoinBenchData.TIME_FIELD)).isZero();
      assertThat(first.getLong(2)).isEqualTo(order.amountCents);

      Event dimension = first(events, DimensionJoinBenchData.DIMENSION);
      @SuppressWarnings("unchecked")
      Change<DimensionJoinBenchData.Customer> change =
          (Change<DimensionJoinBenchData.Customer>) dimension.payload;
      RowData row = (RowData) benchmark.arriving(dimension).payload;
      assertThat(row).isInstanceOf(GenericRowData.class);
      assertThat(row.getRowKind()).isEqualTo(RowKind.UPDATE_AFTER).isEqualTo(change.kind());
      assertThat(row.getLong(0)).isEqualTo(change.value().id);
      assertThat(row.getString(2).toString()).isEqualTo(change.value().name);
      assertThat(benchmark.arriving(dimension).payload).isNotSameAs(row);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private static Event first(Event[] events, byte kind) {
    for (Event event : events) {
      if (event.kind == kind) {
        return event;
      }
    }
    throw new AssertionError("no event of kind " + kind);
  }

  private static Kept outputs(
      Impl impl, Variant variant, Output output, Backend backend, boolean preload)
      throws Exception {
    DimensionJoinBenchmark benchmark = benchmark(impl, variant, output, backend, preload);
    benchmark.setUpTrial();
    try {
      int preloaded = benchmark.keptOutputs().size();
      int preloadWatermarks = benchmark.keptAtWatermarks().size();
      benchmark.join();
      benchmark.join();
      List<Integer> atWatermarks = new ArrayList<>();
      List<Integer> all = benchmark.keptAtWatermarks();
      for (int kept : all.subList(preloadWatermarks, all.size())) {
        atWatermarks.add(kept - preloaded);
      }
      return new Kept(
          List.copyOf(benchmark.keptOutputs().subList(preloaded, benchmark.keptOutputs().size())),
          atWatermarks);
    } finally {
      benchmark.tearDownTrial();
    }
  }

  private static DimensionJoinBenchmark benchmark(
      Impl impl, Variant variant, Output output, Backend backend, boolean preload) {
    DimensionJoinBenchmark benchmark =
        DimensionJoinBenchmarkTest.configured(impl, variant, output, backend);
    benchmark.keepOutputs = true;
    benchmark.preload = preload;
    return benchmark;
  }
}
