package dev.etlkit.testkit.internal;

import dev.etlkit.testkit.Emitted;
import java.io.IOException;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.runtime.jobgraph.JobType;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.operators.testutils.MockInputSplitProvider;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.runtime.state.TestTaskStateManagerBuilder;
import org.apache.flink.runtime.state.changelog.inmemory.InMemoryStateChangelogStorage;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorUtils;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.DynamicCodeLoadingException;
import org.apache.flink.util.ExceptionUtils;

/**
 * Flink's keyed harness with an output that keeps main and side output records in one ordered log
 * (see {@link RecordingOutput}), running in its own environment whose serializer config has generic
 * types disabled, so a state, key or output type that would fall back to Kryo fails the test. A
 * subclass because the harness's output queues are protected.
 */
@SuppressWarnings("try") // close() throws Exception like the harness it extends
@Internal
public final class RecordingHarness<K, I, O>
    extends KeyedOneInputStreamOperatorTestHarness<K, I, O> {

  /**
   * Managed memory of the task, a limit RocksDB sizes its block cache and write buffers from (not
   * allocated up front). Flink's own harness gives 3 MB, which makes RocksDB warn on every open
   * that its arena blocks (8 MB) exceed the write buffer limit; from about 55 MB on it does not.
   */
  private static final long MANAGED_MEMORY_BYTES = 64L * 1024 * 1024;

  private RecordingOutput<O> recording;

  /**
   * Whether the operator selected a key since the harness last entered it (an element, a watermark,
   * processing time, a checkpoint's pre-barrier, the end of input). Flink never resets the current
   * key, so a record emitted before any key was selected there (an operator's own watermark output,
   * say) would otherwise be filed under the previous call's key.
   */
  private boolean keySelected;

  /** Which inputs of a two-input operator {@link #setIdle} marked idle (first, second). */
  private final boolean[] idle = new boolean[2];

  /** Whether {@link #setup} set up the operator inside a {@link TwoInputAsOneInputOperator}. */
  private boolean twoInputSetUp;

  /**
   * A harness for the only subtask (parallelism 1) of an operator with the given max parallelism
   * (the number of key groups), generic types disabled from the start, so even the key serializer
   * is checked.
   */
  public static <K, I, O> RecordingHarness<K, I, O> create(
      OneInputStreamOperator<I, O> operator,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      int maxParallelism)
      throws Exception {
    return create(operator, keySelector, keyType, maxParallelism, 1, 0, null, false, false);
  }

  /**
   * A harness for subtask {@code subtaskIndex} of {@code parallelism}: its keyed state backend owns
   * the key groups Flink assigns that subtask, and only keys of those groups may be processed.
   * {@code userCodeClassLoader} is the environment's user code class loader, which the state
   * backend and serializers resolve user classes with; null for Flink's default (the class loader
   * of the test utilities, i.e. the test class path). With {@code stateChangelog} the task keeps a
   * state changelog in memory, for a backend wrapped by {@link #underChangelog}. With {@code
   * objectReuse} the execution config has Flink's object reuse on ({@code pipeline.object-reuse}),
   * which operators read when they open.
   */
  public static <K, I, O> RecordingHarness<K, I, O> create(
      OneInputStreamOperator<I, O> operator,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      int maxParallelism,
      int parallelism,
      int subtaskIndex,
      @Nullable ClassLoader userCodeClassLoader,
      boolean stateChangelog,
      boolean objectReuse)
      throws Exception {
    refuseAsyncState(
        operator instanceof TwoInputAsOneInputOperator<?, ?, ?> adapter
            ? adapter.operator()
            : operator,
        "the operator " + operator.getClass().getName());
    ExecutionConfig executionConfig = noGenericTypes();
    if (objectReuse) {
      executionConfig.enableObjectReuse();
    }
    MockEnvironmentBuilder builder =
        new MockEnvironmentBuilder()
            .setTaskName("etlkit-test-harness")
            .setManagedMemorySize(MANAGED_MEMORY_BYTES)
            .setInputSplitProvider(new MockInputSplitProvider())
            .setBufferSize(1024)
            .setMaxParallelism(maxParallelism)
            .setParallelism(parallelism)
            .setSubtaskIndex(subtaskIndex)
            .setExecutionConfig(executionConfig);
    if (userCodeClassLoader != null) {
      builder.setUserCodeClassLoader(userCodeClassLoader);
    }
    if (stateChangelog) {
      builder.setTaskStateManager(
          new TestTaskStateManagerBuilder()
              .setStateChangelogStorage(new InMemoryStateChangelogStorage())
              .build());
    }
    MockEnvironment environment = builder.build();
    try {
      return new RecordingHarness<>(operator, keySelector, keyType, environment);
    } catch (Exception | Error e) {
      environment.close();
      throw e;
    }
  }

  /**
   * Refuses an operator on Flink's asynchronous state (state API V2 with {@code
   * enableAsyncState()}, an {@code AbstractAsyncKeyOrderedStreamOperator}): Flink gives it no keyed
   * state backend of its own but an asynchronous one driven by the task's mailbox, which Flink's
   * keyed test harness, and so this one, does not run.
   *
   * @param what names the operator for the message
   * @throws IllegalArgumentException for such an operator
   */
  public static void refuseAsyncState(Object operator, String what) {
    if (operator instanceof AbstractStreamOperator<?> op
        && op.isAsyncKeyOrderedProcessingEnabled()) {
      throw new IllegalArgumentException(
          what
              + " runs on Flink's asynchronous state (enableAsyncState), which the kit's harnesses"
              + " do not run: test it with Flink's AsyncKeyedOneInputStreamOperatorTestHarness"
              + " (AsyncKeyedTwoInputStreamOperatorTestHarness for two inputs)");
    }
  }

  /**
   * {@code backend} under Flink's changelog state backend, as {@code state.changelog.enabled} makes
   * it in a job (Flink's own loader, which finds the changelog backend by reflection).
   */
  public static StateBackend underChangelog(StateBackend backend) {
    Configuration changelog = new Configuration();
    changelog.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
    try {
      StateBackend wrapped =
          StateBackendLoader.fromApplicationOrConfigOrDefault(
              backend,
              changelog,
              new Configuration(),
              RecordingHarness.class.getClassLoader(),
              null);
      if (!StateBackendLoader.isChangelogStateBackend(wrapped)) {
        throw new IllegalStateException("Flink did not wrap " + backend + " in its changelog");
      }
      return wrapped;
    } catch (DynamicCodeLoadingException | IOException e) {
      throw new IllegalStateException(
          "the changelog state backend needs org.apache.flink:flink-statebackend-changelog on the"
              + " test class path",
          e);
    }
  }

  /**
   * A task environment of a {@code BATCH} job (its {@code getJobType()}), as the harness's own:
   * generic types disabled, managed memory for RocksDB. For tests that build Flink's harness
   * themselves to run an operator as a batch job's task would; close it after the harness.
   */
  public static MockEnvironment batchJobEnvironment(String taskName) {
    return new MockEnvironmentBuilder()
        .setTaskName(taskName)
        .setManagedMemorySize(MANAGED_MEMORY_BYTES)
        .setInputSplitProvider(new MockInputSplitProvider())
        .setBufferSize(1024)
        .setMaxParallelism(128)
        .setExecutionConfig(noGenericTypes())
        .setJobType(JobType.BATCH)
        .build();
  }

  /**
   * Flink 2.x has no {@code ExecutionConfig#disableGenericTypes()}; the switch is the {@code
   * pipeline.generic-types} option, applied through {@code SerializerConfig#configure}.
   */
  static ExecutionConfig noGenericTypes() {
    Configuration configuration = new Configuration();
    configuration.set(PipelineOptions.GENERIC_TYPES, false);
    ExecutionConfig executionConfig = new ExecutionConfig();
    executionConfig
        .getSerializerConfig()
        .configure(configuration, RecordingHarness.class.getClassLoader());
    return executionConfig;
  }

  private RecordingHarness(
      OneInputStreamOperator<I, O> operator,
      KeySelector<I, K> keySelector,
      TypeInformation<K> keyType,
      MockEnvironment environment)
      throws Exception {
    super(operator, keySelector, keyType, environment);
    setOutputCreator(this::createOutput);
  }

  private RecordingOutput<O> createOutput(TypeSerializer<O> serializer) {
    recording =
        new RecordingOutput<>(
            serializer,
            executionConfig.getSerializerConfig(),
            outputList,
            sideOutputLists,
            () -> keySelected ? getOperator().getCurrentKey() : null);
    return recording;
  }

  /**
   * Sets up the operator; for a {@link TwoInputAsOneInputOperator}, which Flink's harness does not
   * set up (it is no {@code AbstractStreamOperator}), sets up the two-input operator inside as
   * Flink's harness sets up its own: with the harness's task, configuration (whose key selector
   * reads the {@code Either}) and output.
   */
  @Override
  public void setup(TypeSerializer<O> outputSerializer) {
    super.setup(outputSerializer);
    if (operator instanceof TwoInputAsOneInputOperator<?, ?, O> adapter && !twoInputSetUp) {
      twoInputSetUp = true;
      StreamOperatorUtils.setProcessingTimeService(adapter.operator(), processingTimeService);
      StreamOperatorUtils.setupStreamOperator(
          adapter.operator(), mockTask, config, createOutput(outputSerializer));
    }
  }

  /**
   * The operator; for a {@link TwoInputAsOneInputOperator} the two-input operator inside, whose
   * state, timers and runtime context are the harness's.
   */
  @Override
  public AbstractStreamOperator<O> getOperator() {
    return operator instanceof TwoInputAsOneInputOperator<?, ?, O> adapter
        ? adapter.operator()
        : super.getOperator();
  }

  /** As Flink's, for any operator {@link #getOperator()} gives. */
  @Override
  public int numKeyedStateEntries() {
    if (getOperator().getKeyedStateBackend() instanceof HeapKeyedStateBackend<?> heap) {
      return heap.numKeyValueStateEntries();
    }
    throw new UnsupportedOperationException();
  }

  /** As Flink's, for any operator {@link #getOperator()} gives. */
  @Override
  public <N> int numKeyedStateEntries(N namespace) {
    if (getOperator().getKeyedStateBackend() instanceof HeapKeyedStateBackend<?> heap) {
      return heap.numKeyValueStateEntries(namespace);
    }
    throw new UnsupportedOperationException();
  }

  @Override
  public void open() throws Exception {
    super.open();
    getOperator().getKeyedStateBackend().registerKeySelectionListener(key -> keySelected = true);
  }

  @Override
  public void processElement(StreamRecord<I> element) throws Exception {
    keySelected = false;
    super.processElement(element);
  }

  /**
   * A watermark of the one-input face; for a two-input operator it goes to both inputs.
   *
   * @throws IllegalStateException for a two-input operator with an idle input (see {@link
   *     #processWatermark(int, long)})
   */
  @Override
  public void processWatermark(Watermark mark) throws Exception {
    if (idle[0] || idle[1]) {
      throw new IllegalStateException(
          "input "
              + (idle[0] ? 1 : 2)
              + " is idle, and a task drops the watermarks of an idle input: mark it active"
              + " first, or give the other input its watermark alone (processWatermark1/2)");
    }
    keySelected = false;
    super.processWatermark(mark);
  }

  /**
   * A watermark of one input of a two-input operator (see {@link
   * TwoInputAsOneInputOperator#processWatermark(int, Watermark)}).
   *
   * @throws IllegalStateException if the operator has one input, or {@code input} is idle (a task
   *     drops the watermarks of an idle input; mark it active first, as a source does)
   */
  public void processWatermark(int input, long timestamp) throws Exception {
    TwoInputAsOneInputOperator<?, ?, O> twoInput = twoInput("processWatermark" + input);
    checkInput(input);
    if (idle[input - 1]) {
      throw new IllegalStateException(
          "input "
              + input
              + " is idle, and a task drops the watermarks of an idle input: mark it active"
              + " first (setIdle("
              + input
              + ", false)), as a source does before it emits again");
    }
    keySelected = false;
    twoInput.processWatermark(input, new Watermark(timestamp));
  }

  /**
   * Marks one input of a two-input operator idle or active: {@code processWatermarkStatus1/2} of
   * the operator with {@code IDLE} or {@code ACTIVE}.
   *
   * @throws IllegalStateException if the operator has one input
   */
  public void setIdle(int input, boolean idle) throws Exception {
    TwoInputAsOneInputOperator<?, ?, O> twoInput = twoInput("setIdle");
    checkInput(input);
    this.idle[input - 1] = idle;
    keySelected = false;
    twoInput.processWatermarkStatus(input, idle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE);
  }

  private static void checkInput(int input) {
    if (input != 1 && input != 2) {
      throw new IllegalArgumentException("input must be 1 or 2, was " + input);
    }
  }

  private TwoInputAsOneInputOperator<?, ?, O> twoInput(String method) {
    if (operator instanceof TwoInputAsOneInputOperator<?, ?, O> adapter) {
      return adapter;
    }
    throw new IllegalStateException(
        method
            + " needs a harness of a two-input recipe (KeyedHarness.forTwoInputStream), but this"
            + " one runs the one-input operator "
            + operator.getClass().getName()
            + ": use processWatermark");
  }

  @Override
  public void setProcessingTime(long time) throws Exception {
    keySelected = false;
    super.setProcessingTime(time);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    keySelected = false;
    super.prepareSnapshotPreBarrier(checkpointId);
  }

  @Override
  public void endInput() throws Exception {
    keySelected = false;
    super.endInput();
  }

  /** Everything emitted on main and side outputs so far, in order (a live view). */
  public List<Emitted> emitted() {
    return recording().emitted();
  }

  /**
   * For each record of {@link #emitted()}, the operator's current key when it was emitted (the key
   * of the element or timer being processed); null when no key was selected since the harness
   * entered the operator. A record emitted after a timer, in the same call (the operator's own
   * output after its timers fired on a watermark), still carries that timer's key.
   */
  public List<Object> emittedKeys() {
    return recording().keys();
  }

  /** Watermarks the operator forwarded so far, in order (a live view). */
  public List<Long> emittedWatermarks() {
    return recording().watermarks();
  }

  /** Forgets everything emitted so far, here and in the harness's own queues. */
  public void clearOutput() {
    recording().clear();
  }

  /**
   * Closes the operator, then the environment (Flink's harness leaves a given one open). Flink's
   * harness stops at an operator {@code finish()} that throws and never closes the operator; this
   * closes it then, as a task does, so its state backend (RocksDB's native memory and managed
   * memory) is released. The first failure is thrown, later ones are suppressed in it.
   */
  @Override
  public void close() throws Exception {
    Exception failure = null;
    try {
      super.close();
    } catch (Exception e) {
      failure = e;
      try {
        getOperator().close(); // a no-op for state already disposed if close() itself failed
      } catch (Exception closing) {
        failure.addSuppressed(closing);
      }
    }
    try {
      getEnvironment().close();
    } catch (Exception e) {
      failure = ExceptionUtils.firstOrSuppressed(e, failure);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private RecordingOutput<O> recording() {
    if (recording == null) {
      throw new IllegalStateException("the harness is not set up yet");
    }
    return recording;
  }
}
