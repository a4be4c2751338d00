package dev.etlkit.benchmarks;

import java.nio.file.Path;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;

/** The keyed state backend a benchmark runs on. */
public enum Backend {
  /** {@link HashMapStateBackend}: objects on the JVM heap, no serialization on access. */
  HEAP,
  /**
   * {@link EmbeddedRocksDBStateBackend} with Flink's default options: every access serializes the
   * key, and the value on reads and writes. Native metrics stay off (Flink's default: every one of
   * {@code state.backend.rocksdb.metrics.*} is false), so they cost nothing here.
   */
  ROCKSDB;

  /**
   * A new backend instance; RocksDB keeps its files in {@code localDir} (a per-trial directory
   * under {@code java.io.tmpdir}).
   */
  StateBackend create(Path localDir) {
    if (this == HEAP) {
      return new HashMapStateBackend();
    }
    EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend(false);
    rocksDb.setDbStoragePath(localDir.toString());
    return rocksDb;
  }
}
