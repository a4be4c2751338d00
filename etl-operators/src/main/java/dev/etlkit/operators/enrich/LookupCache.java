package dev.etlkit.operators.enrich;

import dev.etlkit.core.StateTtls;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The cache of an enrichment step: a Caffeine cache per parallel subtask, in memory, not part of
 * checkpoints (it starts empty after a restore).
 *
 * <pre>{@code
 * LookupCache.maxEntries(100_000)
 *     .withExpireAfterWrite(Duration.ofMinutes(10))
 *     .withRefreshAfterWrite(Duration.ofMinutes(8))
 *     .withStaleOnError(Duration.ofHours(1));
 * }</pre>
 *
 * <ul>
 *   <li><b>Size</b>: at most {@code maxEntries} keys per subtask, evicted by Caffeine's
 *       frequency-aware policy (W-TinyLFU) when full.
 *   <li><b>Expiry</b>: an entry is fresh until {@link #withExpireAfterWrite} has passed since it
 *       was loaded; {@link #withExpireAfterAccess} drops an entry not read for that long. Without
 *       either, entries stay until evicted by size.
 *   <li><b>Misses</b> (the lookup has no value) are cached like values unless {@link
 *       #withMissCaching withMissCaching(false)}.
 *   <li><b>Refresh-ahead</b>: a read of an entry older than {@link #withRefreshAfterWrite} (and
 *       still fresh) is answered from the cache at once, and the key is reloaded in the background;
 *       a refresh that failed for good keeps the old entry, and the entry is not refreshed again
 *       before the wait a next retry would have had (or the failure's {@link RetryAfter}, if
 *       longer). Refreshes are bounded by the step's capacity but hold no place among its records
 *       in flight: one starts only while the records waiting for a load and the refreshes in flight
 *       are fewer than the capacity (so at most {@code capacity} run at once); a due refresh over
 *       that is skipped, and a later read tries again.
 *   <li><b>Stale on error</b>: an entry past its write expiry is kept up to {@link
 *       #withStaleOnError maxStaleness} longer. A record that finds such an entry loads the key
 *       anew; if that load fails or times out while the entry is still within {@code maxStaleness}
 *       of its expiry, the old value is served with {@link LookupStatus#STALE} instead of the
 *       step's fallback. A value is never served staler than that bound.
 * </ul>
 *
 * <p>Rules between options are checked when the cache is given to a step: refresh-after-write must
 * be shorter than expire-after-write, and stale-on-error needs expire-after-write. Immutable: every
 * {@code withX} returns a new cache; a second call of an option replaces its value, and each option
 * that is off by default has a {@code withoutX()} that returns the cache as if it had never been
 * set (equal to it), so a team can derive variants from a shared base cache.
 */
@PublicEvolving
public final class LookupCache implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Whether misses are cached unless {@link #withMissCaching} says otherwise. */
  public static final boolean DEFAULT_MISS_CACHING = true;

  private final Values v;

  private LookupCache(Values values) {
    this.v = values;
  }

  /** The options, copied on every change: a spec never changes after it was made. */
  private static final class Values implements Serializable, Cloneable {
    private static final long serialVersionUID = 1L;
    long maxEntries;
    @Nullable Duration expireAfterWrite;
    @Nullable Duration expireAfterAccess;
    @Nullable Duration refreshAfterWrite;
    @Nullable Duration staleOnError;
    boolean missCaching = DEFAULT_MISS_CACHING;

    Values copy() {
      try {
        return (Values) clone();
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private LookupCache with(Consumer<Values> change) {
    Values copy = v.copy();
    change.accept(copy);
    return new LookupCache(copy);
  }

  /**
   * A cache of at most {@code maxEntries} keys per parallel subtask, without expiry.
   *
   * @throws IllegalArgumentException if {@code maxEntries} is below 1
   */
  public static LookupCache maxEntries(long maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("cache maxEntries must be >= 1, was " + maxEntries);
    }
    Values values = new Values();
    values.maxEntries = maxEntries;
    return new LookupCache(values);
  }

  /**
   * Entries are fresh for this long after they were loaded. Must be positive; any length works
   * (beyond about 292 years, what a long counts in nanoseconds: never). Default: never; {@link
   * #withoutExpireAfterWrite()} switches it off again.
   */
  public LookupCache withExpireAfterWrite(Duration ttl) {
    StateTtls.requirePositive(ttl, "cache expireAfterWrite");
    return with(x -> x.expireAfterWrite = ttl);
  }

  /**
   * Entries stay fresh until evicted by size or idleness (the default), undoing {@link
   * #withExpireAfterWrite} on a cache derived from one that has it. A cache that keeps {@link
   * #withStaleOnError} is then refused when given to a step, as one that never had write expiry.
   */
  public LookupCache withoutExpireAfterWrite() {
    return with(x -> x.expireAfterWrite = null);
  }

  /**
   * Entries not read for this long are dropped. Must be positive; any length works (beyond about
   * 292 years: never). Default: never; {@link #withoutExpireAfterAccess()} switches it off again.
   */
  public LookupCache withExpireAfterAccess(Duration ttl) {
    StateTtls.requirePositive(ttl, "cache expireAfterAccess");
    return with(x -> x.expireAfterAccess = ttl);
  }

  /**
   * Entries are not dropped for idleness (the default), undoing {@link #withExpireAfterAccess} on a
   * cache derived from one that has it.
   */
  public LookupCache withoutExpireAfterAccess() {
    return with(x -> x.expireAfterAccess = null);
  }

  /**
   * Entries read when older than this are reloaded in the background while the cached value is
   * served. At most the step's capacity of such reloads run at once, beside the records in flight
   * (see {@link Enrich.LookupStep#withCapacity}). Must be positive and shorter than {@link
   * #withExpireAfterWrite} when that is set. Default: off; {@link #withoutRefreshAfterWrite()}
   * switches it off again.
   */
  public LookupCache withRefreshAfterWrite(Duration age) {
    StateTtls.requirePositive(age, "cache refreshAfterWrite");
    return with(x -> x.refreshAfterWrite = age);
  }

  /**
   * Entries are never reloaded in the background (the default): a key is loaded again only once its
   * entry is gone. Undoes {@link #withRefreshAfterWrite} on a cache derived from one that has it,
   * and with it the rule that it be shorter than the write expiry.
   */
  public LookupCache withoutRefreshAfterWrite() {
    return with(x -> x.refreshAfterWrite = null);
  }

  /**
   * Keeps entries up to {@code maxStaleness} past their write expiry, to be served with {@link
   * LookupStatus#STALE} when their reload fails or times out. The bound holds when the value is
   * served: a record whose reload fails after the entry has passed {@code maxStaleness} (or was
   * dropped for idleness by {@link #withExpireAfterAccess}) gets the fallback. Must be positive;
   * needs {@link #withExpireAfterWrite}. Default: off; {@link #withoutStaleOnError()} switches it
   * off again.
   */
  public LookupCache withStaleOnError(Duration maxStaleness) {
    StateTtls.requirePositive(maxStaleness, "cache staleOnError");
    return with(x -> x.staleOnError = maxStaleness);
  }

  /**
   * Expired entries are dropped at once (the default): a record whose reload fails gets the step's
   * fallback. Undoes {@link #withStaleOnError} on a cache derived from one that has it, and with it
   * the rule that it needs {@link #withExpireAfterWrite}.
   */
  public LookupCache withoutStaleOnError() {
    return with(x -> x.staleOnError = null);
  }

  /**
   * Whether misses (no value for a key) are cached like values; default {@value
   * #DEFAULT_MISS_CACHING}. Turn it off when keys appear in the source later and must be found as
   * soon as they do.
   */
  public LookupCache withMissCaching(boolean cacheMisses) {
    return with(x -> x.missCaching = cacheMisses);
  }

  public long maxEntries() {
    return v.maxEntries;
  }

  @Nullable
  public Duration expireAfterWrite() {
    return v.expireAfterWrite;
  }

  @Nullable
  public Duration expireAfterAccess() {
    return v.expireAfterAccess;
  }

  @Nullable
  public Duration refreshAfterWrite() {
    return v.refreshAfterWrite;
  }

  @Nullable
  public Duration staleOnError() {
    return v.staleOnError;
  }

  public boolean missCaching() {
    return v.missCaching;
  }

  /** Checks the rules between options; called when the cache is given to a step. */
  void validate() {
    if (v.refreshAfterWrite != null
        && v.expireAfterWrite != null
        && v.refreshAfterWrite.compareTo(v.expireAfterWrite) >= 0) {
      throw new IllegalArgumentException(
          "cache refreshAfterWrite must be shorter than expireAfterWrite ("
              + v.expireAfterWrite
              + "), was "
              + v.refreshAfterWrite
              + ": entries would expire before they are refreshed");
    }
    if (v.staleOnError != null && v.expireAfterWrite == null) {
      throw new IllegalArgumentException(
          "cache staleOnError ("
              + v.staleOnError
              + ") needs withExpireAfterWrite(...): without it entries never become stale");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LookupCache)) {
      return false;
    }
    Values that = ((LookupCache) o).v;
    return v.maxEntries == that.maxEntries
        && v.missCaching == that.missCaching
        && Objects.equals(v.expireAfterWrite, that.expireAfterWrite)
        && Objects.equals(v.expireAfterAccess, that.expireAfterAccess)
        && Objects.equals(v.refreshAfterWrite, that.refreshAfterWrite)
        && Objects.equals(v.staleOnError, that.staleOnError);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        v.maxEntries,
        v.expireAfterWrite,
        v.expireAfterAccess,
        v.refreshAfterWrite,
        v.staleOnError,
        v.missCaching);
  }

  @Override
  public String toString() {
    return "LookupCache(maxEntries="
        + v.maxEntries
        + (v.expireAfterWrite != null ? ", expireAfterWrite=" + v.expireAfterWrite : "")
        + (v.expireAfterAccess != null ? ", expireAfterAccess=" + v.expireAfterAccess : "")
        + (v.refreshAfterWrite != null ? ", refreshAfterWrite=" + v.refreshAfterWrite : "")
        + (v.staleOnError != null ? ", staleOnError=" + v.staleOnError : "")
        + ", missCaching="
        + v.missCaching
        + ")";
  }
}
