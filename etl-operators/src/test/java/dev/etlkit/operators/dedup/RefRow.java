package dev.etlkit.operators.dedup;

import java.util.Objects;
import javax.annotation.Nullable;

/**
 * The row of {@link DedupIndependentReferenceTest}: a Flink POJO with a string key and payload, a
 * double (for {@code 0.0} / {@code -0.0} / NaN) and a version for custom orderings. Its {@code
 * equals} is the docs' "identical": equal strings, equal double bits as serialized (so {@code -0.0}
 * differs from {@code 0.0} and all NaNs are alike), equal version.
 */
public class RefRow {
  /** Key that makes the key selector throw. */
  static final String THROWING_KEY = "boom";

  /** Payload that makes the version ordering key throw. */
  static final String THROWING_VERSION = "bad";

  @Nullable public String key;
  @Nullable public String payload;
  public double amount;
  public long version;

  public RefRow() {}

  RefRow(@Nullable String key, @Nullable String payload, double amount, long version) {
    this.key = key;
    this.payload = payload;
    this.amount = amount;
    this.version = version;
  }

  /** The dedup key; throws for {@link #THROWING_KEY}. */
  static String keyOf(RefRow row) {
    if (THROWING_KEY.equals(row.key)) {
      throw new UnsupportedOperationException("key selector failed");
    }
    return row.key;
  }

  /** The version ordering key; throws for payload {@link #THROWING_VERSION}. */
  static long versionOf(RefRow row) {
    if (THROWING_VERSION.equals(row.payload)) {
      throw new ArithmeticException("version unreadable");
    }
    return row.version;
  }

  /** Same serialized form: what the docs call identical. */
  static boolean identical(RefRow a, RefRow b) {
    return a.equals(b);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RefRow that
        && Objects.equals(key, that.key)
        && Objects.equals(payload, that.payload)
        && Double.doubleToLongBits(amount) == Double.doubleToLongBits(that.amount)
        && version == that.version;
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, payload, Double.doubleToLongBits(amount), version);
  }

  @Override
  public String toString() {
    return key + "#" + payload + "/" + amount + "/v" + version;
  }
}
