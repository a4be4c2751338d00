package dev.etlkit.examples;

import dev.etlkit.core.RawRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Passes Kafka records on, reports the job's progress to the test and fails the job when the test
 * arms a failure: {@link Kind#RECORD} throws at a record (the first any subtask maps once {@link
 * #RECORDS} has reached {@link #FAIL_AT_RECORD}), {@link Kind#CHECKPOINT} while the next checkpoint
 * is taken. The test decides when (after the job has read and checkpointed some of the input in its
 * current attempt), so every planned failure happens, whatever the machine's speed. State lives in
 * statics: the MiniCluster runs in this JVM, and the function is recreated on every restart.
 */
final class FailureInjector extends RichMapFunction<RawRecord, RawRecord>
    implements CheckpointedFunction, CheckpointListener {

  private static final long serialVersionUID = 1L;

  /** Where an armed failure happens. */
  enum Kind {
    RECORD,
    CHECKPOINT
  }

  /** The failure to inject next, or null. */
  static final AtomicReference<Kind> ARMED = new AtomicReference<>();

  /** Failures thrown so far, in this JVM. */
  static final AtomicInteger INJECTED = new AtomicInteger();

  /** Records mapped so far, by every attempt, in this JVM. */
  static final AtomicLong RECORDS = new AtomicLong();

  /** An armed {@link Kind#RECORD} failure waits until {@link #RECORDS} reaches this. */
  static final AtomicLong FAIL_AT_RECORD = new AtomicLong();

  /** The latest execution attempt that opened. */
  static final AtomicInteger LATEST_ATTEMPT = new AtomicInteger(-1);

  /**
   * Checkpoint completions notified to the first subtask of each injector in the latest attempt
   * (reset when a newer attempt opens).
   */
  static final AtomicInteger CHECKPOINTS_IN_LATEST_ATTEMPT = new AtomicInteger();

  /** The last offset read per "attempt topic-partition". */
  private static final Map<String, Long> OFFSETS = new ConcurrentHashMap<>();

  private transient int attempt;

  /** Resets the statics before a run. */
  static void reset() {
    ARMED.set(null);
    LATEST_ATTEMPT.set(-1);
    CHECKPOINTS_IN_LATEST_ATTEMPT.set(0);
    OFFSETS.clear();
  }

  /** The last offset of {@code topicPartition} the latest attempt read, or -1. */
  static long lastOffsetInLatestAttempt(String topicPartition) {
    return OFFSETS.getOrDefault(LATEST_ATTEMPT.get() + " " + topicPartition, -1L);
  }

  @Override
  public void open(OpenContext context) {
    attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
    if (LATEST_ATTEMPT.getAndAccumulate(attempt, Math::max) < attempt) {
      CHECKPOINTS_IN_LATEST_ATTEMPT.set(0);
    }
  }

  @Override
  public RawRecord map(RawRecord record) {
    long records = RECORDS.incrementAndGet();
    String source = record.source();
    int at = source.lastIndexOf('@');
    OFFSETS.merge(
        attempt + " " + source.substring(0, at),
        Long.parseLong(source.substring(at + 1)),
        Math::max);
    if (records >= FAIL_AT_RECORD.get() && ARMED.compareAndSet(Kind.RECORD, null)) {
      INJECTED.incrementAndGet();
      throw new IllegalStateException("injected failure at " + source);
    }
    return record;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) {
    if (ARMED.compareAndSet(Kind.CHECKPOINT, null)) {
      INJECTED.incrementAndGet();
      throw new IllegalStateException(
          "injected failure while taking checkpoint " + context.getCheckpointId());
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    if (attempt == LATEST_ATTEMPT.get()
        && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
      CHECKPOINTS_IN_LATEST_ATTEMPT.incrementAndGet();
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) {}
}
