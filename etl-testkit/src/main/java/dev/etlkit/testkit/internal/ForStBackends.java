package dev.etlkit.testkit.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.util.DynamicCodeLoadingException;

/**
 * Flink's ForSt state backend for a harness, loaded from a configuration the way a job with {@code
 * state.backend.type: forst} loads it (Flink's loader finds its factory by name), so the kit has no
 * compile-time dependency on {@code flink-statebackend-forst}.
 */
@Internal
public final class ForStBackends {

  /** ForSt's option for its working directories ({@code ForStOptions.LOCAL_DIRECTORIES}). */
  public static final String LOCAL_DIRECTORIES = "state.backend.forst.local-dir";

  private ForStBackends() {}

  /**
   * ForSt configured with {@code options} (any {@code state.backend.forst.*} option, {@code
   * execution.checkpointing.incremental}), its working files in {@code localDirectory}.
   *
   * @throws IllegalStateException when ForSt is not on the class path
   */
  public static StateBackend create(Configuration options, Path localDirectory) {
    Configuration config = new Configuration(options);
    config.set(StateBackendOptions.STATE_BACKEND, StateBackendLoader.FORST_STATE_BACKEND_NAME);
    config.setString(LOCAL_DIRECTORIES, localDirectory.toAbsolutePath().toString());
    try {
      return StateBackendLoader.loadStateBackendFromConfig(
          config, ForStBackends.class.getClassLoader(), null);
    } catch (DynamicCodeLoadingException | IOException e) {
      throw new IllegalStateException(
          "the ForSt state backend needs org.apache.flink:flink-statebackend-forst on the test"
              + " class path",
          e);
    }
  }
}
