package dev.etlkit.benchmarks;

import java.time.Duration;
import java.util.SplittableRandom;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The physical limit every operator benchmark compares with: one raw state operation per record,
 * inside the smallest {@code KeyedProcessFunction}, so the cost includes what any keyed operator
 * pays (the harness sets the key context of each record on the backend).
 *
 * <p>State is preloaded for every key before measuring, so reads always hit and writes overwrite,
 * as in a job that has run for a while. With {@code ttl=true} the state has a {@link #TTL} of a
 * week with Flink's default TTL settings (update on create and write, never return expired,
 * background cleanup: incremental on heap, compaction filter on RocksDB); nothing expires during a
 * run. TTL time comes from the harness's manual TTL clock, which is cheaper than the wall clock a
 * real job reads.
 *
 * <p>Values are {@code byte[valueSize]}, or a {@code long} when {@code valueSize} is 0. Map ops
 * keep {@link StateOpFunction#MAP_KEYS_PER_KEY} entries per key and touch one per record.
 *
 * <p>RocksDB block cache ({@link HarnessBenchmarkBase}: 213 MiB): at 10^4 keys all state fits; at
 * 10^6 keys with 64-byte values the ValueState (about 10^6 entries of ~100 bytes) fits, the
 * MapState (4 × 10^6 entries, ~400 MiB) does not, so map ops then read through to SST files.
 */
public class StateLimitBenchmark extends HarnessBenchmarkBase<Long, Long, Void> {

  /** Time to live when {@code ttl=true}: long enough that nothing expires during a run. */
  static final Duration TTL = Duration.ofDays(7);

  private static final int DISTINCT_VALUES = 16;

  @Param({"VALUE_GET", "VALUE_PUT", "VALUE_GET_PUT", "MAP_PUT", "MAP_GET"})
  public StateOp op;

  @Param({"false", "true"})
  public boolean ttl;

  /** Bytes per value; 0 stores a {@code long} instead of a {@code byte[]}. */
  @Param({"64"})
  public int valueSize;

  private StateOpFunction<?> function;

  @Override
  protected OneInputStreamOperator<Long, Void> createOperator() {
    if (valueSize < 0) {
      throw new IllegalArgumentException("valueSize must be >= 0, was " + valueSize);
    }
    StateTtlConfig ttlConfig = ttl ? StateTtlConfig.newBuilder(TTL).build() : null;
    function =
        valueSize == 0
            ? new StateOpFunction<>(op, Types.LONG, longValues(), ttlConfig)
            : newBytesFunction(ttlConfig);
    return new KeyedProcessOperator<>(function);
  }

  @Override
  protected KeySelector<Long, Long> keySelector() {
    return new IdentityKey();
  }

  @Override
  protected TypeInformation<Long> keyType() {
    return Types.LONG;
  }

  @Override
  protected Long[] createInputs(int[] keyIndexes) {
    // One boxed key per key index, shared by all its records: reading the input allocates nothing.
    Long[] keys = boxedKeys();
    Long[] inputs = new Long[keyIndexes.length];
    for (int i = 0; i < keyIndexes.length; i++) {
      inputs[i] = keys[keyIndexes[i]];
    }
    return inputs;
  }

  @Override
  protected void afterOpen() throws Exception {
    function.setLoading(true);
    for (Long key : boxedKeys()) {
      process(key);
    }
    function.setLoading(false);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void stateOp(Blackhole blackhole) throws Exception {
    processBatch();
    blackhole.consume(function.hits());
  }

  /** Reads that found a value since the trial started (for tests). */
  long hits() {
    return function.hits();
  }

  private StateOpFunction<byte[]> newBytesFunction(@Nullable StateTtlConfig ttlConfig) {
    SplittableRandom random = new SplittableRandom(SEED);
    byte[][] values = new byte[DISTINCT_VALUES][];
    for (int i = 0; i < values.length; i++) {
      values[i] = new byte[valueSize];
      for (int b = 0; b < valueSize; b++) {
        values[i][b] = (byte) random.nextInt(256);
      }
    }
    return new StateOpFunction<>(
        op, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, values, ttlConfig);
  }

  private static Long[] longValues() {
    Long[] values = new Long[DISTINCT_VALUES];
    for (int i = 0; i < values.length; i++) {
      values[i] = KeySequence.keyOf(i + 1);
    }
    return values;
  }

  private Long[] boxedKeys() {
    Long[] keys = new Long[keyCount];
    for (int i = 0; i < keyCount; i++) {
      keys[i] = KeySequence.keyOf(i);
    }
    return keys;
  }

  private static final class IdentityKey implements KeySelector<Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(Long value) {
      return value;
    }
  }
}
