package dev.etlkit.core;

import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.state.StateTtlConfig;

/**
 * The state TTL configuration every etlkit step uses, for your own functions too.
 *
 * <p>Semantics: TTL runs on processing time; the clock restarts whenever the state entry is created
 * or written (not on reads); an expired entry is never returned, so a key whose state expired is
 * treated exactly like a key never seen. Cleanup is configured for both backends: expired entries
 * are dropped from full snapshots, cleaned incrementally on access on the heap backend, and by the
 * compaction filter on RocksDB.
 */
@PublicEvolving
public final class StateTtls {

  /**
   * Heap backend: state entries the incremental cleanup checks per state access (Flink's default).
   * Each check of a MapState entry copies that key's map, so keep per-key maps small on heap with
   * TTL (see docs/benchmarks.md).
   */
  public static final int HEAP_CLEANUP_ENTRIES_PER_ACCESS = 5;

  /** RocksDB compaction filter: entries processed before it refreshes the current time. */
  public static final long ROCKSDB_QUERY_TIME_AFTER_ENTRIES = 1000;

  private StateTtls() {}

  /**
   * A TTL config for {@code ttl} with the semantics above.
   *
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public static StateTtlConfig config(Duration ttl) {
    requirePositive(ttl, "ttl");
    return StateTtlConfig.newBuilder(ttl)
        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
        .useProcessingTime()
        .cleanupFullSnapshot()
        .cleanupIncrementally(HEAP_CLEANUP_ENTRIES_PER_ACCESS, false)
        .cleanupInRocksdbCompactFilter(ROCKSDB_QUERY_TIME_AFTER_ENTRIES)
        .build();
  }

  /** Checks that an optional duration option is positive; the message names the option. */
  public static Duration requirePositive(Duration value, String option) {
    if (value == null) {
      throw new IllegalArgumentException(option + " must not be null");
    }
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option + " must be positive, was " + value);
    }
    return value;
  }
}
