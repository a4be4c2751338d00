package dev.etlkit.benchmarks.dedup;

import dev.etlkit.benchmarks.KeySequence;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.dedup.DedupOutput;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.operators.bundle.MapBundleFunction;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeDeduplicateKeepLastRowFunction;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeMiniBatchDeduplicateKeepLastRowFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Keep-last by processing time: etlkit's {@code Dedup.keepLast} against Flink SQL's {@code
 * ProcTimeDeduplicateKeepLastRowFunction} as the planner wires it for an insert-only input (and its
 * mini-batch variant), and the LIMIT of one row get plus a put when the row changed.
 *
 * <p>Every key is preloaded with a version-0 row. A share {@code dupRatio} of the records repeats
 * the key's previous record exactly (a redelivery: a no-op, nothing emitted); the others are a new
 * version of the row (an update). {@code output} RETRACT makes Flink SQL generate update-befores
 * and etlkit keep the row; UPSERT makes neither (Flink SQL still keeps the row, etlkit only a
 * fingerprint). At 10^4 keys the RocksDB state fits the block cache.
 */
public class DedupKeepLastBenchmark extends DedupBenchmarkBase {

  /** Share of records that repeat the key's previous record. */
  @Param({"0.5", "0.99"})
  public double dupRatio;

  @Param({"RETRACT"})
  public DedupOutput output;

  private long emitted;

  @Override
  protected Dedup.DedupStep<BenchRow, BenchRow, Long, ?> etlkitStep() {
    var step = Dedup.keepLast("dedup", BenchRow::key).withKeyType(Types.LONG);
    return output == DedupOutput.RETRACT ? step.withRetractOutput() : step;
  }

  @Override
  protected Object fromSqlOutput(SqlPojos pojos, RowData row) {
    return pojos.toChange(row);
  }

  @Override
  protected KeyedProcessFunction<RowData, RowData, RowData> sqlFunction() {
    return new ProcTimeDeduplicateKeepLastRowFunction(
        SqlRows.ROW_INFO, 0L, retract(), true, true, SqlRows.equaliser(), null);
  }

  @Override
  protected MapBundleFunction<RowData, RowData, RowData, RowData> sqlMiniBatchFunction() {
    return new ProcTimeMiniBatchDeduplicateKeepLastRowFunction(
        SqlRows.ROW_INFO,
        SqlRows.ROW_INFO.createSerializer(new SerializerConfigImpl()),
        0L,
        retract(),
        true,
        true,
        SqlRows.equaliser(),
        null);
  }

  @Override
  protected KeyedProcessFunction<Long, BenchRow, ?> limitFunction() {
    return new LimitFunctions.KeepLast(retract());
  }

  @Override
  protected BenchRow[] rows(int[] keyIndexes, SplittableRandom random) {
    long[] version = new long[keyCount];
    long[] previous = new long[keyCount];
    Arrays.fill(previous, -1L);
    BenchRow[] rows = new BenchRow[keyIndexes.length];
    for (int i = 0; i < keyIndexes.length; i++) {
      int k = keyIndexes[i];
      long v;
      if (previous[k] >= 0 && random.nextDouble() < dupRatio) {
        v = previous[k];
      } else {
        v = ++version[k];
      }
      previous[k] = v;
      rows[i] = new BenchRow(KeySequence.keyOf(k), v, payload(v));
    }
    return rows;
  }

  @Override
  protected BenchRow[] preload() {
    BenchRow[] rows = new BenchRow[keyCount];
    for (int k = 0; k < keyCount; k++) {
      rows[k] = new BenchRow(KeySequence.keyOf(k), 0L, payload(0L));
    }
    return rows;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void keepLast(Blackhole blackhole) throws Exception {
    runBatch();
    blackhole.consume(++emitted);
  }

  private boolean retract() {
    return output == DedupOutput.RETRACT;
  }
}
