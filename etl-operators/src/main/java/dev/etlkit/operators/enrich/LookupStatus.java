package dev.etlkit.operators.enrich;

import org.apache.flink.annotation.PublicEvolving;

/**
 * How an enrichment step found the value it passed to the {@link LookupCombiner}: whether the
 * lookup answered, from the cache or just now, or which fallback stood in for it.
 */
@PublicEvolving
public enum LookupStatus {
  /** The value came from a fresh cache entry. */
  HIT,
  /** The value was loaded from the lookup for this record (or a concurrent one, single-flight). */
  LOADED,
  /** The lookup has no value for the key (answered now or cached as a miss); the value is null. */
  MISS,
  /**
   * The load failed or timed out and an expired cache entry was served instead ({@link
   * LookupCache#withStaleOnError}); the value is that entry's (null for a cached miss).
   */
  STALE,
  /** The load failed or timed out and the fallback's default value was used. */
  DEFAULT,
  /** Every attempt failed and the fallback passes the record through; the value is null. */
  FAILED,
  /** The step timeout passed and the fallback passes the record through; the value is null. */
  TIMED_OUT;

  /**
   * Whether the lookup answered (from the cache or just now): {@link #HIT}, {@link #LOADED} or
   * {@link #MISS}.
   */
  public boolean isAnswer() {
    return this == HIT || this == LOADED || this == MISS;
  }
}
