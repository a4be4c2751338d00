package dev.etlkit.benchmarks.dedup;

import dev.etlkit.benchmarks.KeySequence;
import dev.etlkit.operators.dedup.Dedup;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.runtime.operators.bundle.MapBundleFunction;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeDeduplicateKeepFirstRowFunction;
import org.apache.flink.table.runtime.operators.deduplicate.ProcTimeMiniBatchDeduplicateKeepFirstRowFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Keep-first by processing time, append output: etlkit's {@code Dedup.keepFirst} against Flink
 * SQL's {@code ProcTimeDeduplicateKeepFirstRowFunction} (and its mini-batch variant) and the LIMIT
 * of one flag get plus a put for new keys.
 *
 * <p>All {@code keyCount} keys are preloaded. A share {@code dupRatio} of the records repeats one
 * of them (a duplicate: one state read); the others carry a key never seen before (a state read, a
 * write and an emitted row). Those fresh keys are renumbered every time the input wraps around, so
 * they stay fresh, and state grows by them: about {@code (1 - dupRatio)} entries per record, which
 * is why the default ratios stay at 0.9 and above (a fresh key costs about 60 bytes of heap state).
 * At 10^4 keys the RocksDB state fits the block cache.
 */
public class DedupKeepFirstBenchmark extends DedupBenchmarkBase {

  /** Keys above this are fresh keys, renumbered per pass. */
  static final long FRESH_KEYS = 1L << 48;

  /** Share of records whose key was seen before. */
  @Param({"0.9", "0.99"})
  public double dupRatio;

  private int[] freshPositions;
  private long pass;

  @Override
  protected Dedup.DedupStep<BenchRow, BenchRow, Long, ?> etlkitStep() {
    return Dedup.keepFirst("dedup", BenchRow::key).withKeyType(Types.LONG);
  }

  @Override
  protected Object fromSqlOutput(SqlPojos pojos, RowData row) {
    return pojos.toPojo(row);
  }

  @Override
  protected KeyedProcessFunction<RowData, RowData, RowData> sqlFunction() {
    return new ProcTimeDeduplicateKeepFirstRowFunction(0L);
  }

  @Override
  protected MapBundleFunction<RowData, RowData, RowData, RowData> sqlMiniBatchFunction() {
    return new ProcTimeMiniBatchDeduplicateKeepFirstRowFunction(
        SqlRows.ROW_INFO.createSerializer(new SerializerConfigImpl()), 0L);
  }

  @Override
  protected KeyedProcessFunction<Long, BenchRow, BenchRow> limitFunction() {
    return new LimitFunctions.KeepFirst();
  }

  @Override
  protected BenchRow[] rows(int[] keyIndexes, SplittableRandom random) {
    BenchRow[] rows = new BenchRow[keyIndexes.length];
    int[] fresh = new int[keyIndexes.length];
    int freshCount = 0;
    for (int i = 0; i < keyIndexes.length; i++) {
      long key;
      if (random.nextDouble() < dupRatio) {
        key = KeySequence.keyOf(keyIndexes[i]);
      } else {
        key = FRESH_KEYS + i;
        fresh[freshCount++] = i;
      }
      rows[i] = new BenchRow(key, 1L, payload(1L));
    }
    freshPositions = Arrays.copyOf(fresh, freshCount);
    pass = 0;
    return rows;
  }

  @Override
  protected BenchRow[] preload() {
    BenchRow[] rows = new BenchRow[keyCount];
    for (int k = 0; k < keyCount; k++) {
      rows[k] = new BenchRow(KeySequence.keyOf(k), 1L, payload(1L));
    }
    return rows;
  }

  /**
   * Renumbers the fresh keys when the input wraps around, so they are never seen twice: when a pass
   * starts, and for a batch that runs across the end of the input, the positions it reads again
   * after the wrap (the input's length is no multiple of {@link #BATCH}).
   */
  @Override
  protected void beforeBatch(long processedSoFar) {
    Object[] inputs = inputs();
    long current = processedSoFar / inputs.length;
    long last = processedSoFar + BATCH - 1; // the batch's last record
    if (last / inputs.length != current) {
      // the batch wraps: positions 0..last%length come round in the next pass within it
      renumber(inputs, current + 1, (int) (last % inputs.length));
    }
    if (current == pass) {
      return;
    }
    pass = current;
    renumber(inputs, pass, inputs.length - 1);
  }

  /** Gives the fresh keys at positions up to {@code lastPosition} the keys of pass {@code pass}. */
  private void renumber(Object[] inputs, long pass, int lastPosition) {
    for (int i : freshPositions) {
      if (i > lastPosition) {
        break; // positions are ascending
      }
      long key = FRESH_KEYS + pass * inputs.length + i;
      if (inputs[i] instanceof BinaryRowData) {
        ((BinaryRowData) inputs[i]).setLong(0, key);
      } else {
        ((BenchRow) inputs[i]).key = key;
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void keepFirst(Blackhole blackhole) throws Exception {
    runBatch();
    blackhole.consume(pass);
  }

  /** Fresh-key records in the input (for tests). */
  int freshRecords() {
    return freshPositions.length;
  }
}
