package dev.etlkit.benchmarks.enrich;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;

/**
 * Async enrichment when every key is cached (100% hits), beside a synchronous cached map: a bounded
 * Caffeine cache read in a {@code MapFunction} ({@code SYNC_CACHE}; filled, like the step's, by the
 * preload's records through the same lookup), a plain {@code HashMap} ({@code SYNC_MAP}, unbounded,
 * so not a cache: the floor) and the {@code LIMIT} of a bare async function with a map cache. What
 * a cache hit costs in etlkit's step over plain synchronous code: the target "cached async at 100%
 * hits ÷ synchronous cached map ≥ 0.9" is read as {@code ETLKIT ÷ SYNC_CACHE ≥ 0.9}.
 */
public class EnrichAsyncCachedBenchmark extends EnrichAsyncBenchmarkBase {

  @Param({"ETLKIT", "SYNC_MAP", "SYNC_CACHE", "LIMIT"})
  public EnrichAsyncImpl impl;

  @Param({"ORDERED"})
  public String order;

  @Override
  protected EnrichAsyncImpl impl() {
    return impl;
  }

  @Override
  protected double hitRatio() {
    return 1.0;
  }

  @Override
  protected long latencyMicros() {
    return 1_000L;
  }

  @Override
  protected int capacity() {
    return 100;
  }

  @Override
  protected boolean ordered() {
    return "ORDERED".equals(order);
  }

  @Override
  protected boolean singleFlight() {
    return true;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void enrich() throws Exception {
    processBatch();
  }
}
