package dev.etlkit.operators.enrich.internal.async;

import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/**
 * A cache entry: the value found for a key (null for a cached miss), when it was loaded, and until
 * when a refresh-ahead of it waits after one failed.
 */
@Internal
public final class CachedValue<V> {
  @Nullable private final V value;
  private final long loadedAtNanos;

  /**
   * No refresh-ahead of the entry before then: set when one failed for good (written by the call's
   * thread, read on the task thread).
   */
  private volatile long refreshNotBeforeNanos;

  CachedValue(@Nullable V value, long loadedAtNanos) {
    this.value = value;
    this.loadedAtNanos = loadedAtNanos;
    this.refreshNotBeforeNanos = loadedAtNanos;
  }

  /** The cached value, null for a cached miss. */
  @Nullable
  public V value() {
    return value;
  }

  long loadedAtNanos() {
    return loadedAtNanos;
  }

  long refreshNotBeforeNanos() {
    return refreshNotBeforeNanos;
  }

  void pauseRefreshUntil(long nanos) {
    refreshNotBeforeNanos = nanos;
  }
}
