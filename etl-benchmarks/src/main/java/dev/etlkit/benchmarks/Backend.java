package dev.etlkit.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.util.DynamicCodeLoadingException;

/** The keyed state backend a benchmark runs on. */
public enum Backend {
  /** {@link HashMapStateBackend}: objects on the JVM heap, no serialization on access. */
  HEAP,
  /**
   * {@link EmbeddedRocksDBStateBackend} with Flink's default options: every access serializes the
   * key, and the value on reads and writes. Native metrics stay off (Flink's default: every one of
   * {@code state.backend.rocksdb.metrics.*} is false), so they cost nothing here.
   *
   * <p>For tuning experiments only, the system property {@value #OPTIONS_PROPERTY} sets Flink
   * RocksDB options ({@code key=value} pairs separated by {@code ;}), e.g. {@code -jvmArgsAppend
   * -Detlkit.bench.rocksdb=state.backend.rocksdb.writebuffer.size=8mb}. Published results use the
   * defaults.
   */
  ROCKSDB,
  /**
   * {@link HashMapStateBackend} under Flink's changelog state backend ({@code
   * state.changelog.enabled}): objects on the heap as for {@link #HEAP}, and every state write is
   * also serialized into the state changelog. The changelog goes to a {@link
   * CountingChangelogStorage}, which counts the bytes and keeps none; the trial prints the bytes
   * per record. No materialization runs (benchmarks take no checkpoints). Not in the default
   * params: pass {@code -p backend=HEAP_CHANGELOG}.
   */
  HEAP_CHANGELOG;

  /** The system property with Flink RocksDB options for tuning experiments. */
  public static final String OPTIONS_PROPERTY = "etlkit.bench.rocksdb";

  /**
   * A new backend instance; RocksDB keeps its files in {@code localDir} (a per-trial directory
   * under {@code java.io.tmpdir}).
   */
  StateBackend create(Path localDir) throws IOException, DynamicCodeLoadingException {
    if (this == HEAP) {
      return new HashMapStateBackend();
    }
    if (this == HEAP_CHANGELOG) {
      Configuration changelog = new Configuration();
      changelog.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
      return StateBackendLoader.fromApplicationOrConfigOrDefault(
          new HashMapStateBackend(),
          changelog,
          new Configuration(),
          Backend.class.getClassLoader(),
          null);
    }
    EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend(false);
    rocksDb.setDbStoragePath(localDir.toString());
    Map<String, String> options = rocksDbOptions(System.getProperty(OPTIONS_PROPERTY, ""));
    return options.isEmpty()
        ? rocksDb
        : rocksDb.configure(Configuration.fromMap(options), Backend.class.getClassLoader());
  }

  /** Parses {@code key=value;key=value}; blank means none. */
  static Map<String, String> rocksDbOptions(String spec) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String part : spec.split(";")) {
      String option = part.trim();
      if (option.isEmpty()) {
        continue;
      }
      int equals = option.indexOf('=');
      if (equals <= 0 || !option.startsWith("state.backend.rocksdb.")) {
        throw new IllegalArgumentException(
            OPTIONS_PROPERTY
                + " takes state.backend.rocksdb.* options as key=value;key=value, got: "
                + option);
      }
      options.put(option.substring(0, equals).trim(), option.substring(equals + 1).trim());
    }
    return options;
  }
}
