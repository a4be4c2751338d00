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
 * are dropped from the snapshots that write state out entry by entry (every heap snapshot,
 * canonical savepoints), cleaned incrementally on access on the heap backend, and by the compaction
 * filter on RocksDB, whose checkpoints and native savepoints copy its files with the expired
 * entries it has not compacted yet, as checkpoints under the changelog state backend replay the
 * writes (restored with the TTL switched off or made longer, those come back).
 *
 * <p>A TTL is a whole number of milliseconds, at least one: Flink's state TTL counts milliseconds
 * (and refuses less than one when the state is created), so every etlkit option that takes a TTL
 * refuses other values when it is set ({@link #requireValidTtl}).
 *
 * <p>Zero means "no TTL" where an option accepts it ({@link #requireValidTtlOrZero}), as {@code
 * table.exec.state.ttl} and the {@code STATE_TTL} hint of Flink SQL read it: a step's {@code
 * withStateTtl(Duration.ZERO)} keeps its state until the step clears it, whatever the pipeline's
 * default ({@link StepContext#stateTtl}). {@link #config} still refuses zero: it builds a TTL.
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

  private static final Duration ONE_MILLISECOND = Duration.ofMillis(1);
  private static final Duration LONGEST = Duration.ofMillis(Long.MAX_VALUE);
  private static final int NANOS_PER_MILLISECOND = 1_000_000;

  private StateTtls() {}

  /**
   * A TTL config for {@code ttl} with the semantics above.
   *
   * @throws IllegalArgumentException if {@code ttl} is not a valid TTL ({@link #requireValidTtl})
   */
  public static StateTtlConfig config(Duration ttl) {
    requireValidTtl(ttl, "ttl");
    return StateTtlConfig.newBuilder(ttl)
        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
        .useProcessingTime()
        .cleanupFullSnapshot()
        .cleanupIncrementally(HEAP_CLEANUP_ENTRIES_PER_ACCESS, false)
        .cleanupInRocksdbCompactFilter(ROCKSDB_QUERY_TIME_AFTER_ENTRIES)
        .build();
  }

  /**
   * Checks a state TTL option, as a step's {@code withStateTtl} does (and a duration kept the same
   * way, as {@code withDeleteRetention}): Flink's state TTL counts whole milliseconds and fails the
   * job when a state is created with less than one, so a TTL must be at least one millisecond and a
   * whole number of them (a fraction is refused rather than cut off, so the TTL the state inventory
   * lists is the one that applies). The message names the option and the value.
   *
   * @return {@code ttl}
   * @throws IllegalArgumentException if {@code ttl} is null, shorter than one millisecond, not a
   *     whole number of milliseconds, or longer than {@code Long.MAX_VALUE} milliseconds
   */
  public static Duration requireValidTtl(Duration ttl, String option) {
    requirePositive(ttl, option);
    if (ttl.compareTo(ONE_MILLISECOND) < 0) {
      throw new IllegalArgumentException(
          option + " must be at least 1 ms (counted in whole milliseconds), was " + ttl);
    }
    if (ttl.getNano() % NANOS_PER_MILLISECOND != 0) {
      throw new IllegalArgumentException(
          option
              + " must be a whole number of milliseconds (counted in whole milliseconds),"
              + " was "
              + ttl);
    }
    if (ttl.compareTo(LONGEST) > 0) {
      throw new IllegalArgumentException(option + " must be at most " + LONGEST + ", was " + ttl);
    }
    return ttl;
  }

  /**
   * Checks a state TTL option that also takes zero for "no TTL", as a step's {@code withStateTtl}
   * and the pipeline's {@code defaultStateTtl} do: zero is returned as it is, any other value must
   * be a valid TTL ({@link #requireValidTtl}). The message names the option and the value.
   *
   * @return {@code ttl}
   * @throws IllegalArgumentException if {@code ttl} is null, negative, or positive but not a valid
   *     TTL
   */
  public static Duration requireValidTtlOrZero(Duration ttl, String option) {
    if (ttl != null && ttl.isZero()) {
      return ttl;
    }
    if (ttl != null && ttl.isNegative()) {
      throw new IllegalArgumentException(option + " must be zero (no TTL) or positive, was " + ttl);
    }
    return requireValidTtl(ttl, option);
  }

  /**
   * Checks that a duration option is positive; the message names the option. For a state TTL use
   * {@link #requireValidTtl}.
   */
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
