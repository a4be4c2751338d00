package dev.etlkit.benchmarks.dedup;

import java.util.Objects;

/** The benchmarks' record: a key, a version and a payload. A Flink POJO. */
public final class BenchRow {
  public long key;
  public long version;
  public String payload;

  public BenchRow() {}

  BenchRow(long key, long version, String payload) {
    this.key = key;
    this.version = version;
    this.payload = payload;
  }

  long key() {
    return key;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BenchRow)) {
      return false;
    }
    BenchRow that = (BenchRow) o;
    return key == that.key && version == that.version && payload.equals(that.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, version, payload);
  }

  @Override
  public String toString() {
    return "BenchRow{key=" + key + ", version=" + version + ", payload=" + payload + "}";
  }
}
