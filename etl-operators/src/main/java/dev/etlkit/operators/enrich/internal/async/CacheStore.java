package dev.etlkit.operators.enrich.internal.async;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;
import dev.etlkit.operators.enrich.LookupCache;
import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * The Caffeine cache behind a lookup engine, with freshness kept apart from residence: an entry
 * stays in Caffeine until its write expiry plus the stale-on-error grace (or its access expiry, or
 * eviction), while {@link #isFresh} decides whether it may answer a record. Maintenance runs on the
 * calling thread (no ForkJoinPool work inside a task manager) and time comes from the engine's
 * {@link Timers}.
 *
 * <p>An entry is a {@link CachedValue} (the value and when it was loaded) only when its age is
 * needed: refresh-ahead, stale on error, or access expiry bounded by write expiry. Otherwise (the
 * default settings) it is the value itself, or {@link #MISS} for a cached miss: one object less per
 * entry, and one memory read less per hit.
 */
@Internal
final class CacheStore<K, V> {
  private static final long NEVER = Long.MAX_VALUE;

  /** The entry of a cached miss when entries are not wrapped. */
  private static final Object MISS = new Object();

  private final Cache<K, Object> cache;
  private final Policy<K, Object> policy;
  private final long freshNanos;
  private final long refreshNanos;
  private final long staleNanos;
  private final boolean missCaching;
  private final boolean tracksAge;

  /** Whether entries are {@link CachedValue}s (else values, or {@link #MISS}). */
  private final boolean wraps;

  CacheStore(LookupCache spec, Timers timers) {
    this.freshNanos = nanos(spec.expireAfterWrite());
    this.refreshNanos = nanos(spec.refreshAfterWrite());
    this.staleNanos =
        spec.staleOnError() == null ? 0L : saturatedAdd(freshNanos, nanos(spec.staleOnError()));
    this.missCaching = spec.missCaching();
    this.tracksAge = refreshNanos != NEVER || staleNanos > 0;
    long residentAfterWrite = staleNanos > 0 ? staleNanos : freshNanos;
    long residentAfterAccess = nanos(spec.expireAfterAccess());
    // Residence reads an entry's load time when access expiry is bounded by write expiry
    this.wraps = tracksAge || (residentAfterAccess != NEVER && residentAfterWrite != NEVER);
    Caffeine<Object, Object> builder =
        Caffeine.newBuilder()
            .maximumSize(spec.maxEntries())
            .executor(Runnable::run)
            .ticker(timers::nanoTime);
    if (residentAfterWrite != NEVER || residentAfterAccess != NEVER) {
      builder.expireAfter(new Residence<K>(residentAfterWrite, residentAfterAccess));
    }
    this.cache = builder.build();
    this.policy = cache.policy();
  }

  /**
   * The entry of {@code key} whatever its age, or null: read it with {@link #value} or, when {@link
   * #tracksAge}, as a {@link CachedValue}. Counts as a read for access expiry.
   */
  @Nullable
  Object entry(K key) {
    return cache.getIfPresent(key);
  }

  /**
   * The entry of {@code key} as the cache holds it now (null once it is past its residence: write
   * expiry plus stale grace, or access expiry), without counting as a read; only when {@link
   * #tracksAge}.
   */
  @Nullable
  @SuppressWarnings("unchecked")
  CachedValue<V> agedQuietly(K key) {
    return (CachedValue<V>) policy.getIfPresentQuietly(key);
  }

  /** The value of an entry {@link #entry} returned: null for a cached miss. */
  @Nullable
  @SuppressWarnings("unchecked")
  V value(Object entry) {
    if (wraps) {
      return ((CachedValue<V>) entry).value();
    }
    return entry == MISS ? null : (V) entry;
  }

  /** Whether this cache needs an entry's age on every read (refresh-ahead or stale entries). */
  boolean tracksAge() {
    return tracksAge;
  }

  /** Whether expired entries are kept to stand in for failed loads (stale on error). */
  boolean keepsStale() {
    return staleNanos > 0;
  }

  boolean isFresh(CachedValue<V> entry, long now) {
    return now - entry.loadedAtNanos() < freshNanos;
  }

  /** Whether the entry is due for refresh-ahead: old enough, and no failed refresh paused it. */
  boolean needsRefresh(CachedValue<V> entry, long now) {
    return now - entry.loadedAtNanos() >= refreshNanos && now - entry.refreshNotBeforeNanos() >= 0;
  }

  /**
   * Makes the current entry of {@code key}, if any, not due for refresh-ahead before {@code
   * untilNanos} (after a refresh failed for good); only when {@link #tracksAge}.
   */
  void pauseRefresh(K key, long untilNanos) {
    CachedValue<V> entry = agedQuietly(key);
    if (entry != null) {
      entry.pauseRefreshUntil(untilNanos);
    }
  }

  /** Whether an entry that is not fresh may still stand in for a failed load. */
  boolean isServableStale(CachedValue<V> entry, long now) {
    return staleNanos > 0 && now - entry.loadedAtNanos() < staleNanos;
  }

  /**
   * Stores an answer: a value, or a miss (kept only with miss caching, else the key is dropped).
   */
  void store(K key, @Nullable V value, long now) {
    if (value != null || missCaching) {
      cache.put(key, wraps ? new CachedValue<>(value, now) : value == null ? MISS : value);
    } else if (policy.getIfPresentQuietly(key) != null) {
      // Removing an absent key would change nothing but costs Caffeine a few allocations: look
      // first, without counting it as a read.
      cache.invalidate(key);
    }
  }

  long size() {
    return cache.estimatedSize();
  }

  void clear() {
    cache.invalidateAll();
  }

  private static long nanos(@Nullable Duration duration) {
    if (duration == null) {
      return NEVER;
    }
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return NEVER;
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? NEVER : sum;
  }

  /**
   * How long Caffeine keeps an entry: write expiry (plus grace), access expiry, the shorter. Reads
   * an entry's load time only with both, when entries are {@link CachedValue}s.
   */
  private static final class Residence<K> implements Expiry<K, Object> {
    private final long afterWrite;
    private final long afterAccess;

    Residence(long afterWrite, long afterAccess) {
      this.afterWrite = afterWrite;
      this.afterAccess = afterAccess;
    }

    @Override
    public long expireAfterCreate(K key, Object value, long currentTime) {
      return Math.min(afterWrite, afterAccess);
    }

    @Override
    public long expireAfterUpdate(K key, Object value, long currentTime, long currentDuration) {
      return Math.min(afterWrite, afterAccess);
    }

    @Override
    public long expireAfterRead(K key, Object value, long currentTime, long currentDuration) {
      if (afterAccess == NEVER) {
        return currentDuration;
      }
      long leftOfWrite =
          afterWrite == NEVER
              ? NEVER
              : afterWrite - (currentTime - ((CachedValue<?>) value).loadedAtNanos());
      return Math.max(0L, Math.min(afterAccess, leftOfWrite));
    }
  }
}
