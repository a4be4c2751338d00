package dev.etlkit.testkit;

import dev.etlkit.testkit.internal.ForStBackends;
import dev.etlkit.testkit.internal.LocalDirectories;
import dev.etlkit.testkit.internal.RecordingHarness;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;

/**
 * The options of a {@link KeyedHarness} recipe beside its operator and keying, and the Flink test
 * harness they build: its state backend (ForSt, the changelog), its working directory, its clocks
 * and the state it restores. Immutable; {@link KeyedHarness} checks the values its {@code withX}
 * methods take.
 *
 * @param forStOptions ForSt's options when the recipe runs on ForSt ({@link KeyedHarness#onForSt}),
 *     else null
 * @param inputType the input's type when elements are handed over as copies ({@link
 *     KeyedHarness#withInputType})
 * @param userCodeClassLoader null for the default: Flink's, the class loader of its test utilities
 * @param <I> input type
 */
record HarnessOptions<I>(
    StateBackendKind backend,
    @Nullable Configuration forStOptions,
    boolean stateChangelog,
    boolean objectReuse,
    int maxParallelism,
    @Nullable TypeInformation<I> inputType,
    @Nullable ClassLoader userCodeClassLoader) {

  HarnessOptions {
    Objects.requireNonNull(backend, "backend");
  }

  /** The options of a new recipe: {@link KeyedHarness}'s defaults. */
  static <I> HarnessOptions<I> defaults() {
    return new HarnessOptions<>(
        KeyedHarness.DEFAULT_BACKEND,
        null,
        false,
        false,
        KeyedHarness.DEFAULT_MAX_PARALLELISM,
        null,
        null);
  }

  /** These options on {@code backend}, not on ForSt. */
  HarnessOptions<I> on(StateBackendKind backend) {
    return new HarnessOptions<>(
        backend, null, stateChangelog, objectReuse, maxParallelism, inputType, userCodeClassLoader);
  }

  HarnessOptions<I> onForSt(Configuration forStOptions) {
    return new HarnessOptions<>(
        backend,
        forStOptions,
        stateChangelog,
        objectReuse,
        maxParallelism,
        inputType,
        userCodeClassLoader);
  }

  HarnessOptions<I> withStateChangelog() {
    return new HarnessOptions<>(
        backend, forStOptions, true, objectReuse, maxParallelism, inputType, userCodeClassLoader);
  }

  HarnessOptions<I> withObjectReuse(boolean on) {
    return new HarnessOptions<>(
        backend, forStOptions, stateChangelog, on, maxParallelism, inputType, userCodeClassLoader);
  }

  HarnessOptions<I> withMaxParallelism(int maxParallelism) {
    return new HarnessOptions<>(
        backend,
        forStOptions,
        stateChangelog,
        objectReuse,
        maxParallelism,
        inputType,
        userCodeClassLoader);
  }

  HarnessOptions<I> withInputType(TypeInformation<I> inputType) {
    return new HarnessOptions<>(
        backend,
        forStOptions,
        stateChangelog,
        objectReuse,
        maxParallelism,
        inputType,
        userCodeClassLoader);
  }

  HarnessOptions<I> withUserCodeClassLoader(ClassLoader userCodeClassLoader) {
    return new HarnessOptions<>(
        backend,
        forStOptions,
        stateChangelog,
        objectReuse,
        maxParallelism,
        inputType,
        userCodeClassLoader);
  }

  /**
   * Opens a fresh operator in a fresh harness with these options as subtask {@code subtaskIndex} of
   * {@code parallelism} (owning the key groups Flink assigns it), its clocks at the given times
   * before the state is restored.
   *
   * @param operator creates the operator, given the user code class loader (null: default)
   */
  <K, O> OperatorHarness<I, O> open(
      Function<ClassLoader, ? extends OneInputStreamOperator<I, O>> operator,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      TypeInformation<O> outputType,
      @Nullable OperatorSubtaskState state,
      long processingTime,
      long stateTtlTime,
      int parallelism,
      int subtaskIndex)
      throws Exception {
    if (forStOptions != null && stateChangelog) {
      throw new IllegalStateException(
          "onForSt and withStateChangelog do not combine: Flink 2.2 documents the ForSt state"
              + " backend without changelog support");
    }
    Path localDirectory =
        forStOptions != null
            ? LocalDirectories.create("etlkit-forst-")
            : backend.usesLocalDirectory() ? LocalDirectories.create("etlkit-rocksdb-") : null;
    RecordingHarness<K, I, O> harness = null;
    try {
      harness =
          RecordingHarness.create(
              operator.apply(userCodeClassLoader),
              keySelector,
              keyType,
              maxParallelism,
              parallelism,
              subtaskIndex,
              userCodeClassLoader,
              stateChangelog,
              objectReuse);
      StateBackend stateBackend =
          forStOptions != null
              ? ForStBackends.create(forStOptions, Objects.requireNonNull(localDirectory))
              : backend.createBackend(localDirectory);
      harness.setStateBackend(
          stateChangelog ? RecordingHarness.underChangelog(stateBackend) : stateBackend);
      harness.setProcessingTime(processingTime);
      harness.setStateTtlProcessingTime(stateTtlTime);
      harness.setup(
          outputType.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.initializeState(state);
      harness.open();
      TypeSerializer<I> inputCopier =
          inputType != null && !objectReuse
              ? inputType.createSerializer(harness.getExecutionConfig().getSerializerConfig())
              : null;
      OperatorHarness<I, O> opened =
          new OperatorHarness<>(
              harness, backend, forStOptions != null, localDirectory, inputCopier);
      opened.setStateTtlTime(stateTtlTime);
      return opened;
    } catch (Exception | Error e) {
      closeQuietly(harness, localDirectory, e);
      throw e;
    }
  }

  private static void closeQuietly(
      @Nullable RecordingHarness<?, ?, ?> harness, @Nullable Path localDirectory, Throwable cause) {
    try {
      if (harness != null) {
        harness.close();
      }
    } catch (Exception | Error e) {
      cause.addSuppressed(e);
    }
    try {
      if (localDirectory != null) {
        LocalDirectories.delete(localDirectory);
      }
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }
}
