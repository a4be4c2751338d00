package dev.etlkit.testkit;

import java.nio.file.Path;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;

/**
 * The keyed state backends a harness can run an operator on. etlkit promises the same output on
 * both, record for record, so tests are parameterised over this enum. Flink's ForSt state backend
 * is not one of them (it takes no canonical savepoints, which backend switches here rely on): run a
 * recipe there with {@link KeyedHarness#onForSt}.
 *
 * <pre>{@code
 * @ParameterizedTest
 * @EnumSource(StateBackendKind.class)
 * void processElement_twoKeys_countsPerKey(StateBackendKind backend) throws Exception { ... }
 * }</pre>
 */
@PublicEvolving
public enum StateBackendKind {
  /** Flink's {@code HashMapStateBackend}: state as objects on the JVM heap, timers on the heap. */
  HEAP,
  /**
   * Flink's {@code EmbeddedRocksDBStateBackend} with full (non-incremental) snapshots: state is
   * serialized on every access, timers are kept in RocksDB. Slower (a harness restore costs about
   * 0.2 s) but it is the only way to see serializer and state-layout bugs before production.
   */
  ROCKSDB;

  /**
   * Creates a fresh backend of this kind.
   *
   * @param localDirectory where RocksDB keeps its working files (ignored for {@link #HEAP}); the
   *     caller owns the directory and deletes it after the harness is closed
   */
  public StateBackend createBackend(Path localDirectory) {
    switch (this) {
      case HEAP:
        return new HashMapStateBackend();
      case ROCKSDB:
        EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend(false);
        rocksDb.setDbStoragePath(localDirectory.toAbsolutePath().toString());
        return rocksDb;
      default:
        throw new IllegalStateException("unknown backend " + this);
    }
  }

  /** True when the backend keeps working files in the local directory given to it. */
  public boolean usesLocalDirectory() {
    return this == ROCKSDB;
  }

  /** The other backend: {@code HEAP} for {@code ROCKSDB} and vice versa (for switch tests). */
  public StateBackendKind other() {
    return this == HEAP ? ROCKSDB : HEAP;
  }
}
