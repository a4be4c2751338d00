package dev.etlkit.testkit;

import dev.etlkit.testkit.internal.LocalDirectories;
import dev.etlkit.testkit.internal.RecordingHarness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * An opened operator running in a Flink test harness on one state backend: feed it elements,
 * watermarks and processing time, take snapshots, and read what it emitted. Create one with {@link
 * KeyedHarness#open()} or {@link KeyedHarness#restore(OperatorSubtaskState)}; close it (it is
 * {@link AutoCloseable}) to release RocksDB or ForSt and delete its working directory.
 *
 * <p>Outputs are recorded in emission order across the main output and all side outputs ({@link
 * #emitted()}); each value is a copy made by a serialize/deserialize round trip with the output's
 * serializer. The harness runs with generic types disabled: any key, state, output or side-output
 * type that would fall back to Kryo fails with Flink's {@code UnsupportedOperationException}.
 *
 * <p>Two clocks: processing time (drives processing-time timers) and the state-TTL clock. Like in a
 * real job, where both are the wall clock, {@link #advanceProcessingTime} and {@link
 * #setProcessingTime} move both; {@link #setStateTtlTime} moves the TTL clock alone. Both start at
 * 0.
 *
 * <p>Not thread-safe; one test drives one harness.
 *
 * @param <I> input type
 * @param <O> main output type
 */
@PublicEvolving
public final class OperatorHarness<I, O> implements AutoCloseable {

  private final RecordingHarness<?, I, O> harness;
  private final StateBackendKind backend;
  private final boolean forSt;
  @Nullable private final Path localDirectory;
  @Nullable private final TypeSerializer<I> inputCopier;
  private long ttlTime;

  /** What {@link #close()} checks of a harness {@link SavepointCompatibility#restore} made. */
  @Nullable private RestoredStatesCheck restoredStatesCheck;

  /**
   * Checkpoint ids of every harness in the JVM, so that, as in a job, the ids an operator sees keep
   * increasing across a restore (the first checkpoint after it is above the restored one's).
   */
  private static final AtomicLong CHECKPOINT_IDS = new AtomicLong();

  /**
   * The number of key groups (max parallelism) of every snapshot and savepoint a harness of the JVM
   * took, so that a restore can refuse state of another number ({@link KeyedHarness#restore}).
   */
  private static final Map<OperatorSubtaskState, Integer> KEY_GROUPS =
      Collections.synchronizedMap(new WeakHashMap<>());

  OperatorHarness(
      RecordingHarness<?, I, O> harness,
      StateBackendKind backend,
      boolean forSt,
      @Nullable Path localDirectory,
      @Nullable TypeSerializer<I> inputCopier) {
    this.harness = harness;
    this.backend = backend;
    this.forSt = forSt;
    this.localDirectory = localDirectory;
    this.inputCopier = inputCopier;
  }

  /**
   * The backend this harness keeps its state in, or for a harness on ForSt ({@link #forSt()}) the
   * backend of its recipe's {@link KeyedHarness#on}.
   */
  public StateBackendKind backend() {
    return backend;
  }

  /**
   * Whether this harness keeps its state in Flink's ForSt state backend: {@link
   * KeyedHarness#onForSt}.
   */
  public boolean forSt() {
    return forSt;
  }

  /**
   * Processes an element with the given timestamp (event time, epoch millis): a copy of it when the
   * recipe has an input type ({@link KeyedHarness#withInputType}) and object reuse is off, else the
   * object itself.
   */
  public void processElement(I value, long timestamp) throws Exception {
    harness.processElement(handOver(value), timestamp);
  }

  /** Processes an element without a timestamp, handed over as the timestamped form does. */
  public void processElement(I value) throws Exception {
    harness.processElement(new StreamRecord<>(handOver(value)));
  }

  private I handOver(I value) {
    return inputCopier == null ? value : inputCopier.copy(value);
  }

  /**
   * Processes a watermark: fires event-time timers up to it, then forwards it. For a recipe {@link
   * KeyedHarness#forTwoInputStream} it reaches both inputs, first then second.
   *
   * @throws IllegalStateException for a two-input recipe with an input marked idle ({@link
   *     #setIdle}): give the other input its watermark alone
   */
  public void processWatermark(long timestamp) throws Exception {
    harness.processWatermark(timestamp);
  }

  /**
   * Processes a watermark of the first input of a two-input recipe ({@link
   * KeyedHarness#forTwoInputStream}) alone, as Flink's {@code processWatermark1}: the operator's
   * watermark is the minimum of both inputs' watermarks (an idle input left out), so event-time
   * timers fire and a watermark is forwarded only when that minimum rises. Each input starts at
   * {@code Long.MIN_VALUE}, in a restored harness too (Flink keeps no watermark in a snapshot).
   *
   * <pre>{@code
   * harness.processElement(Either.Right("k1#v1"), 10);
   * harness.processElement(Either.Left("k1#o1"), 20);
   * harness.processWatermark1(30); // the dimension (second input) holds it back
   * harness.processWatermark2(25); // now the operator's watermark is 25
   * }</pre>
   *
   * @throws IllegalStateException if the recipe has one input, or the first input is idle ({@link
   *     #setIdle}): a task drops the watermarks of an idle input
   */
  public void processWatermark1(long timestamp) throws Exception {
    harness.processWatermark(1, timestamp);
  }

  /** As {@link #processWatermark1}, for the second input. */
  public void processWatermark2(long timestamp) throws Exception {
    harness.processWatermark(2, timestamp);
  }

  /**
   * Marks input {@code input} (1 or 2) of a two-input recipe idle or active again, as a watermark
   * status from an idle source does ({@code processWatermarkStatus1/2}): while an input is idle the
   * operator's watermark follows the other input alone, and marking it idle may raise that
   * watermark at once. An input marked active again takes part with the watermark it had, and the
   * operator's watermark never goes back. Both inputs start active, in a restored harness too.
   *
   * @throws IllegalStateException if the recipe has one input
   * @throws IllegalArgumentException if {@code input} is not 1 or 2
   */
  public void setIdle(int input, boolean idle) throws Exception {
    harness.setIdle(input, idle);
  }

  /**
   * Ends the input, as the end of a bounded source does: an operator that is {@code
   * BoundedOneInput} gets {@code endInput()} (a two-input one behind {@link
   * KeyedHarness#forTwoInputStream}, {@code endInput} of both inputs); others see nothing. Send a
   * final watermark ({@code Long.MAX_VALUE}) before it, as Flink does.
   */
  public void endInput() throws Exception {
    harness.endInput();
  }

  /**
   * Moves processing time forward by {@code millis} (firing due processing-time timers) and sets
   * the state-TTL clock to the new processing time.
   */
  public void advanceProcessingTime(long millis) throws Exception {
    if (millis < 0) {
      throw new IllegalArgumentException("millis must be >= 0, was " + millis);
    }
    setProcessingTime(harness.getProcessingTime() + millis);
  }

  /**
   * Sets processing time (firing due processing-time timers) and the state-TTL clock to {@code
   * epochMillis}. Processing time never goes back.
   */
  public void setProcessingTime(long epochMillis) throws Exception {
    long now = harness.getProcessingTime();
    if (epochMillis < now) {
      throw new IllegalArgumentException(
          "processing time must not go back: now " + now + ", was " + epochMillis);
    }
    setStateTtlTime(epochMillis);
    harness.setProcessingTime(epochMillis);
  }

  /** Sets the clock state TTL reads (expiry, last-access timestamps) without moving timers. */
  public void setStateTtlTime(long epochMillis) {
    ttlTime = epochMillis;
    harness.setStateTtlProcessingTime(epochMillis);
  }

  /** Current processing time. */
  public long processingTime() {
    return harness.getProcessingTime();
  }

  /** Current time of the state-TTL clock. */
  public long stateTtlTime() {
    return ttlTime;
  }

  /** Runs every step of the script in order and returns what the operator emitted meanwhile. */
  public List<Emitted> run(HarnessInput<I> input) throws Exception {
    int before = harness.emitted().size();
    for (HarnessInput.Step<I> step : input.steps()) {
      step.applyTo(this);
    }
    return List.copyOf(harness.emitted().subList(before, harness.emitted().size()));
  }

  /**
   * Takes a checkpoint the way a task does ({@code prepareSnapshotPreBarrier}, then the snapshot)
   * and returns the state to restore with {@link KeyedHarness#restore}. Checkpoint ids increase
   * across all harnesses of the JVM, so they keep increasing across restores as in a job. Restore
   * it on the same backend; use {@link #savepoint()} to switch backends.
   */
  public OperatorSubtaskState snapshot() throws Exception {
    long checkpointId = CHECKPOINT_IDS.incrementAndGet();
    harness.prepareSnapshotPreBarrier(checkpointId);
    return taken(harness.snapshot(checkpointId, harness.getProcessingTime()));
  }

  /**
   * Takes a savepoint in Flink's canonical format, which every backend can restore: the form state
   * takes across backend switches and Flink or etlkit upgrades.
   *
   * @throws UnsupportedOperationException on ForSt, which takes no canonical savepoints in Flink
   *     2.2 (a job's canonical savepoint fails there too): take a {@link #snapshot()} and restore
   *     it on ForSt
   */
  public OperatorSubtaskState savepoint() throws Exception {
    if (forSt) {
      throw new UnsupportedOperationException(
          "the ForSt state backend takes no canonical savepoints (Flink 2.2): take a snapshot()"
              + " and restore it on ForSt; its state cannot move to the heap or RocksDB");
    }
    long checkpointId = CHECKPOINT_IDS.incrementAndGet();
    harness.prepareSnapshotPreBarrier(checkpointId);
    return taken(
        harness
            .snapshotWithLocalState(
                checkpointId,
                harness.getProcessingTime(),
                SavepointType.savepoint(SavepointFormatType.CANONICAL))
            .getJobManagerOwnedState());
  }

  private OperatorSubtaskState taken(OperatorSubtaskState state) {
    KEY_GROUPS.put(state, harness.getEnvironment().getTaskInfo().getMaxNumberOfParallelSubtasks());
    return state;
  }

  /**
   * The number of key groups {@code state} was taken with, when a harness of this JVM took it; null
   * for state read from elsewhere (a file).
   */
  @Nullable
  static Integer keyGroupsOf(OperatorSubtaskState state) {
    return KEY_GROUPS.get(state);
  }

  /** Values emitted on the main output so far, in order. */
  public List<O> output() {
    List<O> values = new ArrayList<>();
    for (Emitted e : harness.emitted()) {
      if (e.isMain()) {
        @SuppressWarnings("unchecked")
        O value = (O) e.value();
        values.add(value);
      }
    }
    return values;
  }

  /** Values emitted on the given side output so far, in order (empty if none). */
  public <X> List<X> sideOutput(OutputTag<X> tag) {
    List<X> values = new ArrayList<>();
    for (Emitted e : harness.emitted()) {
      if (tag.getId().equals(e.sideOutput())) {
        @SuppressWarnings("unchecked")
        X value = (X) e.value();
        values.add(value);
      }
    }
    return values;
  }

  /** Everything emitted so far on main and side outputs, in emission order. */
  public List<Emitted> emitted() {
    return List.copyOf(harness.emitted());
  }

  /** For each record of {@link #emitted()}, the key being processed when it was emitted. */
  List<Object> emittedKeys() {
    return Collections.unmodifiableList(new ArrayList<>(harness.emittedKeys())); // may hold null
  }

  /** Watermarks the operator forwarded so far, in order. */
  public List<Long> watermarks() {
    return Collections.unmodifiableList(new ArrayList<>(harness.emittedWatermarks()));
  }

  /** Forgets everything emitted so far. */
  public void clearOutput() {
    harness.clearOutput();
  }

  /**
   * Flink's harness, for what this class does not cover (timer counts, raw output queues). Its
   * {@code getOutput()} and {@code getSideOutput(tag)} see the same records as this class. For a
   * recipe {@link KeyedHarness#forTwoInputStream}, its {@code getOperator()} is the two-input
   * operator and {@code getOneInputOperator()} the one-input face in front of it.
   */
  public KeyedOneInputStreamOperatorTestHarness<?, I, O> unwrap() {
    return harness;
  }

  /** Makes {@link #close()} run {@code check} first. */
  void checkOnClose(RestoredStatesCheck check) {
    this.restoredStatesCheck = check;
  }

  /**
   * Closes the operator and the state backend and deletes RocksDB's or ForSt's working directory.
   * For a harness of {@link SavepointCompatibility#restore}, first checks that the operator
   * registered every state and created every timer service of the snapshot file it does not declare
   * dropped; the harness is closed either way.
   *
   * @throws AssertionError for a harness of {@link SavepointCompatibility#restore} whose operator
   *     never registered a state or created a timer service of the snapshot file, or registered or
   *     created one declared dropped (see there)
   * @throws IllegalStateException if closing failed (the cause is kept)
   */
  @Override
  public void close() {
    Throwable unregistered = null;
    if (restoredStatesCheck != null) {
      try {
        restoredStatesCheck.verify(harness.getOperator());
      } catch (AssertionError | RuntimeException e) {
        unregistered = e;
      } finally {
        restoredStatesCheck = null; // once, before the backend's registrations are gone
      }
    }
    try {
      harness.close();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      IllegalStateException failure =
          new IllegalStateException("Could not close the harness on " + backendName(), e);
      if (unregistered == null) {
        throw failure;
      }
      unregistered.addSuppressed(failure);
    } finally {
      if (localDirectory != null) {
        LocalDirectories.delete(localDirectory);
      }
    }
    if (unregistered instanceof AssertionError lost) {
      throw lost;
    }
    if (unregistered != null) {
      throw (RuntimeException) unregistered;
    }
  }

  @Override
  public String toString() {
    return "OperatorHarness{" + backendName() + "}";
  }

  private String backendName() {
    return forSt ? "FORST" : Objects.toString(backend);
  }
}
