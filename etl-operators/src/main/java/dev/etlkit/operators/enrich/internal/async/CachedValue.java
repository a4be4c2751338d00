package dev.etlkit.operators.enrich.internal.async;

import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/** A cache entry: the value found for a key (null for a cached miss) and when it was loaded. */
@Internal
public final class CachedValue<V> {
  @Nullable private final V value;
  private final long loadedAtNanos;

  CachedValue(@Nullable V value, long loadedAtNanos) {
    this.value = value;
    this.loadedAtNanos = loadedAtNanos;
  }

  /** The cached value, null for a cached miss. */
  @Nullable
  public V value() {
    return value;
  }

  long loadedAtNanos() {
    return loadedAtNanos;
  }
}
