package dev.etlkit.benchmarks.enrich;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * Async enrichment against a lookup with a simulated latency, beside its Little's-law bound {@code
 * capacity / ((1 - hitRatio) × latency)} (the most records per second {@code capacity} records in
 * flight can complete when only misses wait; {@code BenchmarkReport} computes it from the params
 * and reports {@code score ÷ bound}) and the {@code LIMIT} of a bare async function with a map
 * cache in the same operator.
 *
 * <p>The default params are a small grid for a quick pass; the full grid of the issue is
 *
 * <pre>
 * -p latencyMs=0,1,10 -p capacity=10,100,1000 -p hitRatio=0,0.5,0.9,0.99
 * -p order=ORDERED,UNORDERED -p singleFlight=true,false
 * </pre>
 *
 * <p>Cold keys are drawn from {@value EnrichAsyncBenchmarkBase#COLD_KEYS} keys the lookup has no
 * value for and nobody caches, so with a large capacity some of them are in flight twice at once:
 * that is what single-flight merges ({@code LIMIT} ignores the {@code singleFlight} param). At
 * {@code latencyMs=0} the bound is infinite and not reported; the lookup still answers on its own
 * thread.
 */
public class EnrichAsyncBenchmark extends EnrichAsyncBenchmarkBase {

  @Param({"ETLKIT", "LIMIT"})
  public EnrichAsyncImpl impl;

  /** Simulated latency of one lookup call, in milliseconds. */
  @Param({"1"})
  public int latencyMs;

  /** Records in flight (the async operator's capacity). */
  @Param({"100"})
  public int capacity;

  /** Share of records whose key is cached. */
  @Param({"0", "0.9"})
  public double hitRatio;

  @Param({"ORDERED", "UNORDERED"})
  public String order;

  @Param({"true"})
  public boolean singleFlight;

  @Override
  protected EnrichAsyncImpl impl() {
    if (impl == EnrichAsyncImpl.SYNC_MAP) {
      throw new IllegalArgumentException("SYNC_MAP is in EnrichAsyncCachedBenchmark");
    }
    return impl;
  }

  @Override
  protected double hitRatio() {
    return hitRatio;
  }

  @Override
  protected long latencyMicros() {
    return latencyMs * 1_000L;
  }

  @Override
  protected int capacity() {
    return capacity;
  }

  @Override
  protected boolean ordered() {
    return "ORDERED".equals(order);
  }

  @Override
  protected boolean singleFlight() {
    return singleFlight;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void enrich() throws Exception {
    processBatch();
  }
}
