package dev.etlkit.benchmarks.enrich;

/** The implementations the enrichment benchmarks run side by side. */
public enum EnrichAsyncImpl {
  /** etlkit's lookup step: its async function (cache, single-flight) in Flink's async operator. */
  ETLKIT,
  /**
   * The least an async lookup does: Flink's async operator with a function that answers from a
   * concurrent map or calls the lookup, nothing else (no retries, no timeouts of its own).
   */
  LIMIT,
  /** A synchronous cached map: one {@code HashMap} lookup per record in a {@code MapFunction}. */
  SYNC_MAP,
  /**
   * A synchronous Caffeine cache (bounded like etlkit's) in a {@code MapFunction}, filled on misses
   * by waiting for the same lookup: what a hit costs without the async operator around it.
   */
  SYNC_CACHE
}
