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
 * <p>Every key is preloaded with the row its last record in the input carries (version 0 for a key
 * the input never has), a copy with its own payload: the state a pass over the input leaves, so
 * that the first pass meets the same state as every later one. A share {@code dupRatio} of the
 * records repeats the key's previous record exactly (a redelivery: a no-op, nothing emitted); the
 * others are a new version of the row (an update). (Until 2026-11-24 every key was preloaded with a
 * version-0 row, so a key's first record in the input was always an update: at 10^6 keys, where a
 * key occurs about twice per pass, about 42 % of the first pass's records, a pass a RocksDB trial
 * never leaves.) {@code output} RETRACT makes Flink SQL generate update-befores and etlkit keep the
 * row; UPSERT makes neither (Flink SQL still keeps the row, etlkit only a fingerprint). At 10^4
 * keys the RocksDB state fits the block cache.
 */
public class DedupKeepLastBenchmark extends DedupBenchmarkBase {

  /** Share of records that repeat the key's previous record. */
  @Param({"0.5", "0.99"})
  public double dupRatio;

  @Param({"RETRACT"})
  public DedupOutput output;

  private long emitted;

  /** The version of each key's last record in the input (0: none), for the preload. */
  private long[] lastVersions;

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
    for (int k = 0; k < keyCount; k++) {
      previous[k] = Math.max(previous[k], 0L);
    }
    lastVersions = previous;
    return rows;
  }

  @Override
  protected BenchRow[] preload() {
    BenchRow[] rows = new BenchRow[keyCount];
    for (int k = 0; k < keyCount; k++) {
      long v = lastVersions[k];
      rows[k] = new BenchRow(KeySequence.keyOf(k), v, payload(v));
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
